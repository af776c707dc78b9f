"""Clustering (issue 12): nodes with `[clustering] enabled` elect one leader through a real etcd (started here on free
ports); only the leader loads the broker and serves clients; followers replicate its data directory (bulk sync, then
the stream of changes, acknowledged after fsync) and join the in-sync replica set; a confirm waits for every in-sync
follower; when the leader dies an in-sync follower takes over with every confirmed message, definition, persistent
MQTT session and retained message; a leader that loses its lease stops at once and restarts as a follower."""
from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pika
import pytest

from gwtest.broker import free_ports, gateway_binary
from gwtest.clients import connect
from gwtest.cluster import LEASE_TTL, cluster_of, in_sync, serving, running_cluster, the_leader, uri, wait_for
from gwtest.confirms import publish_confirmed
from gwtest.http_api import ok
from gwtest.mqtt import MQTTClient
from gwtest.mqtt5 import MQTT5Client
from gwtest.session import gateway_only
from gwtest.tls import TLSOptions, TLSRawAMQP, client_context, mqtt_connect_outcome

pytestmark = gateway_only("clustering is Gateway's")

CTL = gateway_binary().with_name("gatewayctl")


def ctl(target, *args: str) -> str:
    run = subprocess.run([str(CTL), *args], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, GATEWAY_URL=f"http://{target.host}:{target.http_port}"))
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.watchdog(120)
def test_one_leader_serves_clients_followers_sync_and_another_takes_over_when_it_dies(tmp_path):
    with running_cluster(tmp_path, 3) as (etcd, nodes):
        leader = the_leader(nodes)
        others = [i for i in range(3) if i != leader]
        wait_for(lambda: in_sync(nodes[leader], others), 20, "both followers in the in-sync replicas")
        cluster = cluster_of(nodes[leader])
        assert cluster["role"] == "leader" and cluster["leader"] == uri(leader)
        assert cluster["etcd_endpoints"] == [etcd.endpoint] and cluster["isr"][0] == uri(leader)
        assert sorted(f["node"] for f in cluster["followers"]) == sorted(uri(i) for i in others)
        assert all(f["in_sync"] for f in cluster["followers"]), cluster

        status = ctl(nodes[leader].target, "cluster_status").splitlines()
        fields = dict(line.split("\t", 1) for line in status if not line.startswith("follower\t"))
        assert fields["role"] == "leader" and fields["advertised_uri"] == uri(leader)
        assert sum(line.startswith("follower\t") for line in status) == 2
        with urllib.request.urlopen(f"http://127.0.0.1:{nodes[leader].target.http_port}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        assert "total_connected_followers 2" in metrics
        assert sum(line.startswith("follower_lag_in_bytes{") for line in metrics.splitlines()) == 2

        wait_for(lambda: (tmp_path / f"node{leader}" / "elected").exists(), 10, "the on_leader_elected hook")
        assert not any((tmp_path / f"node{i}" / "elected").exists() for i in others)
        for i in others:
            assert "synced with the leader" in nodes[i].log_text()

        nodes[leader].kill()
        new = wait_for(lambda: [i for i in serving(nodes) if i in others] or None, 4 * LEASE_TTL + 20,
                       "another node serving after the leader died")
        assert len(new) == 1 and len(serving(nodes)) == 1
        assert "is the leader" in nodes[new[0]].log_text()


@pytest.mark.watchdog(180)
def test_confirmed_state_survives_the_leader_being_killed(tmp_path):
    """Definitions, users, confirmed persistent messages, a persistent MQTT session with its queued QoS 1 messages and
    retained messages created on the leader are all there on the node that takes over after `kill -9`; the killed node
    comes back as a follower and syncs."""
    with running_cluster(tmp_path, 3) as (etcd, nodes):
        leader = the_leader(nodes)
        others = [i for i in range(3) if i != leader]
        wait_for(lambda: in_sync(nodes[leader], others), 20, "both followers in sync")
        target = nodes[leader].target

        ok(target, "PUT", "/api/users/alice", {"password": "wonderland", "tags": ""})
        ok(target, "PUT", "/api/permissions/%2F/alice", {"configure": ".*", "write": ".*", "read": ".*"})
        conn = connect(target)
        ch = conn.channel()
        ch.exchange_declare("orders", "topic", durable=True)
        ch.queue_declare("orders.eu", durable=True)
        ch.queue_bind("orders.eu", "orders", "eu.#")
        conn.close()
        bodies = iter([f"order-{i}".encode() for i in range(500)])
        outcome = publish_confirmed(target, "orders", "eu.paris", lambda: next(bodies, None))
        assert len(outcome.confirmed) == 500 and not outcome.nacked, outcome

        device = MQTTClient(target, "sensor-7", clean_session=False).connected()
        device.subscribe("sensors/7/#", qos=1)
        device.disconnect()
        publisher = MQTTClient(target, "publisher").connected()
        for i in range(20):
            publisher.publish("sensors/7/temp", f"t{i}", qos=1)
        publisher.publish("status/7", "online", qos=1, retain=True)
        publisher.disconnect()

        nodes[leader].kill()
        new = wait_for(lambda: [i for i in serving(nodes) if i in others] or None, 4 * LEASE_TTL + 20,
                       "a follower serving after the leader was killed")[0]
        target = nodes[new].target

        conn = connect(target, "alice", "wonderland")
        ch = conn.channel()
        got = []
        for _ in range(500):
            method, _props, body = ch.basic_get("orders.eu", auto_ack=True)
            assert method is not None, f"only {len(got)} of the 500 confirmed messages on the new leader"
            got.append(body)
        assert got == [f"order-{i}".encode() for i in range(500)]
        ch.basic_publish("orders", "eu.lyon", b"after failover", pika.BasicProperties(delivery_mode=2))
        method, _props, body = ch.basic_get("orders.eu", auto_ack=True)
        assert body == b"after failover", "the exchange and binding were replicated"
        conn.close()

        device = MQTTClient(target, "sensor-7", clean_session=False)
        assert device.connect().session_present, "the persistent session survived the failover"
        messages = device.wait_messages(20)
        assert [m.payload for m in messages] == [f"t{i}".encode() for i in range(20)]
        device.disconnect()
        watcher = MQTTClient(target, "watcher").connected()
        watcher.subscribe("status/#", qos=1)
        retained = watcher.wait_messages(1)
        assert retained[0].payload == b"online" and retained[0].retain
        watcher.disconnect()

        nodes[leader].restart(kill=True)
        wait_for(lambda: in_sync(nodes[new], [i for i in range(3) if i != new]), 30,
                 "the killed node back as an in-sync follower")


@pytest.mark.watchdog(120)
def test_a_leader_cut_off_from_etcd_stops_serving_within_its_lease(tmp_path):
    with running_cluster(tmp_path, 1) as (etcd, nodes):
        wait_for(lambda: serving(nodes) == [0], 20, "the single node leading")
        confirms: list[float] = []
        cut = threading.Event()

        def publisher():
            conn = connect(nodes[0].target)
            ch = conn.channel()
            ch.queue_declare("fenced", durable=True)
            ch.confirm_delivery()
            try:
                while True:
                    ch.basic_publish("", "fenced", b"x", pika.BasicProperties(delivery_mode=2))
                    confirms.append(time.monotonic())
                    if cut.is_set() and time.monotonic() - confirms[0] > 3 * LEASE_TTL:
                        return
            except pika.exceptions.AMQPError:
                return

        thread = threading.Thread(target=publisher, daemon=True)
        thread.start()
        wait_for(lambda: len(confirms) > 10, 10, "confirms flowing")
        etcd.stop()
        cut_at = time.monotonic()
        cut.set()
        wait_for(lambda: serving(nodes) == [], LEASE_TTL + 5, "the node closing its client listeners")
        assert time.monotonic() - cut_at <= LEASE_TTL + 1, "fenced within the lease"
        thread.join(10)
        assert confirms[-1] - cut_at < LEASE_TTL, "no confirm after the lease could have been taken over"
        wait_for(lambda: "restarting as a follower" in nodes[0].log_text(), 5, "the restart line")
        wait_for(lambda: nodes[0].log_text().count("clustering on: advertising") == 2, 5, "the restart in place")
        assert nodes[0].proc.poll() is None, "the process lives on (same pid) as a candidate"


def data_files(node) -> dict[str, bytes]:
    """Every file of a node's data directory (but its lock file) with its SHA-256."""
    root = node.data_path
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).digest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def check_state(target) -> None:
    """What `make_state` created, read without consuming it."""
    assert ok(target, "GET", "/api/users/carol")["name"] == "carol"
    assert ok(target, "GET", "/api/permissions/prod/carol")["write"] == "^orders"
    assert ok(target, "GET", "/api/policies/prod/cap")["definition"] == {"max-length": 1000}
    assert ok(target, "GET", "/api/exchanges/prod/orders")["type"] == "topic"
    assert [b["routing_key"] for b in ok(target, "GET", "/api/queues/prod/orders.eu/bindings")
            if b["source"] == "orders"] == ["eu.#"]
    assert ok(target, "GET", "/api/queues/prod/orders.eu")["messages"] == 300
    assert ok(target, "GET", "/api/queues/%2F/mqtt.meter-1")["messages"] == 11, "10 readings and the state"
    watcher = MQTTClient(target, "check-retained").connected()
    watcher.subscribe("meters/+/state", qos=1)
    assert {m.payload for m in watcher.wait_messages(2)} == {b"on", b"off"}
    watcher.disconnect()


