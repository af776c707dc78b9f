"""MQTT 3.1.1 and 3.1 core flows with paho-mqtt (design §4): QoS 0/1/2 and downgrade, retained messages, wills,
persistent and clean sessions, takeover, keepalive, filter matching.

Runs against gateway (default), mosquitto 2.0.11 and RabbitMQ 3.10's MQTT plugin (INTEROP_TARGET, see README.md).
Where a peer legitimately differs from design §4 the test says so and skips or narrows only that peer.
"""

from __future__ import annotations

import time

import pytest

from gwtest import mqtt_raw
from gwtest.clients import connect as amqp_connect, queue_exists, wait_until
from gwtest.mqtt import (PROTOCOL_IDS, PROTOCOLS, MQTTv31, assert_mqtt_healthy, barrier, bridge_names, client_id,
                         mode, topic)
from gwtest.session import skip_on

# RabbitMQ 3.10's MQTT plugin has no QoS 2: it grants QoS 1 for a QoS 2 subscription and handles a QoS 2 PUBLISH
# as QoS 1. Gateway and mosquitto implement QoS 2 (design §4 "QoS: 0, 1 and 2 end to end").
QOS_LEVELS = [0, 1] if mode() == "rabbitmq" else [0, 1, 2]
protocols = pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: PROTOCOL_IDS[p])


@protocols
def test_delivered_qos_is_min_of_publish_and_subscription(broker, mqtt_clients, protocol):
    """Every (publish QoS, subscription QoS) pair: delivered QoS = min of the two, payload intact, exactly once."""
    root = topic("qosmatrix")
    sub = mqtt_clients.connected(broker, protocol=protocol)
    granted = sub.subscribe([(f"{root}/s{q}", q) for q in QOS_LEVELS])
    assert granted == QOS_LEVELS, "SUBACK grants the requested QoS"
    pub = mqtt_clients.connected(broker, protocol=protocol)
    for sub_qos in QOS_LEVELS:
        for pub_qos in QOS_LEVELS:
            pub.publish(f"{root}/s{sub_qos}", f"p{pub_qos}s{sub_qos}".encode(), qos=pub_qos)
    n = len(QOS_LEVELS) ** 2
    got = sub.wait_messages(n)
    assert len(got) == n, f"expected exactly {n} deliveries, got {[m.payload for m in got]}"
    seen = {}
    for m in got:
        text = m.payload.decode()
        pub_qos, sub_qos = int(text[1]), int(text[3])
        assert m.topic == f"{root}/s{sub_qos}"
        seen[text] = m.qos
        assert m.qos == min(pub_qos, sub_qos), f"{text}: delivered at QoS {m.qos}"
        assert not m.retain
    assert len(seen) == n, "each publish delivered once"


@skip_on("rabbitmq", "RabbitMQ 3.10 MQTT has no QoS 2 (downgrades to 1)")
@protocols
def test_qos2_publish_to_qos1_subscription_is_delivered_at_qos1(broker, mqtt_clients, protocol):
    root = topic("downgrade")
    sub = mqtt_clients.connected(broker, protocol=protocol)
    assert sub.subscribe(root, 1) == [1]
    pub = mqtt_clients.connected(broker, protocol=protocol)
    pub.publish(root, b"two-to-one", qos=2)
    [m] = sub.wait_messages(1)
    assert (m.payload, m.qos) == (b"two-to-one", 1)


@protocols
@pytest.mark.parametrize("qos", QOS_LEVELS)
def test_many_messages_arrive_once_and_in_order(broker, mqtt_clients, protocol, qos):
    t = topic(f"order{qos}")
    sub = mqtt_clients.connected(broker, protocol=protocol)
    assert sub.subscribe(t, qos) == [qos]
    pub = mqtt_clients.connected(broker, protocol=protocol)
    payloads = [f"m{i:04d}".encode() for i in range(200)]
    for p in payloads:
        pub.publish(t, p, qos=qos)
    got = sub.wait_messages(len(payloads))
    assert [m.payload for m in got] == payloads
    assert {m.qos for m in got} == {qos}
    assert barrier(sub, pub, t) == got, "no duplicate after the last message"


