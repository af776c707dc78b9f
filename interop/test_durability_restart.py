"""Durability across a graceful restart (SIGTERM, wait for the exit, start again on the same data dir).

What survives: durable queues with their persistent messages (in order), durable exchanges and bindings declared
at runtime, users / vhosts / permissions (even when the restarted broker no longer has `load_definitions`),
MQTT persistent sessions with their subscriptions and queued QoS 1/2 messages, retained messages.
What does not: transient queues and exchanges, non-persistent messages (even in a durable queue).

Each test checks its setup before the restart, so a failure after it is about persistence, and the restarted
broker may listen on other ports (only the returned Target is used).
"""

from __future__ import annotations

import pika
import pytest

from gwtest.clients import connect, params, queue_exists, ready_count, unique
from gwtest.confirms import PERSISTENT, TRANSIENT, publish_confirmed
from gwtest.definitions import definitions, permission, user
from gwtest.durable import restart_or_fail, restartable_gateway  # noqa: F401 (pytest fixture)
from gwtest.mqtt import MQTTClient
from gwtest.session import gateway_only

pytestmark = gateway_only("restarting the broker needs the gateway process")

COUNT = 100_000


def _counter_source(count: int, fmt=lambda i: str(i).encode()):
    numbers = iter(range(count))

    def source():
        n = next(numbers, None)
        return None if n is None else fmt(n)

    return source


def _exchange_exists(connection: pika.BlockingConnection, exchange: str) -> bool:
    ch = connection.channel()
    try:
        ch.exchange_declare(exchange, passive=True)
    except pika.exceptions.ChannelClosedByBroker as e:
        if e.reply_code == 404:
            return False
        raise
    ch.close()
    return True


def _drain_in_order(connection: pika.BlockingConnection, queue: str, expected: list[bytes], timeout: float = 10.0):
    """Consumes `queue` (acking in batches) and checks it delivers exactly `expected`, in order, then nothing more."""
    ch = connection.channel()
    ch.basic_qos(prefetch_count=2000)
    got = 0
    for method, _props, body in ch.consume(queue, inactivity_timeout=timeout):
        if method is None:
            break
        assert got < len(expected), f"{queue}: more messages than the {len(expected)} expected; extra body {body!r}"
        assert body == expected[got], (f"{queue}: message #{got} after the restart is {body!r}, expected "
                                       f"{expected[got]!r} (order or content not kept)")
        got += 1
        if got % 1000 == 0 or got == len(expected):
            ch.basic_ack(method.delivery_tag, multiple=True)
        if got == len(expected):
            break
    assert got == len(expected), (f"{queue}: only {got} of {len(expected)} messages were delivered after the "
                                  f"restart (nothing more within {timeout} s)")
    ch.cancel()
    ch.close()
    assert ready_count(connection, queue) == 0, f"{queue}: messages left after draining the expected ones"


@pytest.mark.watchdog(120)
def test_restart_keeps_100000_persistent_messages_in_order(restartable_gateway):
    gw = restartable_gateway()
    queue = unique("durable100k")
    conn = connect(gw.target)
    conn.channel().queue_declare(queue, durable=True)
    conn.close()

    out = publish_confirmed(gw.target, "", queue, _counter_source(COUNT), properties=PERSISTENT, window=1000,
                            deadline_s=40, mandatory=True)
    assert out.error is None and len(out.confirmed) == COUNT, (
        f"setup: {len(out.confirmed)} of {COUNT} publishes confirmed ({out.error}; nacked {len(out.nacked)})")
    assert not out.returned, f"setup: {len(out.returned)} publishes returned unroutable"
    conn = connect(gw.target)
    assert ready_count(conn, queue) == COUNT, "setup: the queue does not hold every confirmed message"
    conn.close()

    target = restart_or_fail(gw)

    conn = connect(target)
    try:
        assert queue_exists(conn, queue), f"durable queue {queue} is gone after the restart"
        kept = ready_count(conn, queue)
        assert kept == COUNT, f"durable queue {queue} holds {kept} of {COUNT} confirmed persistent messages after the restart"
        _drain_in_order(conn, queue, [str(i).encode() for i in range(COUNT)])
    finally:
        conn.close()


