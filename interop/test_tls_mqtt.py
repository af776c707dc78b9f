"""MQTT over TLS (MQTTS, `[mqtt] tls_port`) with a CA, server and client certificates the test generates
(gwtest/certs.py): paho-mqtt and mosquitto_pub/sub round trips, an expired server certificate, plain MQTT sent to
the TLS port, minimum protocol version, client certificates (mTLS), and a certificate swap on SIGHUP.

Gateway mode runs everything. Mosquitto-tls mode (each test starts a mosquitto 2.0.11 with a TLS listener
configured from the same options) validates the tests, certificates and clients against a real TLS server.
The rabbitmq and mosquitto modes skip this module: their brokers have no TLS listener the suite configures.
"""

from __future__ import annotations

import datetime
import shutil
import ssl
import subprocess

import pytest

from gwtest import mqtt_raw
from gwtest.mqtt import assert_mqtt_healthy, client_id, topic
from gwtest.session import skip_on
from gwtest.tls import (TLSOptions, client_context, local_openssl_speaks, mqtt_connect_outcome, read_until_closed,
                        served_serial, tls_connect, wait_for_serial)

pytestmark = skip_on(("rabbitmq", "mosquitto"), "the TLS tests need a broker started with the test's certificates "
                                                "(gateway, or INTEROP_TARGET=mosquitto-tls)")


def tls_client(mqtt_clients, broker, ctx, **kwargs):
    """A paho client (gwtest.mqtt wrapper) that connects to the MQTTS port with `ctx`."""
    c = mqtt_clients.new(broker.mqtts, **kwargs)
    c.paho.tls_set_context(ctx)
    return c


def round_trip(sub, pub, qos: int) -> None:
    t = topic("tls")
    assert sub.subscribe(t, qos) == [qos]
    payloads = [f"tls message {i}".encode() for i in range(3)] + [bytes(range(256)) * 64]
    for p in payloads:
        pub.publish(t, p, qos=qos)
    got = sub.wait_messages(len(payloads), topic_=t)
    assert [m.payload for m in got] == payloads
    assert all(m.qos == qos for m in got)


