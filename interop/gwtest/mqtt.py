"""paho-mqtt helpers for the MQTT tests: a client wrapper whose every wait has a deadline, mode markers, and the
per-broker names of the MQTT <-> AMQP bridge.

The wrapper runs paho's network loop on its own thread (`loop(0.05)` until the connection ends) instead of
`loop_start()`, because paho's own loop thread reconnects after a lost connection: a taken-over client would
reconnect and take the session back, and a dropped client would come back and cancel its will.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from .broker import Target, target_mode

MQTTv31 = paho.MQTTv31
MQTTv311 = paho.MQTTv311
PROTOCOLS = [MQTTv311, MQTTv31]
PROTOCOL_IDS = {MQTTv311: "v311", MQTTv31: "v31"}

# paho 2 reports a v3 CONNACK return code as an MQTT 5 reason code; these names map it back to the v3 code.
CONNACK_BY_NAME = {
    "Success": 0,
    "Unsupported protocol version": 1,
    "Client identifier not valid": 2,
    "Server unavailable": 3,
    "Bad user name or password": 4,
    "Not authorized": 5,
}

DEFAULT_TIMEOUT = 10.0


def client_id(prefix: str) -> str:
    """A client id no other test (or earlier run against the same peer broker) uses; 23 characters at most, the
    limit a 3.1 server may enforce (MQTT 3.1 §3.1 Client Identifier)."""
    return f"it-{prefix[:8]}-{uuid.uuid4().hex[:10]}"


def topic(prefix: str) -> str:
    """A topic root unique to this test run, so retained messages and concurrent runs never interfere."""
    return f"interop/{prefix}/{uuid.uuid4().hex[:10]}"


def mode() -> str:
    return target_mode()


def is_gateway() -> bool:
    return mode() == "gateway"


@dataclass
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool


@dataclass
class Connack:
    code: int
    session_present: bool


class PahoSession:
    """What the paho wrappers share: paho's network loop on a thread of its own, a condition to wait on with a
    deadline, and an abrupt end without DISCONNECT."""

    def __init__(self, client_id_: str, paho_client) -> None:
        self.client_id = client_id_
        self.paho = paho_client
        self.cond = threading.Condition()
        self.disconnected = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def _start_loop(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"paho-{self.client_id}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rc = self.paho.loop(0.05)
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                with self.cond:
                    self.disconnected = True
                    self.cond.notify_all()
                return

    def _wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.client_id}: timed out after {timeout} s waiting for {what}")
                self.cond.wait(remaining)

    def drop(self) -> None:
        """Ends the connection abruptly: no DISCONNECT, the socket is reset (what a crashed device does)."""
        self._stop.set()
        self._join()
        sock = self.paho.socket()
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            sock.close()
        with self.cond:
            self.disconnected = True

    def _join(self) -> None:
        if self._thread is not None and self._thread is not threading.current_thread():
            self._stop.set()
            self._thread.join(timeout=5)


class MQTTClient(PahoSession):
    """One paho client (3.1 or 3.1.1) with blocking, deadline-bounded operations and a record of what it received."""

    def __init__(self, target: Target, cid: str | None = None, *, protocol: int = MQTTv311,
                 clean_session: bool = True, username: str | None = "guest", password: str | None = "guest",
                 keepalive: int = 60, will: tuple[str, bytes, int, bool] | None = None):
        assert target.mqtt_port, "the target has no MQTT port"
        self.target = target
        cid = cid if cid is not None else client_id("c")
        super().__init__(cid, paho.Client(CallbackAPIVersion.VERSION2, client_id=cid, clean_session=clean_session,
                                          protocol=protocol, reconnect_on_failure=False))
        if username is not None:
            self.paho.username_pw_set(username, password)
        if will is not None:
            will_topic, payload, qos, retain = will
            self.paho.will_set(will_topic, payload, qos, retain)
        self.keepalive = keepalive
        self.messages: list[Message] = []
        self.connack: Connack | None = None
        self.subacks: dict[int, list[int]] = {}
        self.unsubacks: set[int] = set()
        self.paho.on_connect = self._on_connect
        self.paho.on_message = self._on_message
        self.paho.on_subscribe = self._on_subscribe
        self.paho.on_unsubscribe = self._on_unsubscribe
        self.paho.on_disconnect = self._on_disconnect

    # paho callbacks (loop thread)

    def _on_connect(self, client, userdata, flags, reason, properties):
        with self.cond:
            self.connack = Connack(CONNACK_BY_NAME.get(reason.getName(), -1), bool(flags.session_present))
            self.cond.notify_all()

    def _on_message(self, client, userdata, msg):
        with self.cond:
            self.messages.append(Message(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain), bool(msg.dup)))
            self.cond.notify_all()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self.cond:
            self.subacks[mid] = [0x80 if rc.is_failure else rc.value for rc in reason_codes]
            self.cond.notify_all()

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties):
        with self.cond:
            self.unsubacks.add(mid)
            self.cond.notify_all()

    def _on_disconnect(self, client, userdata, flags, reason, properties):
        with self.cond:
            self.disconnected = True
            self.cond.notify_all()

    # operations

    def connect(self, timeout: float = DEFAULT_TIMEOUT) -> Connack:
        """Connects and returns the CONNACK (code, session present) without judging it; a refused client's
        connection ends (the server closes it)."""
        self.paho.connect(self.target.host, self.target.mqtt_port, keepalive=self.keepalive)
        self._start_loop()
        self._wait(lambda: self.connack is not None or self.disconnected, timeout, "CONNACK")
        if self.connack is None:
            raise AssertionError(f"{self.client_id}: the server closed the connection without a CONNACK")
        return self.connack

    def connected(self, timeout: float = DEFAULT_TIMEOUT) -> "MQTTClient":
        """Connects and asserts the CONNACK accepted the connection."""
        connack = self.connect(timeout)
        assert connack.code == 0, f"{self.client_id}: CONNACK refused with return code {connack.code:#04x}"
        return self

    def subscribe(self, filters: list[tuple[str, int]] | str, qos: int = 0,
                  timeout: float = DEFAULT_TIMEOUT) -> list[int]:
        """Subscribes and returns the SUBACK's return codes (granted QoS, or 0x80 per refused filter)."""
        if isinstance(filters, str):
            filters = [(filters, qos)]
        rc, mid = self.paho.subscribe(filters)
        assert rc == MQTTErrorCode.MQTT_ERR_SUCCESS, f"subscribe: paho error {rc}"
        self._wait(lambda: mid in self.subacks or self.disconnected, timeout, f"SUBACK for {filters}")
        assert mid in self.subacks, f"{self.client_id}: disconnected instead of SUBACK for {filters}"
        return self.subacks[mid]

    def unsubscribe(self, filter_: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        rc, mid = self.paho.unsubscribe(filter_)
        assert rc == MQTTErrorCode.MQTT_ERR_SUCCESS, f"unsubscribe: paho error {rc}"
        self._wait(lambda: mid in self.unsubacks, timeout, f"UNSUBACK for {filter_}")

    def publish(self, topic_: str, payload: bytes | str, qos: int = 0, retain: bool = False,
                timeout: float = DEFAULT_TIMEOUT) -> None:
        """Publishes and waits until the flow is complete: written (QoS 0), PUBACK (1), PUBCOMP (2)."""
        info = self.paho.publish(topic_, payload, qos=qos, retain=retain)
        assert info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS, f"publish: paho error {info.rc}"
        deadline = time.monotonic() + timeout
        while not info.is_published():
            if self.disconnected:
                raise AssertionError(f"{self.client_id}: connection closed before the publish to {topic_} completed")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.client_id}: publish to {topic_} (QoS {qos}) not acknowledged in {timeout} s")
            info.wait_for_publish(0.05)

    def wait_messages(self, n: int, timeout: float = DEFAULT_TIMEOUT,
                      topic_: str | None = None) -> list[Message]:
        """Waits until at least `n` messages (on `topic_`, if given) have arrived and returns them."""
        def matching() -> list[Message]:
            return [m for m in self.messages if topic_ is None or m.topic == topic_]

        self._wait(lambda: len(matching()) >= n, timeout, f"{n} message(s)" + (f" on {topic_}" if topic_ else ""))
        with self.cond:
            return matching()

    def wait_for(self, condition: Callable[[list[Message]], bool], timeout: float = DEFAULT_TIMEOUT,
                 what: str = "a condition on the received messages") -> list[Message]:
        """Waits until `condition(every message received so far)` holds and returns a copy of that list; the failure
        names `what` and shows what did arrive."""
        try:
            self._wait(lambda: condition(self.messages), timeout, what)
        except AssertionError as e:
            with self.cond:
                n, shown = len(self.messages), [(m.topic, m.payload[:40], m.retain) for m in self.messages[:20]]
            raise AssertionError(f"{e}; received {n} message(s){', first: ' + repr(shown) if shown else ''}") from None
        with self.cond:
            return list(self.messages)

    def wait_disconnected(self, timeout: float) -> None:
        self._wait(lambda: self.disconnected, timeout, "the server to close the connection")

    def disconnect(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """A normal DISCONNECT (no will); waits until the connection is closed."""
        self.paho.disconnect()
        self._wait(lambda: self.disconnected, timeout, "the connection to close after DISCONNECT")
        self._join()

    def close(self) -> None:
        """Cleanup: DISCONNECT if still connected, then stop the loop thread."""
        if not self.disconnected and self.connack is not None and self.connack.code == 0:
            try:
                self.disconnect(timeout=5)
            except AssertionError:
                pass
        self._stop.set()
        self._join()
        try:
            sock = self.paho.socket()
            if sock is not None:
                sock.close()
        except OSError:
            pass


class Clients:
    """Creates clients of `kind` (`MQTTClient`, or `MQTT5Client`) for a test and closes every one of them afterwards
    (the `mqtt_clients` and `mqtt5_clients` fixtures)."""

    def __init__(self, kind=None) -> None:
        self.kind = kind or MQTTClient
        self.created: list = []

    def new(self, target: Target, cid: str | None = None, **kwargs):
        c = self.kind(target, cid, **kwargs)
        self.created.append(c)
        return c

    def connected(self, target: Target, cid: str | None = None, **kwargs):
        return self.new(target, cid, **kwargs).connected()

    def close_all(self) -> None:
        for c in self.created:
            c.close()


def assert_mqtt_healthy(target: Target, username: str | None = "guest", password: str | None = "guest") -> None:
    """A fresh paho client can still connect, subscribe and receive its own QoS 1 publish: the broker survived."""
    t = topic("health")
    c = MQTTClient(target, client_id("health"), username=username, password=password)
    try:
        c.connected()
        assert c.subscribe(t, 1) == [1]
        c.publish(t, b"alive", qos=1)
        got = c.wait_messages(1, topic_=t)
        assert got[0].payload == b"alive"
    finally:
        c.close()


def barrier(subscriber: MQTTClient, publisher: MQTTClient, topic_: str) -> list[Message]:
    """Publishes a unique marker on `topic_` and waits until `subscriber` has it; returns the messages the
    subscriber got on `topic_` before the marker. Used to assert that something did NOT arrive without sleeping:
    anything the broker routed to `topic_` before the marker was published arrives before it."""
    marker = f"barrier-{uuid.uuid4().hex}".encode()
    publisher.publish(topic_, marker, qos=1)
    subscriber._wait(lambda: any(m.payload == marker for m in subscriber.messages), DEFAULT_TIMEOUT,
                     f"the barrier message on {topic_}")
    with subscriber.cond:
        before = []
        for m in subscriber.messages:
            if m.payload == marker:
                break
            if m.topic == topic_:
                before.append(m)
        subscriber.messages = [m for m in subscriber.messages if m.payload != marker]
        return before


def amqp_get_within(connection, channel, queue: str, timeout: float = DEFAULT_TIMEOUT) -> tuple:
    """basic.get (auto-ack) on `queue` until a message is there; returns (method, properties, body)."""
    from .clients import wait_until

    got: list[tuple] = []

    def have_one() -> bool:
        method, props, body = channel.basic_get(queue, auto_ack=True)
        if method is not None:
            got.append((method, props, body))
        return bool(got)

    wait_until(have_one, timeout, f"a message in AMQP queue {queue}", connection=connection)
    return got[0]


@dataclass(frozen=True)
class BridgeNames:
    """How a broker exposes MQTT to AMQP. Gateway (design §4): exchange `mqtt.default`, routing key = topic verbatim,
    MQTT filters as binding keys, session queue `mqtt.<client_id>`. RabbitMQ 3.10's MQTT plugin: exchange `amq.topic`,
    `/` and `.` swapped, `+` written `*`, session queues `mqtt-subscription-<client_id>qos0|qos1` created by the
    first subscription."""

    exchange: str
    translate: bool

    def routing_key(self, topic_: str) -> str:
        return topic_.replace("/", ".") if self.translate else topic_

    def binding_key(self, filter_: str) -> str:
        if not self.translate:
            return filter_
        return ".".join("*" if level == "+" else level for level in filter_.split("/"))

    def session_queue(self, cid: str, qos: int = 1) -> str:
        return f"mqtt-subscription-{cid}qos{1 if qos > 0 else 0}" if self.translate else f"mqtt.{cid}"


def bridge_names() -> BridgeNames:
    return BridgeNames("amq.topic", True) if mode() == "rabbitmq" else BridgeNames("mqtt.default", False)
