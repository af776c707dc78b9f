"""The MQTT <-> AMQP bridge (design §4 "Bridge") with paho, pika and amqp-tools.

Gateway: exchange `mqtt.default`, routing key = topic verbatim, MQTT filters as binding keys, session queues
`mqtt.<client_id>`. The same tests validate against RabbitMQ 3.10's MQTT plugin through `bridge_names()` (amq.topic,
`/` <-> `.`, `mqtt-subscription-<id>qos1`); where RabbitMQ maps differently the test says so. mosquitto has no AMQP.
"""

from __future__ import annotations

import shutil
import subprocess

import pika
import pika.exceptions
import pytest

from gwtest.clients import connect as amqp_connect, wait_until
from gwtest.mqtt import barrier, bridge_names, client_id, mode, topic
from gwtest.session import skip_on

pytestmark = skip_on("mosquitto", "mosquitto has no AMQP side")


def consume_all(conn, ch, queue: str, n: int, timeout: float = 10.0) -> list[tuple]:
    """Consumes `n` deliveries (auto-ack) and returns (method, properties, body) in arrival order."""
    got: list[tuple] = []
    tag = ch.basic_consume(queue, lambda c, m, p, b: got.append((m, p, b)), auto_ack=True)
    wait_until(lambda: len(got) >= n, timeout, f"{n} deliveries from {queue}", connection=conn)
    ch.basic_cancel(tag)
    return got


def test_mqtt_publish_reaches_amqp_queue_bound_with_mqtt_filter(broker, mqtt_clients):
    names = bridge_names()
    device = client_id("dev")  # a unique level: concurrent runs against a shared peer never collide
    conn = amqp_connect(broker)
    try:
        ch = conn.channel()
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(q, names.exchange, names.binding_key("sensors/+/temp"))
        pub = mqtt_clients.connected(broker)
        top = 1 if mode() == "rabbitmq" else 2  # RabbitMQ 3.10 MQTT has no QoS 2
        pub.publish(f"sensors/{device}-0/temp", b"20.5", qos=0)
        pub.publish(f"sensors/{device}-1/temp", b"21.5", qos=1, retain=True)
        pub.publish(f"sensors/{device}-1/humidity", b"40", qos=1)  # other last level: not matched
        pub.publish(f"sensors/{device}-1/x/temp", b"deep", qos=1)  # '+' is one level: not matched
        pub.publish(f"sensors/{device}-2/temp", b"22.5", qos=top)
        pub.publish(f"sensors/{device}-3/temp", b"end", qos=1)  # the last one, proves nothing else came before
        got = consume_all(conn, ch, q, 4)
        assert [b for _m, _p, b in got] == [b"20.5", b"21.5", b"22.5", b"end"]
        for (method, props, _body), (suffix, qos, retain) in zip(got, [("0", 0, False), ("1", 1, True),
                                                                          ("2", top, False), ("3", 1, False)]):
            assert method.exchange == names.exchange
            assert method.routing_key == names.routing_key(f"sensors/{device}-{suffix}/temp"), "topic verbatim"
            headers = props.headers or {}
            assert headers.get("x-mqtt-publish-qos") == qos, headers
            assert props.delivery_mode == (2 if qos >= 1 else 1), f"QoS {qos}: delivery_mode {props.delivery_mode}"
            if mode() == "gateway":
                # RabbitMQ 3.10 sets no x-mqtt-retain header; design §4 sets it (true) only for retained publishes.
                assert headers.get("x-mqtt-retain") is (True if retain else None), headers
        assert ch.queue_declare(q, passive=True).method.message_count == 0
        pub.publish(f"sensors/{device}-1/temp", b"", qos=1, retain=True)  # delete the retained value
    finally:
        conn.close()


