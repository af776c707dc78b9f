"""MQTT over WebSocket (issue 11 §6): `[mqtt] ws_port` (paths /mqtt and /ws, subprotocol mqtt) and `wss_port` with
the [main] certificate, driven by paho-mqtt's websockets transport and node-mqtt; RFC 6455 framing abuse gets its
close code and leaves other clients alone."""
from __future__ import annotations

import base64
import os
import shutil
import socket
import ssl
import struct
import subprocess
import threading

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from gwtest.mqtt import MQTTClient, assert_mqtt_healthy, client_id, topic
from gwtest.session import gateway_only

pytestmark = gateway_only("MQTT over WebSocket on Gateway's ws_port")


class WSClient:
    """paho-mqtt over WebSocket: connect, subscribe, publish, collect messages, with deadlines."""

    def __init__(self, host: str, port: int, path: str = "/mqtt", tls: ssl.SSLContext | None = None):
        self.messages: list[paho.MQTTMessage] = []
        self.cond = threading.Condition()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.rc = None
        self.c = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id("ws"), transport="websockets")
        self.c.ws_set_options(path=path)
        if tls is not None:
            self.c.tls_set_context(tls)
        self.c.username_pw_set("guest", "guest")
        self.c.on_connect = lambda c, u, f, rc, p: (setattr(self, "rc", rc), self.connected.set())
        self.c.on_subscribe = lambda c, u, mid, rcs, p: self.subscribed.set()
        self.c.on_message = self._on_message
        self.c.connect(host, port, keepalive=30)
        self.c.loop_start()
        assert self.connected.wait(10), "no CONNACK over WebSocket"
        assert self.rc == 0, f"CONNACK over WebSocket: {self.rc}"

    def _on_message(self, c, u, m):
        with self.cond:
            self.messages.append(m)
            self.cond.notify_all()

    def subscribe(self, t: str, qos: int = 1) -> None:
        self.subscribed.clear()
        self.c.subscribe(t, qos)
        assert self.subscribed.wait(10), "no SUBACK over WebSocket"

    def wait(self, n: int, timeout: float = 10.0) -> list[bytes]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.messages) >= n, timeout), \
                f"{len(self.messages)} of {n} messages over WebSocket"
            return [m.payload for m in self.messages]

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def test_paho_over_websocket_talks_to_tcp_clients_both_ways(broker, mqtt_clients):
    t = topic("ws")
    ws = WSClient(broker.host, broker.ws_port)
    try:
        ws.subscribe(f"{t}/#", 1)
        tcp = mqtt_clients.connected(broker)
        tcp.publish(f"{t}/from-tcp", b"hello ws", qos=1)
        assert ws.wait(1) == [b"hello ws"]
        assert tcp.subscribe(f"{t}/back", 1) == [1]
        info = ws.c.publish(f"{t}/back", b"x" * 70_000, qos=1)  # a frame with a 64-bit length
        info.wait_for_publish(10)
        assert tcp.wait_messages(1, topic_=f"{t}/back")[0].payload == b"x" * 70_000
    finally:
        ws.close()


def test_the_ws_path_is_served_too_and_other_paths_are_404(broker):
    ws = WSClient(broker.host, broker.ws_port, path="/ws")
    ws.close()
    with socket.create_connection((broker.host, broker.ws_port), timeout=5) as s:
        s.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 404")


def test_secure_websocket_with_the_broker_certificate(tls_broker):
    b = tls_broker()
    ctx = ssl.create_default_context(cafile=str(b.pki.ca_cert))
    ws = WSClient(b.target.host, b.target.wss_port, tls=ctx)
    try:
        t = topic("wss")
        ws.subscribe(t, 1)
        ws.c.publish(t, b"over wss", qos=1)
        assert ws.wait(1) == [b"over wss"]
    finally:
        ws.close()


@pytest.mark.skipif(shutil.which("node") is None or not os.path.isdir("/usr/share/nodejs/mqtt"),
                    reason="node-mqtt is installed by the test command")
def test_node_mqtt_over_websocket(broker, mqtt_clients):
    t = topic("node")
    script = f"""
const mqtt = require('mqtt');
const c = mqtt.connect('ws://{broker.host}:{broker.ws_port}/mqtt', {{username: 'guest', password: 'guest'}});
c.on('connect', () => c.subscribe('{t}', {{qos: 1}}, () => c.publish('{t}', 'from node', {{qos: 1}})));
const timer = setTimeout(() => {{ console.error('timeout'); process.exit(3); }}, 10000);
c.on('message', (topic, payload) => {{
  console.log(topic + ' ' + payload.toString());
  clearTimeout(timer);
  c.end();
}});
c.on('error', (e) => {{ console.error(e.message); process.exit(2); }});
"""
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "NODE_PATH": "/usr/share/nodejs"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{t} from node"


def _upgraded(broker) -> socket.socket:
    s = socket.create_connection((broker.host, broker.ws_port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1024)
        assert chunk, "closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def _close_code(s: socket.socket) -> int | None:
    """The code of the close frame the server sends before closing (None if it just closed)."""
    data = b""
    while True:
        try:
            chunk = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    if len(data) >= 4 and data[0] == 0x88:
        return struct.unpack(">H", data[2:4])[0]
    return None


def _masked(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    key = os.urandom(4)
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


@pytest.mark.parametrize("frame,code", [
    (bytes([0x82, 0x02, 0x10, 0x00]), 1002),  # unmasked
    (_masked(0x1, b"text"), 1003),
    (bytes([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]), 1002),  # 2^63 length
    (_masked(0x9, b"p" * 126), 1002),  # control frame over 125 bytes
    (_masked(0x8, struct.pack(">H", 1005)), 1002),  # close code not allowed on the wire
    (_masked(0x0, b"x"), 1002),  # continuation without a message
], ids=["unmasked", "text", "2^63", "big-ping", "close-1005", "stray-continuation"])
def test_framing_abuse_gets_its_close_code_and_others_are_unaffected(broker, frame, code):
    with _upgraded(broker) as s:
        s.sendall(frame)
        assert _close_code(s) == code
    assert_mqtt_healthy(broker)


def test_endless_continuation_is_cut_at_the_packet_size_limit(start_broker):
    target = start_broker(settings={"mqtt": {"max_packet_size": "1024"}})
    with _upgraded(target) as s:
        s.sendall(_masked(0x2, b"", fin=False))
        try:
            for _ in range(100):
                s.sendall(_masked(0x0, b"x" * 100, fin=False))
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert _close_code(s) == 1009
    assert_mqtt_healthy(target)


def test_a_bad_handshake_is_refused_with_400(broker):
    with socket.create_connection((broker.host, broker.ws_port), timeout=5) as s:
        s.sendall(b"GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    with socket.create_connection((broker.host, broker.ws_port), timeout=5) as s:
        s.sendall(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00\r\n\r\n")  # no HTTP at all
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    assert_mqtt_healthy(broker)