def mosquitto_cli(tool: str, port: int, cafile, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    """mosquitto_pub/_sub over TLS: `-h localhost` because libmosquitto checks the DNS names of the certificate."""
    assert shutil.which(tool), f"{tool} not installed (apt-get install mosquitto-clients)"
    cmd = [tool, "-h", "localhost", "-p", str(port), "--cafile", str(cafile), "-u", "guest", "-P", "guest", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{' '.join(result.args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.parametrize("qos", [0, 1])
def test_paho_publish_subscribe_over_mqtts(tls_broker, pki, mqtt_clients, qos):
    broker = tls_broker()
    ctx = client_context(pki)
    sub = tls_client(mqtt_clients, broker, ctx).connected()
    pub = tls_client(mqtt_clients, broker, ctx).connected()
    tls = sub.paho.socket()
    assert isinstance(tls, ssl.SSLSocket), "paho connected without TLS"
    assert tls.version() in ("TLSv1.2", "TLSv1.3")
    assert int(tls.getpeercert()["serialNumber"], 16) == pki.server.serial
    round_trip(sub, pub, qos)


def test_mqtts_and_plain_mqtt_share_the_broker(tls_broker, pki, mqtt_clients):
    """The TLS listener serves the same MQTT: a TLS subscriber gets what a plain-TCP client publishes."""
    broker = tls_broker()
    sub = tls_client(mqtt_clients, broker, client_context(pki)).connected()
    plain = mqtt_clients.connected(broker.target)
    t = topic("tlsplain")
    assert sub.subscribe(t, 1) == [1]
    plain.publish(t, b"from plain TCP", qos=1)
    assert sub.wait_messages(1, topic_=t)[0].payload == b"from plain TCP"


def test_mosquitto_clients_over_mqtts(tls_broker, pki):
    broker = tls_broker()
    port, ca = broker.target.mqtts_port, pki.ca_cert
    t = topic("tlscli")
    cid = client_id("tlscli")
    session = ["-i", cid, "-c", "-q", "1", "-t", t]
    checked(mosquitto_cli("mosquitto_sub", port, ca, *session, "-E"))  # subscribed; the session keeps it
    checked(mosquitto_cli("mosquitto_pub", port, ca, "-q", "1", "-t", t, "-m", "hello over TLS"))
    got = checked(mosquitto_cli("mosquitto_sub", port, ca, *session, "-C", "1", "-W", "10", "-F", "%t|%q|%p"))
    assert got.stdout.strip() == f"{t}|1|hello over TLS"
    checked(mosquitto_cli("mosquitto_sub", port, ca, "-i", cid, "-t", t, "-E"))  # clean session: discard it


def test_expired_server_certificate_is_refused_by_clients(tls_broker, pki, mqtt_clients):
    """A broker configured with an expired certificate still starts (it is the clients' call), and every client
    refuses it; the broker keeps serving plain MQTT."""
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    expired = pki.ca.issue("expired", "localhost", not_before=past, not_after=past + datetime.timedelta(days=30))
    expired.copy_to(pki.server_cert, pki.server_key)
    broker = tls_broker()
    ctx = client_context(pki)

    with pytest.raises(ssl.SSLCertVerificationError) as python_ssl:
        tls_connect(broker.host, broker.target.mqtts_port, ctx).close()
    assert python_ssl.value.verify_code == 10, f"X509_V_ERR_CERT_HAS_EXPIRED expected: {python_ssl.value}"

    paho_client = tls_client(mqtt_clients, broker, ctx)
    with pytest.raises(ssl.SSLCertVerificationError):
        paho_client.connect()

    cli = mosquitto_cli("mosquitto_pub", broker.target.mqtts_port, pki.ca_cert, "-t", topic("expired"), "-m", "x")
    assert cli.returncode != 0, f"mosquitto_pub accepted an expired certificate:\n{cli.stdout}{cli.stderr}"

    # Unverified, the handshake completes and shows the expired certificate really is the one served.
    insecure = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    with tls_connect(broker.host, broker.target.mqtts_port, insecure) as s:
        assert s.version() in ("TLSv1.2", "TLSv1.3")
    assert_mqtt_healthy(broker.target)


def test_plain_mqtt_connect_to_the_tls_port_is_closed(tls_broker, pki, mqtt_clients):
    """A plain MQTT CONNECT is not a ClientHello: the connection is closed without a CONNACK (a TLS alert is fine),
    and TLS and plain clients keep working."""
    broker = tls_broker()
    for _ in range(3):
        with mqtt_raw.RawMQTT(broker.host, broker.target.mqtts_port) as raw:
            raw.send(mqtt_raw.connect(client_id("plain"), username="guest", password="guest"))
            reply = read_until_closed(raw, 15.0)
            assert not reply.startswith(b"\x20\x02"), f"the TLS port answered a plain CONNECT with a CONNACK: {reply!r}"
    assert broker.alive()
    c = tls_client(mqtt_clients, broker, client_context(pki)).connected()
    t = topic("afterplain")
    assert c.subscribe(t, 1) == [1]
    c.publish(t, b"still fine", qos=1)
    assert c.wait_messages(1, topic_=t)[0].payload == b"still fine"
    assert_mqtt_healthy(broker.target)


@pytest.mark.parametrize("min_version", [None, "1.2"], ids=["default-min", "min-1.2"])
def test_tls_1_1_client_refused(tls_broker, pki, min_version):
    """A client limited to TLS 1.1 is refused when the minimum is 1.2 (explicit, and the default); a 1.2 client
    connects. Python's ssl can only offer 1.1 at OpenSSL security level 0, so the test first proves the local
    OpenSSL can speak 1.1 at all (in-process handshake); if it cannot, the refusal would prove nothing and the
    test checks a 1.2-only client against `tls_min_version = 1.3` instead (test_tls_1_2_client_refused_by_min_1_3
    below covers that case in any event)."""
    if not local_openssl_speaks(ssl.TLSVersion.TLSv1_1, pki):
        broker = tls_broker(TLSOptions(min_version="1.3"))
        refused = mqtt_connect_outcome(broker.host, broker.target.mqtts_port,
                                       client_context(pki, version=ssl.TLSVersion.TLSv1_2))
        assert refused.startswith("refused"), f"the local OpenSSL cannot do TLS 1.1; 1.2 vs min 1.3: {refused}"
        return
    broker = tls_broker(TLSOptions(min_version=min_version))
    port = broker.target.mqtts_port
    old = client_context(pki, version=ssl.TLSVersion.TLSv1_1, seclevel0=True)
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        tls_connect(broker.host, port, old).close()
    assert mqtt_connect_outcome(broker.host, port, client_context(pki, version=ssl.TLSVersion.TLSv1_2)) == "connack 0"


def test_tls_1_2_client_refused_by_min_1_3(tls_broker, pki):
    broker = tls_broker(TLSOptions(min_version="1.3"))
    port = broker.target.mqtts_port
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        tls_connect(broker.host, port, client_context(pki, version=ssl.TLSVersion.TLSv1_2)).close()
    with tls_connect(broker.host, port, client_context(pki)) as s:
        assert s.version() == "TLSv1.3"
    assert mqtt_connect_outcome(broker.host, port, client_context(pki)) == "connack 0"


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["tls1.2", "tls1.3"])
def test_mtls_client_without_certificate_is_refused(tls_broker, pki, version):
    """`tls_verify_peer`: no client certificate, no MQTT. TLS 1.2 fails the handshake itself; with TLS 1.3 the
    server's verdict arrives after the client's handshake finished, so the CONNECT must get no CONNACK."""
    broker = tls_broker(TLSOptions(verify_peer=True))
    outcome = mqtt_connect_outcome(broker.host, broker.target.mqtts_port, client_context(pki, version=version))
    assert outcome.startswith("refused"), f"client without certificate: {outcome}"
    assert broker.alive()


def test_mtls_certificate_from_another_ca_is_refused(tls_broker, pki):
    broker = tls_broker(TLSOptions(verify_peer=True))
    outcome = mqtt_connect_outcome(broker.host, broker.target.mqtts_port,
                                   client_context(pki, client=pki.rogue_client))
    assert outcome.startswith("refused"), f"client certificate from an untrusted CA: {outcome}"


def test_mtls_client_with_ca_signed_certificate_connects(tls_broker, pki, mqtt_clients):
    broker = tls_broker(TLSOptions(verify_peer=True))
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = client_context(pki, client=pki.client, version=version)
        assert mqtt_connect_outcome(broker.host, broker.target.mqtts_port, ctx) == "connack 0", version
    ctx = client_context(pki, client=pki.client)
    sub = tls_client(mqtt_clients, broker, ctx).connected()
    pub = tls_client(mqtt_clients, broker, ctx).connected()
    round_trip(sub, pub, 1)


def test_mtls_does_not_affect_the_plain_listener(tls_broker, pki):
    broker = tls_broker(TLSOptions(verify_peer=True))
    assert_mqtt_healthy(broker.target)


def test_sighup_swaps_the_certificate_and_old_connections_keep_working(tls_broker, pki, mqtt_clients):
    broker = tls_broker()
    port = broker.target.mqtts_port
    ctx = client_context(pki)
    old_sub = tls_client(mqtt_clients, broker, ctx).connected()
    old_pub = tls_client(mqtt_clients, broker, ctx).connected()
    t = topic("sighup")
    assert old_sub.subscribe(t, 1) == [1]
    old_pub.publish(t, b"before the swap", qos=1)
    assert old_sub.wait_messages(1, topic_=t)[0].payload == b"before the swap"
    assert served_serial(broker.host, port, ctx) == pki.server.serial

    renewed = pki.ca.issue("renewed", "localhost", serial=0x2BAD)
    renewed.copy_to(pki.server_cert, pki.server_key)
    broker.sighup()
    wait_for_serial(broker.host, port, ctx, renewed.serial)

    old_pub.publish(t, b"after the swap", qos=1)
    assert [m.payload for m in old_sub.wait_messages(2, topic_=t)] == [b"before the swap", b"after the swap"]
    assert int(old_sub.paho.socket().getpeercert()["serialNumber"], 16) == pki.server.serial, \
        "an open connection keeps the session it negotiated"
    new = tls_client(mqtt_clients, broker, ctx).connected()
    assert int(new.paho.socket().getpeercert()["serialNumber"], 16) == renewed.serial
    new.publish(t, b"from a new connection", qos=1)
    assert old_sub.wait_messages(3, topic_=t)[2].payload == b"from a new connection"
    assert broker.alive()