def test_restart_does_not_bring_back_acknowledged_messages(restartable_gateway):
    """Acks are persisted too: after a clean shutdown, messages acknowledged before it (basic.ack single and
    multiple, basic.get with auto-ack) are not delivered again; the unacknowledged rest is, in order."""
    gw = restartable_gateway()
    queue = unique("acked")
    conn = connect(gw.target)
    conn.channel().queue_declare(queue, durable=True)
    conn.close()
    out = publish_confirmed(gw.target, "", queue, _counter_source(1000), window=100, deadline_s=20)
    assert out.error is None and len(out.confirmed) == 1000, f"setup: {out}"

    conn = connect(gw.target)
    ch = conn.channel()
    for n in range(700):
        method, _props, body = ch.basic_get(queue, auto_ack=n >= 600)
        assert method is not None and body == str(n).encode(), f"setup: basic.get #{n} returned {body!r}"
        if n < 550 and n % 50 == 49:
            ch.basic_ack(method.delivery_tag, multiple=True)
        elif 550 <= n < 600:
            ch.basic_ack(method.delivery_tag)
    assert ready_count(conn, queue) == 300, "setup: 300 messages left"
    conn.close()

    target = restart_or_fail(gw)

    conn = connect(target)
    try:
        left = ready_count(conn, queue)
        assert left == 300, (f"{queue} holds {left} messages after the restart; 700 of its 1000 were acknowledged "
                             f"before it, so 300 should be left (acks not persisted?)")
        _drain_in_order(conn, queue, [str(i).encode() for i in range(700, 1000)])
    finally:
        conn.close()


def test_restart_drops_transient_queues_and_non_persistent_messages(restartable_gateway):
    gw = restartable_gateway()
    durable, transient = unique("mixed"), unique("transient")
    transient_exchange = unique("transient-ex")
    conn = connect(gw.target)
    ch = conn.channel()
    ch.queue_declare(durable, durable=True)
    ch.queue_declare(transient, durable=False)
    ch.exchange_declare(transient_exchange, "fanout", durable=False)
    conn.close()

    bodies = [f"{'p' if i % 2 == 0 else 't'}{i}".encode() for i in range(200)]
    for queue in (durable, transient):
        out = publish_confirmed(gw.target, "", queue, _counter_source(len(bodies), lambda i: bodies[i]),
                                properties=lambda b: PERSISTENT if b.startswith(b"p") else TRANSIENT,
                                window=50, deadline_s=10)
        assert out.error is None and out.confirmed == bodies, f"setup: publishes to {queue} not all confirmed ({out.error})"
    conn = connect(gw.target)
    assert ready_count(conn, durable) == len(bodies) and ready_count(conn, transient) == len(bodies), "setup"
    conn.close()

    target = restart_or_fail(gw)

    conn = connect(target)
    try:
        assert not queue_exists(conn, transient), f"transient queue {transient} still exists after the restart"
        assert not _exchange_exists(conn, transient_exchange), (
            f"transient exchange {transient_exchange} still exists after the restart")
        assert queue_exists(conn, durable), f"durable queue {durable} is gone after the restart"
        persistent = [b for b in bodies if b.startswith(b"p")]
        kept = ready_count(conn, durable)
        assert kept == len(persistent), (
            f"durable queue {durable} holds {kept} messages after the restart; expected only its {len(persistent)} "
            f"persistent ones (the {len(bodies) - len(persistent)} non-persistent ones must be gone)")
        _drain_in_order(conn, durable, persistent)
    finally:
        conn.close()


def test_restart_keeps_exchanges_queues_and_bindings_declared_at_runtime(restartable_gateway):
    gw = restartable_gateway()
    topic, fanout = unique("topic"), unique("fanout")
    q_topic, q_fanout = unique("bound-topic"), unique("bound-fanout")
    conn = connect(gw.target)
    ch = conn.channel()
    ch.exchange_declare(topic, "topic", durable=True)
    ch.exchange_declare(fanout, "fanout", durable=True)
    ch.queue_declare(q_topic, durable=True)
    ch.queue_declare(q_fanout, durable=True)
    ch.queue_bind(q_topic, topic, routing_key="orders.*.eu")
    ch.exchange_bind(destination=fanout, source=topic, routing_key="orders.#")
    ch.queue_bind(q_fanout, fanout)
    conn.close()

    def route_and_check(target, tag: str):
        out = publish_confirmed(target, topic, "orders.new.eu", _counter_source(1, lambda _i: tag.encode()),
                                window=1, deadline_s=10, mandatory=True)
        assert out.confirmed == [tag.encode()] and not out.returned, (
            f"{tag}: publish to {topic} with key orders.new.eu was not routed (returned {out.returned}, {out.error})")
        conn = connect(target)
        try:
            for queue, how in ((q_topic, "queue binding orders.*.eu"), (q_fanout, "exchange-to-exchange binding")):
                method, _props, body = conn.channel().basic_get(queue, auto_ack=True)
                assert method is not None and body == tag.encode(), (
                    f"{tag}: the message did not reach {queue} through the {how}")
        finally:
            conn.close()

    route_and_check(gw.target, "before-restart")
    target = restart_or_fail(gw)

    conn = connect(target)
    try:
        for exchange in (topic, fanout):
            assert _exchange_exists(conn, exchange), f"durable exchange {exchange} is gone after the restart"
        for queue in (q_topic, q_fanout):
            assert queue_exists(conn, queue), f"durable queue {queue} is gone after the restart"
            left = ready_count(conn, queue)
            assert left == 0, (f"{queue} holds {left} message(s) after the restart, but its only message was "
                               f"consumed with basic.get auto-ack before it (the ack was not persisted)")
    finally:
        conn.close()
    route_and_check(target, "after-restart")


