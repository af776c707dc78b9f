"""MQTT 5 at the packet level, for what paho does not expose (topic aliases it receives, PUBREC reason codes, bad
input): a connected socket with deadline-bounded reads, and encoders/decoders for the few fields the tests need."""
from __future__ import annotations

import socket
import struct

from .mqtt import client_id

def string(s: str) -> bytes:
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def varint(n: int) -> bytes:
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def read_varint(data: bytes, i: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        b = data[i]
        value |= (b & 0x7F) << shift
        i += 1
        if not b & 0x80:
            return value, i
        shift += 7


def parse_publish(packet: tuple[int, bytes]) -> dict:
    kind, body = packet
    assert kind & 0xF0 == 0x30, f"expected PUBLISH, got {kind:#x}"
    n = struct.unpack(">H", body[:2])[0]
    t = body[2:2 + n].decode()
    i = 2 + n + (2 if (kind >> 1) & 3 else 0)
    length, i = read_varint(body, i)
    props, payload = body[i:i + length], body[i + length:]
    alias = None
    j = 0
    while j < len(props):
        pid = props[j]
        if pid == 0x23:
            alias = struct.unpack(">H", props[j + 1:j + 3])[0]
            j += 3
        elif pid == 0x0B:
            _, j = read_varint(props, j + 1)
        else:
            raise AssertionError(f"unexpected property {pid:#x}")
    return {"topic": t, "alias": alias, "payload": payload}


class RawV5:
    """A connected MQTT 5 socket with packet-level send and read (deadline-bounded)."""

    def __init__(self, target, properties: bytes = b""):
        self.sock = socket.create_connection((target.host, target.mqtt_port), timeout=10)
        body = (string("MQTT") + bytes([5, 0xC2]) + struct.pack(">H", 60) + varint(len(properties)) + properties
                + string(client_id("raw5")) + string("guest") + string("guest"))
        self.sock.sendall(bytes([0x10]) + varint(len(body)) + body)
        kind, ack = self.read()
        assert kind == 0x20 and ack[1] == 0, f"CONNACK {ack.hex()}"

    def send(self, first: int, body: bytes) -> None:
        self.sock.sendall(bytes([first]) + varint(len(body)) + body)

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "the server closed the connection"
            data += chunk
        return data

    def read(self) -> tuple[int, bytes]:
        kind = self._exact(1)[0]
        length, shift = 0, 0
        while True:
            b = self._exact(1)[0]
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        return kind, self._exact(length)

    def close(self) -> None:
        self.sock.close()
