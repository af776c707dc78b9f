"""Starting a gateway that is expected to refuse its configuration and exit."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .broker import BrokerStartError, GatewayProcess
from .definitions import write_gateway_config

EXIT_DEADLINE_S = 30.0
"""How long a gateway with a bad configuration may take to exit on its own."""


@dataclass
class FailedStart:
    code: int
    log: str


def start_expecting_failure(workdir: Path, settings: dict[str, dict[str, str]]) -> FailedStart:
    """Starts gateway with `settings` and returns its exit code and output once it has exited on its own; raises
    AssertionError if it is still running EXIT_DEADLINE_S after the start."""
    gw = GatewayProcess(workdir=workdir, config=write_gateway_config(workdir, None, settings))
    try:
        gw.start()
    except BrokerStartError:
        pass  # exited before accepting AMQP: the expected case
    try:
        deadline = time.monotonic() + EXIT_DEADLINE_S
        while gw.crashed() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"gateway still running {EXIT_DEADLINE_S:.0f} s after starting with "
                                     f"{settings}:\n{gw.log_text()}")
            time.sleep(0.05)
        return FailedStart(gw.crashed(), gw.log_text())
    finally:
        gw.stop()
