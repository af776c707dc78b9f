"""AMQP clients logging in with OAuth2 tokens (pika: PLAIN, any user name, password = the JWT): the token's scopes
are exactly the connection's permissions (same checks as for local users, see test_permissions.py), the
connection is closed with 403 when the token expires, and `connection.update-secret` with a fresh token for the
same user moves that deadline.

Scopes used for the permission test (prefix `gateway.`):
`configure|write|read:%2F/orders-*` (queues orders-…), `write:%2F/amq.direct` (publish), `read:%2F/amq.direct`
(bind a queue to it).

Gateway only. The module's broker runs with `[oauth] leeway = 0`, so expiry happens at `exp` exactly."""

from __future__ import annotations

import time
import uuid

import pika
import pika.exceptions
import pytest

from gwtest.clients import connect
from gwtest.oauth import (KeySet, altered_payload, amqp_token_connection, claims, closing, mint, oauth_settings,
                          scopes, wait_closed_by_broker, without, write_jwks)
from gwtest.session import running_broker, skip_on

pytestmark = skip_on(("rabbitmq", "mosquitto", "mosquitto-tls"), "gateway's OAuth2 backend")

ORDER_SCOPES = scopes("configure:%2F/orders-*", "write:%2F/orders-*", "read:%2F/orders-*",
                      "write:%2F/amq.direct", "read:%2F/amq.direct")
FULL_ACCESS = scopes("configure:%2F/*", "write:%2F/*", "read:%2F/*")
CLOSE_MARGIN_S = 10.0
"""How long after a token's exp the broker may take to close the connection."""


@pytest.fixture(scope="module")
def keys() -> KeySet:
    return KeySet.create()


@pytest.fixture(scope="module")
def oauth_broker(tmp_path_factory, keys):
    workdir = tmp_path_factory.mktemp("oauth-amqp")
    settings = oauth_settings(write_jwks(workdir / "jwks.json", keys.trusted), leeway=0)
    with running_broker(workdir / "broker", settings=settings) as target:
        yield target


def assert_channel_refused(action, code: int = 403) -> None:
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
        action()
    assert info.value.reply_code == code, info.value


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_token_scopes_are_the_connections_permissions(oauth_broker, keys, alg):
    run = uuid.uuid4().hex[:10]
    orders, payments = f"orders-{run}", f"payments-{run}"
    guest = connect(oauth_broker)
    token = mint(keys.by_alg(alg), claims(f"it-orders-{alg.lower()}", ORDER_SCOPES))
    try:
        guest.channel().queue_declare(payments)
        with closing(amqp_token_connection(oauth_broker, token, username="ignored-for-tokens")) as conn:
            ch = conn.channel()
            ch.queue_declare(orders, exclusive=True)  # configure on orders-*
            ch.queue_bind(orders, "amq.direct", orders)  # write on orders-*, read on amq.direct
            ch.confirm_delivery()
            ch.basic_publish("amq.direct", orders, b"order 1", mandatory=True)  # write on amq.direct
            assert ch.basic_get(orders, auto_ack=True)[2] == b"order 1"  # read on orders-*

            assert_channel_refused(lambda: conn.channel().queue_declare(f"payments-{uuid.uuid4().hex[:8]}"))
            assert_channel_refused(lambda: conn.channel().basic_get(payments))
            assert_channel_refused(lambda: conn.channel().queue_bind(orders, "amq.fanout", "x"))
            denied = conn.channel()
            denied.basic_publish("amq.fanout", "", b"not allowed")
            assert_channel_refused(lambda: denied.basic_qos(prefetch_count=1))  # the refusal comes first
            assert conn.is_open, "permission errors close channels, not the connection"
        assert guest.channel().queue_declare(payments, passive=True).method.message_count == 0
    finally:
        guest.channel().queue_delete(payments)
        guest.close()


@pytest.mark.watchdog(60)
def test_connection_is_closed_with_403_at_token_expiry(oauth_broker, keys):
    exp = int(time.time()) + 3
    conn = amqp_token_connection(oauth_broker, mint(keys.rsa, claims("it-expiring", FULL_ACCESS, exp=exp)))
    with closing(conn):
        assert conn.channel().is_open
        closed = wait_closed_by_broker(conn, exp - time.time() + CLOSE_MARGIN_S)
        closed_at = time.time()
    assert closed.reply_code == 403, closed
    assert closed_at >= exp - 0.5, f"closed {exp - closed_at:.1f} s before the token expired"