@protocols
def test_retained_replace_delete_and_replay_flags(broker, mqtt_clients, protocol):
    t = topic("retain")
    pub = mqtt_clients.connected(broker, protocol=protocol)
    pub.publish(t, b"v1", qos=1, retain=True)
    pub.publish(t, b"v2", qos=1, retain=True)  # replaces v1 (MQTT-3.3.1-5)

    late = mqtt_clients.connected(broker, protocol=protocol)
    late.subscribe(t, 1)
    [replayed] = late.wait_messages(1)
    assert (replayed.payload, replayed.retain) == (b"v2", True), \
        "subscribing replays the latest retained value with RETAIN=1 (MQTT-3.3.1-8)"

    pub.publish(t, b"live", qos=1, retain=True)
    live = late.wait_messages(2)[1]
    assert (live.payload, live.retain) == (b"live", False), "a live message goes out with RETAIN=0 (MQTT-3.3.1-9)"
    assert barrier(late, pub, t) == [replayed, live], "nothing else (no stale v1)"

    again = mqtt_clients.connected(broker, protocol=protocol)
    again.subscribe(t, 1)
    [m] = again.wait_messages(1)
    assert (m.payload, m.retain) == (b"live", True), "the retained live publish replaced the retained value"

    pub.publish(t, b"", qos=1, retain=True)  # an empty retained payload deletes (MQTT-3.3.1-10)
    fresh = mqtt_clients.connected(broker, protocol=protocol)
    fresh.subscribe(t, 1)
    assert barrier(fresh, pub, t) == [], "a deleted retained message is not replayed"


@skip_on("rabbitmq", "RabbitMQ 3.10 replays retained messages only to subscriptions without wildcards")
def test_retained_replay_to_wildcard_subscription(broker, mqtt_clients):
    root = topic("retainwild")
    pub = mqtt_clients.connected(broker)
    pub.publish(f"{root}/a", b"a1", qos=1, retain=True)
    pub.publish(f"{root}/b/c", b"bc1", qos=1, retain=True)
    pub.publish(f"{root}/b/c", b"", qos=1, retain=True)  # deleted again
    pub.publish(f"{root}/d", b"d1", qos=1, retain=True)
    sub = mqtt_clients.connected(broker)
    sub.subscribe(f"{root}/#", 1)
    got = sub.wait_messages(2)
    assert sorted((m.topic, m.payload, m.retain) for m in got) == [
        (f"{root}/a", b"a1", True), (f"{root}/d", b"d1", True)]
    assert barrier(sub, pub, f"{root}/a") == [m for m in got if m.topic == f"{root}/a"]
    for t in ("a", "d"):
        pub.publish(f"{root}/{t}", b"", qos=1, retain=True)


@protocols
def test_will_fires_on_abrupt_drop(broker, mqtt_clients, protocol):
    will_topic = topic("will")
    observer = mqtt_clients.connected(broker, protocol=protocol)
    assert observer.subscribe(will_topic, 1) == [1]
    device = mqtt_clients.connected(broker, protocol=protocol, will=(will_topic, b"device lost", 1, False))
    device.drop()
    [m] = observer.wait_messages(1)
    assert (m.topic, m.payload, m.qos) == (will_topic, b"device lost", 1)


@protocols
def test_will_not_sent_after_disconnect(broker, mqtt_clients, protocol):
    will_topic = topic("nowill")
    observer = mqtt_clients.connected(broker, protocol=protocol)
    observer.subscribe(will_topic, 1)
    cid = client_id("nowill")
    device = mqtt_clients.connected(broker, cid, protocol=protocol, will=(will_topic, b"must not fire", 1, False))
    device.disconnect()
    # The same client id connecting again proves the broker finished with the first connection (a will would have
    # been published by then); the barrier then shows nothing was published before it.
    again = mqtt_clients.connected(broker, cid, protocol=protocol)
    assert barrier(observer, again, will_topic) == []


