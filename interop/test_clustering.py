"""Clustering, coordination part (issue 12 §1, §2, §5): nodes with `[clustering] enabled` elect one leader through a
real etcd (started here on free ports); only the leader opens the client listeners, every node answers its
management API, the `on_leader_elected` hook runs on the leader, another node takes over when the leader dies, and
a leader cut off from etcd stops serving within its lease. Replication is not part of this yet."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from gwtest.broker import GatewayProcess, free_ports, gateway_binary, tcp_connects
from gwtest.definitions import write_gateway_config
from gwtest.etcd import running_etcd
from gwtest.http_api import ok
from gwtest.session import gateway_only

pytestmark = gateway_only("clustering is Gateway's")

LEASE_TTL = 2
CTL = gateway_binary().with_name("gatewayctl")
cluster_ports = free_ports(3)
"""The nodes' advertised (replication) ports: node i advertises tcp://127.0.0.1:<cluster_ports[i]>."""


def ctl(target, *args: str) -> str:
    run = subprocess.run([str(CTL), *args], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, GATEWAY_URL=f"http://{target.host}:{target.http_port}"))
    assert run.returncode == 0, run.stderr
    return run.stdout


def start_nodes(tmp_path: Path, etcd, count: int) -> list[GatewayProcess]:
    nodes = []
    for i in range(count):
        workdir = tmp_path / f"node{i}"
        cluster_port = cluster_ports[i]
        settings = {"clustering": {
            "enabled": "true", "port": str(cluster_port), "advertised_uri": f"tcp://127.0.0.1:{cluster_port}",
            "etcd_endpoints": etcd.endpoint, "etcd_prefix": f"test-{tmp_path.name}", "lease_ttl": str(LEASE_TTL),
            "on_leader_elected": f"touch {workdir}/elected"}}
        gw = GatewayProcess(workdir=workdir, config=write_gateway_config(workdir, None, settings), ready_on_http=True)
        gw.start()
        nodes.append(gw)
    return nodes


def serving(nodes: list[GatewayProcess]) -> list[int]:
    """The indexes of the nodes whose AMQP port accepts connections."""
    return [i for i, n in enumerate(nodes) if n.proc.poll() is None and tcp_connects(n.bind, n.target.amqp_port, 0.2)]


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


@pytest.mark.watchdog(120)
def test_one_leader_serves_clients_and_another_takes_over_when_it_dies(tmp_path):
    with running_etcd(tmp_path / "etcd") as etcd:
        nodes = start_nodes(tmp_path, etcd, 3)
        try:
            leaders = wait_for(lambda: serving(nodes) if len(serving(nodes)) == 1 else None, 20,
                               "exactly one node accepting AMQP")
            leader = leaders[0]
            leader_uri = f"tcp://127.0.0.1:{cluster_ports[leader]}"
            for i, n in enumerate(nodes):
                node = ok(n.target, "GET", "/api/nodes")[0]
                role = "leader" if i == leader else "follower"
                wait_for(lambda: ok(n.target, "GET", "/api/nodes")[0]["cluster"]["role"] == role, 10,
                         f"node {i} reporting {role}")
                cluster = ok(n.target, "GET", "/api/nodes")[0]["cluster"]
                assert cluster["leader"] == leader_uri and cluster["etcd_endpoints"] == [etcd.endpoint], node
            status = dict(line.split("\t", 1) for line in ctl(nodes[leader].target, "cluster_status").splitlines())
            assert status["role"] == "leader" and status["advertised_uri"] == leader_uri
            wait_for(lambda: (tmp_path / f"node{leader}" / "elected").exists(), 10, "the on_leader_elected hook")
            assert not any((tmp_path / f"node{i}" / "elected").exists() for i in range(3) if i != leader)

            nodes[leader].kill()
            others = [i for i in range(3) if i != leader]
            new = wait_for(lambda: [i for i in serving(nodes) if i in others] or None, 4 * LEASE_TTL + 10,
                           "another node serving after the leader died")
            assert len(new) == 1 and len(serving(nodes)) == 1
            assert "is the leader" in nodes[new[0]].log_text()
        finally:
            for n in nodes:
                n.stop()


@pytest.mark.watchdog(120)
def test_a_leader_cut_off_from_etcd_stops_serving_within_its_lease(tmp_path):
    with running_etcd(tmp_path / "etcd") as etcd:
        nodes = start_nodes(tmp_path, etcd, 1)
        try:
            wait_for(lambda: serving(nodes) == [0], 20, "the single node leading")
            etcd.stop()
            cut_at = time.monotonic()
            wait_for(lambda: serving(nodes) == [], LEASE_TTL + 5, "the node closing its client listeners")
            assert time.monotonic() - cut_at <= LEASE_TTL + 1, "fenced within the lease"
            assert "no longer the leader" in nodes[0].log_text()
            assert tcp_connects(nodes[0].bind, nodes[0].target.http_port), "the management API stays up"
        finally:
            for n in nodes:
                n.stop()