@pytest.mark.watchdog(60)
def test_update_secret_moves_the_expiry_to_the_new_tokens_exp(oauth_broker, keys):
    now = int(time.time())
    first_exp, second_exp = now + 3, now + 8
    conn = amqp_token_connection(oauth_broker, mint(keys.rsa, claims("it-renewing", FULL_ACCESS, exp=first_exp)))
    with closing(conn):
        conn.update_secret(mint(keys.ec, claims("it-renewing", FULL_ACCESS, exp=second_exp)), "token refreshed")
        conn.sleep(max(0.0, first_exp + 1.5 - time.time()))  # raises if the broker closes the connection
        ch = conn.channel()  # a round trip after the first token's expiry
        queue = ch.queue_declare("", exclusive=True).method.queue
        ch.basic_publish("", queue, b"still here")
        assert ch.basic_get(queue, auto_ack=True)[2] == b"still here"

        closed = wait_closed_by_broker(conn, second_exp - time.time() + CLOSE_MARGIN_S)
        closed_at = time.time()
    assert closed.reply_code == 403, closed
    assert closed_at >= second_exp - 0.5, f"closed {second_exp - closed_at:.1f} s before the new token expired"


def test_update_secret_replaces_the_scopes_on_open_channels(oauth_broker, keys):
    """The new token's scopes apply from the next operation, also on a channel that already published (and so
    holds a cached write decision for the exchange)."""
    queue = f"orders-{uuid.uuid4().hex[:10]}"
    narrower = scopes("configure:%2F/orders-*", "read:%2F/orders-*")
    conn = amqp_token_connection(oauth_broker, mint(keys.rsa, claims("it-narrowing", ORDER_SCOPES)))
    with closing(conn):
        ch = conn.channel()
        ch.queue_declare(queue, exclusive=True)
        ch.queue_bind(queue, "amq.direct", queue)
        ch.confirm_delivery()
        ch.basic_publish("amq.direct", queue, b"before", mandatory=True)
        conn.update_secret(mint(keys.rsa, claims("it-narrowing", narrower)), "scopes narrowed")
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            ch.basic_publish("amq.direct", queue, b"after", mandatory=True)
        assert info.value.reply_code == 403, info.value
        assert conn.channel().basic_get(queue, auto_ack=True)[2] == b"before", "read on orders-* is still granted"


UPDATE_REFUSED = {
    "another-user": lambda ks: mint(ks.rsa, claims("it-someone-else", FULL_ACCESS)),
    "expired": lambda ks: mint(ks.rsa, claims("it-updating", FULL_ACCESS, iat=int(time.time()) - 1200,
                                              exp=int(time.time()) - 600)),
    "bad-signature": lambda ks: altered_payload(mint(ks.ec, claims("it-updating", FULL_ACCESS)),
                                                exp=int(time.time()) + 86400),
    "unknown-kid": lambda ks: mint(ks.stranger, claims("it-updating", FULL_ACCESS)),
    "not-a-token": lambda ks: "not-a-token",
}


@pytest.mark.parametrize("case", list(UPDATE_REFUSED))
def test_update_secret_with_an_unacceptable_token_closes_the_connection(oauth_broker, keys, case):
    conn = amqp_token_connection(oauth_broker, mint(keys.rsa, claims("it-updating", FULL_ACCESS)))
    with closing(conn):
        with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as info:
            conn.update_secret(UPDATE_REFUSED[case](keys), "token refreshed")
    assert info.value.reply_code == 403, info.value


def test_update_secret_on_a_password_login_closes_the_connection_with_530(oauth_broker, keys):
    with closing(connect(oauth_broker)) as conn:
        with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as info:
            conn.update_secret(mint(keys.rsa, claims("guest", FULL_ACCESS)), "not a token login")
    assert info.value.reply_code == 530, info.value


def test_user_name_is_the_first_present_preferred_claim(oauth_broker, keys):
    """Default preferred_username_claims = sub,client_id: a token with only client_id names that user, and a token
    with both names its sub; update-secret accepts only a token for the same user name."""
    client_only = without(claims("unused", FULL_ACCESS, client_id="it-app-1"), "sub")
    conn = amqp_token_connection(oauth_broker, mint(keys.rsa, client_only))
    with closing(conn):
        conn.update_secret(mint(keys.ec, claims("it-app-1", FULL_ACCESS, client_id="it-app-2")), "same user (sub)")
        assert conn.channel().is_open
        with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as info:
            conn.update_secret(mint(keys.ec, claims("it-app-2", FULL_ACCESS, client_id="it-app-1")), "other user")
    assert info.value.reply_code == 403, info.value

