"""Windowed publishing with publisher confirms (pika's asynchronous SelectConnection).

pika's BlockingConnection waits for each confirm before the next publish, which with a syncing broker means one
fsync per message. `publish_confirmed` keeps up to `window` messages unconfirmed instead, so a broker doing group
commit can confirm many per sync, and it reports exactly which bodies were confirmed (basic.ack, single or
`multiple`), nacked, returned (mandatory and unroutable) or left without an answer when the run ended: a connection
error, a stall (no confirm for `stall_s` while messages are outstanding), the deadline, or `should_stop()`.
It never raises for broker trouble: the caller decides what the outcome means.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

import pika
import pika.spec

from .broker import Target

PERSISTENT = pika.BasicProperties(delivery_mode=2)
TRANSIENT = pika.BasicProperties(delivery_mode=1)


@dataclass
class PublishOutcome:
    """What happened to every body handed to the broker in one `publish_confirmed` run."""

    sent: list[bytes] = field(default_factory=list)
    confirmed: list[bytes] = field(default_factory=list)
    nacked: list[bytes] = field(default_factory=list)
    returned: list[bytes] = field(default_factory=list)
    unconfirmed: list[bytes] = field(default_factory=list)
    """Sent, but neither acked nor nacked when the run ended."""
    events: list[str] = field(default_factory=list)
    """"blocked" / "unblocked" as connection.blocked / connection.unblocked arrived, in order."""
    error: str | None = None
    """Why the run ended early (connect failure, connection or channel closed, stall, deadline); None if the source
    ran dry and every message was answered, or `should_stop()` said so."""

    @property
    def blocked(self) -> bool:
        return "blocked" in self.events

    def __repr__(self) -> str:
        return (f"PublishOutcome(sent={len(self.sent)}, confirmed={len(self.confirmed)}, nacked={len(self.nacked)}, "
                f"returned={len(self.returned)}, unconfirmed={len(self.unconfirmed)}, events={self.events}, "
                f"error={self.error!r})")


def publish_confirmed(target: Target, exchange: str, routing_key: str, source: Callable[[], bytes | None], *,
                      properties: pika.BasicProperties | Callable[[bytes], pika.BasicProperties] = PERSISTENT,
                      window: int = 500, mandatory: bool = False,
                      deadline_s: float = 60.0, stall_s: float = 10.0, max_rate: float | None = None,
                      should_stop: Callable[[], bool] = lambda: False,
                      on_event: Callable[[str], None] = lambda _event: None,
                      user: str = "guest", password: str = "guest", vhost: str = "/") -> PublishOutcome:
    """Publishes the bodies `source()` returns (until it returns None) on a fresh connection with confirms,
    `window` at a time, and waits for their confirms. `properties` may be a function of the body. No new message is published while the connection is blocked.
    `max_rate` (messages per second since the connection opened) paces publishing, checked every 50 ms.
    `on_event("blocked" | "unblocked")` runs on the connection's thread when the broker blocks or unblocks it."""
    run = _Run(target, exchange, routing_key, source, properties, window, mandatory, deadline_s, stall_s,
               max_rate, should_stop, on_event, user, password, vhost)
    return run.run()


