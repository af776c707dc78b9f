"""Brokers with TLS listeners and TLS clients for the test_tls_*.py modules.

Gateway mode: the real `gateway` with an INI naming the test's certificate (`[main] tls_cert`, `tls_key`,
`tls_min_version`, `tls_ciphers`, `tls_verify_peer`, `tls_ca_cert`) and free TLS ports (`[amqp] tls_port`,
`[mqtt] tls_port`). Ready = the plain AMQP port accepts (as for every gateway) and then both TLS ports accept.

Mosquitto-tls mode (`INTEROP_TARGET=mosquitto-tls`): each test starts its own mosquitto ($MOSQUITTO_BIN, default
/usr/sbin/mosquitto) with a plain listener and a TLS listener configured from the same options (`cafile`,
`certfile`, `keyfile`, `require_certificate`, `tls_version`, `ciphers`). It validates the MQTT TLS tests and the
certificates and clients they use against a real TLS server; AMQP tests are skipped in that mode.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import signal
import socket
import ssl
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pika

from . import amqp_raw, mqtt_raw
from .broker import BrokerStartError, Target, free_port, free_ports, is_mosquitto_tls, read_log, rss_bytes, tcp_connects
from .certs import PKI, Issued
from .clients import params
from .session import RUNNING, running_broker

READY_DEADLINE_S = 30.0
TLS_LISTENER_DEADLINE_S = 10.0
"""How long after gateway's plain AMQP port accepts its AMQPS and MQTTS ports may take to accept."""
SERVER_HOSTNAME = "localhost"
"""The name clients verify: the server certificates carry it (and 127.0.0.1) as subjectAltNames."""


@dataclass(frozen=True)
class TLSOptions:
    """The broker's TLS settings for one test. `min_version` "1.2"/"1.3" (None: the broker's default, 1.2);
    `verify_peer` asks for a client certificate signed by the test CA (`tls_ca_cert`)."""

    verify_peer: bool = False
    min_version: str | None = None
    ciphers: str | None = None

    def gateway_settings(self, pki: PKI, amqps_port: int, mqtts_port: int) -> dict[str, dict[str, str]]:
        main = {"tls_cert": str(pki.server_cert), "tls_key": str(pki.server_key)}
        if self.min_version is not None:
            main["tls_min_version"] = self.min_version
        if self.ciphers is not None:
            main["tls_ciphers"] = self.ciphers
        if self.verify_peer:
            main["tls_verify_peer"] = "true"
            main["tls_ca_cert"] = str(pki.ca_cert)
        return {"main": main, "amqp": {"tls_port": str(amqps_port)}, "mqtt": {"tls_port": str(mqtts_port)}}

    def mosquitto_config(self, pki: PKI, plain_port: int, tls_port: int) -> str:
        # As root, mosquitto 2 switches to the `mosquitto` user before reading the certificates, which then cannot
        # reach the test's tmp dir (mode 0700): `user root` keeps it as the user that made the files.
        lines = ["user root"] if os.geteuid() == 0 else []
        lines += [
            "per_listener_settings false",
            "allow_anonymous true",
            "persistence false",
            "log_dest stdout",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            f"listener {plain_port} 127.0.0.1",
            f"listener {tls_port} 127.0.0.1",
            f"cafile {pki.ca_cert}",
            f"certfile {pki.server_cert}",
            f"keyfile {pki.server_key}",
            f"require_certificate {'true' if self.verify_peer else 'false'}",
            f"tls_version tlsv{self.min_version or '1.2'}",
        ]
        if self.ciphers is not None:
            lines.append(f"ciphers {self.ciphers}")
        return "\n".join(lines) + "\n"