@protocols
def test_persistent_session_keeps_offline_qos1_messages(broker, mqtt_clients, protocol):
    t = topic("persist")
    cid = client_id("persist")
    first = mqtt_clients.new(broker, cid, protocol=protocol, clean_session=False)
    assert first.connect().session_present is False, "a new session is not present (MQTT-3.2.2-3)"
    assert first.subscribe(t, 1) == [1]
    first.disconnect()

    pub = mqtt_clients.connected(broker, protocol=protocol)
    for i in range(3):
        pub.publish(t, f"offline-{i}".encode(), qos=1)

    back = mqtt_clients.new(broker, cid, protocol=protocol, clean_session=False)
    connack = back.connect()
    assert connack.code == 0
    if protocol != MQTTv31:
        # MQTT 3.1's CONNACK has no session-present flag (its first byte is reserved), so only 3.1.1 can show it.
        assert connack.session_present is True, "CONNACK session-present=1 for a resumed session (MQTT-3.2.2-2)"
    got = back.wait_messages(3)
    assert [m.payload for m in got] == [b"offline-0", b"offline-1", b"offline-2"], "delivered in order, no resubscribe"
    assert {m.qos for m in got} == {1}
    pub.publish(t, b"live", qos=1)
    assert back.wait_messages(4)[3].payload == b"live", "the subscription survived the reconnect"
    back.disconnect()
    mqtt_clients.connected(broker, cid, protocol=protocol).disconnect()  # clean_session=1 discards the session


@protocols
def test_clean_session_leaves_nothing_behind(broker, mqtt_clients, protocol):
    t = topic("clean")
    cid = client_id("clean")
    persistent = mqtt_clients.new(broker, cid, protocol=protocol, clean_session=False)
    persistent.connected()
    persistent.subscribe(t, 1)
    persistent.disconnect()

    cleaner = mqtt_clients.new(broker, cid, protocol=protocol, clean_session=True)
    assert cleaner.connect().session_present is False, "clean_session=1 never resumes (MQTT-3.2.2-1)"
    cleaner.disconnect()

    pub = mqtt_clients.connected(broker, protocol=protocol)
    pub.publish(t, b"nobody is subscribed", qos=1)

    if mode() != "mosquitto":
        # Gateway: the session queue mqtt.<client_id> is deleted with the clean session. RabbitMQ: its
        # mqtt-subscription-<id>qos1 queue likewise. Mosquitto has no AMQP side.
        conn = amqp_connect(broker)
        try:
            wait_until(lambda: not queue_exists(conn, bridge_names().session_queue(cid)), 10,
                       "the clean session's queue to be deleted (passive declare -> 404)")
        finally:
            conn.close()

    again = mqtt_clients.new(broker, cid, protocol=protocol, clean_session=False)
    assert again.connect().session_present is False, "nothing was left to resume"
    again.subscribe(t, 1)
    assert barrier(again, pub, t) == [], "no queued messages and no old subscription"
    again.disconnect()
    mqtt_clients.connected(broker, cid, protocol=protocol).disconnect()


@protocols
def test_takeover_closes_first_connection_and_fires_its_will(broker, mqtt_clients, protocol):
    will_topic = topic("takeover")
    cid = client_id("takeover")
    observer = mqtt_clients.connected(broker, protocol=protocol)
    observer.subscribe(will_topic, 1)
    first = mqtt_clients.connected(broker, cid, protocol=protocol, will=(will_topic, b"taken over", 1, False))
    second = mqtt_clients.connected(broker, cid, protocol=protocol)
    first.wait_disconnected(10)
    if mode() != "rabbitmq":
        # RabbitMQ 3.10 closes the old connection without publishing its will; design §4 and mosquitto publish it.
        [m] = observer.wait_messages(1)
        assert m.payload == b"taken over", "design §4: the taken-over connection's will fires"
    own = topic("takeover-own")
    assert second.subscribe(own, 1) == [1]
    second.publish(own, b"still here", qos=1)
    assert second.wait_messages(1, topic_=own)[0].payload == b"still here", "the new connection works"


