"""paho-mqtt as an MQTT 5.0 client for the MQTT 5 tests: every wait has a deadline, and what the server sent is
kept whole (reason codes of CONNACK, PUBACK, SUBACK, UNSUBACK and DISCONNECT, and the properties of each)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .broker import Target
from .mqtt import DEFAULT_TIMEOUT, PahoSession, client_id


def props(packet: int, **values) -> Properties:
    """MQTT 5 properties for `packet` (PacketTypes.CONNECT, PUBLISH, SUBSCRIBE, ...) from paho's attribute names:
    `props(PacketTypes.PUBLISH, ContentType="text/plain", UserProperty=[("a", "1")])`."""
    p = Properties(packet)
    for name, value in values.items():
        setattr(p, name, value)
    return p


@dataclass
class Message5:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: dict = field(default_factory=dict)


def _as_dict(properties) -> dict:
    return properties.json() if properties is not None else {}


class MQTT5Client(PahoSession):
    """One paho MQTT 5 client with blocking, deadline-bounded operations."""

    def __init__(self, target: Target, cid: str | None = None, *, clean_start: bool = True,
                 session_expiry: int | None = None, connect_properties: dict | None = None,
                 username: str | None = "guest", password: str | None = "guest", keepalive: int = 60,
                 will: tuple[str, bytes, int, bool, dict] | None = None, websocket: bool = False,
                 tls=None):
        self.target = target
        cid = cid if cid is not None else client_id("v5")
        super().__init__(cid, paho.Client(CallbackAPIVersion.VERSION2, client_id=cid, protocol=paho.MQTTv5,
                                          reconnect_on_failure=False,
                                          transport="websockets" if websocket else "tcp"))
        if websocket:
            self.paho.ws_set_options(path="/mqtt")
        if tls is not None:
            self.paho.tls_set_context(tls)
        self.port = (target.wss_port if tls else target.ws_port) if websocket else target.mqtt_port
        if username is not None:
            self.paho.username_pw_set(username, password)
        if will is not None:
            wt, payload, qos, retain, will_props = will
            self.paho.will_set(wt, payload, qos, retain, props(PacketTypes.WILLMESSAGE, **will_props))
        self.clean_start = clean_start
        values = dict(connect_properties or {})
        if session_expiry is not None:
            values["SessionExpiryInterval"] = session_expiry
        self.connect_properties = props(PacketTypes.CONNECT, **values) if values else None
        self.keepalive = keepalive
        self.messages: list[Message5] = []
        self.connack: tuple[int, bool, dict] | None = None
        self.disconnect_reason: tuple[int, dict] | None = None
        self.subacks: dict[int, list[int]] = {}
        self.unsubacks: dict[int, list[int]] = {}
        self.pubacks: dict[int, int] = {}
        self.paho.on_connect = self._on_connect
        self.paho.on_message = self._on_message
        self.paho.on_subscribe = self._on_subscribe
        self.paho.on_unsubscribe = self._on_unsubscribe
        self.paho.on_disconnect = self._on_disconnect
        self.paho.on_publish = self._on_publish

    def _on_connect(self, client, userdata, flags, reason, properties):
        with self.cond:
            self.connack = (reason.value, bool(flags.session_present), _as_dict(properties))
            self.cond.notify_all()

    def _on_message(self, client, userdata, msg):
        with self.cond:
            self.messages.append(Message5(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain),
                                          _as_dict(getattr(msg, "properties", None))))
            self.cond.notify_all()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self.cond:
            self.subacks[mid] = [rc.value for rc in reason_codes]
            self.cond.notify_all()

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties):
        with self.cond:
            self.unsubacks[mid] = [rc.value for rc in reason_codes]
            self.cond.notify_all()

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        with self.cond:
            self.pubacks[mid] = reason_code.value
            self.cond.notify_all()

    def _on_disconnect(self, client, userdata, flags, reason, properties):
        with self.cond:
            if self.disconnect_reason is None and reason is not None:
                self.disconnect_reason = (reason.value, _as_dict(properties))
            self.disconnected = True
            self.cond.notify_all()

    def connect(self, timeout: float = DEFAULT_TIMEOUT) -> tuple[int, bool, dict]:
        """Connects; returns CONNACK's (reason code, session present, properties) without judging them."""
        self.paho.connect(self.target.host, self.port, keepalive=self.keepalive,
                          clean_start=self.clean_start, properties=self.connect_properties)
        self._start_loop()
        self._wait(lambda: self.connack is not None or self.disconnected, timeout, "CONNACK")
        assert self.connack is not None, f"{self.client_id}: closed without a CONNACK"
        return self.connack

    def connected(self, timeout: float = DEFAULT_TIMEOUT) -> "MQTT5Client":
        code, _, properties = self.connect(timeout)
        assert code == 0, f"{self.client_id}: CONNACK {code:#04x} {properties}"
        return self

    def subscribe(self, filter_: str, qos: int = 0, *, no_local: bool = False, retain_as_published: bool = False,
                  retain_handling: int = 0, identifier: int | None = None,
                  timeout: float = DEFAULT_TIMEOUT) -> list[int]:
        """Subscribes with MQTT 5 options; returns SUBACK's reason codes."""
        options = paho.SubscribeOptions(qos=qos, noLocal=no_local, retainAsPublished=retain_as_published,
                                        retainHandling=retain_handling)
        p = props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=identifier) if identifier is not None else None
        rc, mid = self.paho.subscribe((filter_, options), properties=p)
        assert rc == MQTTErrorCode.MQTT_ERR_SUCCESS, f"subscribe: paho error {rc}"
        self._wait(lambda: mid in self.subacks or self.disconnected, timeout, f"SUBACK for {filter_}")
        assert mid in self.subacks, f"{self.client_id}: disconnected instead of SUBACK for {filter_}"
        return self.subacks[mid]

    def unsubscribe(self, filter_: str, timeout: float = DEFAULT_TIMEOUT) -> list[int]:
        rc, mid = self.paho.unsubscribe(filter_)
        assert rc == MQTTErrorCode.MQTT_ERR_SUCCESS, f"unsubscribe: paho error {rc}"
        self._wait(lambda: mid in self.unsubacks or self.disconnected, timeout, f"UNSUBACK for {filter_}")
        return self.unsubacks[mid]

    def publish(self, topic_: str, payload: bytes | str, qos: int = 0, retain: bool = False,
                properties: dict | None = None, timeout: float = DEFAULT_TIMEOUT) -> int | None:
        """Publishes and waits for the end of the flow; returns the PUBACK/PUBREC reason code (None for QoS 0)."""
        p = props(PacketTypes.PUBLISH, **properties) if properties else None
        info = self.paho.publish(topic_, payload, qos=qos, retain=retain, properties=p)
        assert info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS, f"publish: paho error {info.rc}"
        if qos == 0:
            return None
        self._wait(lambda: info.mid in self.pubacks or self.disconnected, timeout, f"the ack of a publish to {topic_}")
        assert info.mid in self.pubacks, f"{self.client_id}: closed before the publish to {topic_} was acknowledged"
        return self.pubacks[info.mid]

    def publish_refused(self, topic_: str, payload: bytes | str, properties: dict) -> None:
        """Sends a QoS 0 PUBLISH the server answers with DISCONNECT. paho may see that DISCONNECT on its network
        thread before its publish call returns (and then reports it as not connected), so the result is not checked:
        the caller asserts the DISCONNECT itself (`wait_disconnected`)."""
        self.paho.publish(topic_, payload, qos=0, properties=props(PacketTypes.PUBLISH, **properties))

    def wait_messages(self, n: int, timeout: float = DEFAULT_TIMEOUT) -> list[Message5]:
        self._wait(lambda: len(self.messages) >= n, timeout, f"{n} message(s)")
        with self.cond:
            return list(self.messages)

    def wait_disconnected(self, timeout: float = DEFAULT_TIMEOUT) -> tuple[int, dict] | None:
        """Waits until the connection is closed; returns the server's DISCONNECT (reason code, properties), if any."""
        self._wait(lambda: self.disconnected, timeout, "the server to close the connection")
        return self.disconnect_reason

    def disconnect(self, reason: int = 0, properties: dict | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        """DISCONNECT with `reason` (0x04: publish the will) and properties; waits until the connection closes."""
        from paho.mqtt.reasoncodes import ReasonCode

        rc = ReasonCode(PacketTypes.DISCONNECT, identifier=reason)
        p = props(PacketTypes.DISCONNECT, **properties) if properties else None
        self.paho.disconnect(reasoncode=rc, properties=p)
        self._wait(lambda: self.disconnected, timeout, "the connection to close after DISCONNECT")
        self._join()

    def close(self) -> None:
        if not self.disconnected and self.connack is not None and self.connack[0] == 0:
            try:
                self.disconnect(timeout=5)
            except AssertionError:
                pass
        self._stop.set()
        self._join()
