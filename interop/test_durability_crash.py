"""Crash test: `kill -9` the broker at random moments while publishers with confirms keep publishing, restart it,
and check at the end that nothing it confirmed was lost.

Two publishers run on their own threads, reconnecting (to whatever ports the restarted broker has) after every
crash: an AMQP one (windowed publisher confirms, persistent messages, mandatory, into a durable queue) and an MQTT
one (QoS 1, one message at a time, recorded after its PUBACK) into a persistent session's queue. Each records a body
as sent before publishing it and as confirmed only after its basic.ack / PUBACK. The kill delays are seeded
(INTEROP_CRASH_SEED, printed) so a failing run can be replayed. At the end everything is drained and:
lost confirmed messages = 0, unexpected messages (never sent) = 0; duplicates are allowed (at-least-once) and printed.
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass, field

import pytest

from gwtest.broker import Target
from gwtest.clients import connect, unique
from gwtest.confirms import PERSISTENT, publish_confirmed
from gwtest.durable import restart_or_fail, restartable_gateway  # noqa: F401 (pytest fixture)
from gwtest.mqtt import MQTTClient
from gwtest.session import gateway_only

pytestmark = gateway_only("killing the broker needs the gateway process")

KILLS = 20
DELAY_S = (0.2, 1.5)
AMQP_RATE, MQTT_RATE = 2_000, 300
"""Publishing pace (messages/s) so that, whatever the broker's speed, a publisher is still publishing when the
kill comes instead of finishing early."""
PER_RUN_AMQP = int(AMQP_RATE * DELAY_S[1])
PER_RUN_MQTT = int(MQTT_RATE * DELAY_S[1])
"""Messages a publisher may send to one run of the broker (between two kills): bounds the total, and so the
drain time, to (KILLS + 1) x these."""
TOTAL_BUDGET_S = 90.0
END = b"END"


@dataclass
class Ledger:
    """What one publisher sent and what the broker confirmed, across every connection it made."""

    name: str
    sent: set[bytes] = field(default_factory=set)
    confirmed: set[bytes] = field(default_factory=set)
    returned: set[bytes] = field(default_factory=set)
    nacked: set[bytes] = field(default_factory=set)
    connections: int = 0
    errors: list[str] = field(default_factory=list)
    crashed: BaseException | None = None


class CurrentBroker:
    """The Target publishers should use now and its run number; both change at every restart."""

    def __init__(self, target: Target):
        self._cond = threading.Condition()
        self._target = target
        self._run = 0

    def get(self) -> tuple[Target, int]:
        with self._cond:
            return self._target, self._run

    def set(self, target: Target) -> None:
        with self._cond:
            self._target = target
            self._run += 1
            self._cond.notify_all()

    def wait_for_next_run(self, run: int, stop: threading.Event) -> None:
        """Blocks until the broker was restarted after `run`, or `stop` is set."""
        with self._cond:
            while self._run == run and not stop.is_set():
                self._cond.wait(timeout=0.1)


def _amqp_publisher(broker: CurrentBroker, queue: str, ledger: Ledger, stop: threading.Event) -> None:
    counter = iter(range(1 << 62))
    sent_in_run: dict[int, int] = {}
    try:
        while not stop.is_set():
            target, run = broker.get()
            if sent_in_run.get(run, 0) >= PER_RUN_AMQP:
                broker.wait_for_next_run(run, stop)
                continue

            def source(run=run):
                if sent_in_run.get(run, 0) >= PER_RUN_AMQP:
                    return None
                sent_in_run[run] = sent_in_run.get(run, 0) + 1
                return f"a-{next(counter)}".encode()

            ledger.connections += 1
            out = publish_confirmed(target, "", queue, source, properties=PERSISTENT, window=16,
                                    mandatory=True, deadline_s=TOTAL_BUDGET_S, stall_s=5, max_rate=AMQP_RATE,
                                    should_stop=stop.is_set)
            ledger.sent.update(out.sent)
            ledger.confirmed.update(out.confirmed)
            ledger.returned.update(out.returned)
            ledger.nacked.update(out.nacked)
            if out.error:
                ledger.errors.append(out.error)
                stop.wait(0.05)  # retry pace while the broker is down, not synchronisation
    except BaseException as e:  # noqa: BLE001 - reported by the test
        ledger.crashed = e


def _mqtt_publisher(broker: CurrentBroker, topic: str, ledger: Ledger, stop: threading.Event) -> None:
    n = 0
    sent_in_run: dict[int, int] = {}
    try:
        while not stop.is_set():
            target, run = broker.get()
            if sent_in_run.get(run, 0) >= PER_RUN_MQTT:
                broker.wait_for_next_run(run, stop)
                continue
            ledger.connections += 1
            client = MQTTClient(target, f"crash-pub-{ledger.connections}", clean_session=True)
            try:
                client.connected(timeout=3)
                opened = time.monotonic()
                published = 0
                while not stop.is_set() and sent_in_run.get(run, 0) < PER_RUN_MQTT:
                    ahead = opened + published / MQTT_RATE - time.monotonic()
                    if ahead > 0 and stop.wait(ahead):  # pacing (MQTT_RATE), not synchronisation
                        break
                    published += 1
                    sent_in_run[run] = sent_in_run.get(run, 0) + 1
                    body = f"m-{n}".encode()
                    n += 1
                    ledger.sent.add(body)
                    client.publish(topic, body, 1, timeout=3)  # raises unless PUBACKed within 3 s
                    ledger.confirmed.add(body)
            except (OSError, AssertionError) as e:  # no CONNACK / PUBACK, or the connection ended (the kill)
                ledger.errors.append(repr(e))
                stop.wait(0.05)  # retry pace while the broker is down, not synchronisation
            finally:
                client.close()
    except BaseException as e:  # noqa: BLE001 - reported by the test
        ledger.crashed = e


def _drain_amqp(target: Target, queue: str) -> tuple[list[bytes], str | None]:
    """Every message in `queue` up to the END sentinel published after the last restart (FIFO: everything stored
    before it comes first). Returns (bodies, problem)."""
    out = publish_confirmed(target, "", queue, iter([END, None]).__next__, window=1, mandatory=True, deadline_s=15)
    if out.returned:
        return [], f"the durable queue {queue} no longer exists (the END sentinel was returned unroutable)"
    if out.confirmed != [END]:
        return [], f"the END sentinel was not confirmed: {out.error}"
    conn = connect(target)
    bodies: list[bytes] = []
    try:
        ch = conn.channel()
        ch.basic_qos(prefetch_count=1000)
        for method, _props, body in ch.consume(queue, inactivity_timeout=15):
            if method is None:
                return bodies, "no END sentinel within 15 s while draining"
            if body == END:
                ch.basic_ack(method.delivery_tag, multiple=True)
                return bodies, None
            bodies.append(body)
            if len(bodies) % 500 == 0:
                ch.basic_ack(method.delivery_tag, multiple=True)
    finally:
        conn.close()
    return bodies, "consume ended"


def _drain_mqtt(target: Target, client_id: str, topic: str) -> tuple[list[bytes], str | None]:
    sub = MQTTClient(target, client_id, clean_session=False)
    try:
        if not sub.connected().connack.session_present:
            return [], f"persistent session {client_id} not present after the last restart"
        pub = MQTTClient(target, "crash-end", clean_session=True)
        try:
            pub.connected()
            pub.publish(topic, END, 1)
        except AssertionError as e:
            return [], f"the END sentinel was not acknowledged: {e}"
        finally:
            pub.close()
        try:
            got = sub.wait_for(lambda ms: any(m.payload == END for m in ms), 20, "the END sentinel")
        except AssertionError as e:
            return [m.payload for m in sub.messages], str(e)
        return [m.payload for m in got if m.payload != END], None
    finally:
        sub.close()


def _verdict(ledger: Ledger, drained: list[bytes], problem: str | None) -> list[str]:
    seen = set(drained)
    lost = ledger.confirmed - seen - ledger.returned
    unexpected = seen - ledger.sent
    duplicates = len(drained) - len(seen)
    print(f"{ledger.name}: sent {len(ledger.sent)}, confirmed {len(ledger.confirmed)}, drained {len(drained)}, "
          f"duplicates {duplicates}, unconfirmed-but-stored {len(seen & (ledger.sent - ledger.confirmed))}, "
          f"lost {len(lost)}, unexpected {len(unexpected)}, connections {ledger.connections}, "
          f"returned {len(ledger.returned)}, nacked {len(ledger.nacked)}")
    failures = []
    if ledger.crashed is not None:
        failures.append(f"{ledger.name}: the publisher thread failed: {ledger.crashed!r}")
    if problem:
        failures.append(f"{ledger.name}: drain: {problem}")
    if lost:
        failures.append(f"{ledger.name}: {len(lost)} confirmed message(s) lost, e.g. {sorted(lost)[:10]}")
    if ledger.returned:
        failures.append(f"{ledger.name}: {len(ledger.returned)} confirmed publish(es) were returned unroutable "
                        f"(the durable queue was missing after a restart), e.g. {sorted(ledger.returned)[:5]}")
    if unexpected:
        failures.append(f"{ledger.name}: {len(unexpected)} unexpected message(s) never published, "
                        f"e.g. {sorted(unexpected)[:10]}")
    if not ledger.confirmed:
        failures.append(f"{ledger.name}: nothing was confirmed at all (errors: {ledger.errors[-3:]})")
    return failures


@pytest.mark.watchdog(150)
def test_kill9_loop_loses_no_confirmed_message(restartable_gateway):
    seed = int(os.environ.get("INTEROP_CRASH_SEED", random.randrange(1 << 32)))
    rng = random.Random(seed)
    delays = [rng.uniform(*DELAY_S) for _ in range(KILLS)]
    print(f"crash test seed {seed} (INTEROP_CRASH_SEED={seed} replays the delays): "
          f"{', '.join(f'{d:.2f}' for d in delays)} s")
    started = time.monotonic()

    gw = restartable_gateway()
    queue = unique("crash")
    conn = connect(gw.target)
    conn.channel().queue_declare(queue, durable=True)
    conn.close()
    sub_id, topic = unique("crash-sub").replace(".", "-"), unique("crash").replace(".", "/")
    sub = MQTTClient(gw.target, sub_id, clean_session=False)
    sub.connected()
    assert sub.subscribe([(topic, 1)]) == [1], "setup: QoS 1 subscription of the persistent session"
    sub.close()

    broker = CurrentBroker(gw.target)
    stop = threading.Event()
    amqp, mqtt = Ledger("AMQP"), Ledger("MQTT")
    threads = [threading.Thread(target=_amqp_publisher, args=(broker, queue, amqp, stop), daemon=True),
               threading.Thread(target=_mqtt_publisher, args=(broker, topic, mqtt, stop), daemon=True)]
    for t in threads:
        t.start()
    try:
        for i, delay in enumerate(delays):
            if stop.wait(delay):  # the randomized moment of the crash is the point of this test
                break
            before = (len(amqp.confirmed), len(mqtt.confirmed))
            broker.set(restart_or_fail(gw, kill=True))
            print(f"kill {i + 1}/{KILLS} after {delay:.2f} s: confirmed on ended connections so far: "
                  f"AMQP {before[0]}, MQTT {before[1]}")
            assert time.monotonic() - started < TOTAL_BUDGET_S, f"kill loop over its {TOTAL_BUDGET_S:.0f} s budget"
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=20)
    assert not any(t.is_alive() for t in threads), "a publisher thread did not stop within 20 s"

    amqp_drained, amqp_problem = _drain_amqp(gw.target, queue)
    mqtt_drained, mqtt_problem = _drain_mqtt(gw.target, sub_id, topic)
    failures = _verdict(amqp, amqp_drained, amqp_problem) + _verdict(mqtt, mqtt_drained, mqtt_problem)
    elapsed = time.monotonic() - started
    print(f"crash test took {elapsed:.1f} s (seed {seed})")
    assert not failures, f"seed {seed}:\n" + "\n".join(failures)
    assert elapsed < TOTAL_BUDGET_S, f"the crash test took {elapsed:.0f} s, over its {TOTAL_BUDGET_S:.0f} s budget"


def _raw_session(target: Target, cid: str):
    from gwtest import mqtt_raw as R

    raw = R.RawMQTT(target.host, target.mqtt_port)
    present, code = raw.connect(cid, username="guest", password="guest", clean_session=False)
    assert code == 0, f"{cid}: CONNACK {code:#x}"
    return raw, present


def _publishes_until(raw, sentinel: bytes, timeout: float = 10.0) -> list:
    """The PUBLISHes `raw` receives up to and including the one carrying `sentinel` (acknowledging QoS 1 ones)."""
    from gwtest import mqtt_raw as R

    got = []
    deadline = time.monotonic() + timeout
    while True:
        p = raw.read_packet(max(0.01, deadline - time.monotonic()))
        assert p is not None, f"connection closed before {sentinel!r} arrived (got {got})"
        if p.type != R.PUBLISH:
            continue
        m = p.publish
        got.append(m)
        if m.qos == 1:
            raw.send(R.ack(R.PUBACK, m.packet_id))
        if m.payload == sentinel:
            return got


@gateway_only("kill -9 of a broker the suite starts")
def test_qos2_state_survives_kill_9_both_ways(restartable_gateway):
    """Inbound: a QoS 2 PUBLISH answered with PUBREC before a `kill -9` and resent (DUP) after it is not routed a
    second time, and its PUBREL is answered. Outbound: a message the subscriber acknowledged with PUBREC before the
    crash is not sent again after it; PUBREL is resent instead (MQTT 3.1.1 §4.3.3, §4.4)."""
    from gwtest import mqtt_raw as R

    gw = restartable_gateway()
    tag = unique("q2").replace(".", "-")
    topic_in, topic_out = f"{tag}/in", f"{tag}/out"
    watcher, _ = _raw_session(gw.target, f"{tag}-watch")
    watcher.send(R.subscribe(1, [(topic_in, 1)]))
    assert watcher.expect(R.SUBACK).suback_codes == [1]
    receiver, _ = _raw_session(gw.target, f"{tag}-recv")
    receiver.send(R.subscribe(1, [(topic_out, 2)]))
    assert receiver.expect(R.SUBACK).suback_codes == [2]

    sender, _ = _raw_session(gw.target, f"{tag}-send")
    sender.send(R.publish(topic_in, b"once", qos=2, packet_id=7))
    assert sender.expect(R.PUBREC).packet_id == 7
    sender.send(R.publish(topic_out, b"x", qos=2, packet_id=8))
    assert sender.expect(R.PUBREC).packet_id == 8
    sender.send(R.ack(R.PUBREL, 8))
    assert sender.expect(R.PUBCOMP).packet_id == 8
    delivered = receiver.expect(R.PUBLISH).publish
    assert (delivered.payload, delivered.qos) == (b"x", 2)
    receiver.send(R.ack(R.PUBREC, delivered.packet_id))
    assert receiver.expect(R.PUBREL).packet_id == delivered.packet_id

    target = restart_or_fail(gw, kill=True)
    for raw in (watcher, receiver, sender):
        raw.close()

    sender, present = _raw_session(target, f"{tag}-send")
    assert present, "the sender's persistent session was not present after kill -9"
    sender.send(R.publish(topic_in, b"once", qos=2, packet_id=7, dup=True))
    assert sender.expect(R.PUBREC).packet_id == 7
    sender.send(R.ack(R.PUBREL, 7))
    assert sender.expect(R.PUBCOMP).packet_id == 7
    sender.send(R.publish(topic_in, b"sentinel", qos=1, packet_id=9))
    assert sender.expect(R.PUBACK).packet_id == 9

    watcher, _ = _raw_session(target, f"{tag}-watch")
    seen = [m.payload for m in _publishes_until(watcher, b"sentinel")]
    assert seen == [b"once", b"sentinel"], f"the QoS 2 message resent after kill -9 was routed again: {seen}"

    receiver, present = _raw_session(target, f"{tag}-recv")
    assert present, "the receiver's persistent session was not present after kill -9"
    first = receiver.read_packet(10)
    assert first is not None and first.type == R.PUBREL and first.packet_id == delivered.packet_id, \
        f"after kill -9 the broker did not resend PUBREL {delivered.packet_id} first (got {first})"
    receiver.send(R.ack(R.PUBCOMP, delivered.packet_id))
    sender.send(R.publish(topic_out, b"after", qos=1, packet_id=10))
    assert sender.expect(R.PUBACK).packet_id == 10
    later = [m.payload for m in _publishes_until(receiver, b"after")]
    assert later == [b"after"], f"a message acknowledged with PUBREC before kill -9 was sent again: {later}"
    for raw in (watcher, receiver, sender):
        raw.close()