# Gateway closes 1.5 x keepalive after the last packet (design §4); 1.5 s of slack for scheduling. The peers check
# coarsely: mosquitto 2.0.11 closes a silent keepalive-1 client after 3.6 to 6 s, RabbitMQ 3.10 after ~3 s.
KEEPALIVE_1_CLOSE_WITHIN = {"gateway": 1.5 + 1.5, "rabbitmq": 5.0, "mosquitto": 10.0}[mode()]


def test_keepalive_expiry_disconnects_and_fires_will(broker, mqtt_clients):
    """A client with keepalive 1 s that goes silent is disconnected after 1.5 s (MQTT-3.1.2-24), and its will fires."""
    will_topic = topic("keepalive")
    observer = mqtt_clients.connected(broker)
    observer.subscribe(will_topic, 1)
    with mqtt_raw.RawMQTT(broker.host, broker.mqtt_port) as raw:
        assert raw.connect(client_id("ka"), username="guest", password="guest", keepalive=1,
                           will_topic=will_topic, will_payload=b"silent", will_qos=1) == (False, 0)
        start = time.monotonic()
        raw.wait_closed(timeout=KEEPALIVE_1_CLOSE_WITHIN)
        elapsed = time.monotonic() - start
    assert elapsed >= 1.0, f"closed after {elapsed:.2f} s, before the keepalive could expire"
    [m] = observer.wait_messages(1)
    assert m.payload == b"silent"


def test_keepalive_pings_keep_the_connection_open(broker):
    """PINGREQ every 0.5 s with keepalive 1 s: every PINGREQ is answered and the connection outlives 3 keepalives."""
    with mqtt_raw.RawMQTT(broker.host, broker.mqtt_port) as raw:
        assert raw.connect(client_id("ping"), username="guest", password="guest", keepalive=1) == (False, 0)
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            raw.send(mqtt_raw.PINGREQ_PACKET)
            assert raw.expect(mqtt_raw.PINGRESP, timeout=2.0).body == b""
            time.sleep(0.5)  # pacing the client's pings, not synchronisation
        raw.send(mqtt_raw.DISCONNECT_PACKET)


@skip_on(("mosquitto", "rabbitmq"), "gateway's [mqtt] max_keepalive setting")
def test_max_keepalive_caps_the_client_value(start_broker):
    """[mqtt] max_keepalive = 1: a client asking for 60 s is held to 1 s (x1.5) in 3.1.1 (design §4)."""
    target = start_broker(settings={"mqtt": {"max_keepalive": "1"}})
    with mqtt_raw.RawMQTT(target.host, target.mqtt_port) as raw:
        assert raw.connect(client_id("maxka"), username="guest", password="guest", keepalive=60) == (False, 0)
        start = time.monotonic()
        raw.wait_closed(timeout=KEEPALIVE_1_CLOSE_WITHIN)
        assert time.monotonic() - start >= 1.0
    assert_mqtt_healthy(target)


