"""A full disk and `[main] free_disk_min`, with the data dir on a small tmpfs (mounted by the test; needs root).

Filling the disk must never yield a confirm for a message that was not written; the broker stays up, and publishing
works again once space is freed. Below `free_disk_min` publishers are blocked (AMQP connection.blocked, MQTT stops
reading) and resume when space returns.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from gwtest.broker import Target
from gwtest.clients import connect, unique
from gwtest.confirms import PERSISTENT, PublishOutcome, publish_confirmed
from gwtest.durable import restart_or_fail, restartable_gateway  # noqa: F401 (pytest fixture)
from gwtest.mqtt import MQTTClient
from gwtest.session import gateway_only

pytestmark = gateway_only("the data dir and free-space settings of the gateway process")

TMPFS_SIZE = 8 * 1024 * 1024
BODY_SIZE = 32 * 1024
MAX_MESSAGES = 4 * TMPFS_SIZE // BODY_SIZE
"""Four times what fits: publishing cannot honestly be confirmed to the end."""


@pytest.fixture
def small_tmpfs(tmp_path) -> Path:
    """An 8 MiB tmpfs mounted for the test (unmounted afterwards, after the gateway using it stopped: request it
    before `restartable_gateway`)."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mountpoint)],
                           capture_output=True, text=True, timeout=20)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for the disk tests (needs root or CAP_SYS_ADMIN): "
                    f"{(mount.stderr or mount.stdout).strip()}")
    try:
        yield mountpoint
    finally:
        if subprocess.run(["umount", str(mountpoint)], capture_output=True, timeout=20).returncode != 0:
            subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, timeout=20)


def _numbered(count: int, size: int):
    numbers = iter(range(count))

    def source():
        n = next(numbers, None)
        return None if n is None else f"{n:08d}".encode().ljust(size, b".")

    return source


def _get_all(target: Target, queue: str, timeout: float = 20.0) -> list[bytes]:
    """Every ready message of `queue`, fetched with basic.get and left unacknowledged (acking would need the disk)."""
    conn = connect(target)
    try:
        ch = conn.channel()
        bodies = []
        deadline = time.monotonic() + timeout
        while True:
            method, _props, body = ch.basic_get(queue, auto_ack=False)
            if method is None:
                return bodies
            bodies.append(body)
            assert time.monotonic() < deadline, f"reading {queue} back took over {timeout} s"
    finally:
        conn.close()


def _fill_disk(gw) -> tuple[str, PublishOutcome]:
    queue = unique("diskfull")
    conn = connect(gw.target)
    conn.channel().queue_declare(queue, durable=True)
    conn.close()
    out = publish_confirmed(gw.target, "", queue, _numbered(MAX_MESSAGES, BODY_SIZE), properties=PERSISTENT,
                            window=8, mandatory=True, deadline_s=45, stall_s=5)
    print(f"disk full: sent {len(out.sent)}, confirmed {len(out.confirmed)}, nacked {len(out.nacked)}, "
          f"unanswered {len(out.unconfirmed)}, events {out.events}, end: {out.error}")
    assert len(out.confirmed) < MAX_MESSAGES, (
        f"all {MAX_MESSAGES} persistent messages ({MAX_MESSAGES * BODY_SIZE >> 20} MiB) were confirmed on a "
        f"{TMPFS_SIZE >> 20} MiB data dir: confirms do not wait for the disk")
    assert out.confirmed, f"nothing was confirmed before the disk filled up ({out.error}); is the data dir usable?"
    assert not out.returned, f"{len(out.returned)} messages were returned unroutable"
    assert gw.crashed() is None, f"the broker exited (code {gw.crashed()}) when its disk filled up"
    return queue, out


def _check_confirmed_are_stored(out: PublishOutcome, stored: list[bytes], when: str) -> None:
    missing = set(out.confirmed) - set(stored)
    assert not missing, (f"{when}: {len(missing)} confirmed message(s) are not in the queue, e.g. "
                         f"{sorted(b[:8] for b in missing)[:10]}")
    foreign = set(stored) - set(out.sent)
    assert not foreign, f"{when}: {len(foreign)} message(s) in the queue were never published"
    assert len(out.confirmed) <= len(stored), f"{when}: more confirms than stored messages"


def _publishing_works_again(target: Target, timeout: float = 20.0) -> None:
    """A fresh publisher gets a persistent message confirmed into a new durable queue within `timeout`, and the
    message is there."""
    queue = unique("after-disk")
    conn = connect(target)
    conn.channel().queue_declare(queue, durable=True)
    conn.close()
    deadline = time.monotonic() + timeout
    attempts = []
    while True:
        out = publish_confirmed(target, "", queue, iter([b"after", None]).__next__, window=1, deadline_s=5,
                                stall_s=4, mandatory=True)
        if out.confirmed == [b"after"]:
            break
        attempts.append(out.error or f"nacked {out.nacked}")
        assert time.monotonic() < deadline, (
            f"publishing was not confirmed again within {timeout} s after space was freed: {attempts[-3:]}")
    assert _get_all(target, queue) == [b"after"], "the message confirmed after space was freed is not in the queue"


