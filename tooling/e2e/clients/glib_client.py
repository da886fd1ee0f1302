#!/usr/bin/python3
"""glib_client: a scriptable SPICE client for the spice-ts end-to-end tests.

Built on spice-gtk's SpiceClientGLib through GObject introspection (Debian packages
python3-gi and gir1.2-spiceclientglib-2.0; run it with /usr/bin/python3, a python3 that
comes earlier in PATH may lack `gi`).  It opens no window.

What it does, in order:
  1. connects to HOST:PORT (or --tls-port with --ca-file, or --unix-path; with --password as the
     ticket, or --username and --password for SASL) and every channel the server lists,
     except sound, usbredir and smartcard;
  2. waits until the primary surface exists and the display has been quiet (no invalidate and
     no display-channel traffic) for --idle-ms (0: do not wait for quiet);
  3. --motion N: sends N one-pixel pointer moves and checks that MOUSE_MOTION_ACKs came back
     (the server must ack every 4 motion/position messages, else spice-gtk stops sending
     after 8 unacknowledged ones and the mouse is "stuck");
     --click X,Y[,BUTTON]: puts the pointer on X,Y and presses and releases BUTTON
     (1 left, 2 middle, 3 right; default 1);
     --type TEXT: presses and releases PC AT (set 1) scancodes for each ASCII character,
     US layout, with Shift where needed ("\\n" is Enter, "\\t" is Tab);
  4. waits --wait-ms, then until the display is quiet again for --idle-ms;
  5. writes the primary surface to --png and/or --ppm (24-bit RGB);
  6. prints ONE line of JSON on stdout and exits.

Exit status: 0 ok; 1 failed (connect/link/IO error, no display, no inputs channel, surface
not convertible); 2 bad arguments; 3 timed out (--timeout seconds) before the display was
ready or quiet; 4 authentication failed (wrong or missing password); 5 the server closed
the connection before the client was done.  The JSON is printed in every case but 2.
"""
import argparse
import codecs
import collections
import ctypes
import json
import os
import socket
import struct
import sys
import time
import zlib

import gi

gi.require_version("SpiceClientGLib", "2.0")
from gi.repository import GLib, GObject  # noqa: E402
from gi.repository import SpiceClientGLib as Spice  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TIMEOUT, EXIT_AUTH, EXIT_DISCONNECTED = 0, 1, 2, 3, 4, 5

TICK_MS = 20                 # idle-detection poll period
QUIET_BYTES_PER_TICK = 128   # display bytes per tick that still count as quiet (pings, acks)
KEY_HOLD_MS = 8              # between key press and key release
KEY_GAP_MS = 15              # after each typed character
MOTION_GAP_MS = 2            # between two --motion moves
MOTION_ACK_WAIT_MS = 1500    # how long to wait for the last expected MOUSE_MOTION_ACK
# spice-protocol: the server acks every SPICE_INPUT_MOTION_ACK_BUNCH motion/position messages
# and spice-gtk stops sending motion once 2 * BUNCH are unacknowledged.
MOTION_ACK_BUNCH = 4

# Sizes on the wire with the mini data header (6 bytes: type u16, size u32) or the full one (18):
# MOUSE_MOTION 10-byte body, MOUSE_POSITION 11, PING/PONG 12, MOUSE_MOTION_ACK empty.
ACK_MESSAGE_BYTES = 6
PROBE_WAIT_MS = 200
MOVE_SIZES = (6 + 10, 6 + 11, 18 + 10, 18 + 11)
PONG_SIZES = (6 + 12, 18 + 12)

# spice-protocol enums.h: SpiceMouseMode, SpiceMouseButton, SpiceMouseButtonMask, SpiceSurfaceFmt
MOUSE_MODES = {1: "server", 2: "client"}
BUTTON_MASKS = {1: 1, 2: 2, 3: 4, 4: 0, 5: 0}   # wheel up/down (4/5) have no mask bit
FMT_16_555, FMT_32_XRGB, FMT_16_565, FMT_32_ARGB = 16, 32, 80, 96

SC_LSHIFT, SC_ENTER, SC_TAB, SC_SPACE = 0x2A, 0x1C, 0x0F, 0x39


