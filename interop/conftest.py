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

from gwtest.broker import Target, is_rabbitmq, target_mode
from gwtest.session import RUNNING, running_broker

TEST_CALL_TIMEOUT_S = 120


def pytest_report_header(config):
    from gwtest.broker import gateway_binary

    if is_rabbitmq():
        return "interop target: rabbitmq (already running)"
    return f"interop target: gateway ({gateway_binary()})"


@pytest.fixture(scope="module")
def broker(tmp_path_factory) -> Iterator[Target]:
    """The module's broker with default users (guest/guest, loopback only)."""
    with running_broker(tmp_path_factory.mktemp("gateway")) as target:
        yield target


@pytest.fixture
def start_broker(tmp_path) -> Iterator:
    """Factory for a per-test broker: `start_broker(definitions=None, bind="127.0.0.1") -> Target`."""
    with contextlib.ExitStack() as stack:
        counter = iter(range(1000))

        def start(definitions: dict | None = None, bind: str = "127.0.0.1") -> Target:
            return stack.enter_context(running_broker(tmp_path / f"broker{next(counter)}", definitions, bind))

        yield start


class _TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _TestTimeout(f"test did not finish within {TEST_CALL_TIMEOUT_S} s (per-test watchdog)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Watchdog: a test blocked on a broker that never answers fails instead of hanging the suite."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(TEST_CALL_TIMEOUT_S)
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


def pytest_configure(config):
    target_mode()  # validate INTEROP_TARGET early
