"""mosquitto_pub / mosquitto_sub (Debian's mosquitto-clients 2.0.11) against the broker: QoS 1 through a persistent
session, retained messages, MQTT 3.1 and 3.1.1. Ordering is made deterministic without sleeps: `mosquitto_sub -E`
exits once its SUBACK arrived, so a persistent session is subscribed before anything is published."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from gwtest.mqtt import client_id, topic

VERSIONS = ["mqttv311", "mqttv31"]


def run(tool: str, target, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    assert shutil.which(tool), f"{tool} not installed (apt-get install mosquitto-clients)"
    cmd = [tool, "-h", target.host, "-p", str(target.mqtt_port), "-u", "guest", "-P", "guest", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.parametrize("version", VERSIONS)
def test_cli_qos1_through_persistent_session(broker, version):
    t = topic("cli")
    cid = client_id("cli")
    session = ["-V", version, "-i", cid, "-c", "-q", "1", "-t", t]
    run("mosquitto_sub", broker, *session, "-E")  # subscribed, then exits: the session keeps the subscription
    run("mosquitto_pub", broker, "-V", version, "-q", "1", "-t", t, "-m", "hello from mosquitto_pub")
    got = run("mosquitto_sub", broker, *session, "-C", "1", "-W", "10", "-F", "%t|%q|%r|%p")
    assert got.stdout.strip() == f"{t}|1|0|hello from mosquitto_pub"
    run("mosquitto_sub", broker, "-V", version, "-i", cid, "-t", t, "-E")  # clean session: discard it


@pytest.mark.parametrize("version", VERSIONS)
def test_cli_retained_publish_and_delete(broker, version):
    t = topic("cliretain")
    run("mosquitto_pub", broker, "-V", version, "-q", "1", "-r", "-t", t, "-m", "retained value")
    got = run("mosquitto_sub", broker, "-V", version, "-q", "1", "-t", t, "-C", "1", "-W", "10", "-F", "%r|%p")
    assert got.stdout.strip() == "1|retained value", "replayed with the retain flag"
    run("mosquitto_pub", broker, "-V", version, "-q", "1", "-r", "-t", t, "-n")  # null message: delete
    # --retained-only exits at the first non-retained message; with nothing retained nothing arrives before -W.
    empty = subprocess.run(["mosquitto_sub", "-h", broker.host, "-p", str(broker.mqtt_port), "-u", "guest", "-P",
                            "guest", "-V", version, "-t", t, "-C", "1", "-W", "2", "--retained-only"],
                           capture_output=True, text=True, timeout=20)
    assert empty.stdout == "", f"deleted retained message replayed: {empty.stdout!r}"
    assert empty.returncode == 27, f"mosquitto_sub -W timed out with code 27, got {empty.returncode}: {empty.stderr}"
