"""MQTT 5.0 with paho-mqtt (issue 11 §1, §2): CONNACK properties, session expiry (also across a restart), DISCONNECT
with reason codes both ways, topic aliases both ways, message properties between MQTT 5 clients and across the bridge
to AMQP, subscription options, PUBACK/SUBACK/UNSUBACK reason codes, wills with a delay."""
from __future__ import annotations

import ssl
import struct
import time

import paho.mqtt.client as paho
import pika
import pytest

from gwtest.clients import connect as amqp_connect, wait_until
from gwtest.definitions import definitions, permission, user
from gwtest.durable import restart_or_fail, restartable_gateway  # noqa: F401 (pytest fixture)
from gwtest.http_api import api, q
from gwtest.mqtt import client_id, topic
from gwtest.mqtt5 import MQTT5Client
from gwtest.mqtt5_raw import RawV5, parse_publish, string, varint
from gwtest.session import gateway_only

pytestmark = gateway_only("MQTT 5 is Gateway's (the RabbitMQ peer is 3.10, mosquitto mode has no AMQP side)")


def barrier5(sub: MQTT5Client, pub: MQTT5Client, t: str, qos: int = 1) -> list:
    """Publishes a marker on `t` (which `sub` subscribes to) and returns what `sub` got before it."""
    marker = b"barrier-" + client_id("b").encode()
    pub.publish(t, marker, qos)
    deadline = time.monotonic() + 10
    while not any(m.payload == marker for m in sub.messages):
        assert time.monotonic() < deadline, "the barrier message did not arrive"
        time.sleep(0.02)
    before = []
    for m in list(sub.messages):
        if m.payload == marker:
            break
        before.append(m)
    return before


# CONNECT / CONNACK


def test_connack_assigns_a_client_id_and_announces_the_limits(start_broker, mqtt5_clients):
    broker = start_broker(settings={"mqtt": {"max_session_expiry_interval": "600", "max_keepalive": "30",
                                             "topic_alias_maximum": "5", "max_packet_size": "65536"}})
    c = mqtt5_clients.new(broker, "", session_expiry=3600, keepalive=120)
    code, present, props = c.connect()
    assert (code, present) == (0, False)
    assert props["AssignedClientIdentifier"].startswith("gateway-")
    assert props["SessionExpiryInterval"] == 600, "capped by max_session_expiry_interval"
    assert props["ServerKeepAlive"] == 30, "capped by max_keepalive"
    assert props["TopicAliasMaximum"] == 5
    assert props["MaximumPacketSize"] == 65536
    sessions = api(broker, "GET", "/api/connections")[1]
    assert any(s.get("protocol") == "MQTT 5.0" for s in sessions), sessions


def test_an_authentication_method_is_refused_with_0x8c(broker, mqtt5_clients):
    c = mqtt5_clients.new(broker, connect_properties={"AuthenticationMethod": "SCRAM-SHA-1"})
    code, _present, props = c.connect()
    assert code == 0x8C
    assert "not supported" in props.get("ReasonString", "")


def test_bad_credentials_get_0x86_with_a_reason(broker, mqtt5_clients):
    c = mqtt5_clients.new(broker, password="wrong")
    code, _present, props = c.connect()
    assert code == 0x86
    assert props.get("ReasonString")


# Session expiry


def test_a_session_with_an_expiry_survives_the_disconnect_and_one_without_does_not(broker, mqtt5_clients):
    t = topic("v5-expiry")
    cid = client_id("keep")
    c = mqtt5_clients.connected(broker, cid, session_expiry=60)
    assert c.subscribe(t, 1) == [1]
    c.disconnect()
    pub = mqtt5_clients.connected(broker)
    pub.publish(t, b"while away", 1)
    back = mqtt5_clients.new(broker, cid, clean_start=False, session_expiry=60)
    code, present, _ = back.connect()
    assert (code, present) == (0, True)
    assert [m.payload for m in back.wait_messages(1)] == [b"while away"]
    back.disconnect()

    gone = client_id("gone")
    g = mqtt5_clients.connected(broker, gone, session_expiry=0)
    g.subscribe(t, 1)
    g.disconnect()
    status, _ = api(broker, "GET", f"/api/queues/%2F/{q('mqtt.' + gone)}")
    assert status == 404, "session expiry 0: the session queue goes with the connection"
    again = mqtt5_clients.new(broker, gone, clean_start=False)
    assert again.connect()[:2] == (0, False)


