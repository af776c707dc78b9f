"""Shared subscriptions `$share/{group}/{filter}` for MQTT 3.1.1 clients (issue 11 §3): one queue per group,
`mqtt.$share/{group}/{filter}`, visible to AMQP; messages spread over the group's connected sessions; what a member
leaves unacknowledged goes to the others; no retained replay; a persistent member keeps its place across a restart."""
from __future__ import annotations

import time

from gwtest import mqtt_raw as R
from gwtest.clients import connect
from gwtest.http_api import ok, q
from gwtest.durable import restart_or_fail, restartable_gateway  # noqa: F401 (pytest fixture)
from gwtest.mqtt import MQTTClient, client_id, topic
from gwtest.session import gateway_only

pytestmark = gateway_only("shared subscriptions are Gateway's (RabbitMQ 3.10 has none)")


def test_messages_are_spread_over_the_group_and_the_queue_is_visible_to_amqp(broker, mqtt_clients):
    t = topic("share")
    share = f"$share/workers/{t}/#"
    a = mqtt_clients.connected(broker)
    b = mqtt_clients.connected(broker)
    assert a.subscribe(share, 1) == [1]
    assert b.subscribe(share, 1) == [1]
    pub = mqtt_clients.connected(broker)
    sent = [f"job-{i}".encode() for i in range(20)]
    for body in sent:
        pub.publish(f"{t}/jobs", body, qos=1)
    deadline = time.monotonic() + 10
    while len(a.messages) + len(b.messages) < 20:
        assert time.monotonic() < deadline, f"only {len(a.messages) + len(b.messages)} of 20 arrived"
        time.sleep(0.02)
    got_a = [m.payload for m in a.messages]
    got_b = [m.payload for m in b.messages]
    assert sorted(got_a + got_b) == sorted(sent), "every message reaches exactly one member"
    assert got_a and got_b, f"round robin: both members get messages ({len(got_a)} / {len(got_b)})"

    conn = connect(broker)
    try:
        conn.channel().queue_declare(f"mqtt.{share}", passive=True)
    finally:
        conn.close()
    session = ok(broker, "GET", f"/api/mqtt/sessions/%2F/{q(a.client_id)}")
    assert session["shared_subscriptions"] == [{"filter": share, "qos": 1}]
    assert not any(s["client_id"].startswith("$share/") for s in ok(broker, "GET", "/api/mqtt/sessions"))


def test_unacknowledged_messages_of_a_member_that_leaves_go_to_the_others(broker, mqtt_clients):
    t = topic("share-leave")
    share = f"$share/g/{t}"
    lazy = R.RawMQTT(broker.host, broker.mqtt_port)
    assert lazy.connect(client_id("lazy"), username="guest", password="guest") == (False, 0)
    lazy.send(R.subscribe(1, [(share, 1)]))
    assert lazy.expect(R.SUBACK).suback_codes == [1]
    worker = mqtt_clients.connected(broker)
    assert worker.subscribe(share, 1) == [1]
    pub = mqtt_clients.connected(broker)
    sent = [f"m{i}".encode() for i in range(10)]
    for body in sent:
        pub.publish(t, body, qos=1)
    held = lazy.expect(R.PUBLISH, 10).publish  # the lazy member never acknowledges
    assert held.payload in sent
    lazy.close()
    got = worker.wait_for(lambda ms: len({m.payload for m in ms}) == 10, 10, "all 10 messages at the worker")
    assert {m.payload for m in got} == set(sent)


def test_a_member_keeps_receiving_past_its_write_window(broker, mqtt_clients):
    """A member's deliveries are bounded by a write window of 16384 messages whose credit comes back once the socket
    took them: a member that received more than that must still receive (it used to stall there for good)."""
    t = topic("share-window")
    member = mqtt_clients.connected(broker)
    assert member.subscribe(f"$share/w/{t}", 0) == [0]
    pub = mqtt_clients.connected(broker)
    total = 20_000
    for i in range(total):
        pub.publish(t, str(i).encode(), qos=0)
    pub.publish(t, b"last", qos=1)
    got = member.wait_for(lambda ms: any(m.payload == b"last" for m in ms), 60, "the message after 20 000 others")
    assert len(got) == total + 1, f"{len(got)} of {total + 1} messages arrived"


def test_no_retained_replay_on_a_shared_subscription(broker, mqtt_clients):
    t = topic("share-retained")
    pub = mqtt_clients.connected(broker)
    pub.publish(t, b"old", qos=1, retain=True)
    member = mqtt_clients.connected(broker)
    assert member.subscribe(f"$share/r/{t}", 1) == [1]
    pub.publish(t, b"live", qos=1)
    first = member.wait_messages(1)[0]
    assert first.payload == b"live", "a shared subscription got the retained message"


def test_invalid_share_names_are_refused(broker):
    raw = R.RawMQTT(broker.host, broker.mqtt_port)
    try:
        assert raw.connect(client_id("badshare"), username="guest", password="guest") == (False, 0)
        # ("$share/a+b/t" is no valid topic filter at all: MQTT 3.1.1 closes the connection for it.)
        raw.send(R.subscribe(1, [("$share//t", 0), ("$share/g", 0), (f"$share/g/{topic('ok')}", 0)]))
        assert raw.expect(R.SUBACK).suback_codes == [0x80, 0x80, 0]
    finally:
        raw.close()
    refused = R.RawMQTT(broker.host, broker.mqtt_port)
    try:
        assert refused.connect("$share/g/t", username="guest", password="guest") == (False, 2), \
            "a client id that names a shared subscription queue is rejected (CONNACK 0x02)"
    finally:
        refused.close()


def test_a_persistent_member_keeps_its_shared_subscription_across_a_kill(restartable_gateway):
    gw = restartable_gateway()
    t = topic("share-durable")
    share = f"$share/keep/{t}"
    cid = client_id("member")
    member = MQTTClient(gw.target, cid, clean_session=False)
    member.connected()
    assert member.subscribe(share, 1) == [1]
    member.close()
    pub = MQTTClient(gw.target, client_id("pub"))
    pub.connected()
    for i in range(3):
        pub.publish(t, f"while-away-{i}".encode(), qos=1)
    pub.close()

    target = restart_or_fail(gw, kill=True)
    member = MQTTClient(target, cid, clean_session=False)
    try:
        assert member.connected().connack.session_present
        got = member.wait_for(lambda ms: len(ms) >= 3, 10, "the 3 messages queued for the group")
        assert sorted(m.payload for m in got) == [f"while-away-{i}".encode() for i in range(3)]
        pub = MQTTClient(target, client_id("pub2"))
        pub.connected()
        pub.publish(t, b"after-restart", qos=1)
        pub.close()
        member.wait_for(lambda ms: any(m.payload == b"after-restart" for m in ms), 10, "a message after the restart")
    finally:
        member.close()
