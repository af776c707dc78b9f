"""pika (the Python client most RabbitMQ users have) against the broker: the basic, confirm and tx classes."""

from __future__ import annotations

import hashlib
import os

import pika
import pika.exceptions
import pytest

from gwtest.clients import connect, queue_exists, ready_count, unique, wait_until


@pytest.fixture
def conn(broker):
    c = connect(broker)
    yield c
    if c.is_open:
        c.close()


def test_declare_bind_publish_get_roundtrip_keeps_body_and_properties(conn):
    ch = conn.channel()
    exchange, queue = unique("x"), unique("q")
    ch.exchange_declare(exchange, exchange_type="direct", auto_delete=True)
    ok = ch.queue_declare(queue, auto_delete=True)
    assert ok.method.queue == queue and ok.method.message_count == 0 and ok.method.consumer_count == 0
    ch.queue_bind(queue, exchange, routing_key="rk")
    props = pika.BasicProperties(content_type="text/plain", headers={"h": "v", "n": 7}, delivery_mode=2,
                                 correlation_id="corr-1", message_id="m-1", priority=3)
    ch.basic_publish(exchange, "rk", b"hello", props)
    ch.basic_publish(exchange, "other-key", b"unrouted")
    wait_until(lambda: ready_count(conn, queue) == 1, 5, "one routed message ready")
    method, got_props, body = ch.basic_get(queue, auto_ack=True)
    assert body == b"hello"
    assert method.exchange == exchange and method.routing_key == "rk" and method.redelivered is False
    assert method.message_count == 0
    assert got_props.content_type == "text/plain"
    assert got_props.headers == {"h": "v", "n": 7}
    assert got_props.delivery_mode == 2 and got_props.correlation_id == "corr-1"
    assert got_props.message_id == "m-1" and got_props.priority == 3
    assert ch.basic_get(queue) == (None, None, None)


