"""AMQP over TLS (AMQPS, `[amqp] tls_port`): pika and amqp-tools with the test CA, client certificates, plain AMQP
sent to the TLS port, an expired certificate, a certificate swap on SIGHUP, and the default user's loopback rule,
which must use the TCP peer address whether or not the connection is TLS.

Gateway only: mosquitto has no AMQP, and the rabbitmq mode's broker has no TLS listener the suite configures.
"""

from __future__ import annotations

import datetime
import shutil
import ssl
import subprocess

import pika
import pika.exceptions
import pytest

from gwtest import amqp_raw, mqtt_raw
from gwtest.clients import unique
from gwtest.session import skip_on
from gwtest.tls import (SERVER_HOSTNAME, TLSOptions, TLSRawAMQP, TLSRawMQTT, amqps_params, client_context,
                        read_until_closed, served_serial, tls_connect, wait_for_serial)

pytestmark = skip_on(("rabbitmq", "mosquitto", "mosquitto-tls"),
                     "AMQPS tests need gateway started with the test's certificates")


def amqps(broker, ctx, **kwargs) -> pika.BlockingConnection:
    return pika.BlockingConnection(amqps_params(broker, ctx, **kwargs))


def declare_publish_get(conn: pika.BlockingConnection, body: bytes) -> None:
    ch = conn.channel()
    q = unique("tls")
    ch.queue_declare(q, auto_delete=False)
    ch.confirm_delivery()
    ch.basic_publish("", q, body, pika.BasicProperties(content_type="application/octet-stream"))
    method, props, got = ch.basic_get(q, auto_ack=True)
    assert method is not None, f"basic.get on {q} found nothing"
    assert got == body and props.content_type == "application/octet-stream"
    ch.queue_delete(q)
    ch.close()


def test_pika_declare_publish_get_over_amqps(tls_broker, pki):
    broker = tls_broker()
    ctx = client_context(pki)
    with tls_connect(broker.host, broker.target.amqps_port, ctx) as s:
        assert s.version() in ("TLSv1.2", "TLSv1.3")
        assert int(s.getpeercert()["serialNumber"], 16) == pki.server.serial
    conn = amqps(broker, ctx)
    try:
        declare_publish_get(conn, b"over TLS")
        declare_publish_get(conn, bytes(range(256)) * 1024)  # 256 KiB: many TLS records, several frames
    finally:
        conn.close()


def test_amqps_and_plain_amqp_share_the_broker(tls_broker, pki):
    broker = tls_broker()
    q = unique("tlsplain")
    plain = pika.BlockingConnection(pika.ConnectionParameters(broker.host, broker.target.amqp_port))
    tls = amqps(broker, client_context(pki))
    try:
        plain.channel().queue_declare(q)
        plain.channel().basic_publish("", q, b"from plain TCP")
        method, _, body = tls.channel().basic_get(q, auto_ack=True)
        assert method is not None and body == b"from plain TCP"
    finally:
        tls.close()
        plain.close()


def amqp_tool(tool: str, broker, pki, *args: str, client=None) -> subprocess.CompletedProcess:
    assert shutil.which(tool), f"{tool} not installed (apt-get install amqp-tools)"
    # amqp-tools insist on an amqps:// URL together with --ssl (-s/--port are refused with --ssl).
    cmd = [tool, "--url", f"amqps://guest:guest@{SERVER_HOSTNAME}:{broker.target.amqps_port}", "--ssl",
           "--cacert", str(pki.ca_cert)]
    if client is not None:
        cmd += ["--cert", str(client.cert), "--key", str(client.key)]
    return subprocess.run(cmd + list(args), capture_output=True, timeout=30)


def test_amqp_tools_over_amqps(tls_broker, pki):
    broker = tls_broker()
    q = unique("tlstools")
    for tool, args in (("amqp-declare-queue", ["-q", q]), ("amqp-publish", ["-r", q, "-b", "via amqp-publish --ssl"])):
        r = amqp_tool(tool, broker, pki, *args)
        assert r.returncode == 0, f"{tool}: {r.stdout!r} {r.stderr!r}"
    r = amqp_tool("amqp-get", broker, pki, "-q", q)
    assert r.returncode == 0 and r.stdout == b"via amqp-publish --ssl", f"amqp-get: {r.stdout!r} {r.stderr!r}"


