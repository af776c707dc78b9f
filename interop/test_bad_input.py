"""Malformed and hostile input over a raw socket (gwtest.amqp_raw): the server must answer with the reply code the
spec gives (AMQP 0-9-1 §2.3.5, §4.2.3, §4.2.7, §4.2.8) and keep serving everybody else.

Every test ends by checking that a fresh pika client can still declare, publish and get on the same broker.
"""

from __future__ import annotations

import time

import pytest

from gwtest import amqp_raw as raw
from gwtest.broker import is_rabbitmq, rss_bytes
from gwtest.clients import assert_broker_healthy


@pytest.fixture
def client(broker):
    """A raw connection in the "open" state (handshake done as guest/guest)."""
    c = raw.RawAMQP(broker.host, broker.amqp_port)
    c.handshake()
    yield c
    c.close()


def assert_connection_closed(c: raw.RawAMQP, reply_code: int) -> raw.Close:
    close = c.expect_close()
    assert close.is_connection, f"expected connection.close {reply_code}, got {close}"
    assert close.reply_code == reply_code, f"expected reply code {reply_code}, got {close}"
    c.read_until_eof(10)  # after close/close-ok the server closes the socket
    return close


def test_wrong_protocol_header_gets_supported_header_and_close(broker):
    with raw.RawAMQP(broker.host, broker.amqp_port) as c:
        c.send(b"HTTP/1.1")
        assert c.read_until_eof(10) == b"AMQP\x00\x00\x09\x01"  # §4.2.2: reply with the supported header, close
    with raw.RawAMQP(broker.host, broker.amqp_port) as c:
        c.send(b"AMQP\x00\x00\x08\x00")  # AMQP 0-8
        assert c.read_until_eof(10) == b"AMQP\x00\x00\x09\x01"
    assert_broker_healthy(broker)


def test_frame_larger_than_frame_max_is_frame_error(broker, client):
    client.open_channel(1)
    frame_max = client.frame_max
    client.send(raw.basic_publish(1, "", "nowhere") + raw.content_header_frame(1, frame_max * 2))
    client.send(raw.body_frame(1, b"\x00" * (frame_max + 1000)))  # one body frame over the negotiated maximum
    assert_connection_closed(client, raw.FRAME_ERROR)
    assert_broker_healthy(broker)


def test_bad_frame_end_octet_is_frame_error(broker, client):
    client.send(raw.method_frame(1, raw.CHANNEL_OPEN, raw.shortstr(""), end=0x00))
    assert_connection_closed(client, raw.FRAME_ERROR)
    assert_broker_healthy(broker)


@pytest.mark.parametrize("class_method", [(99, 99), (60, 999)], ids=["unknown-class", "unknown-method"])
def test_unknown_class_or_method_is_not_implemented(broker, client, class_method):
    client.open_channel(1)
    client.send(raw.method_frame(1, class_method))
    if is_rabbitmq():
        # RabbitMQ 3.10 differs: its reader process crashes on {unknown_method_id, ...} and the socket is closed
        # without a connection.close. Gateway answers connection.close 540 NOT_IMPLEMENTED (asserted below).
        with pytest.raises(raw.ProtocolViolation):
            client.expect_close()
    else:
        close = assert_connection_closed(client, raw.NOT_IMPLEMENTED)
        assert (close.class_id, close.method_id) == class_method
    assert_broker_healthy(broker)


def test_heartbeat_on_nonzero_channel_is_unexpected_frame(broker, client):
    client.open_channel(1)
    client.send(raw.heartbeat_frame(1))  # heartbeats belong on channel 0 (§4.2.7)
    assert_connection_closed(client, raw.UNEXPECTED_FRAME)
    assert_broker_healthy(broker)


def test_content_body_without_header_is_unexpected_frame(broker, client):
    client.open_channel(1)
    client.send(raw.body_frame(1, b"orphan body"))
    assert_connection_closed(client, raw.UNEXPECTED_FRAME)
    assert_broker_healthy(broker)


def test_content_header_without_publish_is_unexpected_frame(broker, client):
    client.open_channel(1)
    client.send(raw.content_header_frame(1, 5))
    assert_connection_closed(client, raw.UNEXPECTED_FRAME)
    assert_broker_healthy(broker)


def test_ack_of_unknown_delivery_tag_closes_only_the_channel(broker, client):
    client.open_channel(1)
    client.send(raw.basic_ack(1, 12345))
    close = client.expect_close()
    assert (close.is_connection, close.channel, close.reply_code) == (False, 1, raw.PRECONDITION_FAILED), close
    assert (close.class_id, close.method_id) == raw.BASIC_ACK
    client.open_channel(2)
    assert client.declare_queue(2, "").strip(), "the connection must stay usable on a new channel"
    assert_broker_healthy(broker)


def test_channel_number_is_reusable_after_a_channel_error(broker, client):
    client.open_channel(1)
    client.send(raw.basic_ack(1, 1))
    close = client.expect_close()  # expect_close answers channel.close-ok
    assert close.channel == 1 and close.reply_code == raw.PRECONDITION_FAILED
    client.open_channel(1)  # the channel number is free again after close-ok
    assert client.declare_queue(1, "")
    assert_broker_healthy(broker)


def test_body_size_over_max_message_size_is_refused_without_allocating(broker, client):
    client.open_channel(1)
    before = rss_bytes(broker.pid) if broker.pid else None
    client.send(raw.basic_publish(1, "", "nowhere") + raw.content_header_frame(1, 1 << 30))  # claims 1 GiB
    if is_rabbitmq():
        # RabbitMQ 3.10 differs: it checks max_message_size only once the whole body has arrived, so a header
        # claiming 1 GiB is not refused up front. Only the "no allocation" half is checked against it.
        for _ in range(4):
            client.send(raw.body_frame(1, b"\x00" * (client.frame_max - 8)))
    else:
        close = client.expect_close()
        assert close.reply_code in (raw.PRECONDITION_FAILED, raw.UNEXPECTED_FRAME), close
    if before is not None:
        grown = rss_bytes(broker.pid) - before
        assert grown < 100 * 1024 * 1024, f"broker RSS grew by {grown >> 20} MiB for a claimed 1 GiB body"
    assert_broker_healthy(broker)


def test_silent_client_is_closed_after_handshake_timeout(broker):
    with raw.RawAMQP(broker.host, broker.amqp_port) as c:
        started = time.monotonic()
        c.read_until_eof(15)  # raises TimeoutError if the server keeps the silent socket open
        elapsed = time.monotonic() - started
    assert elapsed < 15
    assert_broker_healthy(broker)


def test_garbage_after_protocol_header_is_refused(broker):
    with raw.RawAMQP(broker.host, broker.amqp_port) as c:
        c.send(raw.PROTOCOL_HEADER)
        c.expect_method(raw.CONNECTION_START)
        c.send(b"\xff" * 64)  # frame type 255, then nonsense
        data = c.read_until_eof(10)
        # Either a connection.close (501 FRAME_ERROR) or a plain socket close: never a hang or a crash.
        if data:
            c.buf = data
            f = c.read_frame(1)
            assert f is not None and f.class_method == raw.CONNECTION_CLOSE
            assert raw.Close.parse(f).reply_code in (raw.FRAME_ERROR, raw.SYNTAX_ERROR, raw.UNEXPECTED_FRAME)
    assert_broker_healthy(broker)