@pytest.mark.watchdog(240)
def test_every_follower_holds_the_leaders_files_and_serves_them_after_a_switchover(tmp_path):
    """Definitions, users, permissions, policies, confirmed messages, a persistent MQTT session's queued messages and
    retained messages made on the leader: once the followers caught up their data directories are byte for byte the
    leader's, and after each controlled switchover (SIGTERM of the leader) the new leader serves all of it."""
    with running_cluster(tmp_path, 3) as (etcd, nodes):
        leader = the_leader(nodes)
        wait_for(lambda: in_sync(nodes[leader], [i for i in range(3) if i != leader]), 20, "followers in sync")
        target = nodes[leader].target
        ok(target, "PUT", "/api/vhosts/prod")
        ok(target, "PUT", "/api/users/carol", {"password": "secret", "tags": ""})
        ok(target, "PUT", "/api/permissions/prod/carol", {"configure": "", "write": "^orders", "read": ""})
        ok(target, "PUT", "/api/permissions/prod/guest", {"configure": ".*", "write": ".*", "read": ".*"})
        ok(target, "PUT", "/api/policies/prod/cap",
           {"pattern": "^orders\\.", "apply-to": "queues", "definition": {"max-length": 1000}})
        conn = connect(target, vhost="prod")
        ch = conn.channel()
        ch.exchange_declare("orders", "topic", durable=True)
        ch.queue_declare("orders.eu", durable=True)
        ch.queue_bind("orders.eu", "orders", "eu.#")
        conn.close()
        bodies = iter([f"o{i}".encode() for i in range(300)])
        outcome = publish_confirmed(target, "orders", "eu.x", lambda: next(bodies, None), vhost="prod")
        assert len(outcome.confirmed) == 300, outcome
        meter = MQTTClient(target, "meter-1", clean_session=False).connected()
        meter.subscribe("meters/1/#", qos=1)
        meter.disconnect()
        publisher = MQTTClient(target, "meter-publisher").connected()
        for i in range(10):
            publisher.publish("meters/1/reading", f"r{i}", qos=1)
        publisher.publish("meters/1/state", "on", qos=1, retain=True)
        publisher.publish("meters/2/state", "off", qos=1, retain=True)
        publisher.disconnect()
        check_state(target)

        def identical():
            if any(f["lag_in_bytes"] for f in cluster_of(nodes[leader])["followers"]):
                return False
            files = [data_files(n) for n in nodes]
            return files[0] == files[1] == files[2] and files[0]
        files = wait_for(identical, 20, "every data directory byte for byte the leader's")
        assert any(p.startswith("queues/") and "/msgs." in p for p in files), sorted(files)
        assert any(p.startswith("retained/") for p in files) and "definitions.json" in files

        for switchover in range(2):
            old = leader
            nodes[old].stop()
            leader = the_leader(nodes, 20, among=[i for i in range(3) if i != old])
            check_state(nodes[leader].target)
            nodes[old].start(append_log=True)
            wait_for(lambda: in_sync(nodes[leader], [i for i in range(3) if i != leader]), 30,
                     f"switchover {switchover}: the old leader back as an in-sync follower")


