"""Fixtures: a broker per test module (or per test where a test needs its own configuration).

Gateway mode (default): each fixture starts the real `gateway` binary on free ports with a temp data dir and stops
it afterwards (SIGTERM, then SIGKILL). A failing test gets the gateway's log attached to its report.
RabbitMQ mode (`INTEROP_TARGET=rabbitmq`): every fixture returns the running RabbitMQ; users and vhosts are imported
with `rabbitmqctl import_definitions` (`INTEROP_RABBITMQCTL`).
"""

from __future__ import annotations

import contextlib
import signal
from typing import Iterator

import pytest

from gwtest.broker import Target, is_mosquitto, is_mosquitto_tls, is_rabbitmq, target_mode
from gwtest.session import RUNNING, running_broker

WATCHDOG_S = 60
"""Default per-test limit; `@pytest.mark.watchdog(seconds)` raises it for a test that legitimately runs longer."""


def pytest_report_header(config):
    from gwtest.broker import gateway_binary

    if is_rabbitmq():
        return "interop target: rabbitmq (already running)"
    if is_mosquitto():
        return "interop target: mosquitto (already running; MQTT tests only)"
    if is_mosquitto_tls():
        return "interop target: mosquitto-tls (started per test with a TLS listener; TLS tests only)"
    return f"interop target: gateway ({gateway_binary()})"


@pytest.fixture(scope="module")
def broker(tmp_path_factory) -> Iterator[Target]:
    """The module's broker with default users (guest/guest, loopback only)."""
    with running_broker(tmp_path_factory.mktemp("gateway")) as target:
        yield target


@pytest.fixture
def start_broker(tmp_path) -> Iterator:
    """Factory for a per-test broker: `start_broker(definitions=None, bind="127.0.0.1", settings=None) -> Target`;
    `settings` ({section: {key: value}}) go into the broker's INI file (gateway mode only)."""
    with contextlib.ExitStack() as stack:
        counter = iter(range(1000))

        def start(definitions: dict | None = None, bind: str = "127.0.0.1",
                  settings: dict[str, dict[str, str]] | None = None) -> Target:
            return stack.enter_context(
                running_broker(tmp_path / f"broker{next(counter)}", definitions, bind, settings))

        yield start


@pytest.fixture
def pki(tmp_path):
    """A fresh test PKI (gwtest/certs.py): CA, server certificate at stable paths, client certificates."""
    from gwtest.certs import PKI

    return PKI.create(tmp_path / "pki")


@pytest.fixture
def tls_broker(tmp_path, pki) -> Iterator:
    """Factory for a per-test broker with TLS listeners serving `pki`'s server certificate:
    `tls_broker(options=TLSOptions(), bind="127.0.0.1") -> TLSBroker` (gwtest/tls.py). Gateway in gateway mode, a
    mosquitto with a TLS listener in mosquitto-tls mode."""
    from gwtest.session import _or_fail
    from gwtest.tls import TLSOptions, running_tls_broker

    with contextlib.ExitStack() as stack:
        counter = iter(range(1000))

        def start(options: TLSOptions = TLSOptions(), bind: str = "127.0.0.1"):
            workdir = tmp_path / f"tlsbroker{next(counter)}"
            return _or_fail(lambda: stack.enter_context(running_tls_broker(workdir, pki, options, bind)))

        yield start


@pytest.fixture
def mqtt_clients() -> Iterator:
    """Factory for MQTT (paho) clients: `mqtt_clients.new(target, client_id=None, **options)` and
    `mqtt_clients.connected(...)`; every client is disconnected and its loop thread stopped after the test."""
    from gwtest.mqtt import Clients

    clients = Clients()
    try:
        yield clients
    finally:
        clients.close_all()


@pytest.fixture
def mqtt5_clients() -> Iterator:
    """Factory for MQTT 5 (paho) clients: `mqtt5_clients.new(target, cid=None, **options)` and
    `mqtt5_clients.connected(...)`; every client is disconnected after the test."""
    from gwtest.mqtt import Clients
    from gwtest.mqtt5 import MQTT5Client

    clients = Clients(MQTT5Client)
    try:
        yield clients
    finally:
        clients.close_all()


class WatchdogTimeout(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Watchdog: a test blocked on a broker that never answers fails instead of hanging the suite. The gateways
    running at that moment are marked hung and stopped after the report (with their logs) is made, so the
    remaining tests of the module fail fast instead of each waiting for the watchdog."""
    marker = item.get_closest_marker("watchdog")
    seconds = int(marker.args[0]) if marker else WATCHDOG_S

    def on_alarm(signum, frame):
        for gw in RUNNING:
            gw.hung = True
        raise WatchdogTimeout(f"test did not finish within {seconds} s (per-test watchdog); broker marked hung")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the log of every gateway that is running (the one the test used)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and RUNNING:
        for gw in RUNNING:
            state = "running" if gw.crashed() is None else f"exited with code {gw.crashed()}"
            report.sections.append((f"gateway log ({gw.workdir.name}, pid {gw.proc.pid}, {state})",
                                    gw.log_text(limit=32 * 1024)))
    for gw in RUNNING:
        if gw.hung:
            gw.stop()


def pytest_configure(config):
    target_mode()  # validate INTEROP_TARGET early


def pytest_ignore_collect(collection_path, config):
    """Mosquitto-tls mode collects only the TLS modules (test_tls_*.py), which start their own mosquitto; the
    others are not even imported (some pick per-mode constants at import time)."""
    if is_mosquitto_tls() and collection_path.suffix == ".py" and collection_path.name.startswith("test_") \
            and not collection_path.name.startswith("test_tls_"):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    """Mosquitto mode runs only the MQTT modules (test_mqtt_*.py): everything else needs an AMQP port."""
    if not is_mosquitto():
        return
    skip = pytest.mark.skip(reason="mosquitto mode: AMQP test (mosquitto speaks MQTT only)")
    for item in items:
        if not item.path.name.startswith("test_mqtt_"):
            item.add_marker(skip)
