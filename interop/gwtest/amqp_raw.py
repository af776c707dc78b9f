"""A minimal AMQP 0-9-1 client over a raw socket, for sending frames no real client would send.

It does just enough to reach the "open" state (protocol header, connection.start-ok with PLAIN, tune-ok, open)
and then lets a test write arbitrary bytes and read the server's frames back, so a test can assert the exact
connection.close / channel.close reply code (AMQP 0-9-1 §2.3.5 frames, §4.2.3 general frame format).
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass

from .raw_socket import RawSocket

PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_END = 0xCE

FRAME_METHOD = 1
FRAME_HEADER = 2
FRAME_BODY = 3
FRAME_HEARTBEAT = 8

CONNECTION_START = (10, 10)
CONNECTION_START_OK = (10, 11)
CONNECTION_TUNE = (10, 30)
CONNECTION_TUNE_OK = (10, 31)
CONNECTION_OPEN = (10, 40)
CONNECTION_OPEN_OK = (10, 41)
CONNECTION_CLOSE = (10, 50)
CONNECTION_CLOSE_OK = (10, 51)
CHANNEL_OPEN = (20, 10)
CHANNEL_OPEN_OK = (20, 11)
CHANNEL_CLOSE = (20, 40)
CHANNEL_CLOSE_OK = (20, 41)
QUEUE_DECLARE = (50, 10)
QUEUE_DECLARE_OK = (50, 11)
BASIC_PUBLISH = (60, 40)
BASIC_ACK = (60, 80)

# Reply codes (AMQP 0-9-1 constants).
FRAME_ERROR = 501
SYNTAX_ERROR = 502
COMMAND_INVALID = 503
CHANNEL_ERROR = 504
UNEXPECTED_FRAME = 505
RESOURCE_ERROR = 506
NOT_ALLOWED = 530
NOT_IMPLEMENTED = 540
INTERNAL_ERROR = 541
ACCESS_REFUSED = 403
NOT_FOUND = 404
RESOURCE_LOCKED = 405
PRECONDITION_FAILED = 406


def shortstr(s: bytes | str) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    if len(b) > 255:
        raise ValueError("shortstr longer than 255 bytes")
    return bytes([len(b)]) + b


def longstr(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


EMPTY_TABLE = struct.pack(">I", 0)


def table(fields: bytes) -> bytes:
    return struct.pack(">I", len(fields)) + fields


# client-properties = {capabilities: {authentication_failure_close: true}}, as pika and rabbitmq-c announce:
# it asks the server for connection.close 403 on a failed login instead of a silent socket close.
CLIENT_PROPERTIES = table(shortstr("capabilities") + b"F" + table(shortstr("authentication_failure_close") + b"t\x01"))


def frame(frame_type: int, channel: int, payload: bytes, end: int = FRAME_END) -> bytes:
    return struct.pack(">BHI", frame_type, channel, len(payload)) + payload + bytes([end])


def method_frame(channel: int, class_method: tuple[int, int], args: bytes = b"", end: int = FRAME_END) -> bytes:
    return frame(FRAME_METHOD, channel, struct.pack(">HH", *class_method) + args, end)


def content_header_frame(channel: int, body_size: int, class_id: int = 60) -> bytes:
    # class-id, weight (0), body size, property flags (none).
    return frame(FRAME_HEADER, channel, struct.pack(">HHQH", class_id, 0, body_size, 0))


def body_frame(channel: int, body: bytes) -> bytes:
    return frame(FRAME_BODY, channel, body)


def heartbeat_frame(channel: int = 0) -> bytes:
    return frame(FRAME_HEARTBEAT, channel, b"")


def channel_open(channel: int) -> bytes:
    return method_frame(channel, CHANNEL_OPEN, shortstr(""))


def channel_close_ok(channel: int) -> bytes:
    return method_frame(channel, CHANNEL_CLOSE_OK)


def connection_close_ok() -> bytes:
    return method_frame(0, CONNECTION_CLOSE_OK)


def queue_declare(channel: int, name: str, passive=False, durable=False, exclusive=False, auto_delete=False) -> bytes:
    bits = (passive << 0) | (durable << 1) | (exclusive << 2) | (auto_delete << 3)
    return method_frame(channel, QUEUE_DECLARE, struct.pack(">H", 0) + shortstr(name) + bytes([bits]) + EMPTY_TABLE)


def basic_publish(channel: int, exchange: str, routing_key: str, mandatory=False) -> bytes:
    return method_frame(channel, BASIC_PUBLISH,
                        struct.pack(">H", 0) + shortstr(exchange) + shortstr(routing_key) + bytes([mandatory]))


def basic_ack(channel: int, delivery_tag: int, multiple=False) -> bytes:
    return method_frame(channel, BASIC_ACK, struct.pack(">QB", delivery_tag, multiple))


@dataclass
class Frame:
    type: int
    channel: int
    payload: bytes

    @property
    def class_method(self) -> tuple[int, int] | None:
        if self.type != FRAME_METHOD or len(self.payload) < 4:
            return None
        return struct.unpack(">HH", self.payload[:4])

    @property
    def args(self) -> bytes:
        return self.payload[4:]


@dataclass
class Close:
    """A connection.close or channel.close the server sent."""

    is_connection: bool
    channel: int
    reply_code: int
    reply_text: str
    class_id: int
    method_id: int

    @classmethod
    def parse(cls, f: Frame) -> "Close":
        args = f.args
        code = struct.unpack(">H", args[:2])[0]
        n = args[2]
        text = args[3:3 + n].decode("utf-8", "replace")
        class_id, method_id = struct.unpack(">HH", args[3 + n:7 + n])
        return cls(f.class_method == CONNECTION_CLOSE, f.channel, code, text, class_id, method_id)


class ProtocolViolation(AssertionError):
    pass


class RawAMQP(RawSocket):
    """A blocking socket speaking just enough AMQP. Every read has a deadline; nothing waits forever."""

    def __init__(self, host: str, port: int, timeout: float = 10.0, source: str | None = None):
        super().__init__(host, port, timeout, source)
        self.frame_max = 0
        self.channel_max = 0

    def read_frame(self, timeout: float | None = None) -> Frame | None:
        """The next frame, or None on EOF. Raises ProtocolViolation on a malformed frame from the server."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if not self._fill(7, deadline):
            if self.buf:
                raise ProtocolViolation(f"EOF inside a frame header: {self.buf!r}")
            return None
        ftype, channel, size = struct.unpack(">BHI", self.buf[:7])
        if not self._fill(7 + size + 1, deadline):
            raise ProtocolViolation(f"EOF inside a frame (type {ftype}, size {size})")
        payload = self.buf[7:7 + size]
        end = self.buf[7 + size]
        self.buf = self.buf[8 + size:]
        if end != FRAME_END:
            raise ProtocolViolation(f"server sent a frame ending in {end:#x}")
        return Frame(ftype, channel, payload)

    def read_until_eof(self, timeout: float) -> bytes:
        """Everything the server sends until it closes the connection; raises TimeoutError if it does not."""
        deadline = time.monotonic() + timeout
        data, self.buf = self.buf, b""
        while True:
            try:
                chunk = self._recv_some(deadline)
            except ConnectionResetError:
                return data
            if not chunk:
                return data
            data += chunk

    def expect_method(self, class_method: tuple[int, int], timeout: float | None = None) -> Frame:
        """Reads frames (skipping heartbeats) until a method frame; it must be `class_method`."""
        while True:
            f = self.read_frame(timeout)
            if f is None:
                raise ProtocolViolation(f"server closed the connection while {class_method} was expected")
            if f.type == FRAME_HEARTBEAT:
                continue
            if f.class_method == class_method:
                return f
            if f.class_method in (CONNECTION_CLOSE, CHANNEL_CLOSE):
                raise ProtocolViolation(f"expected {class_method}, server closed: {Close.parse(f)}")
            raise ProtocolViolation(f"expected {class_method}, got frame type {f.type} method {f.class_method}")

    def expect_close(self, timeout: float = 10.0) -> Close:
        """Reads frames until a connection.close or channel.close and returns it; answers with the matching close-ok
        (so a server waiting for close-ok can finish). Frames before it (e.g. deliveries) are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                f = self.read_frame(max(0.0, deadline - time.monotonic()))
            except ConnectionResetError as e:
                raise ProtocolViolation("connection reset by the server without a close method") from e
            if f is None:
                raise ProtocolViolation("server closed the socket without sending connection.close/channel.close")
            if f.class_method in (CONNECTION_CLOSE, CHANNEL_CLOSE):
                close = Close.parse(f)
                try:
                    self.send(connection_close_ok() if close.is_connection else channel_close_ok(close.channel))
                except OSError:
                    pass
                return close

    def start_ok(self, user: str, password: str) -> None:
        """Protocol header, wait for connection.start, send start-ok with PLAIN credentials."""
        self.send(PROTOCOL_HEADER)
        self.expect_method(CONNECTION_START)
        response = b"\x00" + user.encode() + b"\x00" + password.encode()
        self.send(method_frame(0, CONNECTION_START_OK,
                               CLIENT_PROPERTIES + shortstr("PLAIN") + longstr(response) + shortstr("en_US")))

    def handshake(self, user: str = "guest", password: str = "guest", vhost: str = "/",
                  frame_max: int | None = None) -> None:
        """Protocol header, start-ok (PLAIN), tune-ok (heartbeat 0), open; returns in the open state.
        frame_max: what to announce in tune-ok (default: the server's proposal, or 131072 if it proposes no limit)."""
        self.start_ok(user, password)
        tune = self.expect_method(CONNECTION_TUNE)
        channel_max, server_frame_max, _heartbeat = struct.unpack(">HIH", tune.args[:8])
        if frame_max is None:
            frame_max = server_frame_max or 131072
        self.frame_max = frame_max
        self.channel_max = channel_max
        self.send(method_frame(0, CONNECTION_TUNE_OK, struct.pack(">HIH", channel_max, frame_max, 0)))
        self.send(method_frame(0, CONNECTION_OPEN, shortstr(vhost) + shortstr("") + b"\x00"))
        self.expect_method(CONNECTION_OPEN_OK)

    def open_channel(self, channel: int) -> None:
        self.send(channel_open(channel))
        self.expect_method(CHANNEL_OPEN_OK)

    def declare_queue(self, channel: int, name: str) -> str:
        """queue.declare and wait for declare-ok; returns the queue name the server reports."""
        self.send(queue_declare(channel, name, auto_delete=False, exclusive=True))
        ok = self.expect_method(QUEUE_DECLARE_OK)
        n = ok.args[0]
        return ok.args[1:1 + n].decode()
