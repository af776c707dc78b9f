"""MQTT access control (design §4 "Permission checks"), gateway only: RabbitMQ 3.10 checks MQTT against amq.topic
and its own per-QoS queues with configure permission, and mosquitto has no AMQP permissions at all, so neither can
validate this contract.

With `[mqtt] permission_check_enabled = true`:
- PUBLISH, retained publish, will: write on exchange `mqtt.default`; a denied PUBLISH closes a 3.1.1 connection,
  a denied will is dropped.
- SUBSCRIBE: read on `mqtt.default` AND write on queue `mqtt.<client_id>`; a denied filter gets SUBACK 0x80 and the
  connection stays.
- topic permissions on `mqtt.default`: write regex on the topic for publish, read regex on subscribe filters; the
  same write regex applies to AMQP publishes to `mqtt.default`.
With it false (the default) only vhost access is checked.
"""

from __future__ import annotations

import pika
import pika.exceptions
import pytest

from gwtest import mqtt_raw
from gwtest.clients import connect as amqp_connect
from gwtest.definitions import definitions, permission, topic_permission, user
from gwtest.mqtt import barrier, client_id, topic
from gwtest.session import skip_on

pytestmark = skip_on(("mosquitto", "rabbitmq"), "gateway's MQTT permission model (design §4)")

PASSWORD = "perm-pw-1"
FULL = "interop-mqtt-full"
NO_EXCHANGE_WRITE = "interop-mqtt-nopub"  # write only on its session queues: cannot publish, can subscribe
READ_ONLY = "interop-mqtt-readonly"  # no write at all: cannot publish, cannot subscribe (session queue)
NO_READ = "interop-mqtt-noread"  # cannot subscribe (read on mqtt.default), can publish
TOPICS = "interop-mqtt-topics"  # full permissions, topic permissions on mqtt.default
ALLOWED = "allowed"
DENIED = "denied"


def permission_definitions() -> dict:
    return definitions(
        users=[user("guest", "guest", ["administrator"])] + [
            user(u, PASSWORD) for u in (FULL, NO_EXCHANGE_WRITE, READ_ONLY, NO_READ, TOPICS)],
        vhosts=["/"],
        permissions=[
            permission("guest", "/", ".*", ".*", ".*"),
            permission(FULL, "/", ".*", ".*", ".*"),
            permission(NO_EXCHANGE_WRITE, "/", ".*", r"^mqtt\.it-", ".*"),
            permission(READ_ONLY, "/", ".*", "^$", ".*"),
            permission(NO_READ, "/", ".*", ".*", "^$"),
            permission(TOPICS, "/", ".*", ".*", ".*"),
        ],
        topic_permissions=[
            topic_permission(TOPICS, "/", "mqtt.default", f"^interop/{ALLOWED}/", f"^interop/{ALLOWED}/"),
        ],
    )


@pytest.fixture(scope="module", params=[True, False], ids=["checks-on", "checks-off"])
def perm_broker(request, tmp_path_factory):
    from gwtest.session import running_broker

    settings = {"mqtt": {"permission_check_enabled": "true" if request.param else "false"}}
    with running_broker(tmp_path_factory.mktemp("mqttperm"), permission_definitions(), settings=settings) as target:
        target.checks = request.param
        yield target


def raw_login(target, name: str, cid: str | None = None, **kwargs) -> mqtt_raw.RawMQTT:
    raw = mqtt_raw.RawMQTT(target.host, target.mqtt_port)
    assert raw.connect(cid or client_id("perm"), username=name, password=PASSWORD, **kwargs) == (False, 0)
    return raw


def assert_still_open(raw: mqtt_raw.RawMQTT) -> None:
    raw.send(mqtt_raw.PINGREQ_PACKET)
    p = raw.read_packet(10)
    assert p is not None and p.type == mqtt_raw.PINGRESP, f"connection should stay open, got {p}"


@pytest.mark.parametrize("name", [NO_EXCHANGE_WRITE, READ_ONLY])
@pytest.mark.parametrize("qos", [0, 1])
def test_publish_needs_write_on_mqtt_default(perm_broker, mqtt_clients, name, qos):
    t = topic("perm-pub")
    observer = mqtt_clients.connected(perm_broker)
    observer.subscribe(t, 1)
    raw = raw_login(perm_broker, name)
    try:
        raw.send(mqtt_raw.publish(t, b"from " + name.encode(), qos=qos, packet_id=7 if qos else None))
        if perm_broker.checks:
            sent = raw.wait_closed(10)
            assert all(p.type != mqtt_raw.PUBACK for p in sent), "a denied QoS 1 publish is not acknowledged"
            assert barrier(observer, observer, t) == [], "the denied publish was not routed"
        else:
            if qos:
                assert raw.expect(mqtt_raw.PUBACK).packet_id == 7
            assert [m.payload for m in observer.wait_messages(1)] == [b"from " + name.encode()]
    finally:
        raw.close()