@pytest.mark.watchdog(120)
def test_clients_reach_the_leader_through_a_follower_which_names_them_with_a_proxy_header(tmp_path):
    """Every port of a follower forwards to the leader's listener of the same name (AMQP, MQTT, MQTT over WebSocket,
    the management API); the leader sees the client's own address, not the follower's."""
    with running_cluster(tmp_path, 2) as (etcd, nodes):
        leader = the_leader(nodes)
        follower = 1 - leader
        wait_for(lambda: in_sync(nodes[leader], [follower]), 20, "the follower in sync")
        via = nodes[follower].target
        wait_for(lambda: "forwarding AMQP" in nodes[follower].log_text(), 10, "the forwarding listeners")

        assert cluster_of(nodes[follower])["role"] == "leader", "the follower's HTTP port answers as the leader"
        conn = connect(via)
        ch = conn.channel()
        ch.confirm_delivery()
        ch.queue_declare("through-follower", durable=True)
        ch.basic_publish("", "through-follower", b"hello", pika.BasicProperties(delivery_mode=2))
        method, _props, body = ch.basic_get("through-follower", auto_ack=True)
        assert body == b"hello"
        conn.close()

        client = MQTTClient(via, "via-follower").connected()
        local_port = client.paho.socket().getsockname()[1]
        seen = wait_for(lambda: [c for c in ok(nodes[leader].target, "GET", "/api/connections")
                                 if c["peer_port"] == local_port], 10,
                        "the leader's /api/connections naming the client's own port, not the follower's")
        assert seen[0]["peer_host"] == "127.0.0.1" and seen[0]["protocol"].startswith("MQTT"), seen[0]
        client.subscribe("via/#", qos=1)
        ws = MQTT5Client(via, "via-websocket", websocket=True).connected()
        ws.publish("via/ws", b"over websocket", qos=1)
        assert client.wait_messages(1)[0].payload == b"over websocket"
        ws.disconnect()
        client.disconnect()
        assert "PROXY header from" not in nodes[leader].log_text()


