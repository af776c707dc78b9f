"""librabbitmq (rabbitmq-c), the C client behind amqp-tools and many language bindings: a 10 000-message
confirmed publish and acknowledged consume, checked for loss, duplicates and order by interop/c/roundtrip.c."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gwtest.cbuild import built
from gwtest.clients import assert_broker_healthy

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "c" / "roundtrip.c"
BINARY = HERE / "build" / "roundtrip"


@pytest.fixture(scope="module")
def roundtrip_binary() -> Path:
    """interop/build/roundtrip, (re)built from interop/c/roundtrip.c when missing or older than the source."""
    return built(SOURCE, BINARY, "rabbitmq", "librabbitmq-dev")


@pytest.mark.watchdog(150)
def test_librabbitmq_confirmed_publish_and_consume_10000_in_order(broker, roundtrip_binary):
    run = subprocess.run([str(roundtrip_binary), broker.host, str(broker.amqp_port), "10000"],
                         capture_output=True, text=True, timeout=140)
    assert run.returncode == 0, f"roundtrip failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}"
    lines = run.stdout.strip().splitlines()
    assert lines[0] == "published 10000, confirmed 10000"
    assert lines[-1] == "OK published=10000 confirmed=10000 consumed=10000 in-order no-duplicates queue-empty"
    assert run.stderr == ""
    assert_broker_healthy(broker)