def test_restart_keeps_users_vhosts_and_permissions(restartable_gateway):
    """Users, vhosts and permissions come in through `load_definitions` at the first start; the restarted broker
    runs without it, so everything it knows about them was persisted."""
    vhost = unique("vhost")
    defs = definitions(
        users=[user("guest", "guest", ["administrator"]), user("alice", "alice-secret")],
        vhosts=["/", vhost],
        permissions=[permission("guest", "/", ".*", ".*", ".*"),
                     permission("alice", vhost, "^alice\\.", "^alice\\.", "^alice\\.")])
    gw = restartable_gateway(definitions=defs)
    mine = "alice." + unique("q")

    def check(target, when: str):
        try:
            conn = pika.BlockingConnection(params(target, "alice", "alice-secret", vhost))
        except pika.exceptions.AMQPError as e:
            raise AssertionError(f"{when}: user alice cannot log in to vhost {vhost}: {e!r}") from e
        try:
            conn.channel().queue_declare(mine, durable=True)
            denied = conn.channel()
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
                denied.queue_declare(unique("not-alice"))
            assert refused.value.reply_code == 403, f"{when}: alice's configure permission is not enforced"
        finally:
            conn.close()
        with pytest.raises(pika.exceptions.AMQPError):
            pika.BlockingConnection(params(target, "alice", "wrong-password", vhost)).close()
        with pytest.raises(pika.exceptions.AMQPError):
            pika.BlockingConnection(params(target, "alice", "alice-secret", "/")).close()

    check(gw.target, "before the restart")
    target = restart_or_fail(gw, config=None)
    check(target, "after a restart without load_definitions (users, vhosts or permissions not persisted)")
    conn = pika.BlockingConnection(params(target, "alice", "alice-secret", vhost))
    try:
        assert queue_exists(conn, mine), f"alice's durable queue {mine} in vhost {vhost} is gone after the restart"
    finally:
        conn.close()


def test_restart_resumes_mqtt_persistent_session_with_queued_messages(restartable_gateway):
    gw = restartable_gateway()
    client_id = unique("sub").replace(".", "-")
    prefix = unique("dur").replace(".", "-")
    sub = MQTTClient(gw.target, client_id, clean_session=False)
    assert sub.connected().connack.session_present is False, \
        "setup: a brand-new persistent session reported session-present"
    assert sub.subscribe([(f"{prefix}/q1/#", 1), (f"{prefix}/q2/#", 2)]) == [1, 2], "setup: SUBACK granted QoS"
    sub.close()

    pub = MQTTClient(gw.target, client_id + "-pub", clean_session=True)
    pub.connected()
    offline = []
    for i in range(20):
        qos = 1 if i % 2 == 0 else 2
        topic, body = f"{prefix}/q{qos}/m", f"offline-{i}".encode()
        pub.publish(topic, body, qos)  # setup: raises unless acknowledged (PUBACK / PUBCOMP)
        offline.append((topic, body, qos))
    pub.close()

    target = restart_or_fail(gw)

    sub = MQTTClient(target, client_id, clean_session=False)
    try:
        present = sub.connected().connack.session_present
        assert present is True, f"persistent session {client_id} not present after the restart (CONNACK session-present=0)"
        for qos in (1, 2):
            wanted = [body for topic, body, q in offline if q == qos]
            got = sub.wait_for(lambda ms, qos=qos, n=len(wanted): len([m for m in ms if f"/q{qos}/" in m.topic]) >= n,
                               10, f"the {len(wanted)} QoS {qos} messages queued while {client_id} was offline")
            bodies = [m.payload for m in got if f"/q{qos}/" in m.topic]
            assert bodies == wanted, f"QoS {qos} messages queued before the restart arrived as {bodies}, expected {wanted}"
            assert all(m.qos == qos for m in got if f"/q{qos}/" in m.topic), f"QoS {qos} messages delivered at another QoS"

        pub = MQTTClient(target, client_id + "-pub2", clean_session=True)
        pub.connected()
        try:
            pub.publish(f"{prefix}/q1/live", b"live", 1)  # raises unless acknowledged
        finally:
            pub.close()
        sub.wait_for(lambda ms: any(m.payload == b"live" for m in ms), 10,
                     f"a message published after the restart on a topic {client_id} subscribed to before it "
                     f"(subscriptions not persisted)")
    finally:
        sub.close()


