"""Brokers under test: the real `gateway` binary started as a subprocess, or an already-running RabbitMQ.

The suite talks to a broker only through `Target` (host, ports, pid). In gateway mode every `Target` is a fresh
`gateway` process on free ports with its own data dir; in rabbitmq mode (`INTEROP_TARGET=rabbitmq`) every `Target`
is the one RabbitMQ named by `INTEROP_AMQP_PORT`, and users/vhosts a test needs are imported with
`rabbitmqctl import_definitions`.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

READY_DEADLINE_S = 30.0
STOP_DEADLINE_S = 10.0
KILL_DEADLINE_S = 10.0
"""How long a SIGKILLed gateway may take to be reaped."""


def target_mode() -> str:
    """`gateway` (default), `rabbitmq`, `mosquitto` (MQTT-only tests), or `mosquitto-tls` (the TLS tests only, each
    against a mosquitto the test starts with a TLS listener, see gwtest/tls.py), from INTEROP_TARGET."""
    mode = os.environ.get("INTEROP_TARGET", "gateway").strip().lower()
    if mode not in ("gateway", "rabbitmq", "mosquitto", "mosquitto-tls"):
        raise RuntimeError(
            f"INTEROP_TARGET must be 'gateway', 'rabbitmq', 'mosquitto' or 'mosquitto-tls', not {mode!r}")
    return mode


def is_rabbitmq() -> bool:
    return target_mode() == "rabbitmq"


def is_mosquitto() -> bool:
    return target_mode() == "mosquitto"


def is_mosquitto_tls() -> bool:
    return target_mode() == "mosquitto-tls"


def gateway_binary() -> Path:
    """The broker binary: $GATEWAY_BIN, else <repo>/.build/debug/gateway (relative paths are taken from the repo root)."""
    raw = os.environ.get("GATEWAY_BIN")
    path = Path(raw) if raw else REPO_ROOT / ".build" / "debug" / "gateway"
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


_HANDED_OUT: set[int] = set()
"""Every port `free_port`/`free_ports` returned in this test run: never handed out twice, so a port a test wrote
into a config file cannot be picked again for another listener of the same broker (the kernel would happily
return it again once it was released)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on `host` a moment ago and was not handed out before in this run."""
    return free_ports(1, host)[0]


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """`n` different TCP ports that were free on `host` a moment ago and were not handed out before in this run:
    all are held bound until the last is chosen, so the kernel cannot return the same one twice."""
    held = []
    chosen: list[int] = []
    try:
        while len(chosen) < n:
            if len(held) > 64 * n:
                raise BrokerStartError(f"no {n} unused free ports on {host}")
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(s)
            s.bind((host, 0))
            port = s.getsockname()[1]
            if port not in _HANDED_OUT:
                chosen.append(port)
        _HANDED_OUT.update(chosen)
        return chosen
    finally:
        for s in held:
            s.close()


def tcp_connects(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_bindable(host: str, port: int) -> bool:
    """Whether a listener could bind `host:port` now (SO_REUSEADDR, like gateway's listeners): used to give a
    restarted gateway its old ports back when nothing else took them."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def rss_bytes(pid: int) -> int:
    """Resident set size of `pid` from /proc/<pid>/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def read_log(path: Path, limit: int = 64 * 1024) -> str:
    """The last `limit` bytes of a broker's log file, for failure messages."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "(no log file)"
    if len(data) > limit:
        data = b"...(truncated)...\n" + data[-limit:]
    return data.decode("utf-8", "replace")


@dataclass
class Target:
    """Where a test connects: AMQP host/port, and the broker's pid when the suite knows it (for RSS checks)."""

    host: str
    amqp_port: int
    mqtt_port: int | None = None
    http_port: int | None = None
    pid: int | None = None
    kind: str = "gateway"
    amqps_port: int | None = None
    """AMQP over TLS (`[amqp] tls_port`), when the broker was started with a certificate."""
    mqtts_port: int | None = None
    """MQTT over TLS (`[mqtt] tls_port`), when the broker was started with a certificate."""
    ws_port: int | None = None
    """MQTT over WebSocket (`[mqtt] ws_port`)."""
    wss_port: int | None = None
    """MQTT over secure WebSocket (`[mqtt] wss_port`); it listens only when the broker has a certificate."""

    def url(self, user: str = "guest", password: str = "guest", vhost: str = "/") -> str:
        from urllib.parse import quote

        return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{self.host}:{self.amqp_port}/{quote(vhost, safe='')}"


class BrokerStartError(Exception):
    pass


class BrokerStopError(Exception):
    """A gateway did not exit within its deadline after SIGTERM (it has been SIGKILLed since)."""


_KEEP = object()
"""`GatewayProcess.restart(config=...)` default: keep the current INI."""


@dataclass
class GatewayProcess:
    """One `gateway` subprocess: started on free ports, ready when its AMQP, MQTT, WebSocket and HTTP ports accept.

    stdout and stderr go to a log file (never a pipe: a debug-logging broker must not block on a full pipe).
    """

    workdir: Path
    bind: str = "127.0.0.1"
    config: Path | None = None
    extra_args: list[str] = field(default_factory=list)
    proc: subprocess.Popen | None = None
    target: Target | None = None
    hung: bool = False
    """Set by the per-test watchdog: the broker stopped answering and was stopped on purpose."""
    data_dir: Path | None = None
    """The `-D` directory; None means `<workdir>/data`. Restarts keep it."""
    restarts: int = 0
    """How many times `restart` started this gateway again (the log file keeps every run)."""
    ws_ports: tuple[int, int] | None = None
    """The WebSocket and secure WebSocket ports (chosen free at the first start, kept across restarts)."""
    ready_on_log: str | None = None
    """Ready once the log holds this text instead of once AMQP accepts (a cluster follower opens no listener)."""

    @property
    def data_path(self) -> Path:
        return self.data_dir if self.data_dir is not None else self.workdir / "data"

    @property
    def log_path(self) -> Path:
        return self.workdir / "gateway.log"

    def log_text(self, limit: int = 64 * 1024) -> str:
        return read_log(self.log_path, limit)

    def command(self, amqp: int, mqtt: int, http: int) -> list[str]:
        cmd = [
            str(gateway_binary()),
            "-D", str(self.data_path),
            "-b", self.bind,
            "--amqp-port", str(amqp),
            "--mqtt-port", str(mqtt),
            "--http-port", str(http),
            "--ws-port", str(self.ws_ports[0]),
            "--wss-port", str(self.ws_ports[1]),
            # Two event loops whatever the machine (the default on 2 cores is one), so that every test also crosses
            # loops: hand-offs, borrowing a parked loop, a connection's work arriving from another thread.
            "--io-threads", "2",
            "-l", "debug",
        ]
        if self.config is not None:
            cmd += ["-c", str(self.config)]
        return cmd + self.extra_args

    def start(self, ports: tuple[int, int, int] | None = None, append_log: bool = False) -> Target:
        """Starts the process on `ports` (amqp, mqtt, http; default: free ones) and waits until AMQP accepts.
        `append_log` keeps the earlier runs' output in the log file (restarts)."""
        binary = gateway_binary()
        if not binary.exists():
            raise BrokerStartError(
                f"gateway binary not found at {binary} (build it with `swift build`, or set GATEWAY_BIN)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        if ports is None:
            amqp, mqtt, http, ws, wss = free_ports(5, self.bind)
            self.ws_ports = (ws, wss)
        else:
            amqp, mqtt, http = ports
            if self.ws_ports is None or not all(port_bindable(self.bind, p) for p in self.ws_ports) \
                    or set(self.ws_ports) & set(ports):
                others = [p for p in free_ports(5, self.bind) if p not in ports]
                self.ws_ports = (others[0], others[1])
        cmd = self.command(amqp, mqtt, http)
        with open(self.log_path, "ab" if append_log else "wb") as log:
            log.write(("$ " + shlex.join(cmd) + "\n").encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.workdir, start_new_session=True)
        deadline = time.monotonic() + READY_DEADLINE_S
        while True:
            code = self.proc.poll()
            if code is not None:
                raise BrokerStartError(
                    f"gateway exited with code {code} before accepting AMQP connections on "
                    f"{self.bind}:{amqp}.\n--- gateway output ---\n{self.log_text()}")
            if self.ready_on_log is not None:
                if self.ready_on_log in read_log(self.log_path, 1 << 20):
                    break
            elif all(tcp_connects(self.bind, port, timeout=0.2) for port in (amqp, mqtt, self.ws_ports[0], http)):
                # Every listener, not only the first to open: a test may speak MQTT the moment AMQP is up.
                break
            if time.monotonic() > deadline:
                self.stop()
                raise BrokerStartError(
                    f"gateway did not accept AMQP connections on {self.bind}:{amqp} within "
                    f"{READY_DEADLINE_S:.0f} s.\n--- gateway output ---\n{self.log_text()}")
            time.sleep(0.05)
        self.target = Target(self.bind, amqp, mqtt, http, self.proc.pid, "gateway",
                             ws_port=self.ws_ports[0], wss_port=self.ws_ports[1])
        return self.target

    def crashed(self) -> int | None:
        """The exit code if the process ended on its own, else None."""
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> int | None:
        """SIGTERM, wait up to STOP_DEADLINE_S, then SIGKILL. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_DEADLINE_S)
        return self.proc.returncode


    def terminate(self, deadline: float = STOP_DEADLINE_S) -> int:
        """SIGTERM and wait up to `deadline` s for the exit; returns the exit code. A gateway still running after
        that is SIGKILLed and BrokerStopError is raised: a graceful shutdown that hangs is a failure."""
        assert self.proc is not None, "terminate() before start()"
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=deadline)
            except subprocess.TimeoutExpired:
                self.kill()
                raise BrokerStopError(f"gateway (pid {self.proc.pid}) did not exit within {deadline:.0f} s of "
                                      f"SIGTERM; it was SIGKILLed.\n--- gateway output ---\n{self.log_text()}")
        return self.proc.returncode

    def kill(self) -> int:
        """SIGKILL (no chance to flush or sync anything) and reap; returns the exit code (-9 if it was running)."""
        assert self.proc is not None, "kill() before start()"
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait(timeout=KILL_DEADLINE_S)

    def restart(self, *, kill: bool = False, config=_KEEP, stop_deadline: float = STOP_DEADLINE_S) -> Target:
        """Stops the gateway (SIGTERM with `stop_deadline`, or SIGKILL when `kill`) and starts it again with the same
        data dir. It gets its old ports back when they are still bindable, else new ones: callers must use the
        returned Target, never ports remembered from before. `config` replaces the INI (None: no INI).
        The log file keeps every run, separated by a `=== restart N ===` line."""
        old = self.target
        assert old is not None, "restart() before start()"
        code = self.kill() if kill else self.terminate(stop_deadline)
        self.restarts += 1
        if config is not _KEEP:
            self.config = config
        how = "SIGKILL" if kill else "SIGTERM"
        with open(self.log_path, "ab") as log:
            log.write(f"=== restart {self.restarts}: previous run ended by {how}, exit code {code} ===\n".encode())
        ports = (old.amqp_port, old.mqtt_port, old.http_port)
        if not all(p is not None and port_bindable(self.bind, p) for p in ports):
            return self.start(None, append_log=True)
        offset = self.log_path.stat().st_size
        try:
            return self.start(ports, append_log=True)
        except BrokerStartError:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                if b"Address already in use" not in log.read():
                    raise
        # Another socket took an old port between the check and gateway's bind (a client's ephemeral port).
        with open(self.log_path, "ab") as log:
            log.write(b"=== an old port was taken meanwhile: starting again on new ports ===\n")
        return self.start(None, append_log=True)


def rabbitmq_target() -> Target:
    """The already-running RabbitMQ: INTEROP_AMQP_HOST (default 127.0.0.1), INTEROP_AMQP_PORT (default 5672),
    INTEROP_MQTT_PORT (its MQTT plugin's port, default 1883), INTEROP_BROKER_PID (optional, enables RSS checks)."""
    host = os.environ.get("INTEROP_AMQP_HOST", "127.0.0.1")
    port = int(os.environ.get("INTEROP_AMQP_PORT", "5672"))
    mqtt_port = int(os.environ.get("INTEROP_MQTT_PORT", "1883"))
    pid = os.environ.get("INTEROP_BROKER_PID")
    if not tcp_connects(host, port, timeout=2.0):
        raise BrokerStartError(f"INTEROP_TARGET=rabbitmq but nothing accepts connections on {host}:{port}")
    return Target(host, port, mqtt_port, None, int(pid) if pid else None, "rabbitmq")


def mosquitto_target() -> Target:
    """The already-running mosquitto (MQTT only, anonymous allowed): INTEROP_MQTT_HOST (default 127.0.0.1),
    INTEROP_MQTT_PORT (default 1883), INTEROP_BROKER_PID (optional, enables RSS checks). It has no AMQP port (0)."""
    host = os.environ.get("INTEROP_MQTT_HOST", "127.0.0.1")
    mqtt_port = int(os.environ.get("INTEROP_MQTT_PORT", "1883"))
    pid = os.environ.get("INTEROP_BROKER_PID")
    if not tcp_connects(host, mqtt_port, timeout=2.0):
        raise BrokerStartError(f"INTEROP_TARGET=mosquitto but nothing accepts connections on {host}:{mqtt_port}")
    return Target(host, 0, mqtt_port, None, int(pid) if pid else None, "mosquitto")


def rabbitmqctl_command() -> list[str] | None:
    """The rabbitmqctl command for the running RabbitMQ (INTEROP_RABBITMQCTL, split like a shell would), or None."""
    raw = os.environ.get("INTEROP_RABBITMQCTL")
    return shlex.split(raw) if raw else None


def rabbitmq_import_definitions(definitions: dict, workdir: Path) -> None:
    """Import `definitions` into the running RabbitMQ with `rabbitmqctl import_definitions` (additive, like gateway's
    `load_definitions`)."""
    ctl = rabbitmqctl_command()
    if ctl is None:
        raise BrokerStartError("INTEROP_RABBITMQCTL is not set: cannot import definitions into RabbitMQ")
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "definitions.json"
    path.write_text(json.dumps(definitions, indent=2))
    result = subprocess.run(ctl + ["import_definitions", str(path)], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise BrokerStartError(
            f"rabbitmqctl import_definitions failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
