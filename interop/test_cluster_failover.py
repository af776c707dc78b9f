"""Clustering under failure (issue 12 "tests that must exist"): the leader killed with `kill -9` again and again while
AMQP publishers with confirms and MQTT QoS 1 publishers run, through a follower and directly, and afterwards every confirmed or PUBACKed message is
delivered; a frozen follower leaves the in-sync replicas and the leader keeps confirming; hostile bytes on the
replication port are refused with a log line."""
from __future__ import annotations

import itertools
import signal
import socket
import struct
import threading
import time

import pika
import pytest

from gwtest.cluster import LEASE_TTL, cluster_of, cluster_ports, in_sync, running_cluster, the_leader, uri, wait_for
from gwtest.clients import connect
from gwtest.confirms import publish_confirmed
from gwtest.mqtt import MQTTClient
from gwtest.session import gateway_only

pytestmark = gateway_only("clustering is Gateway's")

FAILOVERS = 10


class MQTTPublisher(threading.Thread):
    """Publishes `crash/<n>` QoS 1 messages one after another until its connection dies; records what was PUBACKed."""

    def __init__(self, target, round_: int):
        super().__init__(daemon=True)
        self.target, self.round = target, round_
        self.acked: list[bytes] = []

    def run(self) -> None:
        try:
            client = MQTTClient(self.target, f"pub-{self.round}").connected()
        except (AssertionError, OSError):
            return
        for i in itertools.count():
            payload = f"r{self.round}-m{i}".encode()
            try:
                client.publish("crash/data", payload, qos=1, timeout=10)
            except (AssertionError, OSError):
                return
            self.acked.append(payload)


@pytest.mark.watchdog(420)
def test_kill_the_leader_again_and_again_and_lose_no_confirmed_message(tmp_path):
    with running_cluster(tmp_path, 3) as (etcd, nodes):
        leader = the_leader(nodes)
        wait_for(lambda: in_sync(nodes[leader], [i for i in range(3) if i != leader]), 30, "followers in sync")
        conn = connect(nodes[leader].target)
        conn.channel().queue_declare("crash", durable=True)
        conn.close()
        subscriber = MQTTClient(nodes[leader].target, "crash-sub", clean_session=False).connected()
        subscriber.subscribe("crash/#", qos=1)
        subscriber.disconnect()

        confirmed: list[bytes] = []
        pubacked: list[bytes] = []
        counter = itertools.count()
        for round_ in range(FAILOVERS):
            # Through a follower (which forwards to the leader) and directly, alternating between the protocols.
            direct, via = nodes[leader].target, nodes[(leader + 1) % 3].target
            target, mqtt_target = (via, direct) if round_ % 2 == 0 else (direct, via)
            mqtt = MQTTPublisher(mqtt_target, round_)
            mqtt.start()
            stop = threading.Event()
            amqp_result = {}

            def amqp_publisher():
                amqp_result["outcome"] = publish_confirmed(
                    target, "", "crash", lambda: None if stop.is_set() else f"m{next(counter)}".encode(),
                    window=50, deadline_s=60, stall_s=30)

            amqp = threading.Thread(target=amqp_publisher, daemon=True)
            amqp.start()
            wait_for(lambda: len(mqtt.acked) >= 20, 30, f"round {round_}: MQTT publishes acknowledged")
            nodes[leader].kill()
            stop.set()
            amqp.join(60)
            mqtt.join(60)
            assert not amqp.is_alive() and not mqtt.is_alive()
            confirmed += amqp_result["outcome"].confirmed
            pubacked += mqtt.acked
            killed = leader
            leader = the_leader(nodes, 4 * LEASE_TTL + 30, among=[i for i in range(3) if i != killed])
            nodes[killed].restart(kill=True)
            wait_for(lambda: in_sync(nodes[leader], [i for i in range(3) if i != leader]), 60,
                     f"round {round_}: every follower back in sync")

        assert len(confirmed) > 0 and len(pubacked) >= 20 * FAILOVERS
        target = nodes[leader].target
        conn = connect(target)
        ch = conn.channel()
        delivered = set()
        while True:
            method, _props, body = ch.basic_get("crash", auto_ack=True)
            if method is None:
                break
            delivered.add(body)
        conn.close()
        lost = [b for b in confirmed if b not in delivered]
        assert not lost, f"{len(lost)} of {len(confirmed)} confirmed AMQP messages lost, e.g. {lost[:5]}"

        subscriber = MQTTClient(target, "crash-sub", clean_session=False)
        assert subscriber.connect().session_present, "the persistent session survived ten failovers"
        subscriber.wait_for(lambda ms: set(pubacked) <= {m.payload for m in ms}, 60,
                            f"all {len(pubacked)} PUBACKed messages")
        publisher = MQTTClient(target, "after").connected()
        publisher.publish("crash/after", "still subscribed", qos=1)
        subscriber.wait_for(lambda ms: any(m.payload == b"still subscribed" for m in ms), 10, "the subscription")
        publisher.disconnect()
        subscriber.disconnect()


