"""Broker lifetimes for fixtures: `running_broker` gives a test (or module) a broker and cleans it up."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import pytest

from .broker import (BrokerStartError, GatewayProcess, Target, is_mosquitto, is_rabbitmq, mosquitto_target,
                     rabbitmq_import_definitions, rabbitmq_target)
from .definitions import write_gateway_config

RUNNING: list[GatewayProcess] = []
"""Gateways alive right now; a failing test's report gets their logs."""


@contextlib.contextmanager
def running_broker(workdir: Path, definitions: dict | None = None, bind: str = "127.0.0.1",
                   settings: dict[str, dict[str, str]] | None = None) -> Iterator[Target]:
    """A broker for the duration of the block. Gateway: a fresh process (with `definitions` loaded through
    `[main] load_definitions` when given). RabbitMQ: the running one, with `definitions` imported. Mosquitto: the
    running one (tests that need definitions or settings are skipped in that mode, so both must be None)."""
    if is_mosquitto():
        if definitions is not None or bind != "127.0.0.1":
            raise BrokerStartError("mosquitto mode has no definitions or other binds; the test should have been skipped")
        yield _or_fail(mosquitto_target)
        return
    if is_rabbitmq():
        if bind != "127.0.0.1":
            raise BrokerStartError(f"rabbitmq mode cannot bind to {bind}; the test should have been skipped")
        target = _or_fail(rabbitmq_target)
        if definitions is not None:
            _or_fail(lambda: rabbitmq_import_definitions(definitions, workdir))
        yield target
        return
    needs_config = definitions is not None or settings
    config = write_gateway_config(workdir, definitions, settings) if needs_config else None
    gw = GatewayProcess(workdir=workdir, bind=bind, config=config)
    try:
        target = _or_fail(gw.start)
    except BaseException:
        gw.stop()
        raise
    RUNNING.append(gw)
    try:
        yield target
        code = gw.crashed()
        if code is not None and not gw.hung:
            pytest.fail(f"gateway exited on its own (code {code}) while tests were using it.\n"
                        f"--- gateway output ---\n{gw.log_text()}", pytrace=False)
    finally:
        RUNNING.remove(gw)
        gw.stop()


def _or_fail(fn):
    """Runs `fn`; a BrokerStartError becomes a plain test failure carrying the broker's output."""
    try:
        return fn()
    except BrokerStartError as e:
        message = str(e)
    pytest.fail(message, pytrace=False)


def gateway_only(reason: str):
    """Skip marker for tests that cannot run against RabbitMQ (it never skips in gateway mode)."""
    return pytest.mark.skipif(is_rabbitmq(), reason=f"rabbitmq mode: {reason}")


def skip_on(modes: tuple[str, ...] | str, reason: str):
    """Skip marker for the peer modes named in `modes` (e.g. "mosquitto" or ("rabbitmq", "mosquitto"))."""
    from .broker import target_mode

    modes = (modes,) if isinstance(modes, str) else modes
    mode = target_mode()
    return pytest.mark.skipif(mode in modes, reason=f"{mode} mode: {reason}")
