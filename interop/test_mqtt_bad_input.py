"""Malformed and hostile MQTT input over raw sockets (gwtest/mqtt_raw.py). Every row is named after the spec clause
it breaks (OASIS MQTT 3.1.1); the broker must close that connection (MQTT-4.8.0-1: a protocol violation closes the
network connection) and must not crash: after each test a fresh paho client connects, subscribes and receives.
"""

from __future__ import annotations

import threading
import time

import pytest

from gwtest import mqtt_raw
from gwtest.broker import rss_bytes
from gwtest.mqtt import assert_mqtt_healthy, barrier, client_id, mode, topic
from gwtest.session import skip_on

R = mqtt_raw


def raw_publish_first_byte(first: int, topic_: bytes = b"a/b", tail: bytes = b"") -> bytes:
    body = R.utf8(topic_) + tail
    return R.packet(first, body)


# (id, bytes) - each sent right after a successful CONNECT, and as the first packet of a connection.
MALFORMED = [
    ("MQTT-3.3.1-4 PUBLISH QoS 3", raw_publish_first_byte(0x36, tail=b"\x00\x01payload")),
    ("MQTT-2.2.2-2 PUBACK reserved flags 0001", bytes([0x41, 0x02, 0x00, 0x01])),
    ("MQTT-2.2.2-2 PINGREQ reserved flags 0001", bytes([0xC1, 0x00])),
    ("MQTT-3.6.1-1 PUBREL flags 0000", bytes([0x60, 0x02, 0x00, 0x01])),
    ("MQTT-3.14.1-1 DISCONNECT reserved flags 0001", bytes([0xE1, 0x00])),
    ("MQTT-2.2.3 remaining length longer than 4 bytes", bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])),
    ("MQTT-2.2.1 reserved packet type 0", bytes([0x00, 0x00])),
    ("MQTT-2.2.1 reserved packet type 15", bytes([0xF0, 0x00])),
    ("MQTT-1.5.3-1 invalid UTF-8 in PUBLISH topic", R.publish(b"a/\xff\xfe/b", b"x")),
    ("MQTT-1.5.3-1 UTF-16 surrogate in PUBLISH topic", R.publish(b"a/\xed\xa0\x80", b"x")),
    ("MQTT-1.5.3-2 U+0000 in PUBLISH topic", R.publish(b"a\x00b", b"x")),
    ("MQTT-3.3.2-2 '+' wildcard in PUBLISH topic", R.publish("a/+/c", b"x")),
    ("MQTT-3.3.2-2 '#' wildcard in PUBLISH topic", R.publish("a/#", b"x")),
    ("MQTT-4.7.3-1 empty PUBLISH topic", R.publish("", b"x")),
    ("MQTT-2.3.1-1 PUBLISH QoS 1 with packet id 0", R.publish("a/b", b"x", qos=1, packet_id=0)),
    ("MQTT-2.3.1-1 PUBLISH QoS 2 with packet id 0", R.publish("a/b", b"x", qos=2, packet_id=0)),
    ("MQTT-1.5.3 topic length beyond the packet", bytes([0x30, 0x03, 0x00, 0x10, 0x61])),
    ("MQTT-3.8.3-3 SUBSCRIBE with no filters", R.subscribe(1, [])),
    ("MQTT-3.8.1-1 SUBSCRIBE reserved flags 0000", R.subscribe(1, [("a/b", 0)], flags=0x00)),
    ("MQTT-3.8.3-4 SUBSCRIBE requested QoS 3", R.subscribe(1, [("a/b", 3)])),
    ("MQTT-2.3.1-1 SUBSCRIBE packet id 0", R.subscribe(0, [("a/b", 0)])),
    ("MQTT-4.7.1-2 '#' not last in filter", R.subscribe(1, [("a/#/b", 0)])),
    ("MQTT-4.7.1-3 '+' not a whole level", R.subscribe(1, [("a/b+/c", 0)])),
    ("MQTT-1.5.3-2 U+0000 in SUBSCRIBE filter", R.subscribe(1, [(b"a\x00", 0)])),
    ("MQTT-3.10.3-2 UNSUBSCRIBE with no filters", R.unsubscribe(1, [])),
    ("MQTT-3.10.1-1 UNSUBSCRIBE reserved flags 0000",
     R.packet(R.UNSUBSCRIBE << 4, b"\x00\x01" + R.utf8("a/b"))),
]
MALFORMED_IDS = [row[0] for row in MALFORMED]

