"""Gateways a test can restart: SIGTERM and start again, or `kill -9` and start again, on the same data dir.

`restartable_gateway` is the per-test fixture factory the durability tests use (gateway mode only: restarting needs
the process). Each call returns a `GatewayProcess`; `gw.restart()` / `gw.restart(kill=True)` return the new
`Target`, whose ports may differ from the old one's. The process is registered in `session.RUNNING`, so a failing
test's report carries its log (every run of it, restarts separated by `=== restart N ===`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterator

import pytest

from .broker import BrokerStartError, BrokerStopError, GatewayProcess
from .definitions import write_gateway_config
from .session import RUNNING


@contextlib.contextmanager
def running_gateway(workdir: Path, definitions: dict | None = None,
                    settings: dict[str, dict[str, str]] | None = None, extra_args: list[str] | None = None,
                    data_dir: Path | None = None) -> Iterator[GatewayProcess]:
    """A started gateway for the duration of the block, stopped afterwards. Fails the test if it exited on its
    own (not through `restart`/`kill`) while the test used it."""
    needs_config = definitions is not None or settings
    config = write_gateway_config(workdir, definitions, settings) if needs_config else None
    gw = GatewayProcess(workdir=workdir, config=config, extra_args=list(extra_args or []), data_dir=data_dir)
    try:
        _start_or_fail(gw)
    except BaseException:
        gw.stop()
        raise
    RUNNING.append(gw)
    try:
        yield gw
        code = gw.crashed()
        if code is not None and not gw.hung:
            pytest.fail(f"gateway exited on its own (code {code}) while the test was using it.\n"
                        f"--- gateway output ---\n{gw.log_text()}", pytrace=False)
    finally:
        RUNNING.remove(gw)
        gw.stop()


def _start_or_fail(gw: GatewayProcess) -> None:
    try:
        gw.start()
    except BrokerStartError as e:
        pytest.fail(str(e), pytrace=False)


def restart_or_fail(gw: GatewayProcess, **kwargs):
    """`gw.restart(**kwargs)`, turning a failed stop or start into a plain test failure with gateway's output."""
    try:
        return gw.restart(**kwargs)
    except (BrokerStartError, BrokerStopError) as e:
        message = str(e)
    pytest.fail(message, pytrace=False)


@pytest.fixture
def restartable_gateway(tmp_path) -> Iterator[Callable[..., GatewayProcess]]:
    """Factory: `restartable_gateway(definitions=None, settings=None, extra_args=None, data_dir=None)` starts a
    gateway in its own directory under the test's tmp_path and returns its `GatewayProcess`."""
    with contextlib.ExitStack() as stack:
        counter = iter(range(1000))

        def start(definitions: dict | None = None, settings: dict[str, dict[str, str]] | None = None,
                  extra_args: list[str] | None = None, data_dir: Path | None = None) -> GatewayProcess:
            return stack.enter_context(running_gateway(tmp_path / f"gateway{next(counter)}", definitions,
                                                       settings, extra_args, data_dir))

        yield start
