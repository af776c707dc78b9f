"""paho-mqtt helpers: a client that records CONNACK flags and every message it receives, with deadlines on every
wait (connect, subscribe, publish acknowledgement, expected messages)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import paho.mqtt.client as mqtt

from .broker import Target


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool


class MqttClient:
    """One paho client (MQTT 3.1.1, no automatic reconnect: a test reconnects explicitly with a new client)."""

    def __init__(self, target: Target, client_id: str, clean_session: bool, user: str = "guest",
                 password: str = "guest"):
        assert target.mqtt_port is not None, "the target has no MQTT port"
        self.target = target
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  clean_session=clean_session, protocol=mqtt.MQTTv311, reconnect_on_failure=False)
        self.client.username_pw_set(user, password)
        self._lock = threading.Lock()
        self._messages: list[Received] = []
        self._connack = threading.Event()
        self._subacks: dict[int, list] = {}
        self.session_present: bool | None = None
        self.connack_code = None
        self.connected = False
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    def _on_connect(self, _client, _userdata, flags, reason_code, _properties):
        self.session_present = bool(flags.session_present)
        self.connack_code = reason_code
        self.connected = not reason_code.is_failure
        self._connack.set()

    def _on_disconnect(self, _client, _userdata, _flags, _reason_code, _properties):
        self.connected = False

    def _on_message(self, _client, _userdata, message):
        with self._lock:
            self._messages.append(Received(message.topic, bytes(message.payload), message.qos, bool(message.retain)))

    def _on_subscribe(self, _client, _userdata, mid, reason_codes, _properties):
        with self._lock:
            self._subacks[mid] = list(reason_codes)

    def connect(self, timeout: float = 10.0) -> bool:
        """Connects and waits for a successful CONNACK; returns its session-present flag."""
        self.client.connect(self.target.host, self.target.mqtt_port, keepalive=30)
        self.client.loop_start()
        if not self._connack.wait(timeout):
            raise AssertionError(f"MQTT: no CONNACK within {timeout} s")
        if not self.connected:
            raise AssertionError(f"MQTT: CONNACK refused the connection: {self.connack_code}")
        return bool(self.session_present)

    def subscribe(self, filters: list[tuple[str, int]], timeout: float = 10.0) -> list[int]:
        """Subscribes and waits for the SUBACK; returns the granted QoS per filter (0x80 = refused)."""
        rc, mid = self.client.subscribe(filters)
        assert rc == mqtt.MQTT_ERR_SUCCESS, f"MQTT subscribe could not be sent: {mqtt.error_string(rc)}"
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                granted = self._subacks.get(mid)
            if granted is not None:
                return [g.value for g in granted]
            if time.monotonic() > deadline:
                raise AssertionError(f"MQTT: no SUBACK for {filters} within {timeout} s")
            time.sleep(0.01)

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool = False, timeout: float = 10.0) -> bool:
        """Publishes and, for QoS 1/2, waits until the broker acknowledged it (PUBACK / PUBCOMP). Returns whether it
        was acknowledged before `timeout` or the connection ended; never raises for a lost connection."""
        try:
            info = self.client.publish(topic, payload, qos=qos, retain=retain)
        except (ValueError, RuntimeError):
            return False
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return False
        deadline = time.monotonic() + timeout
        while not info.is_published():
            if not self.connected or time.monotonic() > deadline:
                return False
            try:
                info.wait_for_publish(0.05)
            except (ValueError, RuntimeError):
                return False
        return True

    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, condition: Callable[[list[Received]], bool], timeout: float, what: str) -> list[Received]:
        """Waits until `condition(messages so far)` holds; fails with `what` and what did arrive otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.messages()
            if condition(got):
                return got
            if time.monotonic() > deadline:
                shown = [(m.topic, m.payload[:40], m.retain) for m in got[:20]]
                raise AssertionError(f"timed out after {timeout} s waiting for: {what}; received {len(got)} "
                                     f"message(s){', first: ' + repr(shown) if shown else ''}")
            time.sleep(0.01)

    def close(self) -> None:
        """DISCONNECT (a normal disconnect keeps a persistent session) and stop the network thread."""
        try:
            if self.connected:
                self.client.disconnect()
        finally:
            self.client.loop_stop()
