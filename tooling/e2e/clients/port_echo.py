#!/usr/bin/env python3
"""Opens a SPICE port channel by name with spice-gtk (SpiceClientGLib), writes a message to it and
waits for the same bytes to come back. Prints one JSON line; exit 0 when the echo matched.

usage: port_echo.py --port P [--host H] [--name org.spice-ts.echo] [--message TEXT] [--timeout S]
"""
import argparse
import ctypes
import json
import sys
import time

import gi

gi.require_version("SpiceClientGLib", "2.0")
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--name", default="org.spice-ts.echo")
    p.add_argument("--message", default="hello from spice-gtk")
    p.add_argument("--timeout", type=float, default=20)
    args = p.parse_args()

    loop = GLib.MainLoop()
    session = SpiceClientGLib.Session()
    session.set_property("host", args.host)
    session.set_property("port", str(args.port))
    report = {"ok": False, "port_name": None, "opened": False, "written": 0, "echo": "", "channels": [], "errors": []}
    expected = args.message.encode()
    received = bytearray()
    start = time.monotonic()

    def finish():
        report["echo"] = received.decode("utf-8", "replace")
        report["ok"] = bytes(received) == expected
        report["elapsed_ms"] = round((time.monotonic() - start) * 1000, 1)
        loop.quit()
        return False

    def on_data(_channel, data, size):
        # port-data carries a gpointer, which PyGObject hands over as an address.
        received.extend(ctypes.string_at(data, size))
        if len(received) >= len(expected):
            finish()

    def on_written(channel, result, _data=None):
        try:
            report["written"] = channel.write_finish(result)
        except GLib.Error as e:
            report["errors"].append(f"write failed: {e.message}")
            finish()

    def on_port_name(channel, _pspec):
        name = channel.get_property("port-name")
        report["port_name"] = name
        if name != args.name:
            return
        report["opened"] = bool(channel.get_property("port-opened"))
        GObject.Object.connect(channel, "port-data", on_data)
        channel.write_async(expected, None, on_written, None)

    def on_channel_new(_session, channel):
        report["channels"].append(type(channel).__name__)
        if isinstance(channel, SpiceClientGLib.PortChannel):
            GObject.Object.connect(channel, "notify::port-name", on_port_name)
            channel.connect()  # spice-gtk links port channels only when asked (as remote-viewer does)
        GObject.Object.connect(channel, "channel-event", lambda ch, ev: ev in (SpiceClientGLib.ChannelEvent.ERROR_CONNECT,
                        SpiceClientGLib.ChannelEvent.ERROR_AUTH, SpiceClientGLib.ChannelEvent.ERROR_IO,
                        SpiceClientGLib.ChannelEvent.ERROR_LINK) and (report["errors"].append(f"channel event {int(ev)}"), finish()))

    # Session.connect() and Channel.connect() are spice-gtk's own methods (they open connections);
    # signals are connected through GObject.Object.connect.
    GObject.Object.connect(session, "channel-new", on_channel_new)
    if not session.connect():
        report["errors"].append("session.connect() failed")
        print(json.dumps(report))
        return 1

    def on_timeout():
        report["errors"].append(f"timeout after {args.timeout} s")
        return finish()

    GLib.timeout_add(int(args.timeout * 1000), on_timeout)
    loop.run()
    session.disconnect()
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