@pytest.mark.parametrize("sub_qos", [1, 2], ids=["sub-qos1", "sub-qos2"])
def test_amqp_publish_reaches_mqtt_subscriber(broker, mqtt_clients, sub_qos):
    """Publish QoS = x-mqtt-publish-qos, else 1 for delivery_mode 2, else 0; delivered = min(that, subscription)."""
    if mode() == "rabbitmq" and sub_qos == 2:
        pytest.skip("rabbitmq mode: RabbitMQ 3.10 MQTT has no QoS 2")
    names = bridge_names()
    t = topic("amqp2mqtt")
    sub = mqtt_clients.connected(broker)
    assert sub.subscribe(t, sub_qos) == [sub_qos]
    cases = [
        ("header 2", pika.BasicProperties(headers={"x-mqtt-publish-qos": 2}), 2),
        ("header 1", pika.BasicProperties(headers={"x-mqtt-publish-qos": 1}), 1),
        ("header 0 beats persistent", pika.BasicProperties(delivery_mode=2, headers={"x-mqtt-publish-qos": 0}), 0),
        ("persistent", pika.BasicProperties(delivery_mode=2), 1),
        ("transient", pika.BasicProperties(delivery_mode=1), 0),
        ("no properties", pika.BasicProperties(), 0),
    ]
    if mode() == "rabbitmq":
        # RabbitMQ 3.10's MQTT connection crashes on an x-mqtt-publish-qos header that is not an AMQP byte (pika
        # sends ints as 32-bit), so the header rows are gateway's (design §4) only.
        cases = [c for c in cases if not c[1].headers]
    conn = amqp_connect(broker)
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        for name, props, _qos in cases:
            ch.basic_publish(names.exchange, names.routing_key(t), name.encode(), props)
    finally:
        conn.close()
    got = sub.wait_messages(len(cases))
    # paho hands a QoS 2 message to the application on PUBREL, after a round trip, so messages delivered at
    # different QoS can reach the application out of the order the broker sent them: compare by name.
    by_name = {m.payload.decode(): m for m in got}
    assert sorted(by_name) == sorted(name for name, _p, _q in cases) and len(got) == len(cases), "all delivered once"
    for name, _props, publish_qos in cases:
        m = by_name[name]
        assert m.topic == t
        if mode() == "gateway":
            assert m.qos == min(publish_qos, sub_qos), f"{name}: delivered at QoS {m.qos}"
        else:
            # RabbitMQ 3.10 delivers at the QoS of the subscription's queue (qos1) whatever the AMQP properties say.
            assert m.qos == sub_qos, f"{name}: delivered at QoS {m.qos}"
        assert not m.retain


def test_amqp_sees_offline_persistent_session_queue(broker, mqtt_clients):
    """An offline persistent session's messages are visible to AMQP: passive declare counts them, amqp-get reads one."""
    assert shutil.which("amqp-get"), "amqp-tools not installed (apt-get install amqp-tools)"
    names = bridge_names()
    cid = client_id("offline")
    queue = names.session_queue(cid, 1)
    t = topic("offline")
    session = mqtt_clients.new(broker, cid, clean_session=False)
    session.connected()
    assert session.subscribe(t, 1) == [1]
    conn = amqp_connect(broker)
    try:
        declared = conn.channel().queue_declare(queue, passive=True).method
        assert (declared.message_count, declared.consumer_count) == (0, 1), "the connected session consumes"
        session.disconnect()
        wait_until(lambda: conn.channel().queue_declare(queue, passive=True).method.consumer_count == 0, 10,
                   "the session's consumer to go away", connection=conn)

        pub = mqtt_clients.connected(broker)
        pub.publish(t, b"held for an offline device", qos=1)
        pub.publish(t, b"second", qos=1)
        declared = conn.channel().queue_declare(queue, passive=True).method
        assert (declared.message_count, declared.consumer_count) == (2, 0)

        url = f"amqp://guest:guest@{broker.host}:{broker.amqp_port}"
        got = subprocess.run(["amqp-get", "--url", url, "-q", queue], capture_output=True, text=True, timeout=30)
        assert got.returncode == 0, got.stderr
        assert got.stdout == "held for an offline device"
        assert conn.channel().queue_declare(queue, passive=True).method.message_count == 1
    finally:
        conn.close()
    back = mqtt_clients.new(broker, cid, clean_session=False)
    back.connected()
    assert [m.payload for m in back.wait_messages(1)] == [b"second"], "the session resumes with what AMQP left"
    assert barrier(back, back, t) == back.messages[:1]
    back.disconnect()
    mqtt_clients.connected(broker, cid).disconnect()  # clean session: discard


@skip_on("rabbitmq", "RabbitMQ 3.10 lets AMQP clients declare and delete its MQTT queues")
def test_mqtt_names_are_reserved_against_amqp_declare_and_delete(broker, mqtt_clients):
    """design §4: AMQP may not declare or delete exchanges or queues named mqtt.* (403), except passive declare."""
    cid = client_id("reserved")
    session = mqtt_clients.connected(broker, cid)
    conn = amqp_connect(broker)
    try:
        for attempt in (lambda ch: ch.queue_declare(f"mqtt.{cid}"),
                        lambda ch: ch.queue_delete(f"mqtt.{cid}"),
                        lambda ch: ch.queue_declare(f"mqtt.{client_id('new')}"),
                        lambda ch: ch.exchange_declare("mqtt.default", exchange_type="topic"),
                        lambda ch: ch.exchange_delete("mqtt.default")):
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
                attempt(conn.channel())
            assert info.value.reply_code == 403
        assert conn.channel().queue_declare(f"mqtt.{cid}", passive=True).method.consumer_count == 1
        assert conn.channel().exchange_declare("mqtt.default", passive=True)
    finally:
        conn.close()
    t = topic("reserved")
    assert session.subscribe(t, 1) == [1]
    session.publish(t, b"unharmed", qos=1)
    assert session.wait_messages(1)[0].payload == b"unharmed"