FIRST_PACKET_ONLY = [
    ("MQTT-3.1.2-3 CONNECT reserved flag set", R.connect("bad-reserved", username="guest", password="guest",
                                                         reserved_flag=True)),
    ("MQTT-3.1.2-1 CONNECT protocol name 'MQTX'", R.connect("bad-name", username="guest", password="guest",
                                                             protocol=(b"MQTX", 4))),
    ("MQTT-3.1.2-11 CONNECT will QoS 3", R.connect("bad-willqos", username="guest", password="guest",
                                                   will_topic="w", will_qos=3)),
    ("MQTT-3.1.2-13 CONNECT will QoS without will flag",
     R.packet(0x10, R.utf8(b"MQTT") + bytes([4, 0x02 | 0x08]) + b"\x00\x3c" + R.utf8("bad-willflag"))),
]

# Rows a peer accepts where gateway (design §4 / the issue: strict validation) must close. Documented, not hidden:
# the test still runs for these rows and checks that the peer survives them (a fresh client still works).
PEER_LENIENT: dict[str, set[str]] = {
    # mosquitto 2.0.11 ignores the reserved flag bits of PUBACK and PINGREQ (it answers the PINGREQ).
    "mosquitto": {"MQTT-2.2.2-2 PUBACK reserved flags 0001", "MQTT-2.2.2-2 PINGREQ reserved flags 0001"},
    # RabbitMQ 3.10 keeps the connection open after almost every malformed packet once connected (it ignores
    # unknown packet types, over-long lengths, bad topics and filters, answers SUBSCRIBE/UNSUBSCRIBE without
    # filters), and accepts CONNECTs with a reserved flag or inconsistent will flags.
    "rabbitmq": set(MALFORMED_IDS) | {row for row, _ in FIRST_PACKET_ONLY},
}


def connected_raw(target, **kwargs) -> R.RawMQTT:
    raw = R.RawMQTT(target.host, target.mqtt_port)
    assert raw.connect(client_id("bad"), username="guest", password="guest", **kwargs) == (False, 0)
    return raw


def expect_closed(raw: R.RawMQTT, row: str, timeout: float = 10.0) -> None:
    if mode() != "gateway" and row in PEER_LENIENT[mode()]:
        return
    sent = raw.wait_closed(timeout)
    acks = [p for p in sent if p.type in (R.PUBACK, R.PUBREC, R.SUBACK, R.UNSUBACK)]
    assert not acks, f"{row}: the malformed packet was acknowledged ({acks}) instead of closing the connection"


@pytest.mark.parametrize("row,data", MALFORMED, ids=MALFORMED_IDS)
def test_malformed_packet_after_connect_closes_connection(broker, row, data):
    with connected_raw(broker) as raw:
        raw.send(data)
        expect_closed(raw, row)
    assert_mqtt_healthy(broker)


# Gateway must close on the malformed packet itself; RabbitMQ 3.10 closes some first packets (reserved type 15,
# over-long remaining length) only at its 10 s handshake timeout.
FIRST_PACKET_CLOSE_WITHIN = 5.0 if mode() == "gateway" else 15.0


@pytest.mark.parametrize("row,data", MALFORMED + FIRST_PACKET_ONLY,
                         ids=MALFORMED_IDS + [row for row, _ in FIRST_PACKET_ONLY])
def test_malformed_first_packet_closes_connection(broker, row, data):
    """MQTT-3.1.0-1: the first packet must be a (well-formed) CONNECT."""
    with R.RawMQTT(broker.host, broker.mqtt_port) as raw:
        raw.send(data)
        if mode() == "gateway" or row not in PEER_LENIENT[mode()] or row in MALFORMED_IDS:
            sent = raw.wait_closed(FIRST_PACKET_CLOSE_WITHIN)
            assert all(p.type != R.CONNACK or p.connack[1] != 0 for p in sent), f"{row}: accepted as a CONNECT"
    assert_mqtt_healthy(broker)


