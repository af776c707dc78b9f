"""OAuth2 token logins that must be refused, each over MQTT (CONNACK 0x04) and AMQP (403 ACCESS_REFUSED during
the login, which pika reports as an authentication error), next to the valid RS256 and ES256 tokens they are
variations of; and tokens that are valid but grant nothing on the vhost (MQTT 0x05, AMQP 530 at connection.open).

Gateway only (`[main] auth_backends = local,oauth` with a JWKS file)."""

from __future__ import annotations

import time

import pytest

from gwtest import mqtt_raw
from gwtest.clients import assert_broker_healthy
from gwtest.definitions import definitions, permission, user
from gwtest.mqtt import assert_mqtt_healthy
from gwtest.oauth import (KeySet, alg_none, altered_payload, amqp_refusal, amqp_token_connection, b64url, claims,
                          closing, hs256_with_public_key, is_login_refusal, mint, mqtt_connack, oauth_settings,
                          oversized, scopes, without, write_jwks)
from gwtest.session import running_broker, skip_on

pytestmark = skip_on(("rabbitmq", "mosquitto", "mosquitto-tls"), "gateway's OAuth2 backend")

OTHER_VHOST = "it-oauth-other"
FULL_ACCESS = scopes("configure:%2F/*", "write:%2F/*", "read:%2F/*")
PROTOCOLS = ["mqtt", "amqp"]


@pytest.fixture(scope="module")
def keys() -> KeySet:
    return KeySet.create()


@pytest.fixture(scope="module")
def oauth_broker(tmp_path_factory, keys):
    workdir = tmp_path_factory.mktemp("oauth-refusals")
    jwks_file = write_jwks(workdir / "jwks.json", keys.trusted)
    defs = definitions(users=[user("guest", "guest", ["administrator"])], vhosts=["/", OTHER_VHOST],
                       permissions=[permission("guest", "/", ".*", ".*", ".*"),
                                    permission("guest", OTHER_VHOST, ".*", ".*", ".*")])
    with running_broker(workdir / "broker", defs, settings=oauth_settings(jwks_file)) as target:
        yield target


def good(**changes) -> dict:
    """A payload the broker accepts (full access to `/`), with `changes` applied."""
    return claims("it-refusal-user", FULL_ACCESS, **changes)


def with_header(token: str, header: str) -> str:
    return ".".join([header] + token.split(".")[1:])


REFUSED = {
    "alg-none": lambda ks: alg_none(ks.rsa, good()),
    "hs256-with-rsa-public-key": lambda ks: hs256_with_public_key(ks.rsa, good()),
    "unknown-kid": lambda ks: mint(ks.stranger, good()),
    "kid-of-a-key-for-another-alg": lambda ks: mint(ks.ec, good(), kid=ks.rsa.kid),
    "other-key-same-kid": lambda ks: mint(ks.stranger, good(), kid=ks.rsa.kid),
    "altered-payload-rs256": lambda ks: altered_payload(mint(ks.rsa, good()), sub="it-someone-else"),
    "altered-payload-es256": lambda ks: altered_payload(mint(ks.ec, good()), scope=FULL_ACCESS + " gateway.tag:x"),
    "expired": lambda ks: mint(ks.rsa, good(iat=int(time.time()) - 1200, exp=int(time.time()) - 600)),
    "no-exp": lambda ks: mint(ks.rsa, without(good(), "exp")),
    "nbf-in-the-future": lambda ks: mint(ks.rsa, good(nbf=int(time.time()) + 600)),
    "iat-in-the-future": lambda ks: mint(ks.rsa, good(iat=int(time.time()) + 600)),
    "wrong-iss": lambda ks: mint(ks.ec, good(issuer="https://evil.test")),
    "no-iss": lambda ks: mint(ks.rsa, without(good(), "iss")),
    "wrong-aud": lambda ks: mint(ks.rsa, good(audience="someone-else")),
    "no-aud": lambda ks: mint(ks.ec, without(good(), "aud")),
    "no-user-name-claim": lambda ks: mint(ks.rsa, without(good(), "sub")),
    "two-parts": lambda ks: mint(ks.rsa, good()).rsplit(".", 1)[0],
    "bad-base64": lambda ks: with_header(mint(ks.rsa, good()), "eyJhbGci*not~base64!"),
    "non-json-header": lambda ks: with_header(mint(ks.rsa, good()), b64url(b'{"alg": "RS256", "kid": ')),
    "oversized-64k": lambda ks: oversized(ks.rsa, good()),
}


