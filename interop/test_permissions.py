"""Users and permissions from a RabbitMQ-format definitions file (gateway: `[main] load_definitions`; RabbitMQ:
`rabbitmqctl import_definitions`), checked with pika and with the raw client for exact reply codes."""

from __future__ import annotations

import pika
import pika.exceptions
import pytest

from gwtest import amqp_raw
from gwtest.clients import assert_broker_healthy, connect, params, ready_count, unique, wait_until
from gwtest.definitions import definitions, permission, user
from gwtest.session import gateway_only, running_broker

OTHER_VHOST = "interop-other"
EXCHANGE = "interop.perm.x"
DEF_QUEUE = "interop.perm.defined"
PASSWORD = "s3cret-pw"

NOWRITE = "interop-nowrite"
NOCONFIGURE = "interop-noconfigure"
NOREAD = "interop-noread"
NOVHOST = "interop-novhost"
OTHERONLY = "interop-otheronly"


def permission_definitions() -> dict:
    return definitions(
        users=[
            user("guest", "guest", ["administrator"]),  # defining users removes the default guest: keep it
            user(NOWRITE, PASSWORD),
            user(NOCONFIGURE, PASSWORD),
            user(NOREAD, PASSWORD, ["management"]),
            user(NOVHOST, PASSWORD),
            user(OTHERONLY, PASSWORD),
        ],
        vhosts=["/", OTHER_VHOST],
        permissions=[
            permission("guest", "/", ".*", ".*", ".*"),
            permission("guest", OTHER_VHOST, ".*", ".*", ".*"),
            permission(NOWRITE, "/", ".*", "^$", ".*"),
            permission(NOCONFIGURE, "/", "^$", ".*", ".*"),
            permission(NOREAD, "/", ".*", ".*", "^$"),
            permission(NOVHOST, "/", ".*", ".*", ".*"),
            permission(OTHERONLY, OTHER_VHOST, ".*", ".*", ".*"),
        ],
        exchanges=[{"name": EXCHANGE, "vhost": "/", "type": "direct", "durable": True, "auto_delete": False,
                    "internal": False, "arguments": {}}],
        queues=[{"name": DEF_QUEUE, "vhost": "/", "durable": True, "auto_delete": False, "arguments": {}}],
        bindings=[{"source": EXCHANGE, "vhost": "/", "destination": DEF_QUEUE, "destination_type": "queue",
                   "routing_key": "defined-key", "arguments": {}}],
    )


@pytest.fixture(scope="module")
def perm_broker(tmp_path_factory):
    with running_broker(tmp_path_factory.mktemp("perm"), permission_definitions()) as target:
        yield target


def connection_refusal(target, user_name, password, vhost="/") -> Exception:
    with pytest.raises(pika.exceptions.AMQPConnectionError) as info:
        pika.BlockingConnection(params(target, user_name, password, vhost)).close()
    return info.value


def test_definitions_create_exchange_queue_and_binding(perm_broker):
    conn = connect(perm_broker)
    try:
        ch = conn.channel()
        ch.queue_purge(DEF_QUEUE)
        ch.confirm_delivery()
        ch.basic_publish(EXCHANGE, "defined-key", b"via definitions", mandatory=True)
        _, _, body = ch.basic_get(DEF_QUEUE, auto_ack=True)
        assert body == b"via definitions"
    finally:
        conn.close()


def test_publish_without_write_permission_is_refused(perm_broker):
    conn = connect(perm_broker, NOWRITE, PASSWORD)
    try:
        ch = conn.channel()
        ch.basic_publish(EXCHANGE, "defined-key", b"forbidden")
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            ch.basic_qos(prefetch_count=1)  # a synchronous method: the refusal arrives before its reply
        assert info.value.reply_code == 403
        assert conn.is_open, "a permission error closes the channel, not the connection"
        q = conn.channel().queue_declare("", exclusive=True).method.queue  # configure and read are granted
        assert q
    finally:
        conn.close()
    guest = connect(perm_broker)
    try:
        assert ready_count(guest, DEF_QUEUE) == 0, "the refused publish must not have been routed"
    finally:
        guest.close()


def test_publish_without_write_permission_raw_reply_code(perm_broker):
    with amqp_raw.RawAMQP(perm_broker.host, perm_broker.amqp_port) as raw:
        raw.handshake(NOWRITE, PASSWORD)
        raw.open_channel(1)
        raw.send(amqp_raw.basic_publish(1, EXCHANGE, "defined-key")
                 + amqp_raw.content_header_frame(1, 1) + amqp_raw.body_frame(1, b"x"))
        close = raw.expect_close()
        assert (close.is_connection, close.channel, close.reply_code) == (False, 1, amqp_raw.ACCESS_REFUSED)
        assert (close.class_id, close.method_id) == amqp_raw.BASIC_PUBLISH


