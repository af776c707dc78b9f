"""Publisher flow control: the memory alarm blocks publishing connections (connection.blocked) until
consumers drain the backlog (connection.unblocked); a queue whose consumers lag holds its publishers back
(reading paused) instead of growing without bound."""

from __future__ import annotations

import threading
import time

import pika

from gwtest import amqp_raw as raw
from gwtest import mqtt_raw
from gwtest.clients import connect, unique, wait_until
from gwtest.session import gateway_only

BODY = b"x" * 65536


@gateway_only("RabbitMQ's alarm is driven by vm_memory_high_watermark, not Gateway's max_message_memory")
def test_memory_alarm_blocks_publisher_until_consumers_drain(start_broker):
    target = start_broker(settings={"main": {"max_message_memory": "1MiB"}})
    events: list[str] = []
    publisher = connect(target)
    publisher.add_on_connection_blocked_callback(lambda *_: events.append("blocked"))
    publisher.add_on_connection_unblocked_callback(lambda *_: events.append("unblocked"))
    consumer = connect(target)
    try:
        queue = unique("flow")
        pch = publisher.channel()
        pch.queue_declare(queue)
        for _ in range(40):  # 2.5 MiB of bodies, well over the 1 MiB watermark
            pch.basic_publish("", queue, BODY)

        def pump_until(what: str) -> bool:
            publisher.process_data_events(time_limit=0.05)
            return what in events

        wait_until(lambda: pump_until("blocked"), 10, "connection.blocked after passing the watermark")
        assert "unblocked" not in events

        cch = consumer.channel()
        received = 0
        deadline = time.monotonic() + 20
        while received < 40 and time.monotonic() < deadline:
            method, _, body = cch.basic_get(queue, auto_ack=True)
            if method is None:
                publisher.process_data_events(time_limit=0.05)
                continue
            assert body == BODY
            received += 1
        assert received == 40, "every message published before and during the block is kept"
        wait_until(lambda: pump_until("unblocked"), 10, "connection.unblocked after the backlog drained")

        pch.basic_publish("", queue, b"after")
        wait_until(lambda: cch.basic_get(queue, auto_ack=True)[2] == b"after", 10, "publishing works again")
    finally:
        for c in (publisher, consumer):
            if c.is_open:
                c.close()


LAG_TOTAL = 300_000
"""Messages the raw publisher sends in one go: more than the queue's high mark (65 536 ready messages) plus
what the kernel's socket buffers can hold, so the sender must block while the broker holds it back."""
LAG_BOUND = 65_536 + 40_000
"""Ready messages the queue may reach while throttled for LAG_WATCH_S: the high mark, plus the batches a
paused connection still reads (one per maximum pause of 1 s, a few thousand messages each, and the read in
progress when the pause began). Unthrottled, even a debug build takes in over 100 000 more in that time."""
LAG_WATCH_S = 4.0


def assert_held_back_without_loss(depth, send_all, release, all_arrived) -> None:
    """Runs `send_all` (LAG_TOTAL messages in one blocking send) in a thread while a consumer lags: the queue's
    `depth()` must stay near its high mark with the sender blocked; after `release()` (the consumer goes away
    or catches up) the sender must finish and `all_arrived()` must come true."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            send_all()
        except BaseException as e:  # reported by the test thread
            errors.append(e)

    sender = threading.Thread(target=run, daemon=True)
    sender.start()
    wait_until(lambda: depth() >= 65_536, 30, "the backlog reaches the queue's high mark")
    deadline = time.monotonic() + LAG_WATCH_S
    while time.monotonic() < deadline:
        assert depth() <= LAG_BOUND, "a throttled publisher's queue stays near its high mark"
    assert sender.is_alive(), "the publisher's sends block: the broker stopped reading them"
    release()
    sender.join(30)
    assert not sender.is_alive() and not errors, errors
    wait_until(all_arrived, 30, "every message the held-back publisher sent arrives")


@gateway_only("the per-queue publisher throttle is Gateway's; RabbitMQ's credit flow has other thresholds")
def test_amqp_publisher_into_a_queue_whose_consumer_lags_is_held_back(start_broker):
    target = start_broker()
    queue = unique("lag")
    consumer = connect(target)
    observer = connect(target)
    try:
        cch = consumer.channel()
        cch.queue_declare(queue)
        cch.basic_qos(prefetch_count=1)
        cch.basic_consume(queue, lambda *_: None)  # never acks: the consumer does not keep up
        och = observer.channel()
        with raw.RawAMQP(target.host, target.amqp_port, timeout=120) as publisher:
            publisher.handshake()
            publisher.open_channel(1)
            one = raw.basic_publish(1, "", queue) + raw.content_header_frame(1, 4) + raw.body_frame(1, b"lag!")
            depth = lambda: och.queue_declare(queue, passive=True).method.message_count  # noqa: E731
            assert_held_back_without_loss(
                depth, lambda: publisher.send(one * LAG_TOTAL),
                consumer.close,  # no consumer left: the queue is storage again, its unacked message returns
                lambda: depth() == LAG_TOTAL)
    finally:
        for c in (consumer, observer):
            if c.is_open:
                c.close()


@gateway_only("the per-queue publisher throttle is Gateway's; mosquitto drops what exceeds max_queued_messages")
def test_mqtt_publisher_into_a_session_whose_subscriber_lags_is_held_back(start_broker):
    target = start_broker()
    sub_id = unique("lag-sub")
    topic = f"lag/{sub_id}"
    one = mqtt_raw.publish(topic, b"l" * 60, qos=0)
    observer = connect(target)
    received = [0]

    def read_all(sock) -> None:
        """Counts delivered bytes: every delivery is encoded exactly like `one` (QoS 0, same topic and size)."""
        while received[0] < LAG_TOTAL * len(one):
            data = sock.recv(1 << 20)
            if not data:
                return
            received[0] += len(data)

    try:
        och = observer.channel()
        with mqtt_raw.RawMQTT(target.host, target.mqtt_port, timeout=60) as subscriber, \
                mqtt_raw.RawMQTT(target.host, target.mqtt_port, timeout=60) as publisher:
            assert subscriber.connect(sub_id, username="guest", password="guest") == (False, 0)
            subscriber.send(mqtt_raw.subscribe(1, [(topic, 0)]))
            subscriber.expect(mqtt_raw.SUBACK)
            assert publisher.connect(unique("lag-pub"), username="guest", password="guest") == (False, 0)
            reader = threading.Thread(target=read_all, args=(subscriber.sock,), daemon=True)
            assert_held_back_without_loss(
                lambda: och.queue_declare(f"mqtt.{sub_id}", passive=True).method.message_count,
                lambda: publisher.send(one * LAG_TOTAL),
                reader.start,  # the subscriber, which did not read its socket so far, catches up
                lambda: received[0] == LAG_TOTAL * len(one))
    finally:
        if observer.is_open:
            observer.close()