def test_consume_delivers_in_publish_order(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    received = []

    def on_message(channel, method, properties, body):
        received.append(body)
        channel.basic_ack(method.delivery_tag)

    tag = ch.basic_consume(queue, on_message)
    for i in range(50):
        ch.basic_publish("", queue, str(i).encode())
    wait_until(lambda: len(received) == 50, 10, "50 deliveries", connection=conn)
    assert received == [str(i).encode() for i in range(50)]
    ch.basic_cancel(tag)
    assert ready_count(conn, queue) == 0


@pytest.mark.parametrize("action", ["ack", "nack-requeue", "nack-drop", "reject-requeue", "reject-drop"])
def test_ack_nack_reject(conn, action):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.basic_publish("", queue, b"payload")
    wait_until(lambda: ready_count(conn, queue) == 1, 5, "message ready")
    method, _, body = ch.basic_get(queue, auto_ack=False)
    assert body == b"payload" and method.redelivered is False
    assert ready_count(conn, queue) == 0, "a fetched, unacked message must not be ready"
    tag = method.delivery_tag
    if action == "ack":
        ch.basic_ack(tag)
    elif action.startswith("nack"):
        ch.basic_nack(tag, requeue=action.endswith("requeue"))
    else:
        ch.basic_reject(tag, requeue=action.endswith("requeue"))
    # basic.get is synchronous, so the broker has handled the ack/nack/reject before it answers.
    again, _, body2 = ch.basic_get(queue, auto_ack=True)
    if action.endswith("requeue"):
        assert again is not None, "a requeued message must be delivered again"
        assert body2 == b"payload" and again.redelivered is True
    else:
        assert again is None, f"after {action} the message must be gone"
    assert ready_count(conn, queue) == 0


def test_prefetch_limits_unacked_deliveries(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.confirm_delivery()
    for i in range(20):
        ch.basic_publish("", queue, str(i).encode())
    ch.basic_qos(prefetch_count=5)
    delivered = []
    ch.basic_consume(queue, lambda c, m, p, b: delivered.append((m.delivery_tag, b)))
    wait_until(lambda: len(delivered) >= 5, 10, "first 5 deliveries", connection=conn)
    conn.process_data_events(time_limit=0.5)  # an observation window: nothing more may arrive
    assert len(delivered) == 5, f"prefetch 5 but {len(delivered)} unacked deliveries arrived"
    assert ready_count(conn, queue) == 15
    ch.basic_ack(delivered[0][0])
    wait_until(lambda: len(delivered) >= 6, 10, "one more delivery after one ack", connection=conn)
    conn.process_data_events(time_limit=0.3)
    assert len(delivered) == 6
    ch.basic_ack(delivered[-1][0], multiple=True)
    wait_until(lambda: len(delivered) >= 11, 10, "five more after a multiple ack", connection=conn)
    while len(delivered) < 20:
        ch.basic_ack(delivered[-1][0], multiple=True)
        before = len(delivered)
        wait_until(lambda: len(delivered) > before or len(delivered) == 20, 10, "more deliveries", connection=conn)
    assert [b for _, b in delivered] == [str(i).encode() for i in range(20)]


def test_publisher_confirms_1000_messages(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.confirm_delivery()
    for i in range(1000):
        ch.basic_publish("", queue, str(i).encode())  # raises NackError / UnroutableError if not confirmed
    assert ready_count(conn, queue) == 1000


def test_tx_commit_and_rollback_of_publishes(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.tx_select()
    ch.basic_publish("", queue, b"rolled-back")
    ch.tx_rollback()
    ch.basic_publish("", queue, b"committed")
    assert ready_count(conn, queue) == 0, "an uncommitted publish must not be visible"
    ch.tx_commit()
    assert ready_count(conn, queue) == 1
    _, _, body = ch.basic_get(queue, auto_ack=True)
    ch.tx_commit()
    assert body == b"committed"
    assert ch.basic_get(queue) == (None, None, None)


def test_tx_rollback_of_ack_leaves_message_unacked(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.basic_publish("", queue, b"m")
    wait_until(lambda: ready_count(conn, queue) == 1, 5, "message ready")
    ch.tx_select()
    method, _, body = ch.basic_get(queue, auto_ack=False)
    assert body == b"m"
    ch.basic_ack(method.delivery_tag)
    ch.tx_rollback()
    assert ready_count(conn, queue) == 0, "the message is still held unacked by the channel"
    ch.close()  # closing the channel requeues what it still holds unacked
    other = conn.channel()
    again, _, body = other.basic_get(queue, auto_ack=True)
    assert again is not None and body == b"m", "a rolled-back ack must leave the message unacked (requeued on close)"
    assert again.redelivered is True


def test_tx_commit_of_ack_removes_message(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.basic_publish("", queue, b"m")
    wait_until(lambda: ready_count(conn, queue) == 1, 5, "message ready")
    ch.tx_select()
    method, _, _ = ch.basic_get(queue, auto_ack=False)
    ch.basic_ack(method.delivery_tag)
    ch.tx_commit()
    ch.close()
    assert ready_count(conn, queue) == 0


def test_mandatory_unroutable_in_confirm_mode_raises_unroutable(conn):
    ch = conn.channel()
    ch.confirm_delivery()
    with pytest.raises(pika.exceptions.UnroutableError) as info:
        ch.basic_publish("", unique("nowhere"), b"lost", mandatory=True)
    returned = info.value.messages
    assert len(returned) == 1 and returned[0].body == b"lost"
    assert returned[0].method.reply_code == 312  # NO_ROUTE


def test_mandatory_unroutable_returns_to_on_return_callback(conn):
    ch = conn.channel()
    returns = []
    ch.add_on_return_callback(lambda c, method, props, body: returns.append((method, body)))
    key = unique("nowhere")
    ch.basic_publish("amq.direct", key, b"back", mandatory=True)
    wait_until(lambda: returns, 5, "basic.return", connection=conn)
    method, body = returns[0]
    assert body == b"back" and method.reply_code == 312 and method.exchange == "amq.direct"
    assert method.routing_key == key


def test_exclusive_queue_is_locked_for_other_connections(conn, broker):
    ch = conn.channel()
    queue = unique("excl")
    ch.queue_declare(queue, exclusive=True)
    other = connect(broker)
    try:
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            other.channel().queue_declare(queue)
        assert info.value.reply_code == 405  # RESOURCE_LOCKED
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            other.channel().basic_consume(queue, lambda *a: None)
        assert info.value.reply_code == 405
    finally:
        other.close()
    ch.basic_publish("", queue, b"still mine")
    wait_until(lambda: ready_count(conn, queue) == 1, 5, "owner still uses its exclusive queue")


def test_5_mib_message_crosses_frames_intact(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    body = os.urandom(5 * 1024 * 1024)
    ch.confirm_delivery()
    ch.basic_publish("", queue, body)
    method, _, got = ch.basic_get(queue, auto_ack=True)
    assert method is not None
    assert len(got) == len(body) and hashlib.sha256(got).digest() == hashlib.sha256(body).digest()
    received = []
    ch.basic_publish("", queue, body)
    ch.basic_consume(queue, lambda c, m, p, b: received.append(b), auto_ack=True)
    wait_until(lambda: received, 30, "5 MiB delivery", connection=conn)
    assert received[0] == body


def test_100_channels_on_one_connection(conn):
    channels = [conn.channel() for _ in range(100)]
    assert len({c.channel_number for c in channels}) == 100
    queues = []
    for i, ch in enumerate(channels):
        queue = ch.queue_declare("", exclusive=True).method.queue
        queues.append(queue)
        ch.basic_publish("", queue, f"from channel {i}".encode())
    for i, (ch, queue) in enumerate(zip(channels, queues)):
        wait_until(lambda: ready_count(conn, queue) == 1, 5, f"message on channel {i}")
        _, _, body = ch.basic_get(queue, auto_ack=True)
        assert body == f"from channel {i}".encode()
    for ch in channels:
        ch.close()


def test_purge_and_delete_report_message_counts(conn):
    ch = conn.channel()
    queue = unique("purge")
    ch.queue_declare(queue)
    ch.confirm_delivery()
    for i in range(7):
        ch.basic_publish("", queue, b"x")
    assert ch.queue_purge(queue).method.message_count == 7
    assert ready_count(conn, queue) == 0
    for i in range(3):
        ch.basic_publish("", queue, b"y")
    assert ch.queue_delete(queue).method.message_count == 3
    assert not queue_exists(conn, queue)


def test_auto_delete_queue_goes_away_after_last_consumer_cancels(conn, broker):
    ch = conn.channel()
    queue = unique("autodel")
    ch.queue_declare(queue, auto_delete=True)
    tag1 = ch.basic_consume(queue, lambda *a: None)
    tag2 = ch.basic_consume(queue, lambda *a: None)
    observer = connect(broker)
    try:
        ch.basic_cancel(tag1)
        assert queue_exists(observer, queue), "one consumer is left: the queue must stay"
        ch.basic_cancel(tag2)
        wait_until(lambda: not queue_exists(observer, queue), 5, "auto-delete queue removed")
    finally:
        observer.close()


def test_passive_declare_of_missing_queue_closes_only_the_channel(conn):
    ch = conn.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
        ch.queue_declare(unique("missing"), passive=True)
    assert info.value.reply_code == 404  # NOT_FOUND
    assert ch.is_closed
    assert conn.is_open
    fresh = conn.channel()
    queue = fresh.queue_declare("", exclusive=True).method.queue
    fresh.basic_publish("", queue, b"after 404")
    wait_until(lambda: ready_count(conn, queue) == 1, 5, "publish on the new channel")
