#!/usr/bin/python3
"""golden_client: a SpiceClientGLib client that provokes the messages glib_client.py does not.

Connects to HOST:PORT (no ticket), opens main, display, inputs and cursor, and on a timeline:
asks for server mouse mode (MAINC_MOUSE_MODE_REQUEST; the server then sends CURSOR_MOVE and the
client relative MOUSE_MOTION), asks the display channel for LZ then QUIC images
(DISPLAYC_PREFERRED_COMPRESSION), sends relative motion with buttons, presses and releases,
scancodes and keyboard locks. Exits after --seconds. Prints one JSON line.

Needs python3-gi and gir1.2-spiceclientglib-2.0; run it with /usr/bin/python3.
"""
import argparse
import json
import sys

import gi

gi.require_version("SpiceClientGLib", "2.0")
from gi.repository import GLib, GObject  # noqa: E402
from gi.repository import SpiceClientGLib as Spice  # noqa: E402

# spice-protocol enums.h
MOUSE_MODE_SERVER = 1
IMAGE_COMPRESSION_QUIC = 4
IMAGE_COMPRESSION_LZ = 6
MOUSE_BUTTON_LEFT, MOUSE_BUTTON_MASK_LEFT = 1, 1
MOUSE_BUTTON_RIGHT, MOUSE_BUTTON_MASK_RIGHT = 3, 4
# PC AT set-1 scancodes: a, s, d, Enter
SCANCODES = [0x1E, 0x1F, 0x20, 0x1C]
KEY_LOCK_CAPS = 4


def gconnect(obj, signal, handler):
    return GObject.Object.connect(obj, signal, handler)


class Client:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.session = Spice.Session()
        self.session.props.host = args.host
        self.session.props.port = str(args.port)
        self.main = self.display = self.inputs = None
        self.done = []

    def on_channel_new(self, _session, ch):
        if isinstance(ch, Spice.MainChannel):
            self.main = ch
        elif isinstance(ch, Spice.DisplayChannel):
            self.display = ch
        elif isinstance(ch, Spice.InputsChannel):
            self.inputs = ch
        elif not isinstance(ch, Spice.CursorChannel):
            return
        if not isinstance(ch, Spice.MainChannel):
            Spice.Channel.connect(ch)

    def at(self, ms, what, fn):
        def run():
            try:
                fn()
                self.done.append(what)
            except Exception as e:  # report, keep going
                self.done.append("%s failed: %s" % (what, e))
            return False
        GLib.timeout_add(ms, run)

    def motion_burst(self, count, buttons):
        for i in range(count):
            self.at(i * 30, "motion", lambda i=i: self.inputs.motion(5 if i % 2 == 0 else -3, 2, buttons))

    def schedule(self):
        self.at(1500, "server mouse mode", lambda: self.main.request_mouse_mode(MOUSE_MODE_SERVER))
        self.at(2000, "prefer LZ", lambda: self.display.display_channel_change_preferred_compression(IMAGE_COMPRESSION_LZ))
        GLib.timeout_add(3000, lambda: self.motion_burst(16, 0) or False)
        self.at(4000, "press left", lambda: self.inputs.button_press(MOUSE_BUTTON_LEFT, MOUSE_BUTTON_MASK_LEFT))
        GLib.timeout_add(4100, lambda: self.motion_burst(8, MOUSE_BUTTON_MASK_LEFT) or False)
        self.at(4500, "release left", lambda: self.inputs.button_release(MOUSE_BUTTON_LEFT, 0))
        self.at(4700, "press right", lambda: self.inputs.button_press(MOUSE_BUTTON_RIGHT, MOUSE_BUTTON_MASK_RIGHT))
        self.at(4800, "release right", lambda: self.inputs.button_release(MOUSE_BUTTON_RIGHT, 0))
        for i, code in enumerate(SCANCODES):
            self.at(5000 + i * 60, "key", lambda code=code: self.inputs.key_press_and_release(code))
        self.at(5500, "caps lock", lambda: self.inputs.set_key_locks(KEY_LOCK_CAPS))
        self.at(5700, "locks off", lambda: self.inputs.set_key_locks(0))
        self.at(9000, "prefer QUIC", lambda: self.display.display_channel_change_preferred_compression(IMAGE_COMPRESSION_QUIC))
        GLib.timeout_add(12000, lambda: self.motion_burst(12, 0) or False)
        GLib.timeout_add(int(self.args.seconds * 1000), self.finish)

    def finish(self):
        self.session.disconnect()
        GLib.timeout_add(300, self.loop.quit)
        return False

    def run(self):
        gconnect(self.session, "channel-new", self.on_channel_new)
        if not self.session.connect():
            print(json.dumps({"ok": False, "error": "connect refused"}))
            return 1
        self.schedule()
        self.loop.run()
        print(json.dumps({"ok": True, "steps": len(self.done),
                          "failed": [d for d in self.done if "failed" in d]}))
        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, default=25)
    return Client(p.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
