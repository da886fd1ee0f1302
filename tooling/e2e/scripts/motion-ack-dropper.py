#!/usr/bin/python3
"""motion-ack-dropper: a TCP relay in front of a SPICE server that swallows MOUSE_MOTION_ACK.

    motion-ack-dropper.py LISTEN_PORT SERVER_PORT

Dev-only (used by try-against-xspice.sh): it simulates a server that forgets the motion ack,
so that glib_client.py --motion can be seen reporting "stuck". It relays every channel
verbatim except that, on inputs channels, server messages of type MOUSE_MOTION_ACK are dropped.
Assumes no TLS and the mini data header (what spice-gtk and spice-server agree on).
"""
import socket
import struct
import sys
import threading

CHANNEL_INPUTS = 3          # spice-protocol enums.h SPICE_CHANNEL_INPUTS
MSG_MOTION_ACK = 111        # SPICE_MSG_INPUTS_MOUSE_MOTION_ACK
LINK_HEADER = 16            # magic, major, minor, size (u32 each)


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def relay(client, server):
    try:
        # client link: header + SpiceLinkMess (connection_id u32, channel_type u8, ...)
        head = read_exact(client, LINK_HEADER)
        size = struct.unpack_from("<I", head, 12)[0]
        body = read_exact(client, size)
        channel_type = body[4]
        server.sendall(head + body)
        threading.Thread(target=pump, args=(client, server), daemon=True).start()
        # server link reply, then (after the client's ticket) a 4-byte link result
        head = read_exact(server, LINK_HEADER)
        size = struct.unpack_from("<I", head, 12)[0]
        client.sendall(head + read_exact(server, size))
        client.sendall(read_exact(server, 4))
        while True:
            header = read_exact(server, 6)
            msg_type, msg_size = struct.unpack("<HI", header)
            payload = read_exact(server, msg_size)
            if channel_type == CHANNEL_INPUTS and msg_type == MSG_MOTION_ACK:
                continue
            client.sendall(header + payload)
    except (EOFError, OSError):
        pass
    finally:
        for s in (client, server):
            try:
                s.close()
            except OSError:
                pass


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    listen_port, server_port = int(sys.argv[1]), int(sys.argv[2])
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", listen_port))
    lsock.listen(16)
    print("listening on 127.0.0.1:%d -> %d" % (listen_port, server_port), flush=True)
    while True:
        client, _ = lsock.accept()
        server = socket.create_connection(("127.0.0.1", server_port))
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=relay, args=(client, server), daemon=True).start()


if __name__ == "__main__":
    main()
