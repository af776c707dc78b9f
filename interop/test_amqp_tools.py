"""amqp-tools (the Debian command-line clients built on librabbitmq): declare, publish, get, consume."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from gwtest.clients import unique

TOOLS = ["amqp-declare-queue", "amqp-publish", "amqp-get", "amqp-consume", "amqp-delete-queue"]


def run(tool: str, url: str, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([tool, "--url", url, *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"{tool} {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def url(broker) -> str:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    assert not missing, f"amqp-tools not installed (missing {missing}); apt-get install amqp-tools"
    return f"amqp://guest:guest@{broker.host}:{broker.amqp_port}"


def test_declare_publish_get_consume(url):
    queue = unique("q1")
    declared = run("amqp-declare-queue", url, "-q", queue, "-d")
    assert declared.stdout.strip() == queue
    run("amqp-publish", url, "-r", queue, "-b", "hello")
    got = run("amqp-get", url, "-q", queue)
    assert got.stdout == "hello"
    empty = subprocess.run(["amqp-get", "--url", url, "-q", queue], capture_output=True, text=True, timeout=30)
    assert empty.returncode != 0, "amqp-get on an empty queue must fail"
    run("amqp-publish", url, "-r", queue, "-b", "hello")
    consumed = run("amqp-consume", url, "-q", queue, "-c", "1", "cat")
    assert consumed.stdout == "hello"
    run("amqp-delete-queue", url, "-q", queue)

