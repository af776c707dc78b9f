"""pika helpers shared by the tests: connecting, unique names, waiting on conditions with deadlines."""

from __future__ import annotations

import time
import uuid
from typing import Callable

import pika

from .broker import Target


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same RabbitMQ) uses."""
    return f"interop.{prefix}.{uuid.uuid4().hex[:12]}"


def params(target: Target, user: str = "guest", password: str = "guest", vhost: str = "/",
           host: str | None = None) -> pika.ConnectionParameters:
    return pika.ConnectionParameters(
        host=host or target.host,
        port=target.amqp_port,
        virtual_host=vhost,
        credentials=pika.PlainCredentials(user, password),
        connection_attempts=1,
        socket_timeout=10,
        stack_timeout=15,
        blocked_connection_timeout=30,
    )


def connect(target: Target, user: str = "guest", password: str = "guest", vhost: str = "/") -> pika.BlockingConnection:
    return pika.BlockingConnection(params(target, user, password, vhost))


def wait_until(condition: Callable[[], bool], timeout: float, what: str,
               connection: pika.BlockingConnection | None = None, poll: float = 0.02) -> None:
    """Polls `condition` until it is true or `timeout` passes (then fails with `what`). When `connection` is given,
    its I/O is processed while waiting so callbacks (deliveries, returns) run."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for: {what}")
        if connection is not None:
            connection.process_data_events(time_limit=poll)
        else:
            time.sleep(poll)


def ready_count(connection: pika.BlockingConnection, queue: str) -> int:
    """Messages ready in `queue` (passive declare on a fresh channel, so a 404 does not kill a test's channel)."""
    ch = connection.channel()
    try:
        return ch.queue_declare(queue, passive=True).method.message_count
    finally:
        if ch.is_open:
            ch.close()


def queue_exists(connection: pika.BlockingConnection, queue: str) -> bool:
    ch = connection.channel()
    try:
        ch.queue_declare(queue, passive=True)
    except pika.exceptions.ChannelClosedByBroker as e:
        if e.reply_code == 404:
            return False
        raise
    ch.close()
    return True


def assert_broker_healthy(target: Target) -> None:
    """A fresh pika client can still declare, publish (confirmed) and get: the broker survived whatever came before."""
    conn = connect(target)
    try:
        ch = conn.channel()
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.confirm_delivery()
        body = uuid.uuid4().bytes
        ch.basic_publish("", q, body)
        method, _props, got = ch.basic_get(q, auto_ack=True)
        assert method is not None, "health check: the published message was not in the queue"
        assert got == body
    finally:
        if conn.is_open:
            conn.close()