def test_subscribe_needs_read_on_exchange_and_write_on_session_queue(perm_broker):
    t = topic("perm-sub")
    expected = {
        FULL: 1,
        NO_EXCHANGE_WRITE: 1,  # write on mqtt.<client_id> (it-...) is enough; no write on the exchange needed
        READ_ONLY: mqtt_raw.SUBACK_FAILURE if perm_broker.checks else 1,  # no write on its session queue
        NO_READ: mqtt_raw.SUBACK_FAILURE if perm_broker.checks else 1,  # no read on mqtt.default
    }
    for name, code in expected.items():
        raw = raw_login(perm_broker, name)
        try:
            raw.send(mqtt_raw.subscribe(3, [(t, 1)]))
            suback = raw.expect(mqtt_raw.SUBACK)
            assert (suback.packet_id, suback.suback_codes) == (3, [code]), name
            assert_still_open(raw)
        finally:
            raw.close()


def test_read_only_user_subscription_is_refused_per_filter(perm_broker, mqtt_clients):
    """paho's view: every filter of a read-only user gets 0x80 (it cannot write its session queue); the client stays
    connected and a full user's subscription on the same topic works."""
    t = topic("perm-ro")
    ro = mqtt_clients.connected(perm_broker, username=READ_ONLY, password=PASSWORD)
    codes = ro.subscribe([(t, 0), (t + "/+", 1)])
    assert codes == ([0x80, 0x80] if perm_broker.checks else [0, 1])
    assert not ro.disconnected
    full = mqtt_clients.connected(perm_broker, username=FULL, password=PASSWORD)
    assert full.subscribe(t, 1) == [1]


def test_will_needs_write_on_mqtt_default(perm_broker, mqtt_clients):
    will_topic = topic("perm-will")
    observer = mqtt_clients.connected(perm_broker)
    observer.subscribe(will_topic, 1)
    cid = client_id("permwill")
    raw = raw_login(perm_broker, NO_EXCHANGE_WRITE, cid, will_topic=will_topic, will_payload=b"will", will_qos=1)
    raw.abort()
    if perm_broker.checks:
        # Reconnecting with the same client id shows the broker is done with the dropped connection.
        raw_login(perm_broker, NO_EXCHANGE_WRITE, cid).close()
        assert barrier(observer, observer, will_topic) == [], "design §4: a will without write permission is dropped"
    else:
        assert [m.payload for m in observer.wait_messages(1)] == [b"will"]


def test_topic_permission_applies_to_mqtt_publish_and_subscribe(perm_broker, mqtt_clients):
    allowed = f"interop/{ALLOWED}/{client_id('t')}"
    denied = f"interop/{DENIED}/{client_id('t')}"
    observer = mqtt_clients.connected(perm_broker)
    observer.subscribe([(allowed, 1), (denied, 1)])

    with raw_login(perm_broker, TOPICS) as subscriber:
        subscriber.send(mqtt_raw.subscribe(1, [(allowed, 1), (denied, 1)]))
        codes = subscriber.expect(mqtt_raw.SUBACK).suback_codes
        assert codes == ([1, mqtt_raw.SUBACK_FAILURE] if perm_broker.checks else [1, 1]), "read regex on filters"
    with raw_login(perm_broker, TOPICS) as publisher:
        publisher.send(mqtt_raw.publish(allowed, b"allowed", qos=1, packet_id=2))
        assert publisher.expect(mqtt_raw.PUBACK).packet_id == 2
        publisher.send(mqtt_raw.publish(denied, b"denied", qos=1, packet_id=3))
        if perm_broker.checks:
            publisher.wait_closed(10)
        else:
            assert publisher.expect(mqtt_raw.PUBACK).packet_id == 3
    assert observer.wait_messages(1, topic_=allowed)[0].payload == b"allowed"
    before = barrier(observer, observer, denied)
    assert [m.payload for m in before] == ([] if perm_broker.checks else [b"denied"])


def test_topic_permission_applies_to_amqp_publish_to_mqtt_default(perm_broker, mqtt_clients):
    """AMQP publishes to mqtt.default are checked against the same write regex (topic permissions are an AMQP
    concept: they apply whatever permission_check_enabled says)."""
    allowed = f"interop/{ALLOWED}/{client_id('a')}"
    denied = f"interop/{DENIED}/{client_id('a')}"
    observer = mqtt_clients.connected(perm_broker)
    observer.subscribe([(allowed, 1), (denied, 1)])
    conn = amqp_connect(perm_broker, TOPICS, PASSWORD)
    try:
        ch = conn.channel()
        ch.basic_publish("mqtt.default", allowed, b"amqp allowed")
        ch.basic_publish("mqtt.default", denied, b"amqp denied")
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            ch.basic_qos(prefetch_count=1)  # synchronous: the refusal arrives before its reply
        assert info.value.reply_code == 403
    finally:
        if conn.is_open:
            conn.close()
    assert observer.wait_messages(1, topic_=allowed)[0].payload == b"amqp allowed"
    assert barrier(observer, observer, denied) == []