def test_queue_declare_without_configure_permission_is_refused(perm_broker):
    conn = connect(perm_broker, NOCONFIGURE, PASSWORD)
    try:
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            conn.channel().queue_declare(unique("noconf"))
        assert info.value.reply_code == 403
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            conn.channel().exchange_declare(unique("noconf-x"), exchange_type="fanout")
        assert info.value.reply_code == 403
        ch = conn.channel()
        assert ch.queue_declare(DEF_QUEUE, passive=True).method.queue == DEF_QUEUE, "passive declare needs no configure"
        ch.confirm_delivery()
        ch.basic_publish(EXCHANGE, "defined-key", b"writer may publish", mandatory=True)
        assert ch.basic_get(DEF_QUEUE, auto_ack=True)[2] == b"writer may publish"
    finally:
        conn.close()


def test_get_and_consume_without_read_permission_are_refused(perm_broker):
    conn = connect(perm_broker, NOREAD, PASSWORD)
    try:
        ch = conn.channel()
        queue = ch.queue_declare(unique("noread"), exclusive=True).method.queue  # configure is granted
        ch.basic_publish("", queue, b"unreadable")  # write on the default exchange is granted
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            ch.basic_get(queue)
        assert info.value.reply_code == 403
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            conn.channel().basic_consume(queue, lambda *a: None)
        assert info.value.reply_code == 403
        assert conn.is_open
        assert ready_count(conn, queue) == 1, "the message is still there, unread"
    finally:
        conn.close()


def test_wrong_password_fails_authentication(perm_broker):
    error = connection_refusal(perm_broker, NOREAD, "not-the-password")
    assert isinstance(error, (pika.exceptions.ProbableAuthenticationError, pika.exceptions.AuthenticationError)), \
        repr(error)
    assert "403" in str(error) or isinstance(error, pika.exceptions.AuthenticationError), repr(error)
    error = connection_refusal(perm_broker, "interop-nobody", "whatever")
    assert isinstance(error, (pika.exceptions.ProbableAuthenticationError, pika.exceptions.AuthenticationError))


def test_wrong_password_raw_is_access_refused_at_start_ok(perm_broker):
    with amqp_raw.RawAMQP(perm_broker.host, perm_broker.amqp_port) as raw:
        raw.start_ok(NOREAD, "wrong")  # announces the authentication_failure_close capability
        close = raw.expect_close()
        assert close.is_connection and close.reply_code == amqp_raw.ACCESS_REFUSED


def test_user_without_access_to_vhost_is_refused_at_open(perm_broker):
    error = connection_refusal(perm_broker, NOVHOST, PASSWORD, vhost=OTHER_VHOST)
    assert isinstance(error, (pika.exceptions.ProbableAccessDeniedError, pika.exceptions.ConnectionClosedByBroker))
    assert "530" in str(error), repr(error)
    error = connection_refusal(perm_broker, OTHERONLY, PASSWORD, vhost="/")
    assert "530" in str(error), repr(error)
    conn = connect(perm_broker, OTHERONLY, PASSWORD, vhost=OTHER_VHOST)  # its own vhost works
    conn.close()


def test_user_without_access_to_vhost_raw_is_not_allowed(perm_broker):
    for vhost in (OTHER_VHOST, "interop-no-such-vhost"):
        with amqp_raw.RawAMQP(perm_broker.host, perm_broker.amqp_port) as raw:
            with pytest.raises(amqp_raw.ProtocolViolation) as info:
                raw.handshake(NOVHOST, PASSWORD, vhost=vhost)
            assert "reply_code=530" in str(info.value), str(info.value)


def test_vhosts_are_isolated(perm_broker):
    queue = unique("iso")
    other = connect(perm_broker, OTHERONLY, PASSWORD, vhost=OTHER_VHOST)
    root = connect(perm_broker)
    try:
        other.channel().queue_declare(queue, exclusive=False, auto_delete=False)
        ch = root.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            ch.queue_declare(queue, passive=True)
        assert info.value.reply_code == 404, "a queue in another vhost is not visible"
        other.channel().queue_delete(queue)
    finally:
        other.close()
        root.close()


@gateway_only("RabbitMQ treats all of 127.0.0.0/8 as loopback, so guest from 127.0.0.2 is allowed there")
def test_guest_refused_from_non_loopback_address(start_broker):
    target = start_broker()
    # The client end is bound to 127.0.0.2, so the broker sees a peer address other than 127.0.0.1/::1.
    with amqp_raw.RawAMQP(target.host, target.amqp_port, source="127.0.0.2") as raw:
        with pytest.raises(amqp_raw.ProtocolViolation) as info:
            raw.handshake("guest", "guest")
        text = str(info.value)
        assert "reply_code=403" in text or "closed the connection" in text, text
    # The same credentials from 127.0.0.1 are accepted: the refusal was about the address.
    with amqp_raw.RawAMQP(target.host, target.amqp_port) as raw:
        raw.handshake("guest", "guest")


def test_broker_still_serves_guest_after_refusals(perm_broker):
    assert_broker_healthy(perm_broker)
    conn = connect(perm_broker)
    try:
        ch = conn.channel()
        queue = ch.queue_declare("", exclusive=True).method.queue
        ch.basic_publish("", queue, b"ok")
        wait_until(lambda: ready_count(conn, queue) == 1, 5, "guest publish")
    finally:
        conn.close()
