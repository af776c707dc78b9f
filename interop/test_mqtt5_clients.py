"""MQTT 5 with other real clients (issue 11): the Eclipse Paho C library (interop/c/paho5.c, libpaho-mqtt-dev),
mosquitto_pub/mosquitto_sub with `-V mqttv5` and their `-D` properties, and node-mqtt over WebSocket with protocol
version 5."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gwtest.cbuild import built
from gwtest.mqtt import client_id, topic
from gwtest.session import gateway_only

pytestmark = gateway_only("MQTT 5 is Gateway's (the RabbitMQ peer is 3.10)")

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "c" / "paho5.c"
BINARY = HERE / "build" / "paho5"


@pytest.fixture(scope="module")
def paho5_binary() -> Path:
    """interop/build/paho5, (re)built from interop/c/paho5.c when missing or older than the source."""
    return built(SOURCE, BINARY, "paho-mqtt3c", "libpaho-mqtt-dev")


@pytest.mark.parametrize("transport", ["tcp", "ws"])
def test_paho_c_round_trip_with_properties(broker, paho5_binary, transport):
    t = topic("pahoc")
    uri = f"tcp://{broker.host}:{broker.mqtt_port}" if transport == "tcp" else f"ws://{broker.host}:{broker.ws_port}/mqtt"
    run = subprocess.run([str(paho5_binary), uri, client_id("pahoc"), t], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"paho5 failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}"
    lines = run.stdout.strip().splitlines()
    assert lines[0] == "connack 0 expiry=-1", "the asked session expiry (60 s) is granted, so not echoed"
    assert lines[1] == "suback 1"
    assert lines[2] == f"message {t} from paho c content-type=text/plain subid=5 user=lang=c,lang=swift"


def test_mosquitto_clients_with_mqttv5_properties(broker):
    t = topic("mosq5")
    base = ["-h", broker.host, "-p", str(broker.mqtt_port), "-u", "guest", "-P", "guest", "-V", "mqttv5"]
    sub = subprocess.Popen(
        ["mosquitto_sub", *base, "-t", f"{t}/#", "-C", "1", "-W", "20", "-q", "1",
         "-D", "subscribe", "subscription-identifier", "3",
         "-F", "%t|%p|C=%C|R=%R|D=%D|E=%E|F=%F|P=%P|S=%S"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # mosquitto_sub says nothing when its subscription is in place: publish until the first message arrives.
        deadline_out = None
        for _ in range(200):
            pub = subprocess.run(
                ["mosquitto_pub", *base, "-t", f"{t}/x", "-m", "hello", "-q", "1",
                 "-D", "publish", "content-type", "text/x", "-D", "publish", "response-topic", "r/1",
                 "-D", "publish", "correlation-data", "abc", "-D", "publish", "message-expiry-interval", "30",
                 "-D", "publish", "payload-format-indicator", "1", "-D", "publish", "user-property", "k", "v"],
                capture_output=True, text=True, timeout=20)
            assert pub.returncode == 0, pub.stderr
            try:
                deadline_out, err = sub.communicate(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
        assert deadline_out is not None, "mosquitto_sub received nothing"
    finally:
        sub.kill()
    fields = deadline_out.strip().split("|")
    assert fields[0] == f"{t}/x" and fields[1] == "hello"
    assert fields[2:] == ["C=text/x", "R=r/1", "D=abc", "E=30", "F=1", "P=k:v", "S=3"]


@pytest.mark.skipif(shutil.which("node") is None or not os.path.isdir("/usr/share/nodejs/mqtt"),
                    reason="node-mqtt is installed by the test command")
def test_node_mqtt_version_5_over_websocket(broker):
    t = topic("node5")
    script = f"""
const mqtt = require('mqtt');
const c = mqtt.connect('ws://{broker.host}:{broker.ws_port}/ws', {{protocolVersion: 5, username: 'guest',
  password: 'guest', clientId: '{client_id("node5")}', properties: {{sessionExpiryInterval: 30}}}});
c.on('connect', (ack) => c.subscribe('{t}', {{qos: 1, rap: true}}, () =>
  c.publish('{t}', 'v5 from node', {{qos: 1, properties: {{userProperties: {{via: 'ws'}}, contentType: 'text/plain'}}}})));
const timer = setTimeout(() => {{ console.error('timeout'); process.exit(1); }}, 20000);
c.on('message', (topic, payload, packet) => {{
  clearTimeout(timer);
  console.log(topic + ' ' + payload.toString() + ' ' + packet.properties.contentType + ' ' +
    JSON.stringify(packet.properties.userProperties));
  c.end();
}});
c.on('error', (e) => {{ console.error(e.message); process.exit(1); }});
"""
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "NODE_PATH": "/usr/share/nodejs"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f'{t} v5 from node text/plain {{"via":"ws"}}'
