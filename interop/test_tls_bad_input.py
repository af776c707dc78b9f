"""Hostile and heavy input on the TLS listeners: garbage where a ClientHello belongs, handshakes that never
complete, and 1 000 handshakes at once. After each, the broker must still serve TLS and plain clients.

Gateway mode runs everything (MQTTS, and AMQPS where noted). Mosquitto-tls mode runs the same MQTTS tests against
mosquitto 2.0.11 except the handshake deadline, which mosquitto does not have (it waits for a slow client forever).
"""

from __future__ import annotations

import asyncio
import random
import socket
import ssl
import struct
import time

import pytest

from gwtest import mqtt_raw
from gwtest.mqtt import assert_mqtt_healthy
from gwtest.session import skip_on
from gwtest.tls import SERVER_HOSTNAME, client_context, mqtt_connect_outcome, read_until_closed

pytestmark = skip_on(("rabbitmq", "mosquitto"), "the TLS tests need a broker started with the test's certificates "
                                                "(gateway, or INTEROP_TARGET=mosquitto-tls)")

HANDSHAKE_DEADLINE_S = 20.0
"""A connection that never finishes its handshake is closed by then (gateway: 10 s handshake timeout + slack)."""


def real_client_hello(pki) -> bytes:
    """The exact bytes Python's OpenSSL sends as its first flight (a TLS record holding a ClientHello)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_context(pki).wrap_bio(incoming, outgoing, server_hostname=SERVER_HOSTNAME)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    hello = outgoing.read()
    assert hello[0] == 0x16 and hello[5] == 0x01, f"not a ClientHello record: {hello[:8].hex()}"
    return hello


def record(content_type: int, body: bytes, version: bytes = b"\x03\x01") -> bytes:
    return bytes([content_type]) + version + struct.pack(">H", len(body)) + body


def garbage_inputs(pki) -> dict[str, bytes]:
    rng = random.Random(0x7157)
    hello = real_client_hello(pki)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    corrupted = bytearray(hello)
    for i in range(44, len(corrupted)):  # past the record/handshake headers, version and random: lengths, suites, extensions
        corrupted[i] = rng.randrange(256)
    lying_lengths = bytearray(hello)
    lying_lengths[6:9] = b"\xff\xff\xff"  # the handshake message claims 16 MiB inside a small record
    return {
        "random-handshake-body": record(0x16, b"\x01\x00\x01\x00" + noise[:256]),
        "server-hello-from-client": record(0x16, b"\x02\x00\x00\x46" + noise[:70]),
        "oversized-record": b"\x16\x03\x01\xff\xff" + noise,
        "record-version-9.9": record(0x16, hello[5:], version=b"\x09\x09"),
        "corrupted-client-hello": bytes(corrupted),
        "handshake-length-16MiB": bytes(lying_lengths),
        "application-data-first": record(0x17, noise[:512]),
        "alert-first": record(0x15, b"\x02\x28"),
        "http-request": b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "hello-then-garbage-records": hello + record(0x17, noise[:1024]) * 4,
        "noise": noise,
    }


def assert_tls_healthy(broker, pki) -> None:
    assert broker.alive(), f"broker exited:\n{broker.log_text()}"
    assert mqtt_connect_outcome(broker.host, broker.target.mqtts_port, client_context(pki)) == "connack 0"
    assert_mqtt_healthy(broker.target)


def test_garbage_instead_of_a_client_hello_is_closed(tls_broker, pki):
    broker = tls_broker()
    failures = []
    for name, data in garbage_inputs(pki).items():
        with mqtt_raw.RawMQTT(broker.host, broker.target.mqtts_port) as raw:
            try:
                raw.send(data)
            except (BrokenPipeError, ConnectionResetError):
                continue  # closed before we finished writing: closed all the same
            try:
                reply = read_until_closed(raw, 15.0)
            except AssertionError as e:
                failures.append(f"{name}: {e}")
                continue
            if reply and reply[0] not in (0x15, 0x16):
                failures.append(f"{name}: the server answered with something that is not TLS: {reply[:16].hex()}")
    assert not failures, "\n".join(failures)
    assert_tls_healthy(broker, pki)


def test_truncated_client_hello_then_client_gone(tls_broker, pki):
    """Half a ClientHello, then the client vanishes (FIN, or RST): the broker cleans up and carries on."""
    broker = tls_broker()
    hello = real_client_hello(pki)
    for abort in (False, True):
        for cut in (1, 5, 9, len(hello) // 2, len(hello) - 1):
            raw = mqtt_raw.RawMQTT(broker.host, broker.target.mqtts_port)
            raw.send(hello[:cut])
            raw.abort() if abort else raw.close()
    assert_tls_healthy(broker, pki)


@skip_on("mosquitto-tls", "mosquitto has no handshake deadline (a silent TLS client is kept forever)")
def test_handshake_that_never_completes_is_closed_at_the_deadline(tls_broker, pki):
    """A TCP connection that sends nothing, one that stops halfway through its ClientHello, and one that sends its
    ClientHello but never answers the ServerHello, on MQTTS and AMQPS: all closed at the handshake deadline."""
    broker = tls_broker()
    hello = real_client_hello(pki)
    ports = {"mqtts": broker.target.mqtts_port, "amqps": broker.target.amqps_port}
    stalled = []
    for listener, port in ports.items():
        for what, data in (("silent", b""), ("half a ClientHello", hello[:len(hello) // 2]),
                           ("ClientHello, then silence", hello)):
            raw = mqtt_raw.RawMQTT(broker.host, port)
            if data:
                raw.send(data)
            stalled.append((f"{listener}: {what}", raw))
    start = time.monotonic()
    try:
        for what, raw in stalled:
            remaining = HANDSHAKE_DEADLINE_S - (time.monotonic() - start)
            try:
                read_until_closed(raw, max(remaining, 0.1))
            except AssertionError as e:
                raise AssertionError(f"{what}: not closed within {HANDSHAKE_DEADLINE_S} s of connecting") from e
    finally:
        for _, raw in stalled:
            raw.close()
    assert_tls_healthy(broker, pki)


@pytest.mark.watchdog(240)
def test_1000_parallel_handshakes_complete_with_bounded_memory(tls_broker, pki):
    """1 000 TLS connections opened at once all finish their handshake and their MQTT CONNECT (sent as soon as each
    handshake is done, so no connection waits out the CONNECT deadline behind the others); the broker's RSS grows
    by less than 200 MiB while they are all open."""
    broker = tls_broker()
    ctx = client_context(pki)
    count = 1000
    assert mqtt_connect_outcome(broker.host, broker.target.mqtts_port, ctx) == "connack 0"  # warm up
    before = broker.rss()

    async def connect(i: int):
        reader, writer = await asyncio.open_connection(broker.host, broker.target.mqtts_port, ssl=ctx,
                                                       server_hostname=SERVER_HOSTNAME, ssl_handshake_timeout=120)
        try:
            assert int(writer.get_extra_info("peercert")["serialNumber"], 16) == pki.server.serial
            writer.write(mqtt_raw.connect(f"it-parallel-{i}", username="guest", password="guest"))
            connack = await asyncio.wait_for(reader.readexactly(4), 60)
            assert connack == b"\x20\x02\x00\x00", f"CONNACK 0 expected, got {connack.hex()}"
        except BaseException:
            writer.close()
            raise
        return writer

    async def run() -> tuple[int, list[str]]:
        results = await asyncio.wait_for(asyncio.gather(*(connect(i) for i in range(count)),
                                                        return_exceptions=True), 180)
        errors = [f"#{i}: {r!r}" for i, r in enumerate(results) if isinstance(r, BaseException)]
        opened = [r for r in results if not isinstance(r, BaseException)]
        peak = broker.rss()
        for writer in opened:
            writer.close()
        await asyncio.gather(*(w.wait_closed() for w in opened), return_exceptions=True)
        return peak, errors

    started = time.monotonic()
    peak, errors = asyncio.run(run())
    elapsed = time.monotonic() - started
    assert not errors, f"{len(errors)} of {count} connections failed ({elapsed:.1f} s), e.g. {errors[:5]}"
    growth = peak - before
    assert growth < 200 * 1024 * 1024, f"RSS grew by {growth / 2**20:.0f} MiB with {count} TLS connections open"
    assert_tls_healthy(broker, pki)


def test_plain_tcp_sockets_do_not_block_the_tls_listener(tls_broker, pki):
    """Idle plain-TCP connections on the TLS port (no bytes) do not stop other clients from handshaking."""
    broker = tls_broker()
    idle = [socket.create_connection((broker.host, broker.target.mqtts_port), timeout=5) for _ in range(50)]
    try:
        assert mqtt_connect_outcome(broker.host, broker.target.mqtts_port, client_context(pki)) == "connack 0"
    finally:
        for s in idle:
            s.close()
    assert_tls_healthy(broker, pki)