@pytest.mark.watchdog(180)
def test_a_frozen_follower_leaves_the_isr_and_catches_up_when_resumed(tmp_path):
    with running_cluster(tmp_path, 2) as (etcd, nodes):
        leader = the_leader(nodes)
        follower = 1 - leader
        wait_for(lambda: in_sync(nodes[leader], [follower]), 20, "the follower in sync")
        target = nodes[leader].target
        conn = connect(target)
        conn.channel().queue_declare("frozen", durable=True)
        conn.close()

        nodes[follower].proc.send_signal(signal.SIGSTOP)
        try:
            frozen_at = time.monotonic()
            bodies = iter([f"f{i}".encode() for i in range(200)])
            outcome = publish_confirmed(target, "", "frozen", lambda: next(bodies, None), deadline_s=30)
            assert len(outcome.confirmed) == 200 and not outcome.nacked, outcome
            assert time.monotonic() - frozen_at < 2.0 + 8, "confirms resumed after the ack timeout (2 s)"
            wait_for(lambda: in_sync(nodes[leader], []), 5, "the frozen follower out of the ISR")
            assert "did not acknowledge within 2000 ms" in nodes[leader].log_text()
        finally:
            nodes[follower].proc.send_signal(signal.SIGCONT)
        wait_for(lambda: in_sync(nodes[leader], [follower]), 30, "the resumed follower back in sync")
        followers = cluster_of(nodes[leader])["followers"]
        assert followers[0]["node"] == uri(follower) and followers[0]["in_sync"]

        nodes[leader].kill()
        assert the_leader(nodes, 4 * LEASE_TTL + 20) == follower
        conn = connect(nodes[follower].target)
        count = conn.channel().queue_declare("frozen", passive=True).method.message_count
        conn.close()
        assert count == 200, "what it missed while frozen reached it after it resumed"


@pytest.mark.watchdog(120)
def test_the_replication_port_refuses_hostile_input_and_keeps_serving(tmp_path):
    with running_cluster(tmp_path, 2) as (etcd, nodes):
        leader = the_leader(nodes)
        wait_for(lambda: in_sync(nodes[leader], [1 - leader]), 20, "the follower in sync")
        payload = b"GWRP\x01" + struct.pack(">H", 5) + b"guess" + struct.pack(">H", 10) + b"tcp://x:10"
        hello = b"\x01" + struct.pack(">I", len(payload)) + payload
        for junk, reason in [(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "protocol error"),
                             (hello, "wrong clustering secret"),
                             (b"\x01\xff\xff\xff\xff", "over the limit")]:
            with socket.create_connection(("127.0.0.1", cluster_ports[leader]), timeout=5) as s:
                s.sendall(junk)
                s.settimeout(5)
                try:
                    while s.recv(4096):
                        pass
                except (ConnectionResetError, TimeoutError):
                    pass
            wait_for(lambda: reason in nodes[leader].log_text(), 5, f"the refusal logged ({reason})")
        assert "replication: refused 127.0.0.1" in nodes[leader].log_text()
        assert in_sync(nodes[leader], [1 - leader]), "the real follower is unaffected"
        conn = connect(nodes[leader].target)
        conn.channel().queue_declare("still-serving", durable=True)
        conn.close()


@pytest.mark.watchdog(120)
def test_min_isr_refuses_to_confirm_with_too_few_copies(tmp_path):
    with running_cluster(tmp_path, 2, min_isr="1") as (etcd, nodes):
        leader = the_leader(nodes)
        follower = 1 - leader
        wait_for(lambda: in_sync(nodes[leader], [follower]), 20, "the follower in sync")
        conn = connect(nodes[leader].target)
        ch = conn.channel()
        ch.confirm_delivery()
        ch.queue_declare("min-isr", durable=True)
        ch.basic_publish("", "min-isr", b"two copies", pika.BasicProperties(delivery_mode=2))

        nodes[follower].proc.send_signal(signal.SIGSTOP)
        try:
            with pytest.raises(pika.exceptions.NackError):
                ch.basic_publish("", "min-isr", b"one copy", pika.BasicProperties(delivery_mode=2))
            assert "min_isr is 1: not confirming" in nodes[leader].log_text()
        finally:
            nodes[follower].proc.send_signal(signal.SIGCONT)
        wait_for(lambda: in_sync(nodes[leader], [follower]), 30, "the follower back in sync")
        ch.basic_publish("", "min-isr", b"two copies again", pika.BasicProperties(delivery_mode=2))
        conn.close()
