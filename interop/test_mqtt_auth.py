"""MQTT authentication and vhosts (design §4): CONNACK return codes, `vhost:user`, `[mqtt] default_vhost`,
`[mqtt] allow_anonymous`, vhost isolation, the same client id in two vhosts.

Users come from RabbitMQ-format definitions (gateway: `[main] load_definitions`; RabbitMQ: `rabbitmqctl
import_definitions`). mosquitto runs with anonymous access and no password file, so it can only check the
protocol-level codes (0x01, 0x02) here.
"""

from __future__ import annotations

import pytest

from gwtest import mqtt_raw
from gwtest.clients import connect as amqp_connect, queue_exists
from gwtest.definitions import definitions, permission, user
from gwtest.mqtt import (PROTOCOL_IDS, PROTOCOLS, MQTTClient, MQTTv31, amqp_get_within, barrier, bridge_names,
                         client_id, mode, topic)
from gwtest.session import running_broker, skip_on

VHOST_A = "interop-mqtt-a"
VHOST_B = "interop-mqtt-b"
DEV = "interop-mqtt-dev"
ONLY_A = "interop-mqtt-only-a"
PASSWORD = "mqtt-pw-1"

needs_users = skip_on("mosquitto", "users and vhosts come from definitions, which mosquitto does not load")


def auth_definitions() -> dict:
    return definitions(
        users=[user("guest", "guest", ["administrator"]), user(DEV, PASSWORD), user(ONLY_A, PASSWORD)],
        vhosts=["/", VHOST_A, VHOST_B],
        permissions=[
            permission("guest", "/", ".*", ".*", ".*"),
            permission("guest", VHOST_A, ".*", ".*", ".*"),
            permission("guest", VHOST_B, ".*", ".*", ".*"),
            permission(DEV, "/", ".*", ".*", ".*"),
            permission(DEV, VHOST_A, ".*", ".*", ".*"),
            permission(DEV, VHOST_B, ".*", ".*", ".*"),
            permission(ONLY_A, VHOST_A, ".*", ".*", ".*"),
        ],
    )


@pytest.fixture(scope="module")
def auth_broker(tmp_path_factory):
    with running_broker(tmp_path_factory.mktemp("mqttauth"),
                        None if mode() == "mosquitto" else auth_definitions()) as target:
        yield target


def raw_connack(target, username=None, password=None, **kwargs) -> int | None:
    """The CONNACK return code, or None when the server closed the connection without a CONNACK."""
    with mqtt_raw.RawMQTT(target.host, target.mqtt_port) as raw:
        try:
            _present, code = raw.connect(kwargs.pop("cid", client_id("auth")), username=username,
                                         password=password, **kwargs)
        except mqtt_raw.ProtocolViolation:
            return None
        if code != 0:
            raw.wait_closed(10)  # MQTT-3.2.2-5: a refused connection is closed after the CONNACK
        return code


@needs_users
@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: PROTOCOL_IDS[p])
def test_wrong_password_is_refused_with_0x04(auth_broker, protocol):
    level = mqtt_raw.PROTOCOL_31 if protocol == MQTTv31 else mqtt_raw.PROTOCOL_311
    assert raw_connack(auth_broker, DEV, "wrong", protocol=level) == mqtt_raw.REFUSED_BAD_CREDENTIALS
    c = MQTTClient(auth_broker, username=DEV, password="wrong", protocol=protocol)
    try:
        assert c.connect().code == 0x04, "paho sees 'bad user name or password'"
    finally:
        c.close()
    assert raw_connack(auth_broker, "no-such-user", PASSWORD) == mqtt_raw.REFUSED_BAD_CREDENTIALS


@skip_on(("mosquitto", "rabbitmq"), "the peers under test run with anonymous access enabled")
def test_missing_credentials_are_refused_with_0x04_by_default(auth_broker):
    assert raw_connack(auth_broker) == mqtt_raw.REFUSED_BAD_CREDENTIALS
    assert raw_connack(auth_broker, username=DEV) == mqtt_raw.REFUSED_BAD_CREDENTIALS, "username without password"


