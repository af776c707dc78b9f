"""A real etcd (Debian's `etcd-server`, installed by the test command) on free loopback ports, started by the test
that needs it and stopped by PID."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

from .broker import free_ports, tcp_connects

ETCD = "/usr/bin/etcd"


class Etcd:
    def __init__(self, workdir: Path) -> None:
        self.client_port, self.peer_port = free_ports(2)
        self.endpoint = f"127.0.0.1:{self.client_port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = open(workdir / "etcd.log", "wb")
        self.proc = subprocess.Popen(
            [ETCD, "--data-dir", str(workdir / "etcd-data"),
             "--listen-client-urls", f"http://{self.endpoint}", "--advertise-client-urls", f"http://{self.endpoint}",
             "--listen-peer-urls", f"http://127.0.0.1:{self.peer_port}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer_port}",
             "--initial-cluster", f"default=http://127.0.0.1:{self.peer_port}", "--log-level", "error"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while not tcp_connects("127.0.0.1", self.client_port, timeout=0.2):
            assert self.proc.poll() is None, f"etcd exited with {self.proc.returncode}"
            assert time.monotonic() < deadline, "etcd did not listen within 20 s"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()


@contextlib.contextmanager
def running_etcd(workdir: Path) -> Iterator[Etcd]:
    etcd = Etcd(workdir)
    try:
        yield etcd
    finally:
        etcd.stop()