class _Run:
    TICK_S = 0.05
    CLOSE_GRACE_S = 3.0

    def __init__(self, target, exchange, routing_key, source, properties, window, mandatory, deadline_s, stall_s,
                 max_rate, should_stop, on_event, user, password, vhost):
        self.exchange, self.routing_key, self.source = exchange, routing_key, source
        self.properties, self.window, self.mandatory = properties, window, mandatory
        self.deadline = time.monotonic() + deadline_s
        self.stall_s, self.should_stop, self.on_event = stall_s, should_stop, on_event
        self.max_rate = max_rate
        self.opened_at = time.monotonic()
        self.outcome = PublishOutcome()
        self.pending: OrderedDict[int, bytes] = OrderedDict()
        self.next_tag = 1
        self.exhausted = False
        self.is_blocked = False
        self.finishing = False
        self.channel = None
        self.last_progress = time.monotonic()
        params = pika.ConnectionParameters(
            host=target.host, port=target.amqp_port, virtual_host=vhost,
            credentials=pika.PlainCredentials(user, password), connection_attempts=1, socket_timeout=5,
            stack_timeout=10, heartbeat=0)
        self.conn = pika.SelectConnection(params, on_open_callback=self._on_open,
                                          on_open_error_callback=self._on_open_error,
                                          on_close_callback=self._on_closed)

    def run(self) -> PublishOutcome:
        self.conn.ioloop.call_later(self.TICK_S, self._tick)
        try:
            self.conn.ioloop.start()
        finally:
            self.conn.ioloop.close()
        self.outcome.unconfirmed = list(self.pending.values())
        return self.outcome

    def _on_open(self, conn):
        conn.add_on_connection_blocked_callback(self._on_blocked)
        conn.add_on_connection_unblocked_callback(self._on_unblocked)
        conn.channel(on_open_callback=self._on_channel)

    def _on_open_error(self, _conn, error):
        self.outcome.error = f"connect failed: {error!r}"
        self.conn.ioloop.stop()

    def _on_closed(self, _conn, reason):
        if not self.finishing and self.outcome.error is None:
            self.outcome.error = f"connection closed: {reason!r}"
        self.conn.ioloop.stop()

    def _on_channel(self, channel):
        self.channel = channel
        self.opened_at = time.monotonic()
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=lambda _frame: self._fill())

    def _on_channel_closed(self, _channel, reason):
        if not self.finishing:
            self._finish(f"channel closed: {reason!r}")

    def _on_blocked(self, _conn, _frame):
        self.is_blocked = True
        self.outcome.events.append("blocked")
        self.on_event("blocked")

    def _on_unblocked(self, _conn, _frame):
        self.is_blocked = False
        self.outcome.events.append("unblocked")
        self.last_progress = time.monotonic()
        self.on_event("unblocked")
        self._fill()

    def _on_return(self, _channel, _method, _properties, body):
        self.outcome.returned.append(body)

    def _on_confirm(self, frame):
        method = frame.method
        into = self.outcome.confirmed if isinstance(method, pika.spec.Basic.Ack) else self.outcome.nacked
        tag = method.delivery_tag
        if method.multiple:
            while self.pending and next(iter(self.pending)) <= tag:
                into.append(self.pending.popitem(last=False)[1])
        elif tag in self.pending:
            into.append(self.pending.pop(tag))
        self.last_progress = time.monotonic()
        self._fill()

    def _fill(self):
        if self.finishing or self.channel is None:
            return
        while (len(self.pending) < self.window and not self.exhausted and not self.is_blocked
               and not self.should_stop() and self._within_rate()):
            body = self.source()
            if body is None:
                self.exhausted = True
                break
            props = self.properties(body) if callable(self.properties) else self.properties
            self.channel.basic_publish(self.exchange, self.routing_key, body, props, mandatory=self.mandatory)
            self.pending[self.next_tag] = body
            self.outcome.sent.append(body)
            self.next_tag += 1
        if not self.pending and (self.exhausted or self.should_stop()):
            self._finish(None)

    def _within_rate(self) -> bool:
        return self.max_rate is None or len(self.outcome.sent) < self.max_rate * (time.monotonic() - self.opened_at)

    def _tick(self):
        if self.finishing:
            return
        now = time.monotonic()
        if self.should_stop():
            self._finish(None)
        elif now > self.deadline:
            self._finish("deadline passed")
        elif self.pending and now - self.last_progress > self.stall_s:
            state = "while blocked" if self.is_blocked else "(connection not blocked)"
            self._finish(f"stalled: no confirm for {self.stall_s:.0f} s with {len(self.pending)} outstanding {state}")
        else:
            self._fill()
            self.conn.ioloop.call_later(self.TICK_S, self._tick)

    def _finish(self, error: str | None):
        if self.finishing:
            return
        self.finishing = True
        if error is not None and self.outcome.error is None:
            self.outcome.error = error
        if self.conn.is_closed:
            self.conn.ioloop.stop()
            return
        if not self.conn.is_closing:
            self.conn.close()
        self.conn.ioloop.call_later(self.CLOSE_GRACE_S, self._abandon)

    def _abandon(self):
        """The broker did not answer connection.close (it may have stopped reading a blocked connection): drop the
        socket instead."""
        if not self.conn.is_closed:
            terminate = getattr(self.conn, "_terminate_stream", None)
            if terminate is not None:
                terminate(ConnectionError("connection.close not answered"))
        self.conn.ioloop.call_later(self.CLOSE_GRACE_S, self.conn.ioloop.stop)