@skip_on(("mosquitto", "rabbitmq"), "gateway's [mqtt] allow_anonymous setting")
def test_allow_anonymous_logs_in_as_the_default_user(start_broker, mqtt_clients):
    target = start_broker(settings={"mqtt": {"allow_anonymous": "true"}})
    anon = mqtt_clients.connected(target, username=None, password=None)
    t = topic("anon")
    assert anon.subscribe(t, 1) == [1]
    anon.publish(t, b"anonymous", qos=1)
    assert anon.wait_messages(1)[0].payload == b"anonymous"


@needs_users
def test_unknown_vhost_is_refused_with_0x05(auth_broker):
    code = raw_connack(auth_broker, f"interop-no-such-vhost:{DEV}", PASSWORD)
    if mode() == "rabbitmq":
        # RabbitMQ 3.10 answers 0x04 (bad credentials) for a vhost that does not exist; design §4 says 0x05.
        assert code == mqtt_raw.REFUSED_BAD_CREDENTIALS
    else:
        assert code == mqtt_raw.REFUSED_NOT_AUTHORIZED


@needs_users
def test_vhost_without_access_is_refused_with_0x05(auth_broker):
    assert raw_connack(auth_broker, f"{VHOST_B}:{ONLY_A}", PASSWORD) == mqtt_raw.REFUSED_NOT_AUTHORIZED
    assert raw_connack(auth_broker, f"{VHOST_A}:{ONLY_A}", PASSWORD) == mqtt_raw.ACCEPTED


def test_unsupported_protocol_level_is_refused_with_0x01(auth_broker):
    """MQTT-3.1.2-2: an unsupported protocol level gets CONNACK 0x01 and the connection is closed."""
    code = raw_connack(auth_broker, "guest", "guest", protocol=(b"MQTT", 9))
    if mode() == "rabbitmq":
        assert code is None, "RabbitMQ 3.10 closes the connection without a CONNACK (design §4: 0x01)"
    else:
        assert code == mqtt_raw.REFUSED_PROTOCOL_VERSION


def test_empty_client_id_with_persistent_session_is_refused_with_0x02(auth_broker):
    """MQTT-3.1.3-8: a zero-byte client id with CleanSession=0 gets CONNACK 0x02."""
    assert raw_connack(auth_broker, "guest", "guest", cid="", clean_session=False) == mqtt_raw.REFUSED_IDENTIFIER


def test_empty_client_id_with_clean_session_is_accepted(auth_broker):
    """MQTT-3.1.3-6: the server assigns an id to a zero-byte client id with CleanSession=1."""
    assert raw_connack(auth_broker, "guest", "guest", cid="", clean_session=True) == mqtt_raw.ACCEPTED


@needs_users
def test_vhost_prefix_selects_the_vhost_and_isolates_it(auth_broker, mqtt_clients):
    """`vhost:user` logs into that vhost: an AMQP queue there gets the message, and MQTT subscribers (live and
    retained replay) in another vhost see nothing of it."""
    names = bridge_names()
    t = topic("vhost")
    conn = amqp_connect(auth_broker, vhost=VHOST_A)
    try:
        ch = conn.channel()
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(q, names.exchange, names.binding_key(t))
        in_a = mqtt_clients.connected(auth_broker, username=f"{VHOST_A}:{DEV}", password=PASSWORD)
        in_b = mqtt_clients.connected(auth_broker, username=f"{VHOST_B}:{DEV}", password=PASSWORD)
        in_root = mqtt_clients.connected(auth_broker, username=DEV, password=PASSWORD)
        in_b.subscribe(t, 1)
        in_root.subscribe(t, 1)
        in_a.publish(t, b"only in a", qos=1, retain=True)
        assert amqp_get_within(conn, ch, q)[2] == b"only in a"
        for other, vhost_user in ((in_b, f"{VHOST_B}:{DEV}"), (in_root, DEV)):
            assert barrier(other, other, t) == [], f"{vhost_user} saw a message of another vhost"
            late = mqtt_clients.connected(auth_broker, username=vhost_user, password=PASSWORD)
            late.subscribe(t, 1)
            assert barrier(late, late, t) == [], f"{vhost_user} was replayed a retained message of another vhost"
        in_a.publish(t, b"", qos=1, retain=True)
    finally:
        conn.close()