def test_publish_before_connect_closes_connection(broker):
    with R.RawMQTT(broker.host, broker.mqtt_port) as raw:
        raw.send(R.publish(topic("early"), b"too early", qos=1, packet_id=1))
        sent = raw.wait_closed(10)
        assert not sent, f"the broker answered a PUBLISH before CONNECT with {sent}"
    assert_mqtt_healthy(broker)


@skip_on("rabbitmq", "RabbitMQ 3.10 ignores a second CONNECT")
def test_second_connect_closes_connection(broker):
    """MQTT-3.1.0-2: a second CONNECT is a protocol violation."""
    cid = client_id("twice")
    with connected_raw(broker) as raw:
        raw.send(R.connect(cid, username="guest", password="guest"))
        sent = raw.wait_closed(10)
        assert all(p.type != R.CONNACK for p in sent), "a second CONNECT was answered"
    assert_mqtt_healthy(broker)


# Gateway: `[mqtt] max_packet_size` is enforced on the fixed header, before buffering, so a 256 MiB claim is refused
# at once. Peers wait for the body (mosquitto 2.0.11 and RabbitMQ 3.10 have no default limit below 256 MiB); for
# them the test only requires that the claim costs no memory and that the connection ends at their keepalive.
CLAIM_CLOSE_WITHIN = 5.0 if mode() == "gateway" else 30.0


@pytest.mark.parametrize("first", [True, False], ids=["as-first-packet", "after-connect"])
@pytest.mark.watchdog(90)
def test_256_mib_claimed_length_with_10_bytes_is_closed_promptly(broker, first):
    before = rss_bytes(broker.pid) if broker.pid else None
    claim = bytes([0x30]) + R.varint(268_435_455) + b"\x00\x03a/b" + b"12345"  # 10 bytes of a 256 MiB PUBLISH
    raw = R.RawMQTT(broker.host, broker.mqtt_port) if first else connected_raw(broker, keepalive=2)
    with raw:
        raw.send(claim)
        raw.wait_closed(CLAIM_CLOSE_WITHIN)
    if before is not None:
        assert rss_bytes(broker.pid) - before < 50 * 1024 * 1024, "the claimed length was allocated"
    assert_mqtt_healthy(broker)


# mosquitto 2.0.11 has no CONNECT deadline by default: a silent TCP client stays until the OS drops it.
@skip_on("mosquitto", "mosquitto 2.0.11 never closes a client that sends no CONNECT")
@pytest.mark.watchdog(60)
def test_silent_client_is_closed_after_connect_deadline(broker):
    """design §4: a CONNECT must arrive within 10 s of accept (allowing up to 15 s)."""
    with R.RawMQTT(broker.host, broker.mqtt_port) as raw:
        start = time.monotonic()
        assert raw.wait_closed(15.0) == []
        elapsed = time.monotonic() - start
    assert elapsed >= 5.0, f"closed after {elapsed:.1f} s: too early for a 10 s CONNECT deadline"
    assert_mqtt_healthy(broker)


@skip_on("mosquitto", "mosquitto 2.0.11 never closes a client that sends no CONNECT")
@pytest.mark.watchdog(60)
def test_trickled_connect_is_closed_at_the_connect_deadline(broker):
    """design §4: the bytes of an unfinished CONNECT do not move the 10 s deadline: a client that sends its CONNECT
    one byte every 0.5 s (a slowloris) is closed within 15 s of accept, and other clients are unaffected."""
    packet = R.connect(client_id("trickle") + "-" + "x" * 40, username="guest", password="guest")
    assert len(packet) * 0.5 > 20, "the trickle must outlast the deadline"
    with R.RawMQTT(broker.host, broker.mqtt_port) as raw:
        start = time.monotonic()
        closed_after = None
        for byte in packet[:-1]:
            try:
                raw.send(bytes([byte]))
                raw.sock.settimeout(0.5)
                if raw.sock.recv(1) == b"":
                    closed_after = time.monotonic() - start
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - start
                break
    assert closed_after is not None, "the trickled CONNECT was never cut off"
    assert 5.0 <= closed_after <= 15.0, f"closed after {closed_after:.1f} s, not at the 10 s CONNECT deadline"
    assert_mqtt_healthy(broker)