def test_the_session_queue_expires_after_the_interval(broker, mqtt5_clients):
    cid = client_id("short")
    c = mqtt5_clients.connected(broker, cid, session_expiry=1)
    c.subscribe(topic("v5-short"), 1)
    c.disconnect()
    path = f"/api/queues/%2F/{q('mqtt.' + cid)}"
    assert api(broker, "GET", path)[0] == 200, "the session outlives the connection"
    deadline = time.monotonic() + 10
    while api(broker, "GET", path)[0] != 404:
        assert time.monotonic() < deadline, "the session queue did not expire within 10 s of a 1 s expiry"
        time.sleep(0.1)


def test_disconnect_may_end_the_session_but_not_start_one(broker):
    cid = client_id("endnow")
    c = MQTT5Client(broker, cid, session_expiry=300).connected()
    c.subscribe(topic("v5-end"), 1)
    c.disconnect(properties={"SessionExpiryInterval": 0})
    path = f"/api/queues/%2F/{q('mqtt.' + cid)}"
    deadline = time.monotonic() + 10
    while api(broker, "GET", path)[0] != 404:
        assert time.monotonic() < deadline, "DISCONNECT with session expiry 0 did not end the session"
        time.sleep(0.02)

    raw = RawV5(broker)  # session expiry 0 at CONNECT
    raw.send(0xE0, b"\x00" + varint(5) + b"\x11" + struct.pack(">I", 30))
    kind, body = raw.read()
    assert kind == 0xE0 and body[0] == 0x82, "[MQTT-3.14.2-2] a session expiry cannot be set at DISCONNECT"
    raw.close()


def test_session_expiry_survives_a_restart_and_counts_from_the_disconnect(restartable_gateway):
    gw = restartable_gateway()
    target = gw.target
    t = topic("v5-restart")
    long_id, short_id = client_id("long"), client_id("short")
    for cid, expiry in ((long_id, 3600), (short_id, 1)):
        c = MQTT5Client(target, cid, session_expiry=expiry).connected()
        assert c.subscribe(t, 1) == [1]
        c.disconnect()
    pub = MQTT5Client(target).connected()
    pub.publish(t, b"kept", 1)
    pub.disconnect()
    gone_at = time.monotonic() + 1.5
    target = restart_or_fail(gw, kill=True)
    while time.monotonic() < gone_at:  # the short session's second runs out while the broker may still be starting
        time.sleep(0.05)
    target = restart_or_fail(gw)
    assert api(target, "GET", f"/api/queues/%2F/{q('mqtt.' + short_id)}")[0] == 404, \
        "a session whose interval ran out is gone after a restart"
    back = MQTT5Client(target, long_id, clean_start=False, session_expiry=3600)
    assert back.connect()[:2] == (0, True)
    assert [m.payload for m in back.wait_messages(1)] == [b"kept"]
    back.close()