def test_restart_replays_retained_messages(restartable_gateway):
    gw = restartable_gateway()
    prefix = unique("retained").replace(".", "-")
    pub = MQTTClient(gw.target, prefix + "-pub", clean_session=True)
    pub.connected()
    retained = {f"{prefix}/a": b"A", f"{prefix}/b": b"B"}
    for topic, body in retained.items():  # setup: each publish raises unless acknowledged
        pub.publish(topic, body, 1, retain=True)
    pub.publish(f"{prefix}/cleared", b"C", 1, retain=True)
    pub.publish(f"{prefix}/cleared", b"", 1, retain=True)  # clears the retained message
    pub.close()

    def replay(target, when: str):
        sub = MQTTClient(target, prefix + "-sub", clean_session=True)
        sub.connected()
        try:
            sub.subscribe([(f"{prefix}/#", 1)])
            sub.publish(f"{prefix}/barrier", b"barrier", 1)  # raises unless acknowledged
            got = sub.wait_for(lambda ms: any(m.payload == b"barrier" for m in ms), 10,
                               f"{when}: the live barrier message after the retained replay")
        finally:
            sub.close()
        replayed = {m.topic: m.payload for m in got if m.retain}
        assert replayed == retained, f"{when}: retained messages replayed {replayed}, expected {retained}"
        assert all(m.topic != f"{prefix}/cleared" for m in got), f"{when}: a cleared retained message was replayed"

    replay(gw.target, "before the restart")
    target = restart_or_fail(gw)
    replay(target, "after the restart")


def test_resubscribe_after_restart_replaces_the_restored_subscription(restartable_gateway):
    gw = restartable_gateway()
    client_id = unique("resub").replace(".", "-")
    topic = unique("rs").replace(".", "-") + "/t"
    sub = MQTTClient(gw.target, client_id, clean_session=False)
    sub.connected()
    assert sub.subscribe([(topic, 1)]) == [1], "setup: SUBACK granted QoS 1"
    sub.close()

    target = restart_or_fail(gw)

    sub = MQTTClient(target, client_id, clean_session=False)
    try:
        assert sub.connected().connack.session_present is True, "persistent session not present after the restart"
        assert sub.subscribe([(topic, 0)]) == [0], "resubscribing at QoS 0 was not granted"
        pub = MQTTClient(target, client_id + "-pub", clean_session=True)
        pub.connected()
        try:
            pub.publish(topic, b"after", 1)  # raises unless acknowledged
        finally:
            pub.close()
        got = sub.wait_for(lambda ms: any(m.payload == b"after" for m in ms), 10, "the message published after resubscribing")
        hits = [m for m in got if m.payload == b"after"]
        assert [m.qos for m in hits] == [0], (
            f"expected one copy at the new subscription QoS 0, got QoS {[m.qos for m in hits]}: the subscription "
            "restored from disk was not replaced [MQTT-3.8.4-3]")
    finally:
        sub.close()


def test_restart_keeps_the_subscription_qos_of_queued_mqtt_messages(restartable_gateway):
    """A QoS 2 message queued for a QoS 1 subscription goes out at QoS 1 after a restart too (the entry's granted
    QoS is stored with the message, not recomputed from the publish QoS)."""
    gw = restartable_gateway()
    client_id = unique("sq").replace(".", "-")
    topic = unique("sqt").replace(".", "-")
    sub = MQTTClient(gw.target, client_id, clean_session=False)
    sub.connected()
    assert sub.subscribe([(f"{topic}/#", 1)]) == [1]
    sub.close()
    pub = MQTTClient(gw.target, client_id + "-pub", clean_session=True)
    pub.connected()
    pub.publish(f"{topic}/m", b"granted-1", 2)
    pub.close()

    target = restart_or_fail(gw, kill=True)
    sub = MQTTClient(target, client_id, clean_session=False)
    try:
        assert sub.connected().connack.session_present is True
        got = sub.wait_for(lambda ms: any(m.payload == b"granted-1" for m in ms), 10, "the queued message")
        assert [m.qos for m in got if m.payload == b"granted-1"] == [1], \
            f"the message queued for a QoS 1 subscription came back at QoS {[m.qos for m in got]}"
    finally:
        sub.close()