@skip_on("rabbitmq", "RabbitMQ 3.10 MQTT has no QoS 2")
@pytest.mark.watchdog(180)
def test_qos2_publishes_reusing_one_packet_id_without_pubrel_stay_bounded(broker, mqtt_clients):
    """10 000 QoS 2 PUBLISHes (8 KiB each) with the same packet id and no PUBREL: the broker keeps one in-flight
    message per packet id (MQTT 3.1.1 §4.3.3 method B), so memory stays bounded, the message is delivered once
    (gateway: inbound QoS 2 dedupe, design §4), and the connection stays usable or is closed cleanly."""
    t = topic("qos2dup")
    observer = mqtt_clients.connected(broker)
    observer.subscribe(t, 2)
    before = rss_bytes(broker.pid) if broker.pid else None
    payload = b"x" * 8192
    counts = {R.PUBREC: 0, R.PUBCOMP: 0}
    closed = threading.Event()
    progress = threading.Condition()

    with connected_raw(broker) as raw:
        def read_acks() -> None:
            try:
                while (p := raw.read_packet(60)) is not None:
                    with progress:
                        counts[p.type] = counts.get(p.type, 0) + 1
                        progress.notify_all()
            except (TimeoutError, OSError, R.ProtocolViolation):
                pass
            with progress:
                closed.set()
                progress.notify_all()

        def wait_for(condition, timeout: float) -> None:
            deadline = time.monotonic() + timeout
            with progress:
                while not condition() and not closed.is_set() and time.monotonic() < deadline:
                    progress.wait(deadline - time.monotonic())

        reader = threading.Thread(target=read_acks, daemon=True)
        reader.start()
        batch = R.publish(t, payload, qos=2, packet_id=42) * 1000
        try:
            for _ in range(10):
                raw.send(batch)
        except OSError:
            pass  # closed by the broker: allowed, checked below
        wait_for(lambda: counts[R.PUBREC] >= 10_000, 60)
        released = not closed.is_set()
        if released:
            assert counts[R.PUBREC] == 10_000, f"connection open but {counts[R.PUBREC]} PUBRECs for 10 000 PUBLISHes"
            raw.send(R.ack(R.PUBREL, 42))
            wait_for(lambda: counts[R.PUBCOMP] >= 1, 10)
            assert counts[R.PUBCOMP] == 1, "PUBREL answered with PUBCOMP: the connection is still usable"
            raw.send(R.DISCONNECT_PACKET)
        reader.join(65)

    if before is not None:
        growth = rss_bytes(broker.pid) - before
        assert growth < 50 * 1024 * 1024, f"RSS grew by {growth // (1024 * 1024)} MiB"
    if released:
        got = observer.wait_messages(1)
        assert got[0].payload == payload
        if mode() == "gateway":
            assert len(barrier(observer, observer, t)) == 1, "design §4: inbound QoS 2 dedupe by packet id"
    assert_mqtt_healthy(broker)


@skip_on("rabbitmq", "Gateway's [mqtt] limits")
@skip_on("mosquitto", "Gateway's [mqtt] limits")
def test_topic_level_and_subscription_limits(start_broker, mqtt_clients):
    """`max_topic_levels` refuses deeper filters (SUBACK 0x80) and closes a publisher using a deeper topic;
    `max_subscriptions_per_session` refuses filters beyond the cap, while re-subscribing a held filter still works."""
    target = start_broker(settings={"mqtt": {"max_topic_levels": "4", "max_subscriptions_per_session": "3"}})
    c = mqtt_clients.connected(target)
    assert c.subscribe([("a/b/c/d", 1), ("a/b/c/d/e", 1)]) == [1, 0x80]
    assert c.subscribe([("x/1", 0), ("x/2", 0), ("x/3", 0)]) == [0, 0, 0x80]
    assert c.subscribe([("x/1", 1)]) == [1]
    c.publish("a/b/c/d", b"four levels", qos=1)
    c.wait_messages(1)
    deep = mqtt_clients.connected(target)
    deep.paho.publish("a/b/c/d/e", b"five levels", qos=1)
    deep.wait_disconnected(5)
    assert_mqtt_healthy(target)
