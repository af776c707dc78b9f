"""MQTT clients logging in with OAuth2 tokens (paho: any user name, password = the JWT): the token's scopes are
exactly the client's permissions under `[mqtt] permission_check_enabled = true`, and the connection is closed
when the token expires (not a clean DISCONNECT: the will fires).

Scopes used here (prefix `gateway.`, the resource server id):
- `read:%2F/mqtt.default/sensors%2F*`  subscribe to filters matching `sensors/*` (read on mqtt.default + topic read)
- `write:%2F/mqtt.default/sensors%2F*` publish to topics matching `sensors/*` (write on mqtt.default + topic write)
- `write:%2F/mqtt.it-*`                write on the client's session queue `mqtt.<client_id>`, which SUBSCRIBE needs

Gateway only."""

from __future__ import annotations

import time
import uuid

import pytest

from gwtest.mqtt import barrier, client_id
from gwtest.oauth import KeySet, claims, mint, oauth_settings, scopes, write_jwks
from gwtest.session import running_broker, skip_on

pytestmark = skip_on(("rabbitmq", "mosquitto", "mosquitto-tls"), "gateway's OAuth2 backend")

SENSOR_SCOPES = scopes("read:%2F/mqtt.default/sensors%2F*", "write:%2F/mqtt.default/sensors%2F*",
                       "write:%2F/mqtt.it-*")


@pytest.fixture(scope="module")
def keys() -> KeySet:
    return KeySet.create()


@pytest.fixture(scope="module")
def checked_broker(tmp_path_factory, keys):
    """local,oauth with MQTT permission checks on; guest (local, full access) observes."""
    workdir = tmp_path_factory.mktemp("oauth-mqtt")
    settings = oauth_settings(write_jwks(workdir / "jwks.json", keys.trusted), mqtt_permission_checks=True)
    with running_broker(workdir / "broker", settings=settings) as target:
        yield target


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_token_scopes_are_the_clients_permissions(checked_broker, keys, mqtt_clients, alg):
    run = uuid.uuid4().hex[:10]
    allowed, denied = f"sensors/{run}/temp", f"alerts/{run}/fire"
    token = mint(keys.by_alg(alg), claims(f"it-sensor-{alg.lower()}", SENSOR_SCOPES))
    observer = mqtt_clients.connected(checked_broker)
    assert observer.subscribe([(allowed, 1), (denied, 1)]) == [1, 1]

    sensor = mqtt_clients.connected(checked_broker, client_id("sensor"), username="anything", password=token)
    assert sensor.subscribe(f"sensors/{run}/#", 1) == [1], "read scope on sensors/* allows this filter"
    assert sensor.subscribe(f"alerts/{run}/#", 1) == [0x80], "no read scope on alerts/*: SUBACK 0x80"
    assert not sensor.disconnected, "a refused filter does not close the connection"

    sensor.publish(allowed, b"21.5", qos=1)
    assert [m.payload for m in sensor.wait_messages(1, topic_=allowed)] == [b"21.5"]
    assert [m.payload for m in observer.wait_messages(1, topic_=allowed)] == [b"21.5"]

    sensor.paho.publish(denied, b"not allowed", qos=1)
    sensor.wait_disconnected(10)  # a refused publish closes an MQTT 3.1.1 connection
    assert barrier(observer, observer, denied) == [], "the refused publish was not routed"


def test_token_without_session_queue_scope_cannot_subscribe(checked_broker, keys, mqtt_clients):
    """SUBSCRIBE needs write on `mqtt.<client_id>` too: the same read scope without it is refused per filter."""
    run = uuid.uuid4().hex[:10]
    token = mint(keys.rsa, claims("it-no-queue", scopes("read:%2F/mqtt.default/sensors%2F*",
                                                         "write:%2F/mqtt.default/sensors%2F*")))
    sensor = mqtt_clients.connected(checked_broker, client_id("noqueue"), username="anything", password=token)
    assert sensor.subscribe(f"sensors/{run}/#", 1) == [0x80]
    sensor.publish(f"sensors/{run}/temp", b"publishing needs no queue", qos=1)


@pytest.mark.watchdog(90)
def test_connection_is_closed_at_token_expiry_and_the_will_fires(start_broker, tmp_path, mqtt_clients):
    """leeway 0, exp = now + 3: the connection lives until exp, then the broker closes it without a DISCONNECT,
    so the client's will is published."""
    keys = KeySet.create()
    target = start_broker(settings=oauth_settings(write_jwks(tmp_path / "jwks.json", keys.trusted), leeway=0))
    will_topic = f"devices/{uuid.uuid4().hex[:10]}/status"
    observer = mqtt_clients.connected(target)
    assert observer.subscribe(will_topic, 1) == [1]

    exp = int(time.time()) + 3
    token = mint(keys.ec, claims("it-expiring", scopes("configure:%2F/*", "write:%2F/*", "read:%2F/*"), exp=exp))
    device = mqtt_clients.connected(target, client_id("expiring"), username="anything", password=token,
                                    will=(will_topic, b"offline", 1, False))
    assert barrier(observer, device, will_topic) == [], "the connection works and no will was sent before exp"

    got = observer.wait_messages(1, timeout=exp - time.time() + 10, topic_=will_topic)
    arrived = time.time()
    assert [m.payload for m in got] == [b"offline"]
    assert arrived >= exp - 0.5, f"the connection was closed {exp - arrived:.1f} s before the token expired"
    device.wait_disconnected(5)
