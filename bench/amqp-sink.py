#!/usr/bin/env python3
"""A fake AMQP 0-9-1 broker that measures gatewayperf itself, not a broker.

It answers the handshake and the set-up methods gatewayperf sends (queue.declare, queue.bind, queue.purge,
basic.qos, confirm.select, basic.consume), then:
  - on a publishing connection (first basic.publish), discards everything it reads, so the publisher
    runs into a socket that drains as fast as the kernel allows;
  - on a consuming connection (basic.consume), streams pre-encoded basic.deliver + header + body frames
    as fast as the socket takes them, with the monotonic clock stamped at the start of each body, and
    never reads the acks.
With --confirm it acks nothing, so use it without confirms. Each connection has its own thread.

usage: amqp-sink.py [--port PORT] [--size BYTES]      (defaults: 15799, 16)
Run e.g. `gatewayperf amqp throughput --uri amqp://guest:guest@127.0.0.1:15799/%2F --consumers 0`.
"""

import argparse
import socket
import struct
import threading
import time

FRAME_END = b"\xce"


def frame(ftype, channel, payload):
    return struct.pack(">BHI", ftype, channel, len(payload)) + payload + FRAME_END


def method(channel, class_id, method_id, args=b""):
    return frame(1, channel, struct.pack(">HH", class_id, method_id) + args)


def shortstr(s):
    return bytes([len(s)]) + s


def longstr(s):
    return struct.pack(">I", len(s)) + s


class Connection:
    def __init__(self, sock, size):
        self.sock = sock
        self.size = size
        self.buf = bytearray()

    def read_frame(self):
        while True:
            if len(self.buf) >= 7:
                ftype, channel, length = struct.unpack_from(">BHI", self.buf)
                if len(self.buf) >= length + 8:
                    payload = bytes(self.buf[7 : 7 + length])
                    del self.buf[: length + 8]
                    return ftype, channel, payload
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data

    def run(self):
        header = self.sock.recv(8)
        if header != b"AMQP\x00\x00\x09\x01":
            return
        props = struct.pack(">I", 0)  # empty server-properties table
        self.sock.sendall(method(0, 10, 10, b"\x00\x09" + props + longstr(b"PLAIN") + longstr(b"en_US")))
        while True:
            ftype, channel, payload = self.read_frame()
            if ftype != 1:
                continue
            class_id, method_id = struct.unpack_from(">HH", payload)
            args = payload[4:]
            key = (class_id, method_id)
            if key == (10, 11):
                self.sock.sendall(method(0, 10, 30, struct.pack(">HIH", 2047, 131072, 0)))
            elif key == (10, 40):
                self.sock.sendall(method(0, 10, 41, shortstr(b"")))
            elif key == (10, 50):
                self.sock.sendall(method(0, 10, 51))
                return
            elif key == (20, 10):
                self.sock.sendall(method(channel, 20, 11, longstr(b"")))
            elif key == (50, 10):
                name = args[3 : 3 + args[2]]
                self.sock.sendall(method(channel, 50, 11, shortstr(name) + struct.pack(">II", 0, 0)))
            elif key == (50, 20):
                self.sock.sendall(method(channel, 50, 21))
            elif key == (50, 30):
                self.sock.sendall(method(channel, 50, 31, struct.pack(">I", 0)))
            elif key == (60, 10):
                self.sock.sendall(method(channel, 60, 11))
            elif key == (85, 10):
                self.sock.sendall(method(channel, 85, 11))
            elif key == (60, 20):
                self.sock.sendall(method(channel, 60, 21, shortstr(b"sink")))
                self.deliver(channel)
                return
            elif key == (60, 40):
                self.discard()
                return

    def discard(self):
        sink = bytearray(4 << 20)
        while self.sock.recv_into(sink):
            pass

    def deliver(self, channel):
        header = frame(2, channel, struct.pack(">HHQH", 60, 0, self.size, 0))
        body = frame(3, channel, bytes(self.size)) if self.size else b""
        block = bytearray()
        stamps = []
        while len(block) < 256 << 10:
            args = shortstr(b"sink") + struct.pack(">QB", len(stamps) + 1, 0) + shortstr(b"") + shortstr(b"perf-test")
            block += method(channel, 60, 60, args) + header
            stamps.append(len(block) + 7)
            block += body
        view = memoryview(block)
        while True:
            if self.size >= 8:
                now = time.monotonic_ns()
                for at in stamps:
                    struct.pack_into(">Q", block, at, now)
            self.sock.sendall(view)


def serve(port, size):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    while True:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def handle(s=sock):
            try:
                Connection(s, size).run()
            except (ConnectionError, OSError):
                pass
            finally:
                s.close()

        threading.Thread(target=handle, daemon=True).start()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=15799)
    parser.add_argument("--size", type=int, default=16)
    options = parser.parse_args()
    serve(options.port, options.size)
