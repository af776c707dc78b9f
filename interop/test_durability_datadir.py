"""The data dir: created 0700, locked against a second gateway, and `--no-sync` / `[main] sync = false` announced
with a warning at start (design §6)."""

from __future__ import annotations

import re
import stat
import subprocess

import pytest

from gwtest.broker import free_port, gateway_binary
from gwtest.clients import assert_broker_healthy, wait_until
from gwtest.durable import restartable_gateway  # noqa: F401 (pytest fixture)
from gwtest.session import gateway_only

pytestmark = gateway_only("data dir and start-up flags of the gateway process")

SECOND_EXIT_DEADLINE_S = 10.0
SYNC_WARNING = re.compile(r"\[warn(ing)?\].*sync", re.IGNORECASE)


def test_data_dir_is_created_with_mode_0700(restartable_gateway):
    gw = restartable_gateway()
    mode = stat.S_IMODE(gw.data_path.stat().st_mode)
    assert mode == 0o700, f"data dir {gw.data_path} was created with mode {mode:04o}, expected 0700"


def test_second_gateway_on_the_same_data_dir_exits_with_in_use(restartable_gateway):
    first = restartable_gateway()
    cmd = [str(gateway_binary()), "-D", str(first.data_path), "-b", "127.0.0.1",
           "--amqp-port", str(free_port()), "--mqtt-port", str(free_port()), "--http-port", str(free_port()),
           "-l", "debug"]
    second = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        output, _ = second.communicate(timeout=SECOND_EXIT_DEADLINE_S)
    except subprocess.TimeoutExpired:
        second.kill()
        output, _ = second.communicate(timeout=SECOND_EXIT_DEADLINE_S)
        pytest.fail(f"a second gateway on the data dir {first.data_path} of a running one was still running after "
                    f"{SECOND_EXIT_DEADLINE_S:.0f} s (the data dir is not locked).\n--- its output ---\n"
                    f"{output.decode(errors='replace')[-4000:]}", pytrace=False)
    text = output.decode(errors="replace")
    assert second.returncode != 0, f"the second gateway exited with code 0; output:\n{text}"
    assert "in use" in text.lower(), f"the second gateway's message does not say the data dir is in use:\n{text}"
    assert first.crashed() is None, "the first gateway stopped when a second one tried its data dir"
    assert_broker_healthy(first.target)


@pytest.mark.parametrize("how", ["--no-sync", "sync = false"])
def test_disabling_sync_logs_a_warning_at_start(restartable_gateway, how):
    if how == "--no-sync":
        gw = restartable_gateway(extra_args=["--no-sync"])
    else:
        gw = restartable_gateway(settings={"main": {"sync": "false"}})
    wait_until(lambda: any(SYNC_WARNING.search(line) for line in gw.log_text().splitlines()), 5,
               f"a warning mentioning sync in the log of a gateway started with {how!r}:\n{gw.log_text()}")


def test_default_start_logs_no_sync_warning(restartable_gateway):
    gw = restartable_gateway()
    assert_broker_healthy(gw.target)
    warnings = [line for line in gw.log_text().splitlines() if SYNC_WARNING.search(line)]
    assert not warnings, f"a gateway with sync on (the default) warned about sync: {warnings}"
