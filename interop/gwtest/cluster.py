"""A Gateway cluster for tests: nodes with `[clustering] enabled` on one etcd (gwtest.etcd), each on free ports."""
from __future__ import annotations

import signal
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .broker import GatewayProcess, free_ports, tcp_connects
from .definitions import write_gateway_config
from .etcd import running_etcd
from .http_api import ok

LEASE_TTL = 2
"""Seconds: short, so that failovers in tests take a few seconds."""

cluster_ports = free_ports(3)
"""The nodes' clustering ports: node i advertises tcp://127.0.0.1:<cluster_ports[i]>."""


def uri(i: int) -> str:
    return f"tcp://127.0.0.1:{cluster_ports[i]}"


def start_nodes(tmp_path: Path, etcd, count: int, sections=lambda i: {}, **extra: str) -> list[GatewayProcess]:
    """`count` nodes in `<tmp_path>/node<i>`, started (ready once the log says clustering is on: a follower loads no
    broker). `extra` goes to `[clustering]`; `sections(i)` adds other sections to node i's INI."""
    nodes = []
    for i in range(count):
        workdir = tmp_path / f"node{i}"
        settings = {"clustering": {
            "enabled": "true", "port": str(cluster_ports[i]), "advertised_uri": uri(i),
            "etcd_endpoints": etcd.endpoint, "etcd_prefix": f"test-{tmp_path.name}", "lease_ttl": str(LEASE_TTL),
            "follower_ack_timeout": "2000", "on_leader_elected": f"touch {workdir}/elected", **extra}, **sections(i)}
        gw = GatewayProcess(workdir=workdir, config=write_gateway_config(workdir, None, settings),
                            ready_on_log="clustering on")
        gw.start()
        nodes.append(gw)
    return nodes


@contextmanager
def running_cluster(tmp_path: Path, count: int, **kwargs) -> Iterator[tuple[object, list[GatewayProcess]]]:
    """A fresh etcd and `count` nodes on it (`start_nodes` arguments), all stopped afterwards (a node a test froze
    with SIGSTOP is continued first)."""
    with running_etcd(tmp_path / "etcd") as etcd:
        nodes = start_nodes(tmp_path, etcd, count, **kwargs)
        try:
            yield etcd, nodes
        finally:
            for n in nodes:
                if n.proc.poll() is None:
                    n.proc.send_signal(signal.SIGCONT)
                n.stop()


def wait_for(condition, seconds: float, what: str):
    """The first truthy value of `condition()`, polled until `seconds` pass (then the test fails naming `what`)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


def leads(nodes: list[GatewayProcess], i: int) -> bool:
    """Whether node i serves as the leader: its own listeners answer, as the leader, with its own URI (a follower's
    ports forward to the leader, whose answer names the leader's URI)."""
    node = nodes[i]
    if node.proc.poll() is not None or not tcp_connects(node.bind, node.target.http_port, 0.2):
        return False
    try:
        cluster = ok(node.target, "GET", "/api/nodes", timeout=2)[0]["cluster"]
    except (OSError, AssertionError, KeyError, ValueError):
        return False
    return cluster["role"] == "leader" and cluster["advertised_uri"] == uri(i)


def serving(nodes: list[GatewayProcess]) -> list[int]:
    """The indexes of the nodes serving as the leader."""
    return [i for i in range(len(nodes)) if leads(nodes, i)]


def the_leader(nodes: list[GatewayProcess], seconds: float = 30, among: list[int] | None = None) -> int:
    """The index of the one node serving as the leader (of `among`, when given)."""
    def one():
        s = [i for i in serving(nodes) if among is None or i in among]
        return s if len(s) == 1 else None
    return wait_for(one, seconds, "exactly one node serving as the leader")[0]


def cluster_of(node: GatewayProcess) -> dict:
    return ok(node.target, "GET", "/api/nodes")[0]["cluster"]


def in_sync(leader: GatewayProcess, followers: list[int]) -> bool:
    """Whether `leader`'s in-sync replicas are exactly itself and `followers`."""
    try:
        return sorted(cluster_of(leader)["isr"][1:]) == sorted(uri(i) for i in followers)
    except (OSError, AssertionError, KeyError):
        return False