def build_keymap():
    """ASCII character -> (set-1 make code, needs shift), US keyboard layout."""
    rows = (
        (0x02, "1234567890-=", "!@#$%^&*()_+"),
        (0x10, "qwertyuiop[]", "QWERTYUIOP{}"),
        (0x1E, "asdfghjkl;'`", 'ASDFGHJKL:"~'),
        (0x2B, "\\zxcvbnm,./", "|ZXCVBNM<>?"),
    )
    keymap = {" ": (SC_SPACE, False), "\n": (SC_ENTER, False), "\t": (SC_TAB, False)}
    for first, plain, shifted in rows:
        for offset, (lo, hi) in enumerate(zip(plain, shifted)):
            keymap[lo] = (first + offset, False)
            keymap[hi] = (first + offset, True)
    return keymap


KEYMAP = build_keymap()


def gconnect(obj, signal, handler):
    # SpiceSession.connect() and SpiceChannel.connect() hide GObject's connect().
    return GObject.Object.connect(obj, signal, handler)


# -- socket counters (Linux TCP_INFO) ---------------------------------------------------------
class TcpCounters:
    """Byte and segment counters of one channel's TCP socket (struct tcp_info, Linux >= 4.19)."""
    # offsets in struct tcp_info (include/uapi/linux/tcp.h)
    BYTES_RECEIVED, DATA_SEGS_IN, DATA_SEGS_OUT, BYTES_SENT = 128, 152, 156, 200

    def __init__(self, fd):
        self.sock = socket.socket(fileno=os.dup(fd))

    @classmethod
    def of(cls, channel):
        gsock = channel.props.socket
        if gsock is None:
            return None
        try:
            counters = cls(gsock.get_fd())
            counters.read()
            return counters
        except (OSError, struct.error):
            return None

    def read(self):
        info = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
        return Counters(
            bytes_in=struct.unpack_from("<Q", info, self.BYTES_RECEIVED)[0],
            bytes_out=struct.unpack_from("<Q", info, self.BYTES_SENT)[0],
            segs_in=struct.unpack_from("<I", info, self.DATA_SEGS_IN)[0],
            segs_out=struct.unpack_from("<I", info, self.DATA_SEGS_OUT)[0],
        )


Counters = collections.namedtuple("Counters", "bytes_in bytes_out segs_in segs_out")


def contains_move(nbytes):
    """Whether `nbytes` sent on the inputs socket include a pointer move (besides pongs)."""
    for move in MOVE_SIZES:
        rest = nbytes - move
        if rest >= 0 and any(rest % pong == 0 for pong in PONG_SIZES):
            return True
    return False


def estimate_acks(nbytes, segments):
    """MOUSE_MOTION_ACKs in `nbytes` over `segments` inbound segments, pings aside, assuming the
    mini header and one message per segment (what a server writing each message gets on
    loopback); None when the numbers do not fit that."""
    ping = PONG_SIZES[0]
    acks, rest = divmod(ping * segments - nbytes, ping - ACK_MESSAGE_BYTES)
    if rest or acks < 0 or acks > segments:
        return None
    return acks


