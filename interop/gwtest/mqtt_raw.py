"""A minimal MQTT 3.1/3.1.1 client over a raw socket, for sending packets no real client would send.

Encoders build exact bytes (OASIS MQTT 3.1.1 §2 fixed header, §3 packets), including deliberately malformed ones
(any first byte, any remaining length, over-long length encodings); the reader returns whole packets or None on EOF,
and every read has a deadline, so nothing waits forever.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass

from .raw_socket import RawSocket

CONNECT = 1
CONNACK = 2
PUBLISH = 3
PUBACK = 4
PUBREC = 5
PUBREL = 6
PUBCOMP = 7
SUBSCRIBE = 8
SUBACK = 9
UNSUBSCRIBE = 10
UNSUBACK = 11
PINGREQ = 12
PINGRESP = 13
DISCONNECT = 14

PROTOCOL_311 = (b"MQTT", 4)
PROTOCOL_31 = (b"MQIsdp", 3)

# CONNACK return codes (MQTT 3.1.1 §3.2.2.3).
ACCEPTED = 0x00
REFUSED_PROTOCOL_VERSION = 0x01
REFUSED_IDENTIFIER = 0x02
REFUSED_SERVER_UNAVAILABLE = 0x03
REFUSED_BAD_CREDENTIALS = 0x04
REFUSED_NOT_AUTHORIZED = 0x05

SUBACK_FAILURE = 0x80


def varint(n: int) -> bytes:
    """Remaining Length encoding (§2.2.3): 7 bits per byte, continuation bit 0x80. Values above 268 435 455 do not fit
    in 4 bytes; they are encoded anyway (5+ bytes) so a test can send them."""
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        if n > 0:
            byte |= 0x80
        out.append(byte)
        if n == 0:
            return bytes(out)


def utf8(s: str | bytes) -> bytes:
    """A length-prefixed string (§1.5.3); bytes are sent verbatim (for invalid UTF-8 or U+0000)."""
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack(">H", len(b)) + b


def packet(first_byte: int, body: bytes) -> bytes:
    """Fixed header (first byte, Remaining Length) + body."""
    return bytes([first_byte]) + varint(len(body)) + body


def connect(client_id: str | bytes, *, username: str | bytes | None = None, password: str | bytes | None = None,
            clean_session: bool = True, keepalive: int = 60, protocol: tuple[bytes, int] = PROTOCOL_311,
            will_topic: str | bytes | None = None, will_payload: bytes = b"", will_qos: int = 0,
            will_retain: bool = False, reserved_flag: bool = False) -> bytes:
    """CONNECT (§3.1). `protocol` is (protocol name, level), e.g. PROTOCOL_31 or (b"MQTT", 9) for a bad level."""
    name, level = protocol
    flags = 0
    if reserved_flag:
        flags |= 0x01
    if clean_session:
        flags |= 0x02
    payload = utf8(client_id)
    if will_topic is not None:
        flags |= 0x04 | (will_qos << 3) | (0x20 if will_retain else 0)
        payload += utf8(will_topic) + utf8(will_payload)
    if username is not None:
        flags |= 0x80
        payload += utf8(username)
    if password is not None:
        flags |= 0x40
        payload += utf8(password)
    variable = utf8(name) + bytes([level, flags]) + struct.pack(">H", keepalive)
    return packet(CONNECT << 4, variable + payload)


def publish(topic: str | bytes, payload: bytes = b"", *, qos: int = 0, packet_id: int | None = None,
            retain: bool = False, dup: bool = False) -> bytes:
    """PUBLISH (§3.3). A packet id is written when qos > 0 (or when given explicitly, even for QoS 0)."""
    first = (PUBLISH << 4) | (0x08 if dup else 0) | ((qos & 0x03) << 1) | (0x01 if retain else 0)
    variable = utf8(topic)
    if packet_id is None and qos > 0:
        packet_id = 1
    if packet_id is not None:
        variable += struct.pack(">H", packet_id)
    return packet(first, variable + payload)


def ack(packet_type: int, packet_id: int) -> bytes:
    """PUBACK, PUBREC, PUBCOMP (flags 0) and PUBREL (flags 0b0010, §3.6.1)."""
    flags = 0x02 if packet_type == PUBREL else 0
    return packet((packet_type << 4) | flags, struct.pack(">H", packet_id))


def subscribe(packet_id: int, filters: list[tuple[str | bytes, int]], flags: int = 0x02) -> bytes:
    """SUBSCRIBE (§3.8); the fixed-header flags must be 0b0010 and are overridable for malformed-input tests."""
    body = struct.pack(">H", packet_id) + b"".join(utf8(f) + bytes([q]) for f, q in filters)
    return packet((SUBSCRIBE << 4) | flags, body)


def unsubscribe(packet_id: int, filters: list[str | bytes]) -> bytes:
    return packet((UNSUBSCRIBE << 4) | 0x02, struct.pack(">H", packet_id) + b"".join(utf8(f) for f in filters))


PINGREQ_PACKET = bytes([PINGREQ << 4, 0])
DISCONNECT_PACKET = bytes([DISCONNECT << 4, 0])


@dataclass
class Packet:
    type: int
    flags: int
    body: bytes

    @property
    def packet_id(self) -> int:
        """The packet identifier of an ack, SUBACK or UNSUBACK (the first two bytes of the variable header)."""
        return struct.unpack(">H", self.body[:2])[0]

    @property
    def connack(self) -> tuple[bool, int]:
        """(session present, return code) of a CONNACK."""
        return bool(self.body[0] & 0x01), self.body[1]

    @property
    def suback_codes(self) -> list[int]:
        return list(self.body[2:])

    @property
    def publish(self) -> "Publish":
        qos = (self.flags >> 1) & 0x03
        n = struct.unpack(">H", self.body[:2])[0]
        topic = self.body[2:2 + n].decode("utf-8")
        rest = self.body[2 + n:]
        packet_id = None
        if qos > 0:
            packet_id = struct.unpack(">H", rest[:2])[0]
            rest = rest[2:]
        return Publish(topic, rest, qos, bool(self.flags & 0x01), bool(self.flags & 0x08), packet_id)


@dataclass
class Publish:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool
    packet_id: int | None


class ProtocolViolation(AssertionError):
    pass


class RawMQTT(RawSocket):
    """A blocking TCP socket speaking raw MQTT. Every read has a deadline; a reset from the server reads as EOF."""

    reset_is_eof = True

    def read_packet(self, timeout: float | None = None) -> Packet | None:
        """The next packet, or None on EOF (clean or reset). Raises TimeoutError at the deadline."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if not self._fill(2, deadline):
            if self.buf:
                raise ProtocolViolation(f"EOF inside a fixed header: {self.buf!r}")
            return None
        length, multiplier, i = 0, 1, 1
        while True:
            if not self._fill(i + 1, deadline):
                raise ProtocolViolation("EOF inside a remaining length")
            byte = self.buf[i]
            length += (byte & 0x7F) * multiplier
            multiplier *= 128
            i += 1
            if not byte & 0x80:
                break
            if i > 4:
                raise ProtocolViolation("server sent a remaining length longer than 4 bytes")
        if not self._fill(i + length, deadline):
            raise ProtocolViolation(f"EOF inside a packet body (type {self.buf[0] >> 4}, length {length})")
        first = self.buf[0]
        body = self.buf[i:i + length]
        self.buf = self.buf[i + length:]
        return Packet(first >> 4, first & 0x0F, body)

    def expect(self, packet_type: int, timeout: float | None = None) -> Packet:
        """Reads the next packet; it must be of `packet_type`."""
        p = self.read_packet(timeout)
        if p is None:
            raise ProtocolViolation(f"server closed the connection while packet type {packet_type} was expected")
        if p.type != packet_type:
            raise ProtocolViolation(f"expected packet type {packet_type}, got {p.type} (flags {p.flags:#x})")
        return p

    def connect(self, client_id: str, timeout: float | None = None, **kwargs) -> tuple[bool, int]:
        """Sends CONNECT and returns the CONNACK's (session present, return code)."""
        self.send(connect(client_id, **kwargs))
        return self.expect(CONNACK, timeout).connack

    def wait_closed(self, timeout: float) -> list[Packet]:
        """Reads until the server closes the connection and returns what it sent first; raises AssertionError if the
        connection is still open at the deadline."""
        deadline = time.monotonic() + timeout
        got: list[Packet] = []
        while True:
            try:
                p = self.read_packet(max(0.001, deadline - time.monotonic()))
            except TimeoutError as e:
                raise AssertionError(
                    f"the server did not close the connection within {timeout} s (it sent {got})") from e
            except ProtocolViolation:
                return got  # closed in the middle of a packet: closed all the same
            if p is None:
                return got
            got.append(p)
