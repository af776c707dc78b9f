"""Routing through topic, headers and exchange-to-exchange bindings, observed with pika.

Publishes use confirm mode with mandatory=True: a confirmed publish has been routed (or returned), so the queue
contents can be checked right after, and an UnroutableError proves "matched nothing".
"""

from __future__ import annotations

import pika
import pika.exceptions
import pytest

from gwtest.clients import connect, unique


@pytest.fixture
def ch(broker):
    c = connect(broker)
    channel = c.channel()
    channel.confirm_delivery()
    yield channel
    if c.is_open:
        c.close()


def drain(ch, queue) -> list[bytes]:
    bodies = []
    while True:
        method, _, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            return bodies
        bodies.append(body)


def publish_routed(ch, exchange, key, body, headers=None) -> bool:
    """True if the broker routed the message to at least one queue, False if it returned it as unroutable."""
    try:
        ch.basic_publish(exchange, key, body, pika.BasicProperties(headers=headers), mandatory=True)
        return True
    except pika.exceptions.UnroutableError:
        return False


def test_topic_exchange_patterns(ch):
    exchange = unique("topic")
    ch.exchange_declare(exchange, exchange_type="topic", auto_delete=True)
    patterns = {
        "star": "a.*.c",
        "hash-tail": "a.#",
        "hash-head": "#.z",
        "hash-mid": "a.#.c",
        "exact": "a.b.c",
        "all": "#",
        "star-star": "*.*",
    }
    queues = {}
    for name, pattern in patterns.items():
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(q, exchange, routing_key=pattern)
        queues[name] = q
    keys = ["a.b.c", "a", "a.x.y.c", "b.z", "z", "a.c", "a.b", "x.y.z.w", ""]
    for key in keys:
        assert publish_routed(ch, exchange, key, key.encode())
    got = {name: drain(ch, q) for name, q in queues.items()}
    assert got["star"] == [b"a.b.c"]
    assert got["hash-tail"] == [b"a.b.c", b"a", b"a.x.y.c", b"a.c", b"a.b"]  # '#' matches zero words too
    assert got["hash-head"] == [b"b.z", b"z"]
    assert got["hash-mid"] == [b"a.b.c", b"a.x.y.c", b"a.c"]
    assert got["exact"] == [b"a.b.c"]
    assert got["all"] == [k.encode() for k in keys]
    assert got["star-star"] == [b"b.z", b"a.c", b"a.b"]


def test_topic_exchange_unmatched_key_is_unroutable(ch):
    exchange = unique("topic")
    ch.exchange_declare(exchange, exchange_type="topic", auto_delete=True)
    q = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(q, exchange, routing_key="orders.*.created")
    assert publish_routed(ch, exchange, "orders.eu.created", b"1")
    assert not publish_routed(ch, exchange, "orders.eu.deleted", b"2")
    assert not publish_routed(ch, exchange, "orders.eu.x.created", b"3")
    assert drain(ch, q) == [b"1"]


def test_headers_exchange_x_match_all_and_any(ch):
    exchange = unique("headers")
    ch.exchange_declare(exchange, exchange_type="headers", auto_delete=True)
    q_all = ch.queue_declare("", exclusive=True).method.queue
    q_any = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(q_all, exchange, arguments={"x-match": "all", "format": "pdf", "type": "report"})
    ch.queue_bind(q_any, exchange, arguments={"x-match": "any", "format": "pdf", "type": "report"})
    assert publish_routed(ch, exchange, "", b"both", {"format": "pdf", "type": "report"})
    assert publish_routed(ch, exchange, "", b"both-extra", {"format": "pdf", "type": "report", "extra": 1})
    assert publish_routed(ch, exchange, "", b"format-only", {"format": "pdf"})
    assert publish_routed(ch, exchange, "", b"type-only", {"format": "zip", "type": "report"})
    assert not publish_routed(ch, exchange, "", b"neither", {"format": "zip", "other": "report"})
    assert not publish_routed(ch, exchange, "", b"no-headers", None)
    assert drain(ch, q_all) == [b"both", b"both-extra"]
    assert drain(ch, q_any) == [b"both", b"both-extra", b"format-only", b"type-only"]


def test_headers_exchange_routing_key_is_ignored(ch):
    exchange = unique("headers")
    ch.exchange_declare(exchange, exchange_type="headers", auto_delete=True)
    q = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(q, exchange, routing_key="ignored", arguments={"x-match": "all", "k": "v"})
    assert publish_routed(ch, exchange, "whatever", b"m", {"k": "v"})
    assert drain(ch, q) == [b"m"]


def test_exchange_to_exchange_binding(ch):
    source, middle, leaf = unique("src"), unique("mid"), unique("leaf")
    ch.exchange_declare(source, exchange_type="direct")
    ch.exchange_declare(middle, exchange_type="fanout", auto_delete=True)
    ch.exchange_declare(leaf, exchange_type="topic", auto_delete=True)
    ch.exchange_bind(destination=middle, source=source, routing_key="to.middle")
    ch.exchange_bind(destination=leaf, source=middle)
    q_middle = ch.queue_declare("", exclusive=True).method.queue
    q_leaf = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(q_middle, middle)
    ch.queue_bind(q_leaf, leaf, routing_key="to.*")
    assert publish_routed(ch, source, "to.middle", b"m1")
    assert not publish_routed(ch, source, "elsewhere", b"m2")
    assert drain(ch, q_middle) == [b"m1"]
    assert drain(ch, q_leaf) == [b"m1"], "routing continues through a chain of exchange bindings"
    ch.exchange_unbind(destination=middle, source=source, routing_key="to.middle")
    assert not publish_routed(ch, source, "to.middle", b"m3")
    ch.exchange_delete(source)


def test_fanout_and_default_exchange(ch):
    exchange = unique("fanout")
    ch.exchange_declare(exchange, exchange_type="fanout", auto_delete=True)
    queues = [ch.queue_declare("", exclusive=True).method.queue for _ in range(3)]
    for q in queues:
        ch.queue_bind(q, exchange, routing_key="ignored")
    assert publish_routed(ch, exchange, "any-key", b"everyone")
    for q in queues:
        assert drain(ch, q) == [b"everyone"]
    assert publish_routed(ch, "", queues[1], b"direct-to-queue")
    assert drain(ch, queues[0]) == [] and drain(ch, queues[1]) == [b"direct-to-queue"]