def test_disk_full_never_confirms_an_unwritten_message_and_recovers(small_tmpfs, restartable_gateway):
    gw = restartable_gateway(settings={"main": {"segment_size": "1MiB", "free_disk_min": "0"}},
                             data_dir=small_tmpfs / "data")
    queue, out = _fill_disk(gw)
    _check_confirmed_are_stored(out, _get_all(gw.target, queue), "with the disk full")

    conn = connect(gw.target)
    try:
        conn.channel().queue_delete(queue)
    finally:
        conn.close()
    _publishing_works_again(gw.target)
    assert gw.crashed() is None


@pytest.mark.watchdog(120)
def test_confirmed_messages_survive_a_restart_on_a_full_disk(small_tmpfs, restartable_gateway):
    gw = restartable_gateway(settings={"main": {"segment_size": "1MiB", "free_disk_min": "0"}},
                             data_dir=small_tmpfs / "data")
    queue, out = _fill_disk(gw)

    target = restart_or_fail(gw)
    _check_confirmed_are_stored(out, _get_all(target, queue), "after a restart on the full disk")

    conn = connect(target)
    try:
        conn.channel().queue_purge(queue)
    finally:
        conn.close()
    _publishing_works_again(target)


def test_free_disk_min_above_free_space_blocks_publishers_from_the_start(small_tmpfs, restartable_gateway):
    gw = restartable_gateway(settings={"main": {"free_disk_min": "16MiB", "segment_size": "1MiB"}},
                             data_dir=small_tmpfs / "data")
    queue = unique("blocked")
    conn = connect(gw.target)
    conn.channel().queue_declare(queue, durable=True)
    conn.close()

    attempts = 20
    out = publish_confirmed(gw.target, "", queue, _numbered(attempts, 16), window=1, deadline_s=5, stall_s=4)
    assert out.blocked, (f"a publisher on a broker with free_disk_min 16 MiB and an {TMPFS_SIZE >> 20} MiB data dir "
                         f"got no connection.blocked (events {out.events}, confirmed {len(out.confirmed)}, "
                         f"{out.error})")
    # Like RabbitMQ, the publish that finds the alarm on may still be taken (and confirmed) before the block.
    assert len(out.confirmed) < attempts, f"all {attempts} publishes were confirmed below free_disk_min"

    mqtt = MQTTClient(gw.target, unique("blocked-mqtt").replace(".", "-"), clean_session=True)
    try:
        try:
            mqtt.connected(timeout=5)
        except AssertionError:
            pass  # not reading at all (not even CONNECT) is a way of blocking too
        else:
            acked = 0
            try:
                while acked < attempts:
                    mqtt.publish("blocked/topic", b"x", 1, timeout=3)
                    acked += 1
            except AssertionError:
                pass  # not acknowledged within 3 s (or the connection ended): blocked
            assert acked < attempts, f"all {attempts} MQTT QoS 1 publishes were acknowledged below free_disk_min"
    finally:
        mqtt.close()
    assert gw.crashed() is None


def test_free_disk_min_blocks_publishers_and_resumes_when_space_returns(small_tmpfs, restartable_gateway):
    gw = restartable_gateway(settings={"main": {"free_disk_min": "4MiB", "segment_size": "1MiB"}},
                             data_dir=small_tmpfs / "data")
    queue = unique("resume")
    conn = connect(gw.target)
    conn.channel().queue_declare(queue, durable=True)
    conn.close()
    first = publish_confirmed(gw.target, "", queue, _numbered(1, 16), window=1, deadline_s=10, stall_s=5)
    assert first.confirmed and not first.blocked, (
        f"setup: with {TMPFS_SIZE >> 20} MiB free and free_disk_min 4 MiB a publish was not confirmed "
        f"({first.events}, {first.error})")

    filler = small_tmpfs / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * (6 * 1024 * 1024))
    free = os.statvfs(small_tmpfs)
    free_bytes = free.f_bavail * free.f_frsize
    assert free_bytes < 4 * 1024 * 1024, f"setup: {free_bytes} bytes still free after the filler"

    extra_after_unblock = 5
    block_within_s = 10.0
    after_unblock: list[bytes] = []
    events: list[str] = []
    started = time.monotonic()

    def on_event(event: str) -> None:
        events.append(event)
        if event == "blocked" and filler.exists():
            filler.unlink()

    def source():
        if not events and time.monotonic() - started > block_within_s:
            return None  # never blocked: stop before the publisher fills what is left of the disk
        body = f"m{len(events)}-{time.monotonic_ns()}".encode()
        if "unblocked" in events:
            if len(after_unblock) >= extra_after_unblock:
                return None
            after_unblock.append(body)
        return body

    out = publish_confirmed(gw.target, "", queue, source, window=1, deadline_s=30, stall_s=20, on_event=on_event)
    assert out.blocked, (f"the publisher was not blocked within {block_within_s:.0f} s although free space ({free_bytes} bytes) fell "
                         f"below free_disk_min (4 MiB); confirmed {len(out.confirmed)}, {out.error}")
    assert out.events[:2] == ["blocked", "unblocked"], (
        f"after the filler was deleted the publisher was not unblocked: events {out.events}, {out.error}")
    assert out.error is None and not out.unconfirmed, (
        f"publishing did not resume after the unblock: {len(out.unconfirmed)} unanswered, {out.error}")
    assert set(after_unblock) <= set(out.confirmed), (
        f"of the {len(after_unblock)} messages published after the unblock, "
        f"{len(set(after_unblock) - set(out.confirmed))} were not confirmed (nacked: {len(out.nacked)})")
    assert gw.crashed() is None