def wait_seconds(seconds: float) -> None:
    """Lets `seconds` of wall time pass: the condition is the passing of an interval the test set (an expiry)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        time.sleep(0.05)


def test_message_expiry_and_subscription_options_survive_kill_9(restartable_gateway):
    gw = restartable_gateway()
    t = topic("v5-kill")
    cid = client_id("opts")
    c = MQTT5Client(gw.target, cid, session_expiry=3600).connected()
    assert c.subscribe(f"{t}/#", 1, identifier=7) == [1]
    c.disconnect()
    pub = MQTT5Client(gw.target).connected()
    pub.publish(f"{t}/a", b"short", 1, properties={"MessageExpiryInterval": 2})
    pub.publish(f"{t}/a", b"long", 1, properties={"MessageExpiryInterval": 600})
    pub.close()
    published_at = time.monotonic()
    target = restart_or_fail(gw, kill=True)
    wait_seconds(2.5 - (time.monotonic() - published_at))
    back = MQTT5Client(target, cid, clean_start=False, session_expiry=3600)
    assert back.connect()[:2] == (0, True)
    got = back.wait_messages(1)
    pub = MQTT5Client(target).connected()
    before = barrier5(back, pub, f"{t}/b")
    assert [m.payload for m in before] == [b"long"], "the expiry is absolute: the short message expired while down"
    assert got[0].properties["SubscriptionIdentifier"] == [7], "the subscription identifier survived in the binding"
    assert 0 < got[0].properties["MessageExpiryInterval"] <= 598
    back.close()
    pub.close()


def test_a_delayed_will_survives_kill_9(restartable_gateway):
    gw = restartable_gateway()
    t = topic("v5-willkill")
    watcher_id = client_id("watch")
    watcher = MQTT5Client(gw.target, watcher_id, session_expiry=3600).connected()
    watcher.subscribe(t, 1)
    watcher.disconnect()
    will = (t, b"died during the delay", 1, False, {"WillDelayInterval": 2})
    dies = client_id("dies")
    c = MQTT5Client(gw.target, dies, session_expiry=60, will=will).connected()
    c.drop()
    deadline = time.monotonic() + 10
    while api(gw.target, "GET", f"/api/mqtt/sessions/%2F/{q(dies)}")[1].get("connected", True):
        assert time.monotonic() < deadline, "the broker did not notice the dropped connection"
        time.sleep(0.02)
    probe = MQTT5Client(gw.target).connected()
    probe.publish(t, b"marker", 1)
    probe.close()
    target = restart_or_fail(gw, kill=True)
    back = MQTT5Client(target, watcher_id, clean_start=False, session_expiry=3600).connected()
    got = back.wait_messages(2, timeout=15)
    assert [m.payload for m in got] == [b"marker", b"died during the delay"]
    back.close()


# DISCONNECT from the server


def test_a_taken_over_client_gets_disconnect_0x8e(broker, mqtt5_clients):
    cid = client_id("take")
    first = mqtt5_clients.connected(broker, cid)
    mqtt5_clients.connected(broker, cid)
    reason = first.wait_disconnected()
    assert reason is not None and reason[0] == 0x8E


BAD_PACKETS = {
    # SUBSCRIBE whose options set the reserved bits 6-7 [MQTT-3.8.3-5]: malformed.
    "reserved subscription option bits": (0x82, struct.pack(">H", 1) + b"\x00" + string("a/b") + bytes([0xC0]), 0x81),
    # PUBLISH with Content Type twice: a protocol error (MQTT 5.0 §3.3.2.3.9).
    "a property repeated": (0x30, string("a/b") + b"\x08" + b"\x03" + string("x") + b"\x03" + string("y") + b"p",
                            0x82),
    # PUBLISH carrying Session Expiry Interval, a CONNECT/CONNACK/DISCONNECT property: malformed (§2.2.2.2).
    "a property of another packet": (0x30, string("a/b") + b"\x05\x11\x00\x00\x00\x01" + b"p", 0x81),
    # PUBLISH whose topic is not UTF-8 [MQTT-1.5.4-1]: malformed.
    "a topic that is not UTF-8": (0x30, struct.pack(">H", 2) + b"\xff\xfe" + b"\x00" + b"p", 0x81),
    # PUBLISH with topic alias 0 [MQTT-3.3.2-8]: Topic Alias invalid.
    "topic alias 0": (0x30, string("a/b") + b"\x03\x23\x00\x00" + b"p", 0x94),
}


@pytest.mark.parametrize("name", list(BAD_PACKETS))
def test_a_bad_packet_gets_disconnect_with_the_specs_reason_code(broker, mqtt5_clients, name):
    """Raw bytes: the server names the problem in DISCONNECT before it closes; other clients carry on."""
    t = topic("v5-bad")
    bystander = mqtt5_clients.connected(broker)
    bystander.subscribe(t, 1)
    first, body, code = BAD_PACKETS[name]
    raw = RawV5(broker)
    raw.send(first, body)
    kind, reply = raw.read()
    assert kind == 0xE0, f"DISCONNECT, got {kind:#x}"
    assert reply[0] == code, f"reason {reply[0]:#x}, expected {code:#x}"
    raw.close()
    pub = mqtt5_clients.connected(broker)
    pub.publish(t, b"still here", 1)
    assert [m.payload for m in bystander.wait_messages(1)] == [b"still here"]


# Topic aliases


def test_inbound_topic_aliases_resolve_and_a_bad_one_disconnects_with_0x94(broker, mqtt5_clients):
    t = topic("v5-alias")
    sub = mqtt5_clients.connected(broker)
    sub.subscribe(t, 1)
    pub = mqtt5_clients.connected(broker)
    assert pub.publish(t, b"named", 1, properties={"TopicAlias": 3}) == 0
    assert pub.publish("", b"aliased", 1, properties={"TopicAlias": 3}) == 0
    got = sub.wait_messages(2)
    assert [(m.topic, m.payload) for m in got] == [(t, b"named"), (t, b"aliased")]
    pub.publish_refused(t, b"too far", properties={"TopicAlias": 1000})
    reason = pub.wait_disconnected()
    assert reason is not None and reason[0] == 0x94
    assert "topic alias" in reason[1].get("ReasonString", "")


def test_outbound_topic_aliases_name_a_topic_once(broker, mqtt5_clients):
    """A client announcing a Topic Alias Maximum gets the topic once with an alias, then the alias alone (raw
    socket: paho and libmosquitto announce the property but do not resolve aliases they receive)."""
    t = topic("v5-outalias")
    raw = RawV5(broker, properties=bytes([0x22]) + struct.pack(">H", 4))
    raw.send(0x82, struct.pack(">H", 1) + b"\x00" + string(t) + b"\x00")
    assert raw.read()[0] == 0x90
    pub = mqtt5_clients.connected(broker)
    for body in (b"one", b"two"):
        pub.publish(t, body, 1)
    first = parse_publish(raw.read())
    second = parse_publish(raw.read())
    assert first["topic"] == t and first["alias"] == 1 and first["payload"] == b"one"
    assert second["topic"] == "" and second["alias"] == 1 and second["payload"] == b"two"
    raw.close()


# Message properties


FULL_PROPERTIES = {
    "ContentType": "application/json",
    "ResponseTopic": "replies/here",
    "CorrelationData": b"\x00\x01req-7",
    "PayloadFormatIndicator": 1,
    "MessageExpiryInterval": 120,
    "UserProperty": [("site", "north"), ("site", "south"), ("unit", "C")],
}


def test_message_properties_reach_an_mqtt5_subscriber_and_a_311_one_gets_the_payload(broker, mqtt5_clients,
                                                                                     mqtt_clients):
    t = topic("v5-props")
    sub5 = mqtt5_clients.connected(broker)
    sub5.subscribe(t, 1)
    sub3 = mqtt_clients.connected(broker)
    sub3.subscribe(t, 1)
    pub = mqtt5_clients.connected(broker)
    pub.publish(t, b'{"t": 21}', 1, properties=FULL_PROPERTIES)
    m = sub5.wait_messages(1)[0]
    p = m.properties
    assert p["ContentType"] == "application/json"
    assert p["ResponseTopic"] == "replies/here"
    assert bytes.fromhex(p["CorrelationData"]) == b"\x00\x01req-7", "binary correlation data kept exact"
    assert p["PayloadFormatIndicator"] == 1
    assert 0 < p["MessageExpiryInterval"] <= 120
    assert p["UserProperty"] == [("site", "north"), ("site", "south"), ("unit", "C")], "order and repeats kept"
    assert [x.payload for x in sub3.wait_messages(1)] == [b'{"t": 21}']


def test_an_amqp_consumer_sees_the_mqtt5_properties(broker, mqtt5_clients):
    t = topic("v5-bridge")
    conn = amqp_connect(broker)
    try:
        ch = conn.channel()
        queue = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(queue, "mqtt.default", t)
        pub = mqtt5_clients.connected(broker)
        props = dict(FULL_PROPERTIES, CorrelationData=b"req-7")
        pub.publish(t, b"x", 1, properties=props)
        got = []
        ch.basic_consume(queue, lambda c, m, p, b: got.append(p), auto_ack=True)
        wait_until(lambda: got, 10, "the delivery", connection=conn)
        p = got[0]
        assert p.content_type == "application/json"
        assert p.reply_to == "replies/here"
        assert p.correlation_id == "req-7"
        assert p.expiration == "120000"
        assert p.headers["site"] in ("north", "south") and p.headers["unit"] == "C"
        assert p.headers["x-mqtt-payload-format"] == 1
    finally:
        conn.close()


def test_an_amqp_publisher_reaches_mqtt5_subscribers_with_its_properties(broker, mqtt5_clients):
    t = topic("v5-fromamqp")
    sub = mqtt5_clients.connected(broker)
    sub.subscribe(t, 1)
    conn = amqp_connect(broker)
    try:
        conn.channel().basic_publish(
            "mqtt.default", t, b"from amqp",
            pika.BasicProperties(content_type="text/plain", correlation_id="c-1", reply_to="back/there",
                                 expiration="60000", headers={"origin": "amqp", "n": 3}))
    finally:
        conn.close()
    p = sub.wait_messages(1)[0].properties
    assert p["ContentType"] == "text/plain"
    assert bytes.fromhex(p["CorrelationData"]) == b"c-1"
    assert p["ResponseTopic"] == "back/there"
    assert 0 < p["MessageExpiryInterval"] <= 60
    assert ("origin", "amqp") in p["UserProperty"] and ("n", "3") in p["UserProperty"]


def test_binary_correlation_data_and_the_payload_format_cross_the_bridge_both_ways(broker, mqtt5_clients):
    """Correlation data that is no UTF-8 short string travels as header `x-correlation-id` (bytes) and comes back
    exact; the payload format indicator is header `x-mqtt-payload-format` both ways."""
    t = topic("v5-binary")
    raw = bytes(range(256)) + b"\xff" * 10  # not UTF-8, longer than a short string
    conn = amqp_connect(broker)
    try:
        ch = conn.channel()
        queue = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(queue, "mqtt.default", t)
        pub = mqtt5_clients.connected(broker)
        pub.publish(t, b"x", 1, properties={"CorrelationData": raw, "PayloadFormatIndicator": 0})
        got = []
        ch.basic_consume(queue, lambda c, m, p, b: got.append(p), auto_ack=True)
        wait_until(lambda: got, 10, "the delivery", connection=conn)
        assert got[0].correlation_id is None
        assert got[0].headers["x-correlation-id"] == raw
        assert got[0].headers["x-mqtt-payload-format"] == 0

        sub = mqtt5_clients.connected(broker)
        sub.subscribe(f"{t}/back", 1)
        ch.basic_publish("mqtt.default", f"{t}/back", b"from amqp", pika.BasicProperties(
            headers={"x-correlation-id": raw, "x-mqtt-payload-format": 1}))
        p = sub.wait_messages(1)[0].properties
        assert bytes.fromhex(p["CorrelationData"]) == raw
        assert p["PayloadFormatIndicator"] == 1
        assert "UserProperty" not in p, "the bridge's own headers are not user properties"
    finally:
        conn.close()


def test_an_expired_message_is_never_delivered(broker, mqtt5_clients):
    t = topic("v5-expired")
    cid = client_id("late")
    c = mqtt5_clients.connected(broker, cid, session_expiry=60)
    c.subscribe(t, 1)
    c.disconnect()
    pub = mqtt5_clients.connected(broker)
    pub.publish(t, b"short-lived", 1, properties={"MessageExpiryInterval": 1})
    pub.publish(t, b"lasting", 1, properties={"MessageExpiryInterval": 600})
    expired_at = time.monotonic() + 1.5
    while time.monotonic() < expired_at:
        time.sleep(0.05)
    back = mqtt5_clients.new(broker, cid, clean_start=False, session_expiry=60).connected()
    got = back.wait_messages(1)
    before = barrier5(back, pub, t)
    assert [m.payload for m in before] == [b"lasting"]
    assert got[0].properties["MessageExpiryInterval"] <= 600


def test_a_retained_message_expires_with_its_message_expiry(broker, mqtt5_clients):
    t = topic("v5-retexp")
    pub = mqtt5_clients.connected(broker)
    pub.publish(f"{t}/short", b"short", 1, retain=True, properties={"MessageExpiryInterval": 1})
    pub.publish(f"{t}/long", b"long", 1, retain=True, properties={"MessageExpiryInterval": 600})
    expired_at = time.monotonic() + 1.5
    while time.monotonic() < expired_at:
        time.sleep(0.05)
    c = mqtt5_clients.connected(broker)
    c.subscribe(f"{t}/#", 1)
    got = barrier5(c, pub, f"{t}/barrier")
    assert [m.payload for m in got] == [b"long"], "[MQTT-3.3.2-5] an expired retained message is not sent"
    assert got[0].retain and 0 < got[0].properties["MessageExpiryInterval"] <= 600


def test_request_response_with_response_topic_and_correlation_data(broker, mqtt5_clients):
    """The MQTT 5 request/response pattern (§4.10): the responder answers on the request's response topic with its
    correlation data, and the requester matches the answer to its request."""
    base = topic("v5-rpc")
    responder = mqtt5_clients.connected(broker)
    responder.subscribe(f"{base}/requests", 1)
    requester = mqtt5_clients.connected(broker)
    requester.subscribe(f"{base}/replies/{requester.client_id}", 1)
    requester.publish(f"{base}/requests", b"2+2", 1, properties={
        "ResponseTopic": f"{base}/replies/{requester.client_id}", "CorrelationData": b"req-42"})
    request = responder.wait_messages(1)[0]
    responder.publish(request.properties["ResponseTopic"], b"4", 1,
                      properties={"CorrelationData": bytes.fromhex(request.properties["CorrelationData"])})
    reply = requester.wait_messages(1)[0]
    assert reply.payload == b"4"
    assert bytes.fromhex(reply.properties["CorrelationData"]) == b"req-42"


def test_shared_subscription_for_mqtt5_clients(broker, mqtt5_clients):
    t = topic("v5-share")
    a = mqtt5_clients.connected(broker)
    b = mqtt5_clients.connected(broker)
    assert a.subscribe(f"$share/g5/{t}", 1, identifier=21) == [1]
    assert b.subscribe(f"$share/g5/{t}", 1, identifier=22) == [1]
    pub = mqtt5_clients.connected(broker)
    sent = [f"job-{i}".encode() for i in range(20)]
    for body in sent:
        pub.publish(t, body, 1)
    deadline = time.monotonic() + 10
    while len(a.messages) + len(b.messages) < 20:
        assert time.monotonic() < deadline, f"only {len(a.messages) + len(b.messages)} of 20 arrived"
        time.sleep(0.02)
    got = [m.payload for m in a.messages] + [m.payload for m in b.messages]
    assert sorted(got) == sorted(sent) and a.messages and b.messages, "each once, spread over both members"
    assert all(m.properties.get("SubscriptionIdentifier") == [21] for m in a.messages)
    assert all(m.properties.get("SubscriptionIdentifier") == [22] for m in b.messages), "each member's own identifier"
    a.paho.subscribe((f"$share/g5/{t}", paho.SubscribeOptions(qos=1, noLocal=True)))
    assert a.wait_disconnected()[0] == 0x82, "[MQTT-3.8.3-4] no local on a shared subscription is a protocol error"


def test_mqtt5_over_websocket_and_secure_websocket(broker, tls_broker, mqtt5_clients):
    secure = tls_broker()
    ctx = ssl.create_default_context(cafile=str(secure.pki.ca_cert))
    for target, tls in ((broker, None), (secure.target, ctx)):
        t = topic("v5-ws")
        sub = mqtt5_clients.connected(target, websocket=True, tls=tls)
        sub.subscribe(t, 1, identifier=4)
        pub = mqtt5_clients.connected(target, websocket=True, tls=tls)
        assert pub.publish(t, b"over ws", 1, properties={"UserProperty": [("via", "ws")]}) == 0
        m = sub.wait_messages(1)[0]
        assert (m.payload, m.properties["UserProperty"], m.properties["SubscriptionIdentifier"]) == \
            (b"over ws", [("via", "ws")], [4]), f"over {'wss' if tls else 'ws'}"


# Subscription options


def test_no_local_keeps_a_clients_own_messages_away(broker, mqtt5_clients):
    t = topic("v5-nolocal")
    c = mqtt5_clients.connected(broker)
    c.subscribe(t, 1, no_local=True)
    other = mqtt5_clients.connected(broker)
    c.publish(t, b"mine", 1)
    other.publish(t, b"theirs", 1)
    got = c.wait_messages(1)
    assert [m.payload for m in got] == [b"theirs"]


def test_subscription_identifiers_and_retain_as_published(broker, mqtt5_clients):
    t = topic("v5-subid")
    pub = mqtt5_clients.connected(broker)
    c = mqtt5_clients.connected(broker)
    c.subscribe(f"{t}/#", 1, identifier=11)
    c.subscribe(f"{t}/+", 1, identifier=22, retain_as_published=True)
    pub.publish(f"{t}/a", b"retained", 1, retain=True)
    m = c.wait_messages(1)[0]
    assert sorted(m.properties["SubscriptionIdentifier"]) == [11, 22]
    assert m.retain, "retain as published keeps RETAIN on a live delivery"
    plain = mqtt5_clients.connected(broker)
    plain.subscribe(f"{t}/+", 1)
    pub.publish(f"{t}/b", b"live", 1, retain=True)
    live = [x for x in plain.wait_messages(2) if x.payload == b"live"]
    assert live and not live[0].retain, "without retain as published a live delivery has RETAIN 0"


@pytest.mark.parametrize("handling,expected", [(0, [True, True]), (1, [True, False]), (2, [False, False])])
def test_retain_handling(broker, mqtt5_clients, handling, expected):
    t = topic("v5-rh")
    pub = mqtt5_clients.connected(broker)
    pub.publish(t, b"stored", 1, retain=True)
    c = mqtt5_clients.connected(broker)
    got = []
    for _ in range(2):
        c.subscribe(t, 1, retain_handling=handling)
        before = barrier5(c, pub, t)
        got.append(any(m.payload == b"stored" for m in before))
        c.messages.clear()
    assert got == expected


def test_unsuback_says_whether_a_subscription_existed(broker, mqtt5_clients):
    t = topic("v5-unsub")
    c = mqtt5_clients.connected(broker)
    c.subscribe(t, 0)
    assert c.unsubscribe(t) == [0x00]
    assert c.unsubscribe(t) == [0x11]


def test_puback_and_pubrec_0x10_when_nothing_matched(broker, mqtt5_clients):
    pub = mqtt5_clients.connected(broker)
    assert pub.publish(topic("v5-nobody"), b"x", 1) == 0x10
    raw = RawV5(broker)
    raw.send(0x34, string(topic("v5-nobody")) + struct.pack(">H", 9) + b"\x00" + b"qos2")
    kind, body = raw.read()
    assert kind == 0x50 and struct.unpack(">H", body[:2])[0] == 9 and body[2] == 0x10, f"PUBREC {kind:#x} {body.hex()}"
    raw.close()


# Permissions


def test_refused_publish_gets_0x87_and_keeps_the_connection_refused_filter_gets_0x87(start_broker, mqtt5_clients):
    defs = definitions(
        users=[user("guest", "guest", ["administrator"]), user("reader", "pw-r")], vhosts=["/"],
        permissions=[permission("guest", "/", ".*", ".*", ".*"),
                     permission("reader", "/", ".*", r"^mqtt\.it-", ".*")])
    broker = start_broker(defs, settings={"mqtt": {"permission_check_enabled": "true"}})
    t = topic("v5-perm")
    c = mqtt5_clients.connected(broker, username="reader", password="pw-r")
    assert c.publish(t, b"denied", 1) == 0x87
    assert c.subscribe(t, 1) == [1], "the connection is still open and may subscribe"


# Wills


def test_a_delayed_will_is_cancelled_by_resuming_and_published_after_the_delay(broker, mqtt5_clients):
    t = topic("v5-will")
    watcher = mqtt5_clients.connected(broker)
    watcher.subscribe(t, 1)
    cid = client_id("willd")
    will = (t, b"gone", 1, False, {"WillDelayInterval": 2, "ContentType": "text/plain"})
    c = mqtt5_clients.new(broker, cid, session_expiry=60, will=will).connected()
    c.drop()
    back = mqtt5_clients.new(broker, cid, clean_start=False, session_expiry=60).connected()
    pub = mqtt5_clients.connected(broker)
    assert barrier5(watcher, pub, t) == [], "no will while the delay runs"
    watcher.messages.clear()
    back.close()
    c2 = mqtt5_clients.new(broker, cid, clean_start=False, session_expiry=60, will=will).connected()
    dropped_at = time.monotonic()
    c2.drop()
    m = watcher.wait_messages(1, timeout=10)[0]
    assert m.payload == b"gone"
    assert m.properties.get("ContentType") == "text/plain"
    assert time.monotonic() - dropped_at >= 1.5, "published after its delay, not at once"


def test_takeover_keeps_a_delayed_will_back_when_resuming_and_sends_it_when_starting_anew(broker, mqtt5_clients):
    t = topic("v5-willtake")
    watcher = mqtt5_clients.connected(broker)
    watcher.subscribe(t, 1)
    pub = mqtt5_clients.connected(broker)
    cid = client_id("wt")
    will = (t, b"taken", 1, False, {"WillDelayInterval": 1})
    first = mqtt5_clients.new(broker, cid, session_expiry=60, will=will).connected()
    mqtt5_clients.new(broker, cid, clean_start=False, session_expiry=60).connected()
    assert first.wait_disconnected()[0] == 0x8E
    past_delay = time.monotonic() + 1.5
    while time.monotonic() < past_delay:
        time.sleep(0.05)
    assert barrier5(watcher, pub, t) == [], "[MQTT-3.1.4-3] the session goes on: no will"
    watcher.messages.clear()

    long_will = (t, b"ended", 1, False, {"WillDelayInterval": 60})
    second = mqtt5_clients.new(broker, cid, clean_start=False, session_expiry=60, will=long_will).connected()
    mqtt5_clients.new(broker, cid, clean_start=True).connected()
    assert second.wait_disconnected()[0] == 0x8E
    assert [m.payload for m in watcher.wait_messages(1, timeout=10)] == [b"ended"], \
        "a clean start ends the old session, so its will goes at once, not after 60 s"


def test_disconnect_with_reason_0x04_publishes_the_will(broker, mqtt5_clients):
    t = topic("v5-will4")
    watcher = mqtt5_clients.connected(broker)
    watcher.subscribe(t, 1)
    c = mqtt5_clients.new(broker, will=(t, b"asked for", 1, False, {})).connected()
    c.disconnect(reason=0x04)
    assert [m.payload for m in watcher.wait_messages(1)] == [b"asked for"]


# Limits the client sets


def test_a_message_larger_than_the_clients_maximum_packet_size_is_not_sent(broker, mqtt5_clients):
    t = topic("v5-maxpkt")
    c = mqtt5_clients.connected(broker, connect_properties={"MaximumPacketSize": 200})
    c.subscribe(t, 1)
    pub = mqtt5_clients.connected(broker)
    pub.publish(t, b"x" * 500, 1)
    pub.publish(t, b"small", 1)
    assert [m.payload for m in c.wait_messages(1)] == [b"small"]