# -- image output ----------------------------------------------------------------------------
def surface_to_rgb(fmt, width, height, stride, data):
    """Packed RGB rows (3 bytes per pixel) from a spice-gtk primary surface, or None."""
    out = bytearray(width * height * 3)
    if fmt in (FMT_32_XRGB, FMT_32_ARGB):          # little-endian words: B, G, R, X bytes
        for y in range(height):
            row = data[y * stride: y * stride + width * 4]
            o = y * width * 3
            out[o + 0: o + width * 3: 3] = row[2::4]
            out[o + 1: o + width * 3: 3] = row[1::4]
            out[o + 2: o + width * 3: 3] = row[0::4]
        return bytes(out)
    if fmt in (FMT_16_555, FMT_16_565):
        o = 0
        for y in range(height):
            for (v,) in struct.iter_unpack("<H", data[y * stride: y * stride + width * 2]):
                if fmt == FMT_16_565:
                    r, g, b = (v >> 11) & 31, (v >> 5) & 63, v & 31
                    out[o:o + 3] = bytes((r * 255 // 31, g * 255 // 63, b * 255 // 31))
                else:
                    r, g, b = (v >> 10) & 31, (v >> 5) & 31, v & 31
                    out[o:o + 3] = bytes((r * 255 // 31, g * 255 // 31, b * 255 // 31))
                o += 3
        return bytes(out)
    return None


def save_ppm(path, width, height, rgb):
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (width, height))
        f.write(rgb)


def save_png(path, width, height, rgb):
    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    line = width * 3
    scanlines = b"".join(b"\x00" + rgb[y * line:(y + 1) * line] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)   # 8-bit truecolour
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                chunk(b"IDAT", zlib.compress(scanlines, 6)) + chunk(b"IEND", b""))


# -- the client --------------------------------------------------------------------------------
class Client:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.session = Spice.Session()
        self.session.props.host = args.host
        self.session.props.port = str(args.port)
        if args.tls_port is not None:
            self.session.props.tls_port = str(args.tls_port)
        if args.ca_file is not None:
            self.session.props.ca_file = args.ca_file
        if args.unix_path is not None:
            # spice-gtk then connects every channel to the UNIX socket (spice+unix://).
            self.session.props.unix_path = args.unix_path
        if args.password is not None:
            self.session.props.password = args.password
        if args.username is not None:
            # With SASL (the server offers AUTH_SASL), spice-gtk logs in as this user with
            # --password; without SASL the user name is not used.
            self.session.props.username = args.username
        for prop in ("enable-audio", "enable-usbredir", "enable-smartcard"):
            self.session.set_property(prop, False)

        self.t0 = time.monotonic()
        self.timings = {}
        self.channels = {}            # "display:0" -> SpiceChannel (created)
        self.opened = []              # channel names in the order they opened
        self.bytes = {}               # name -> total-read-bytes (updated on destroy and at end)
        self.main = self.display = self.inputs = None
        self.primary = None           # (format, width, height, stride, pointer)
        self.last_frame = None        # copy taken when the primary was destroyed
        self.mark = False
        self.invalidates = self.invalidated_pixels = 0
        self.last_activity = None     # last display update or traffic
        self.display_bytes_seen = 0
        self.phase = "connecting"     # connecting -> settling -> input -> after -> done
        self.settle_from = None       # quiet must be measured from here
        self.input = None             # what the input phase did (JSON)
        self.input_invalidates = 0
        self.image = None
        self.errors = []
        self.auth_failed = self.disconnected = self.timed_out = False

    # -- helpers ----------------------------------------------------------
    def now_ms(self):
        return round((time.monotonic() - self.t0) * 1000, 1)

    def stamp(self, key):
        self.timings.setdefault(key, self.now_ms())

    def error(self, text):
        if text not in self.errors:
            self.errors.append(text)

    @staticmethod
    def name_of(ch):
        return "%s:%d" % (Spice.Channel.type_to_string(ch.props.channel_type), ch.props.channel_id)

    def mouse_mode(self):
        return MOUSE_MODES.get(self.main.props.mouse_mode) if self.main is not None else None

    # -- session and channels ------------------------------------------------
    def run(self):
        gconnect(self.session, "channel-new", self.on_channel_new)
        gconnect(self.session, "channel-destroy", self.on_channel_destroy)
        gconnect(self.session, "disconnected", self.on_session_disconnected)
        if not Spice.Session.connect(self.session):
            self.error("spice_session_connect() refused to start")
            return self.report()
        GLib.timeout_add(TICK_MS, self.tick)
        GLib.timeout_add(int(self.args.timeout * 1000), self.on_timeout)
        self.loop.run()
        return self.report()

    def on_channel_new(self, _session, ch):
        name = self.name_of(ch)
        self.channels[name] = ch
        gconnect(ch, "channel-event", self.on_channel_event)
        if isinstance(ch, Spice.MainChannel):
            self.main = ch
            gconnect(ch, "main-mouse-update", self.on_mouse_update)
        elif isinstance(ch, Spice.DisplayChannel) and self.display is None:
            self.display = ch
            gconnect(ch, "display-primary-create", self.on_primary_create)
            gconnect(ch, "display-primary-destroy", self.on_primary_destroy)
            gconnect(ch, "display-invalidate", self.on_invalidate)
            gconnect(ch, "display-mark", self.on_mark)
        elif isinstance(ch, Spice.InputsChannel):
            self.inputs = ch
        if not isinstance(ch, Spice.MainChannel):   # the session connects main itself
            Spice.Channel.connect(ch)

    def on_channel_destroy(self, _session, ch):
        name = self.name_of(ch)
        self.bytes[name] = ch.props.total_read_bytes
        self.channels.pop(name, None)

    def on_channel_event(self, ch, event):
        name = self.name_of(ch)
        ev = Spice.ChannelEvent
        if event == ev.OPENED:
            if name not in self.opened:
                self.opened.append(name)
            if ch is self.main:
                self.stamp("connected_ms")
            return
        if self.phase == "done":
            return
        if event == ev.ERROR_AUTH:
            self.auth_failed = True
            self.error("%s: authentication failed" % name)
            self.finish()
        elif event in (ev.ERROR_CONNECT, ev.ERROR_TLS, ev.ERROR_LINK, ev.ERROR_IO):
            self.error("%s: %s" % (name, event.value_nick))
            if ch is self.main or ch is self.display:
                if event == ev.ERROR_IO and self.primary is not None:
                    self.disconnected = True
                self.finish()
        elif event == ev.CLOSED:
            if ch is self.main or ch is self.display:
                self.disconnected = True
                self.error("%s: closed by the server" % name)
                self.finish()

    def on_session_disconnected(self, _session):
        if self.phase != "done":
            self.disconnected = True
            self.error("session disconnected")
            self.finish()

    def on_mouse_update(self, _main):
        self.stamp("mouse_mode_ms")

    # -- display ---------------------------------------------------------------
    def on_primary_create(self, _ch, fmt, width, height, stride, _shmid, pointer):
        self.primary = (fmt, width, height, stride, pointer)
        self.stamp("first_primary_ms")
        self.activity()

    def on_primary_destroy(self, _ch):
        self.last_frame = self.copy_primary()
        self.primary = None

    def on_invalidate(self, _ch, _x, _y, w, h):
        self.invalidates += 1
        self.invalidated_pixels += w * h
        if self.phase in ("input", "after"):
            self.input_invalidates += 1
        self.activity()

    def on_mark(self, _ch, _mark):
        self.mark = True
        self.stamp("mark_ms")

    def activity(self):
        self.last_activity = time.monotonic()

    def copy_primary(self):
        if self.primary is None:
            return None
        fmt, width, height, stride, pointer = self.primary
        return (fmt, width, height, stride, ctypes.string_at(pointer, stride * height))

    # -- the schedule ------------------------------------------------------------
    def quiet_since(self, start):
        """True once nothing happened on the display for --idle-ms since `start`."""
        last = max(self.last_activity or 0, start)
        return (time.monotonic() - last) * 1000 >= self.args.idle_ms

    def tick(self):
        if self.phase == "done":
            return False
        if self.display is not None:
            seen = self.display.props.total_read_bytes
            if seen - self.display_bytes_seen > QUIET_BYTES_PER_TICK:
                self.activity()
            self.display_bytes_seen = seen
        if self.phase == "connecting" and self.primary is not None:
            self.phase = "settling"
            self.settle_from = time.monotonic()
        if self.phase == "settling" and self.quiet_since(self.settle_from):
            self.stamp("idle_ms")
            self.start_input()
        elif self.phase == "after" and self.quiet_since(self.settle_from):
            self.stamp("idle_after_input_ms")
            self.finish()
        return self.phase != "done"

    def on_timeout(self):
        if self.phase != "done":
            self.timed_out = True
            self.error("timed out after %gs in phase %s" % (self.args.timeout, self.phase))
            self.finish()
        return False

    def wants_input(self):
        a = self.args
        return bool(a.type or a.click or a.motion)

    def start_input(self):
        if not self.wants_input() and self.args.wait_ms <= 0:
            self.finish()
            return
        self.phase = "input"
        self.input = {}
        if self.wants_input():
            self.stamp("input_start_ms")
        self.run_steps(self.input_steps())

    def run_steps(self, steps):
        """Drive a generator that yields pauses in ms, from the GLib main loop."""
        def step():
            if self.phase == "done":
                return False
            try:
                delay = next(steps)
            except StopIteration:
                return False
            GLib.timeout_add(max(1, int(delay)), step)
            return False
        step()

    def input_steps(self):
        a = self.args
        if self.wants_input():
            # inputs need the inputs channel open and the mouse mode known
            deadline = time.monotonic() + 5
            while ("inputs:0" not in self.opened or self.mouse_mode() is None) \
                    and time.monotonic() < deadline:
                yield TICK_MS
            if self.inputs is None or not any(n.startswith("inputs:") for n in self.opened):
                self.error("no inputs channel")
                self.finish()
                return
            self.input["mouse_mode"] = self.mouse_mode()
            if a.motion:
                yield from self.motion_steps(a.motion)
            if a.click:
                yield from self.click_steps(*a.click)
            if a.type:
                yield from self.type_steps(a.type)
            self.stamp("input_end_ms")
        if a.wait_ms > 0:
            yield a.wait_ms
        self.phase = "after"
        self.settle_from = time.monotonic()

    def motion_steps(self, count):
        """Send `count` one-pixel moves, then one probe move once the acks had time to arrive.

        spice-gtk sends at most 2 * MOTION_ACK_BUNCH motion/position messages that the server has
        not acknowledged with MOUSE_MOTION_ACK; later moves wait (server mode, accumulated) or
        are dropped (client mode). What left the client is counted on the inputs socket
        (TCP_INFO): `withheld` means some of the burst waited for acks, `stuck` means even the
        probe move sent after the ack wait could not leave (no ack came back at all).
        """
        inputs = self.inputs
        client_mode = self.mouse_mode() == "client"
        sock = TcpCounters.of(inputs)
        if sock is None:
            self.error("cannot read the inputs channel socket counters")
            return
        start = sock.read()

        def move(i):
            if client_mode:
                inputs.position(100 + (i & 1), 100, 0, 0)
            else:
                inputs.motion(1 if i % 2 == 0 else -1, 0, 0)

        for i in range(count):
            move(i)
            yield MOTION_GAP_MS
        burst = sock.read()
        expected = count // MOTION_ACK_BUNCH
        expected_with_probe = (count + 1) // MOTION_ACK_BUNCH
        deadline = time.monotonic() + MOTION_ACK_WAIT_MS / 1000
        while time.monotonic() < deadline and \
                sock.read().bytes_in - start.bytes_in < ACK_MESSAGE_BYTES * expected:
            yield TICK_MS
        yield 50
        before_probe = sock.read()
        move(count)
        yield PROBE_WAIT_MS
        end = sock.read()
        self.input["motion"] = {
            "sent": count,
            "acks_expected": expected_with_probe,
            "acks": estimate_acks(end.bytes_in - start.bytes_in, end.segs_in - start.segs_in),
            "bytes_in": end.bytes_in - start.bytes_in,
            "messages_out": burst.segs_out - start.segs_out,
            "withheld": burst.segs_out - start.segs_out < count,
            "stuck": not contains_move(end.bytes_out - before_probe.bytes_out),
        }

    def click_steps(self, x, y, button):
        inputs = self.inputs
        if self.mouse_mode() == "client":
            inputs.position(x, y, 0, 0)
        else:
            # server mode only moves relatively: push into the top-left corner, then move to
            # x,y (the guest may accelerate large moves; use client mode for exact positions)
            inputs.motion(-0x7FFF, -0x7FFF, 0)
            yield TICK_MS
            inputs.motion(x, y, 0)
        yield 50
        inputs.button_press(button, BUTTON_MASKS[button])
        yield 30
        inputs.button_release(button, 0)
        yield 30
        self.input["click"] = {"x": x, "y": y, "button": button}

    def type_steps(self, text):
        inputs = self.inputs
        for ch in text:
            code, shift = KEYMAP[ch]
            if shift:
                inputs.key_press(SC_LSHIFT)
            inputs.key_press(code)
            yield KEY_HOLD_MS
            inputs.key_release(code)
            if shift:
                inputs.key_release(SC_LSHIFT)
            yield KEY_GAP_MS
        self.input["typed"] = len(text)

    # -- the end ----------------------------------------------------------------
    def finish(self):
        if self.phase == "done":
            return
        self.phase = "done"
        self.stamp("done_ms")
        frame = self.copy_primary() or self.last_frame
        self.frame = frame
        if frame is not None and (self.args.png or self.args.ppm):
            fmt, width, height, stride, data = frame
            rgb = surface_to_rgb(fmt, width, height, stride, data)
            if rgb is None:
                self.error("surface format %d cannot be written as an image" % fmt)
            else:
                try:
                    if self.args.ppm:
                        save_ppm(self.args.ppm, width, height, rgb)
                    if self.args.png:
                        save_png(self.args.png, width, height, rgb)
                    self.image = {"png": self.args.png, "ppm": self.args.ppm}
                except OSError as e:
                    self.error("cannot write image: %s" % e)
        for name, ch in self.channels.items():
            self.bytes[name] = ch.props.total_read_bytes
        self.final_mouse_mode = self.mouse_mode()
        Spice.Session.disconnect(self.session)
        GLib.idle_add(self.loop.quit)

    def exit_code(self):
        if self.auth_failed:
            return EXIT_AUTH
        if self.timed_out:
            return EXIT_TIMEOUT
        if self.disconnected:
            return EXIT_DISCONNECTED
        if getattr(self, "frame", None) is None or self.errors:
            return EXIT_FAILED
        return EXIT_OK

    def report(self):
        if getattr(self, "frame", None) is None and not self.errors and self.primary is None:
            self.error("no primary surface")
        code = self.exit_code()
        frame = getattr(self, "frame", None)
        self.timings["total_ms"] = self.now_ms()
        out = {
            "ok": code == EXIT_OK,
            "exit_code": code,
            "host": self.args.host,
            "port": self.args.port,
            "channels": self.opened,
            "mouse_mode": getattr(self, "final_mouse_mode", None),
            "width": frame[1] if frame else None,
            "height": frame[2] if frame else None,
            "surface_format": frame[0] if frame else None,
            "primary": frame is not None,
            "mark": self.mark,
            "invalidates": self.invalidates,
            "invalidated_pixels": self.invalidated_pixels,
            "bytes": self.bytes,
            "bytes_total": sum(self.bytes.values()),
            "timings": self.timings,
            "input": None if self.input is None else dict(self.input,
                                                           invalidates=self.input_invalidates),
            "image": self.image,
            "auth_failed": self.auth_failed,
            "disconnected": self.disconnected,
            "timed_out": self.timed_out,
            "errors": self.errors,
        }
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
        return code


# -- arguments ----------------------------------------------------------------------------------
def parse_click(text):
    parts = text.split(",")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError("expected X,Y or X,Y,BUTTON, got %r" % text)
    if len(values) == 2:
        values.append(1)
    if len(values) != 3 or values[0] < 0 or values[1] < 0 or values[2] not in BUTTON_MASKS:
        raise argparse.ArgumentTypeError("expected X,Y[,BUTTON] with BUTTON 1-5, got %r" % text)
    return tuple(values)


def parse_text(text):
    decoded = codecs.decode(text, "unicode_escape")
    bad = sorted({c for c in decoded if c not in KEYMAP})
    if bad:
        raise argparse.ArgumentTypeError("cannot type %s (ASCII, US layout only)" %
                                         ", ".join(repr(c) for c in bad))
    return decoded


def non_negative(kind):
    def parse(text):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError("must not be negative: %s" % text)
        return value
    return parse


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                epilog="exit status: 0 ok, 1 failed, 2 usage, 3 timeout, "
                                       "4 auth failed, 5 disconnected")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--password", help="ticket password (or SASL password with --username)")
    p.add_argument("--username", help="SASL user name (spice-gtk uses SASL when the server offers it)")
    p.add_argument("--tls-port", type=int, help="the server's TLS port (channels told NEED_SECURED reconnect there)")
    p.add_argument("--ca-file", help="CA certificate (PEM) that signed the server's TLS certificate")
    p.add_argument("--unix-path", help="connect to this UNIX socket instead of HOST:PORT")
    p.add_argument("--timeout", type=non_negative(float), default=30,
                   help="give up after this many seconds (default 30)")
    p.add_argument("--idle-ms", type=non_negative(int), default=500,
                   help="quiet period that counts as idle (default 500; 0: no waiting)")
    p.add_argument("--wait-ms", type=non_negative(int), default=0,
                   help="extra wait after the input, before waiting for idle again")
    p.add_argument("--png", help="write the final primary surface here as PNG")
    p.add_argument("--ppm", help="write the final primary surface here as binary PPM (P6)")
    p.add_argument("--type", type=parse_text, help="ASCII text to type ('\\n' = Enter)")
    p.add_argument("--click", type=parse_click, help="X,Y[,BUTTON] to click (1 left)")
    p.add_argument("--motion", type=non_negative(int), default=0,
                   help="send N pointer moves and report whether motion acks came back")
    args = p.parse_args()
    sys.exit(Client(args).run())


if __name__ == "__main__":
    main()
