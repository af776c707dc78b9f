"""Queue arguments seen through pika: dead-lettering (reject, TTL), per-message expiration, max-length overflow."""

from __future__ import annotations

import pika
import pika.exceptions
import pytest

from gwtest.clients import connect, ready_count, unique, wait_until


@pytest.fixture
def conn(broker):
    c = connect(broker)
    yield c
    if c.is_open:
        c.close()


def dead_letter_setup(ch, source_args: dict) -> tuple[str, str]:
    """A DLX (direct) with a dead queue bound on 'dead-key', and a source queue dead-lettering to it with
    x-dead-letter-routing-key = 'dead-key'. Returns (source, dead)."""
    dlx = unique("dlx")
    ch.exchange_declare(dlx, exchange_type="direct", auto_delete=True)
    dead = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(dead, dlx, routing_key="dead-key")
    source = unique("src")
    args = {"x-dead-letter-exchange": dlx, "x-dead-letter-routing-key": "dead-key", **source_args}
    ch.queue_declare(source, exclusive=True, arguments=args)
    return source, dead


def get_when_available(conn, ch, queue, timeout=10):
    found = []

    def poll():
        method, props, body = ch.basic_get(queue, auto_ack=True)
        if method is not None:
            found.append((method, props, body))
        return bool(found)

    wait_until(poll, timeout, f"a message in {queue}")
    return found[0]


def x_death(props) -> list:
    assert props.headers is not None and "x-death" in props.headers, f"no x-death header in {props.headers}"
    deaths = props.headers["x-death"]
    assert isinstance(deaths, list) and deaths, f"x-death must be a non-empty array, got {deaths!r}"
    return deaths


def test_reject_without_requeue_dead_letters_with_routing_key(conn):
    ch = conn.channel()
    source, dead = dead_letter_setup(ch, {})
    ch.basic_publish("", source, b"bad", pika.BasicProperties(headers={"keep": "me"}))
    wait_until(lambda: ready_count(conn, source) == 1, 5, "message in source queue")
    method, _, _ = ch.basic_get(source)
    ch.basic_reject(method.delivery_tag, requeue=False)
    method, props, body = get_when_available(conn, ch, dead)
    assert body == b"bad"
    assert method.routing_key == "dead-key", "x-dead-letter-routing-key replaces the routing key"
    assert props.headers["keep"] == "me"
    death = x_death(props)[0]
    assert death["reason"] == "rejected" and death["queue"] == source
    assert ready_count(conn, source) == 0


def test_nack_without_requeue_dead_letters(conn):
    ch = conn.channel()
    source, dead = dead_letter_setup(ch, {})
    ch.basic_publish("", source, b"nacked")
    wait_until(lambda: ready_count(conn, source) == 1, 5, "message in source queue")
    method, _, _ = ch.basic_get(source)
    ch.basic_nack(method.delivery_tag, requeue=False)
    _, props, body = get_when_available(conn, ch, dead)
    assert body == b"nacked" and x_death(props)[0]["reason"] == "rejected"


def test_queue_ttl_dead_letters_expired_messages(conn):
    ch = conn.channel()
    source, dead = dead_letter_setup(ch, {"x-message-ttl": 100})
    ch.basic_publish("", source, b"old")
    method, props, body = get_when_available(conn, ch, dead)
    assert body == b"old" and method.routing_key == "dead-key"
    death = x_death(props)[0]
    assert death["reason"] == "expired" and death["queue"] == source
    assert ready_count(conn, source) == 0


def test_per_message_expiration(conn):
    ch = conn.channel()
    source, dead = dead_letter_setup(ch, {})
    ch.basic_publish("", source, b"short-lived", pika.BasicProperties(expiration="100"))
    ch.basic_publish("", source, b"forever")
    _, props, body = get_when_available(conn, ch, dead)
    assert body == b"short-lived"
    death = x_death(props)[0]
    assert death["reason"] == "expired"
    wait_until(lambda: ready_count(conn, source) == 1, 5, "only the message without expiration is left")
    _, _, body = ch.basic_get(source, auto_ack=True)
    assert body == b"forever"


def test_per_message_expiration_without_dlx_drops_message(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.basic_publish("", queue, b"gone", pika.BasicProperties(expiration="50"))
    ch.basic_publish("", queue, b"kept", pika.BasicProperties(expiration="600000"))
    wait_until(lambda: ready_count(conn, queue) == 1, 10, "the 50 ms message expired")
    assert ch.basic_get(queue, auto_ack=True)[2] == b"kept"


def test_max_length_drop_head_drops_oldest(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True,
                             arguments={"x-max-length": 3, "x-overflow": "drop-head"}).method.queue
    ch.confirm_delivery()
    for i in range(1, 6):
        ch.basic_publish("", queue, str(i).encode())
    assert ready_count(conn, queue) == 3
    bodies = [ch.basic_get(queue, auto_ack=True)[2] for _ in range(3)]
    assert bodies == [b"3", b"4", b"5"]


def test_max_length_drop_head_dead_letters_dropped(conn):
    ch = conn.channel()
    source, dead = dead_letter_setup(ch, {"x-max-length": 1})
    ch.confirm_delivery()
    ch.basic_publish("", source, b"first")
    ch.basic_publish("", source, b"second")
    _, props, body = get_when_available(conn, ch, dead)
    assert body == b"first" and x_death(props)[0]["reason"] == "maxlen"
    assert ch.basic_get(source, auto_ack=True)[2] == b"second"


def test_max_length_reject_publish_nacks_in_confirm_mode(conn):
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True,
                             arguments={"x-max-length": 3, "x-overflow": "reject-publish"}).method.queue
    ch.confirm_delivery()
    for i in range(1, 4):
        ch.basic_publish("", queue, str(i).encode())
    with pytest.raises(pika.exceptions.NackError):
        ch.basic_publish("", queue, b"4")
    assert ready_count(conn, queue) == 3
    assert [ch.basic_get(queue, auto_ack=True)[2] for _ in range(3)] == [b"1", b"2", b"3"]
    ch.basic_publish("", queue, b"room again")  # confirmed once there is space