def assert_token_refused(target, token: str, protocol: str) -> None:
    assert token.startswith("ey"), "only a password starting with 'ey' is tried as a token"
    if protocol == "mqtt":
        assert mqtt_connack(target, token) == mqtt_raw.REFUSED_BAD_CREDENTIALS
    else:
        error = amqp_refusal(target, token)
        assert is_login_refusal(error), f"expected 403 ACCESS_REFUSED at login, got {error!r}"


def assert_token_accepted(target, token: str, protocol: str, vhost: str = "/") -> None:
    if protocol == "mqtt":
        user_name = "anything" if vhost == "/" else f"{vhost}:anything"
        assert mqtt_connack(target, token, username=user_name) == mqtt_raw.ACCEPTED
    else:
        with closing(amqp_token_connection(target, token, vhost=vhost)) as conn:
            assert conn.channel().is_open


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_valid_token_is_accepted(oauth_broker, keys, alg, protocol):
    """The control for every refusal below: the same payload, correctly signed, logs in."""
    assert_token_accepted(oauth_broker, mint(keys.by_alg(alg), good()), protocol)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("case", list(REFUSED))
def test_token_is_refused(oauth_broker, keys, case, protocol):
    assert_token_refused(oauth_broker, REFUSED[case](keys), protocol)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_nbf_and_iat_within_the_leeway_are_accepted(oauth_broker, keys, protocol):
    """Default leeway 60 s: a token issued by a server whose clock is 20 s ahead is still good."""
    now = int(time.time())
    assert_token_accepted(oauth_broker, mint(keys.rsa, good(nbf=now + 20, iat=now + 20)), protocol)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_audience_may_be_a_list(oauth_broker, keys, protocol):
    assert_token_accepted(oauth_broker, mint(keys.ec, good(audience=["another-api", "gateway"])), protocol)


def test_token_without_scope_for_the_vhost_is_not_authorized_over_mqtt(oauth_broker, keys):
    """`vhost:anything` selects the vhost (the part after the colon is ignored for tokens); a token granting
    nothing there gets 0x05, like a local user without permissions on it."""
    root_only = mint(keys.rsa, good())
    other_only = mint(keys.rsa, claims("it-other-user", scopes(f"read:{OTHER_VHOST}/*")))
    assert mqtt_connack(oauth_broker, root_only, username="anything") == mqtt_raw.ACCEPTED
    assert mqtt_connack(oauth_broker, root_only, username=f"{OTHER_VHOST}:anything") == \
        mqtt_raw.REFUSED_NOT_AUTHORIZED
    assert mqtt_connack(oauth_broker, other_only, username=f"{OTHER_VHOST}:whatever") == mqtt_raw.ACCEPTED
    assert mqtt_connack(oauth_broker, other_only, username="whatever") == mqtt_raw.REFUSED_NOT_AUTHORIZED


def test_token_without_scope_for_the_vhost_is_not_allowed_over_amqp(oauth_broker, keys):
    root_only = mint(keys.rsa, good())
    other_only = mint(keys.ec, claims("it-other-user", scopes(f"write:{OTHER_VHOST}/*")))
    for token, vhost in ((root_only, OTHER_VHOST), (other_only, "/")):
        error = amqp_refusal(oauth_broker, token, vhost=vhost)
        assert "530" in str(error), f"expected 530 NOT_ALLOWED at connection.open, got {error!r}"
    assert_token_accepted(oauth_broker, other_only, "amqp", vhost=OTHER_VHOST)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_scopes_without_the_resource_server_prefix_are_ignored(oauth_broker, keys, protocol):
    unprefixed = mint(keys.rsa, claims("it-unprefixed", scopes("configure:%2F/*", "write:%2F/*", "read:%2F/*",
                                                               prefix="")))
    other_server = mint(keys.rsa, claims("it-other-server", scopes("read:%2F/*", prefix="billing.")))
    for token in (unprefixed, other_server):
        if protocol == "mqtt":
            assert mqtt_connack(oauth_broker, token) == mqtt_raw.REFUSED_NOT_AUTHORIZED
        else:
            assert "530" in str(amqp_refusal(oauth_broker, token))


def test_broker_still_serves_local_and_token_users_after_refusals(oauth_broker, keys):
    assert_broker_healthy(oauth_broker)
    assert_mqtt_healthy(oauth_broker)
    assert_mqtt_healthy(oauth_broker, "anything", mint(keys.ec, good()))