@pytest.mark.watchdog(120)
def test_tls_clients_reach_the_leader_through_a_follower_that_does_not_terminate_tls(tmp_path, pki):
    """AMQPS and MQTTS on a follower: the bytes go to the leader's TLS listeners untouched (the follower holds no
    certificate use: the handshake is the leader's), and the leader still sees the client's own address."""
    tls_ports = free_ports(6)

    def tls_sections(i: int) -> dict:
        sections = TLSOptions().gateway_settings(pki, tls_ports[3 * i], tls_ports[3 * i + 1])
        return {**sections, "mgmt": {"tls_port": str(tls_ports[3 * i + 2])}}

    with running_cluster(tmp_path, 2, sections=tls_sections) as (etcd, nodes):
        leader = the_leader(nodes)
        follower = 1 - leader
        wait_for(lambda: in_sync(nodes[leader], [follower]), 20, "the follower in sync")
        wait_for(lambda: "forwarding AMQPS" in nodes[follower].log_text(), 10, "the TLS forwarding listeners")
        ctx = client_context(pki)
        amqps, mqtts = tls_ports[3 * follower], tls_ports[3 * follower + 1]

        assert mqtt_connect_outcome("127.0.0.1", mqtts, ctx) == "connack 0"
        with TLSRawAMQP("127.0.0.1", amqps, ctx) as raw:
            raw.handshake()
            local_port = raw.sock.getsockname()[1]
            seen = wait_for(lambda: [c for c in ok(nodes[leader].target, "GET", "/api/connections")
                                     if c["peer_port"] == local_port], 10, "the AMQPS client on the leader")
            assert seen[0]["ssl"] and seen[0]["peer_host"] == "127.0.0.1", seen[0]