def test_mtls_over_amqps(tls_broker, pki):
    """`tls_verify_peer`: pika with a CA-signed client certificate works; without one, or with one from another
    CA, the connection fails; amqp-tools with --cert/--key works."""
    broker = tls_broker(TLSOptions(verify_peer=True))
    conn = amqps(broker, client_context(pki, client=pki.client))
    try:
        declare_publish_get(conn, b"mutual TLS")
    finally:
        conn.close()
    for name, ctx in (("no client certificate", client_context(pki)),
                      ("untrusted client certificate", client_context(pki, client=pki.rogue_client))):
        try:
            amqps(broker, ctx).close()
        except (pika.exceptions.AMQPConnectionError, ssl.SSLError, ConnectionError):
            continue
        pytest.fail(f"AMQPS accepted a client with {name}")
    q = unique("tlsmtls")
    r = amqp_tool("amqp-declare-queue", broker, pki, "-q", q, client=pki.client)
    assert r.returncode == 0, f"amqp-declare-queue with a client certificate: {r.stdout!r} {r.stderr!r}"
    r = amqp_tool("amqp-declare-queue", broker, pki, "-q", q)
    assert r.returncode != 0, "amqp-declare-queue without a client certificate was accepted"


def test_plain_amqp_to_the_tls_port_is_closed(tls_broker, pki):
    broker = tls_broker()
    with mqtt_raw.RawMQTT(broker.host, broker.target.amqps_port) as raw:  # any raw socket with deadlines will do
        raw.send(amqp_raw.PROTOCOL_HEADER)
        reply = read_until_closed(raw, 15.0)
        assert not reply.startswith(b"\x01\x00\x00"), f"the TLS port answered plain AMQP with a frame: {reply!r}"
    conn = amqps(broker, client_context(pki))
    try:
        declare_publish_get(conn, b"still fine")
    finally:
        conn.close()


def test_expired_server_certificate_is_refused_by_pika(tls_broker, pki):
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    pki.ca.issue("expired", "localhost", not_before=past, not_after=past + datetime.timedelta(days=30)) \
        .copy_to(pki.server_cert, pki.server_key)
    broker = tls_broker()
    with pytest.raises((pika.exceptions.AMQPConnectionError, ssl.SSLCertVerificationError)):  # pika 1.4 re-raises the latter
        amqps(broker, client_context(pki)).close()
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_connect(broker.host, broker.target.amqps_port, client_context(pki)).close()


def test_sighup_swaps_the_amqps_certificate_and_old_connections_keep_working(tls_broker, pki):
    broker = tls_broker()
    ctx = client_context(pki)
    old = amqps(broker, ctx)
    try:
        declare_publish_get(old, b"before the swap")
        renewed = pki.ca.issue("renewed", "localhost", serial=0x3BAD)
        renewed.copy_to(pki.server_cert, pki.server_key)
        broker.sighup()
        wait_for_serial(broker.host, broker.target.amqps_port, ctx, renewed.serial)
        assert served_serial(broker.host, broker.target.mqtts_port, ctx) == renewed.serial, "MQTTS too"
        declare_publish_get(old, b"after the swap, on the old connection")
        new = amqps(broker, ctx)
        try:
            declare_publish_get(new, b"after the swap, on a new connection")
        finally:
            new.close()
    finally:
        old.close()
    assert broker.alive()


def test_guest_loopback_rule_uses_the_tcp_peer_address_over_tls(tls_broker, pki):
    """The default user is refused from 127.0.0.2 over AMQPS and MQTTS exactly as over plain TCP (the client end is
    bound to 127.0.0.2), and accepted from 127.0.0.1 on the same listeners."""
    broker = tls_broker()
    ctx = client_context(pki)
    with TLSRawAMQP(broker.host, broker.target.amqps_port, ctx, source="127.0.0.2") as raw:
        with pytest.raises(amqp_raw.ProtocolViolation) as info:
            raw.handshake("guest", "guest")
        text = str(info.value)
        assert "reply_code=403" in text or "closed the connection" in text, text
    with TLSRawMQTT(broker.host, broker.target.mqtts_port, ctx, source="127.0.0.2") as raw:
        raw.send(mqtt_raw.connect("it-tls-loopback", username="guest", password="guest"))
        try:
            got = raw.wait_closed(15.0)
        except ssl.SSLError:
            got = []
        codes = [p.connack[1] for p in got if p.type == mqtt_raw.CONNACK]
        assert codes in ([], [4], [5]), f"guest from 127.0.0.2 over MQTTS: CONNACK {codes}"
    with TLSRawAMQP(broker.host, broker.target.amqps_port, ctx) as raw:
        raw.handshake("guest", "guest")
    with TLSRawMQTT(broker.host, broker.target.mqtts_port, ctx) as raw:
        assert raw.connect("it-tls-loopback", username="guest", password="guest") == (False, 0)
