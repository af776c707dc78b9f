#!/usr/bin/env python3
"""A do-nothing MQTT endpoint for measuring gatewayperf itself (its ceiling), not a broker.

    python3 bench/mqtt-sink.py 18899 &
    gatewayperf mqtt throughput --port 18899 --subscribers 0            # publisher ceiling (sink)
    gatewayperf mqtt throughput --port 18899 --publishers 0 --size 16   # subscriber ceiling (source)

Every CONNECT gets CONNACK 0. A client that sends SUBSCRIBE within 0.2 s gets a SUBACK (QoS 0) and then an
endless stream of 16-byte QoS 0 PUBLISHes on perf/1, each block stamped with CLOCK_MONOTONIC like gatewayperf's
own publishers; anything else a client sends is read and dropped. One thread per client.
"""
import socket
import struct
import sys
import threading
import time


def read_packet(conn, buf):
    """Returns (packet, rest) once a whole packet is buffered, or (None, b"") at end of stream."""
    while True:
        if len(buf) >= 2:
            length, shift, i = 0, 0, 1
            while i < len(buf) and i <= 4:
                length |= (buf[i] & 0x7F) << shift
                shift += 7
                i += 1
                if buf[i - 1] < 0x80:
                    if len(buf) >= i + length:
                        return buf[:i + length], buf[i + length:]
                    break
        data = conn.recv(65536)
        if not data:
            return None, b""
        buf += data


def serve(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    packet, buf = read_packet(conn, b"")
    if packet is None:
        return
    conn.sendall(b"\x20\x02\x00\x00")
    conn.settimeout(0.2)
    try:
        packet, buf = read_packet(conn, buf)
    except socket.timeout:
        packet = None
    conn.settimeout(None)
    if packet and packet[0] == 0x82:
        conn.sendall(b"\x90\x03" + packet[2:4] + b"\x00")
        head = b"\x30\x18\x00\x06perf/1"
        while True:
            stamp = struct.pack(">Q", time.clock_gettime_ns(time.CLOCK_MONOTONIC))
            conn.sendall((head + stamp + b"\x00" * 8) * 8192)
    while conn.recv(1 << 20):
        pass


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 18899))
    listener.listen(128)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=lambda c=conn: _quietly(serve, c), daemon=True).start()


def _quietly(body, conn):
    try:
        body(conn)
    except OSError:
        pass
    finally:
        conn.close()


if __name__ == "__main__":
    main()