@protocols
def test_overlapping_filters_deliver_one_copy_at_highest_qos(broker, mqtt_clients, protocol):
    root = topic("overlap")
    top = QOS_LEVELS[-1]
    sub = mqtt_clients.connected(broker, protocol=protocol)
    assert sub.subscribe([(f"{root}/#", 0), (f"{root}/+", top)]) == [0, top]
    pub = mqtt_clients.connected(broker, protocol=protocol)
    pub.publish(f"{root}/x", b"once", qos=top)
    sub.wait_messages(1)
    got = barrier(sub, pub, f"{root}/x")
    if mode() != "rabbitmq":
        assert [(m.payload, m.qos) for m in got] == [(b"once", top)], \
            "design §4: one copy per session, at the highest matching QoS (mosquitto 2.0 does the same)"
    else:
        # MQTT 3.1.1 §3.3.5 also allows one copy per matching subscription: RabbitMQ 3.10 keeps one queue per
        # subscription QoS (qos0, qos1) and delivers one copy from each, each at its subscription's QoS.
        assert sorted((m.payload, m.qos) for m in got) == [(b"once", 0), (b"once", top)]


@protocols
def test_multilevel_wildcard_matches_parent_level(broker, mqtt_clients, protocol):
    root = topic("parent")
    sub = mqtt_clients.connected(broker, protocol=protocol)
    sub.subscribe(f"{root}/#", 1)
    pub = mqtt_clients.connected(broker, protocol=protocol)
    pub.publish(root, b"parent", qos=1)  # MQTT-4.7.1-2: "sport/#" also matches "sport"
    pub.publish(f"{root}/a/b/c", b"deep", qos=1)
    assert [m.payload for m in sub.wait_messages(2)] == [b"parent", b"deep"]


@protocols
def test_single_level_wildcard_does_not_match_parent_or_deeper(broker, mqtt_clients, protocol):
    root = topic("plus")
    sub = mqtt_clients.connected(broker, protocol=protocol)
    sub.subscribe(f"{root}/+", 1)
    sub.subscribe(f"{root}/x", 1)  # the barrier's topic
    pub = mqtt_clients.connected(broker, protocol=protocol)
    pub.publish(root, b"parent", qos=1)
    pub.publish(f"{root}/a/b", b"deeper", qos=1)
    pub.publish(f"{root}/a", b"one level", qos=1)
    got = sub.wait_messages(1)
    assert [m.payload for m in got] == [b"one level"]


@skip_on("rabbitmq", "RabbitMQ 3.10 routes MQTT through amq.topic, where '#' also matches $-topics")
def test_leading_wildcards_do_not_match_dollar_topics(broker, mqtt_clients):
    """MQTT-4.7.2-1: '#' and '+/...' do not match topics beginning with '$'; an explicit '$...' filter does."""
    u = topic("dollar").rsplit("/", 1)[1]
    dollar = f"$interop/{u}/x"
    everything = mqtt_clients.connected(broker)
    assert everything.subscribe([("#", 1), ("+/" + u + "/x", 1)]) == [1, 1]
    explicit = mqtt_clients.connected(broker)
    explicit.subscribe(f"$interop/{u}/#", 1)
    pub = mqtt_clients.connected(broker)
    pub.publish(dollar, b"dollar", qos=1)
    assert explicit.wait_messages(1)[0].topic == dollar, "the $-topic is routed to an explicit $ filter"
    normal = topic("dollar-barrier")
    pub.publish(normal, b"normal", qos=1)
    everything.wait_messages(1, topic_=normal)
    assert not [m for m in everything.messages if m.topic.startswith("$")], \
        [m.topic for m in everything.messages if m.topic.startswith("$")]


def test_mqtt_clients_publishing_to_same_topic_from_3_1_and_3_1_1(broker, mqtt_clients):
    """A 3.1 subscriber and a 3.1.1 subscriber share topics with publishers of the other version."""
    t = topic("mixed")
    old = mqtt_clients.connected(broker, protocol=MQTTv31)
    new = mqtt_clients.connected(broker)
    old.subscribe(t, 1)
    new.subscribe(t, 1)
    old.publish(t, b"from 3.1", qos=1)
    new.publish(t, b"from 3.1.1", qos=1)
    for c in (old, new):
        assert sorted(m.payload for m in c.wait_messages(2)) == [b"from 3.1", b"from 3.1.1"]
