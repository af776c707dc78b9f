"""Publisher flow control: the memory alarm blocks publishing connections (connection.blocked) until
consumers drain the backlog (connection.unblocked)."""

from __future__ import annotations

import time

import pika

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