@dataclass
class MosquittoProcess:
    """A mosquitto started for one test. It offers what conftest's failure report and watchdog use of a
    GatewayProcess (`workdir`, `proc`, `hung`, `crashed`, `log_text`, `stop`), so it can sit in `RUNNING`."""

    workdir: Path
    proc: subprocess.Popen | None = None
    hung: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def log_text(self, limit: int = 64 * 1024) -> str:
        return read_log(self.log_path, limit)

    def start(self, config: str, ports: list[int]) -> int:
        binary = os.environ.get("MOSQUITTO_BIN", "/usr/sbin/mosquitto")
        if not Path(binary).exists():
            raise BrokerStartError(f"mosquitto not found at {binary} (apt-get install mosquitto, or set MOSQUITTO_BIN)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(config)
        cmd = [binary, "-c", str(conf)]
        with open(self.log_path, "wb") as log:
            log.write(("$ " + shlex.join(cmd) + "\n").encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.workdir, start_new_session=True)
        _wait_ports(self, ports)
        return self.proc.pid

    def crashed(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode


def _wait_ports(process, ports: list[int], host: str = "127.0.0.1", timeout: float = READY_DEADLINE_S,
                hint: str = "") -> None:
    """Waits until every port accepts a TCP connection; fails with the broker's log (and `hint`) if it exits or
    the deadline passes first."""
    deadline = time.monotonic() + timeout
    pending = list(ports)
    while pending:
        code = process.crashed()
        if code is not None:
            raise BrokerStartError(f"broker exited with code {code} before listening on {host}:{pending}.\n"
                                   f"--- broker output ---\n{process.log_text()}")
        pending = [p for p in pending if not tcp_connects(host, p, timeout=0.2)]
        if pending and time.monotonic() > deadline:
            raise BrokerStartError(f"broker did not accept connections on {host}:{pending} within "
                                   f"{timeout:.0f} s{hint}.\n--- broker output ---\n{process.log_text()}")
        if pending:
            time.sleep(0.05)


@dataclass
class TLSBroker:
    """A running broker with TLS listeners, the PKI it uses, and its process (for SIGHUP and the log)."""

    target: Target
    pki: PKI
    process: object

    @property
    def kind(self) -> str:
        return self.target.kind

    @property
    def host(self) -> str:
        return self.target.host

    @property
    def mqtts(self) -> Target:
        """The target as MQTT clients see it over TLS: `mqtt_port` is the MQTTS port."""
        return dataclasses.replace(self.target, mqtt_port=self.target.mqtts_port)

    def log_text(self) -> str:
        return self.process.log_text()

    def rss(self) -> int:
        assert self.target.pid is not None
        return rss_bytes(self.target.pid)

    def sighup(self) -> None:
        """Asks the broker to reload its certificate and key from the configured paths."""
        assert self.target.pid is not None
        os.kill(self.target.pid, signal.SIGHUP)

    def alive(self) -> bool:
        return self.process.crashed() is None


@contextlib.contextmanager
def running_tls_broker(workdir: Path, pki: PKI, options: TLSOptions = TLSOptions(),
                       bind: str = "127.0.0.1") -> Iterator[TLSBroker]:
    """A broker serving `pki.server_cert`/`pki.server_key` on its TLS ports for the duration of the block."""
    if is_mosquitto_tls():
        plain, tls = free_ports(2, bind)
        process = MosquittoProcess(workdir)
        try:
            pid = process.start(options.mosquitto_config(pki, plain, tls), [plain, tls])
        except BaseException:
            process.stop()
            raise
        RUNNING.append(process)
        try:
            yield TLSBroker(Target(bind, 0, plain, None, pid, "mosquitto", None, tls), pki, process)
        finally:
            RUNNING.remove(process)
            process.stop()
        return
    amqps, mqtts = free_ports(2, bind)
    with running_broker(workdir, None, bind, options.gateway_settings(pki, amqps, mqtts)) as target:
        process = next(gw for gw in RUNNING if gw.proc is not None and gw.proc.pid == target.pid)
        # Gateway binds every listener at start, so once plain AMQP accepts the TLS ports follow within moments.
        _wait_ports(process, [amqps, mqtts], bind, TLS_LISTENER_DEADLINE_S,
                    " (TLS listeners: the log should say 'listening for AMQPS/MQTTS on ...')")
        yield TLSBroker(dataclasses.replace(target, amqps_port=amqps, mqtts_port=mqtts), pki, process)


# Clients


def client_context(pki: PKI, *, client: Issued | None = None, ca: Path | None = None,
                   version: ssl.TLSVersion | None = None, seclevel0: bool = False) -> ssl.SSLContext:
    """A client context that trusts the test CA (or `ca`) and verifies the server's name; `client` presents that
    certificate; `version` pins both the minimum and maximum protocol version; `seclevel0` allows what OpenSSL's
    default security level forbids (TLS 1.0/1.1 need it with OpenSSL 3)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(ca or pki.ca_cert))
    if seclevel0:
        ctx.set_ciphers("DEFAULT@SECLEVEL=0")
    if version is not None:
        _pin_version(ctx, version)
    if client is not None:
        ctx.load_cert_chain(str(client.cert), str(client.key))
    return ctx


def _pin_version(ctx: ssl.SSLContext, version: ssl.TLSVersion) -> None:
    """min = max = `version`; TLS 1.1 is deprecated in Python's ssl, which is exactly why a test pins it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = version
        ctx.maximum_version = version


def tls_connect(host: str, port: int, ctx: ssl.SSLContext, timeout: float = 10.0,
                source: str | None = None) -> ssl.SSLSocket:
    """A TCP connection with a completed TLS handshake (raises ssl.SSLError / OSError when it fails); `source`
    binds the client end to that local address."""
    sock = socket.create_connection((host, port), timeout=timeout, source_address=(source, 0) if source else None)
    try:
        return ctx.wrap_socket(sock, server_hostname=SERVER_HOSTNAME)
    except BaseException:
        sock.close()
        raise


def served_serial(host: str, port: int, ctx: ssl.SSLContext) -> int:
    """The serial number of the certificate the server presents to a new connection (verified against the CA)."""
    with tls_connect(host, port, ctx) as s:
        return int(s.getpeercert()["serialNumber"], 16)


def wait_for_serial(host: str, port: int, ctx: ssl.SSLContext, serial: int, timeout: float = 15.0) -> None:
    """Polls with new connections until the server presents `serial`; fails at the deadline with what it saw."""
    deadline = time.monotonic() + timeout
    seen: int | None = None
    while True:
        seen = served_serial(host, port, ctx)
        if seen == serial:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{host}:{port} still presents serial {seen:#x} after {timeout} s, "
                                 f"expected {serial:#x}")
        time.sleep(0.1)


class TLSRawMQTT(mqtt_raw.RawMQTT):
    """RawMQTT over a TLS connection (the handshake completes in the constructor)."""

    def __init__(self, host: str, port: int, ctx: ssl.SSLContext, timeout: float = 10.0, source: str | None = None):
        super().__init__(host, port, timeout, source)
        self.start_tls(ctx, SERVER_HOSTNAME)


class TLSRawAMQP(amqp_raw.RawAMQP):
    """RawAMQP over a TLS connection (the handshake completes in the constructor)."""

    def __init__(self, host: str, port: int, ctx: ssl.SSLContext, timeout: float = 10.0, source: str | None = None):
        super().__init__(host, port, timeout, source)
        self.start_tls(ctx, SERVER_HOSTNAME)


def read_until_closed(raw: mqtt_raw.RawMQTT, timeout: float) -> bytes:
    """Every byte the server sends on `raw` until it closes the connection (EOF or reset); fails if the connection
    is still open at the deadline."""
    deadline = time.monotonic() + timeout
    data = raw.buf
    raw.buf = b""
    while True:
        try:
            chunk = raw._recv_some(deadline)
        except TimeoutError as e:
            raise AssertionError(f"the server did not close the connection within {timeout} s (sent {data!r})") from e
        if not chunk:
            return data
        data += chunk


def mqtt_connect_outcome(host: str, port: int, ctx: ssl.SSLContext, timeout: float = 10.0) -> str:
    """Tries a TLS connection and an MQTT CONNECT as guest; returns "connack <code>" when a CONNACK arrives, else
    "refused: <why>" (handshake failed, TLS alert, or the connection closed without a CONNACK). With TLS 1.3 a server
    rejecting the client certificate does so after the client's handshake finished, hence the CONNECT."""
    try:
        raw = TLSRawMQTT(host, port, ctx, timeout)
    except (ssl.SSLError, OSError) as e:
        return f"refused: handshake failed: {e!r}"
    with raw:
        try:
            raw.send(mqtt_raw.connect("it-tls-probe", username="guest", password="guest"))
            packet = raw.read_packet(timeout)
        except (ssl.SSLError, OSError) as e:
            return f"refused: after the handshake: {e!r}"
        except mqtt_raw.ProtocolViolation as e:
            return f"refused: closed mid-packet: {e}"
        if packet is None:
            return "refused: closed without CONNACK"
        if packet.type != mqtt_raw.CONNACK:
            raise AssertionError(f"expected CONNACK or a refusal, got packet type {packet.type}")
        return f"connack {packet.connack[1]}"


def amqps_params(broker: TLSBroker, ctx: ssl.SSLContext, user: str = "guest", password: str = "guest",
                 vhost: str = "/") -> pika.ConnectionParameters:
    p = params(broker.target, user, password, vhost)
    p.port = broker.target.amqps_port
    p.ssl_options = pika.SSLOptions(ctx, SERVER_HOSTNAME)
    return p


def local_openssl_speaks(version: ssl.TLSVersion, pki: PKI) -> bool:
    """Whether this machine's OpenSSL (through Python's ssl) can complete a handshake pinned to `version` at
    security level 0, tried in-process over a socketpair with the test's server certificate. A refusal test for an
    old version means nothing if the client could not have spoken it to anyone."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        server_ctx.set_ciphers("DEFAULT@SECLEVEL=0")
        _pin_version(server_ctx, version)
        server_ctx.load_cert_chain(str(pki.server.cert), str(pki.server.key))
        client_ctx = client_context(pki, version=version, seclevel0=True)
    except (ssl.SSLError, ValueError):
        return False
    a, b = socket.socketpair()
    a.settimeout(5)
    b.settimeout(5)
    result: dict[str, bool] = {}

    def serve() -> None:
        try:
            with server_ctx.wrap_socket(b, server_side=True):
                result["server"] = True
        except (ssl.SSLError, OSError):
            result["server"] = False

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with client_ctx.wrap_socket(a, server_hostname=SERVER_HOSTNAME) as s:
            ok = s.version() == {ssl.TLSVersion.TLSv1_1: "TLSv1.1", ssl.TLSVersion.TLSv1_2: "TLSv1.2",
                                 ssl.TLSVersion.TLSv1_3: "TLSv1.3"}.get(version)
    except (ssl.SSLError, OSError):
        ok = False
    finally:
        a.close()
        t.join(timeout=5)
        b.close()
    return bool(ok and result.get("server"))