@skip_on(("mosquitto", "rabbitmq"), "gateway's [mqtt] default_vhost setting")
def test_default_vhost_is_used_without_prefix(start_broker, mqtt_clients):
    target = start_broker(definitions=auth_definitions(), settings={"mqtt": {"default_vhost": VHOST_A}})
    t = topic("defvhost")
    conn = amqp_connect(target, vhost=VHOST_A)
    try:
        ch = conn.channel()
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(q, "mqtt.default", t)
        mqtt_clients.connected(target, username=DEV, password=PASSWORD).publish(t, b"to the default vhost", qos=1)
        mqtt_clients.connected(target, username=f"/:{DEV}", password=PASSWORD).publish(t, b"to /", qos=1)
        assert amqp_get_within(conn, ch, q)[2] == b"to the default vhost"
        assert ch.queue_declare(q, passive=True).method.message_count == 0, "the '/:user' publish went to /"
    finally:
        conn.close()
    assert raw_connack(target, ONLY_A, PASSWORD) == mqtt_raw.ACCEPTED, "ONLY_A has access to the default vhost"


@skip_on(("mosquitto", "rabbitmq"), "RabbitMQ 3.10 registers client ids across vhosts (the second connection takes "
                                     "the first over); mosquitto has no vhosts")
def test_same_client_id_in_two_vhosts_coexists(auth_broker, mqtt_clients):
    cid = client_id("twovh")
    t = topic("twovh")
    a = mqtt_clients.connected(auth_broker, cid, username=f"{VHOST_A}:{DEV}", password=PASSWORD)
    b = mqtt_clients.connected(auth_broker, cid, username=f"{VHOST_B}:{DEV}", password=PASSWORD)
    for c, payload in ((a, b"in a"), (b, b"in b")):
        assert c.subscribe(t, 1) == [1]
        c.publish(t, payload, qos=1)
    assert [m.payload for m in a.wait_messages(1)] == [b"in a"]
    assert [m.payload for m in b.wait_messages(1)] == [b"in b"]
    assert not a.disconnected and not b.disconnected, "no takeover across vhosts"
    assert barrier(a, a, t) == a.messages[:1] and barrier(b, b, t) == b.messages[:1], "no cross-vhost delivery"
    if mode() == "gateway":
        for vhost in (VHOST_A, VHOST_B):
            conn = amqp_connect(auth_broker, vhost=vhost)
            try:
                assert queue_exists(conn, f"mqtt.{cid}"), f"session queue mqtt.{cid} in {vhost}"
            finally:
                conn.close()
    a.disconnect()
    b.disconnect()


@needs_users
def test_amqp_sees_mqtt_login_only_in_its_vhost(auth_broker, mqtt_clients):
    """A persistent session's queue exists in the vhost the client logged into and not in the default one."""
    cid = client_id("sessvh")
    names = bridge_names()
    c = mqtt_clients.new(auth_broker, cid, username=f"{VHOST_A}:{DEV}", password=PASSWORD, clean_session=False)
    c.connected()
    c.subscribe(topic("sessvh"), 1)
    c.disconnect()
    try:
        conn_a = amqp_connect(auth_broker, vhost=VHOST_A)
        conn_root = amqp_connect(auth_broker)
        try:
            assert queue_exists(conn_a, names.session_queue(cid))
            assert not queue_exists(conn_root, names.session_queue(cid))
        finally:
            conn_a.close()
            conn_root.close()
    finally:
        mqtt_clients.connected(auth_broker, cid, username=f"{VHOST_A}:{DEV}", password=PASSWORD).disconnect()
