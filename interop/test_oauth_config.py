"""OAuth2 configuration: the authentication chain (`[main] auth_backends`), where the signing keys come from
(`[oauth] jwks` as a file, an http or https URL, or OpenID discovery from `issuer`), what stops the start, and
how an unreachable or rotated JWKS is handled.

The JWKS endpoints are a local http.server the test starts (gwtest/oauth.py JWKSServer). Gateway only."""

from __future__ import annotations

import pytest

from gwtest import mqtt_raw
from gwtest.clients import assert_broker_healthy, wait_until
from gwtest.definitions import definitions, permission, user
from gwtest.oauth import (ISSUER, JWKSServer, KeySet, SigningKey, amqp_refusal, amqp_token_connection, claims,
                          closing, https_context, is_login_refusal, mint, mqtt_connack, oauth_settings, scopes,
                          write_jwks)
from gwtest.session import skip_on
from gwtest.startup import start_expecting_failure

pytestmark = skip_on(("rabbitmq", "mosquitto", "mosquitto-tls"), "gateway's OAuth2 backend")

FULL_ACCESS = scopes("configure:%2F/*", "write:%2F/*", "read:%2F/*")
LOCAL_USER = "it-local"
LOCAL_PASSWORD = "local-pw-1"
EY_USER = "it-ey-local"
EY_PASSWORD = "ey-this-local-password-looks-like-a-token"
JWKS_RETRY_DEADLINE_S = 30.0
"""How long the broker may take to pick up a JWKS that became reachable, or rotated, with jwks_cache_ttl = 1."""


@pytest.fixture(scope="module")
def keys() -> KeySet:
    return KeySet.create()


def token(keys: KeySet, alg: str = "RS256", issuer: str = ISSUER) -> str:
    return mint(keys.by_alg(alg), claims(None, FULL_ACCESS, issuer=issuer))


def assert_accepted_over_both(target, password: str, username: str = "anything") -> None:
    assert mqtt_connack(target, password, username=username) == mqtt_raw.ACCEPTED
    with closing(amqp_token_connection(target, password, username=username)) as conn:
        assert conn.channel().is_open


def assert_refused_over_both(target, password: str, username: str = "anything") -> None:
    assert mqtt_connack(target, password, username=username) == mqtt_raw.REFUSED_BAD_CREDENTIALS
    error = amqp_refusal(target, password, username=username)
    assert is_login_refusal(error), f"expected 403 ACCESS_REFUSED at login, got {error!r}"


# Start failures

@pytest.mark.parametrize("backends", ["local,oauth", "oauth"])
def test_oauth_backend_without_jwks_or_issuer_does_not_start(tmp_path, backends):
    failed = start_expecting_failure(tmp_path / "gw", oauth_settings(None, backends=backends, issuer=None))
    assert failed.code != 0, f"gateway exited with code 0:\n{failed.log}"
    assert "[oauth] jwks" in failed.log, f"the message does not name [oauth] jwks:\n{failed.log}"


@pytest.mark.parametrize("broken", ["missing-file", "not-json", "no-keys-array"])
def test_jwks_file_that_is_not_a_jwks_does_not_start(tmp_path, broken):
    path = tmp_path / "jwks.json"
    if broken == "not-json":
        path.write_text("this is not JSON\n")
    elif broken == "no-keys-array":
        path.write_text('{"issuer": "https://issuer.test"}\n')
    failed = start_expecting_failure(tmp_path / "gw", oauth_settings(path))
    assert failed.code != 0, f"gateway exited with code 0 with a {broken} JWKS:\n{failed.log}"
    assert str(path) in failed.log or "jwks" in failed.log.lower(), f"the message names no JWKS:\n{failed.log}"


# The authentication chain

def test_local_only_chain_refuses_tokens(start_broker, tmp_path, keys):
    """`auth_backends = local` (the default) never tries a token, even with an [oauth] section."""
    target = start_broker(settings=oauth_settings(write_jwks(tmp_path / "jwks.json", keys.trusted),
                                                  backends="local"))
    assert_refused_over_both(target, token(keys))
    assert_broker_healthy(target)


def test_default_chain_refuses_tokens(start_broker, keys):
    target = start_broker()
    assert_refused_over_both(target, token(keys))


def test_oauth_only_chain_accepts_tokens_and_refuses_local_users(start_broker, tmp_path, keys):
    target = start_broker(settings=oauth_settings(write_jwks(tmp_path / "jwks.json", keys.trusted),
                                                  backends="oauth"))
    assert_accepted_over_both(target, token(keys, "ES256"))
    assert_refused_over_both(target, "guest", username="guest")


def test_local_users_keep_working_with_local_oauth(start_broker, tmp_path, keys):
    """Local users are tried first, including one whose password happens to start with `ey`."""
    defs = definitions(
        users=[user("guest", "guest", ["administrator"]), user(LOCAL_USER, LOCAL_PASSWORD),
               user(EY_USER, EY_PASSWORD)],
        vhosts=["/"],
        permissions=[permission(u, "/", ".*", ".*", ".*") for u in ("guest", LOCAL_USER, EY_USER)])
    target = start_broker(defs, settings=oauth_settings(write_jwks(tmp_path / "jwks.json", keys.trusted)))
    for name, password in (("guest", "guest"), (LOCAL_USER, LOCAL_PASSWORD), (EY_USER, EY_PASSWORD)):
        assert_accepted_over_both(target, password, username=name)
    assert_refused_over_both(target, "wrong-password", username=LOCAL_USER)
    assert_refused_over_both(target, "ey-wrong-password", username=EY_USER)
    assert_accepted_over_both(target, token(keys))
    assert_broker_healthy(target)


# Where the keys come from

def test_jwks_from_an_http_url_is_fetched_and_reused(start_broker, keys):
    with JWKSServer(keys.trusted) as server:
        target = start_broker(settings=oauth_settings(server.jwks_url))
        assert_accepted_over_both(target, token(keys, "RS256"))
        fetched = server.fetches()
        assert fetched >= 1
        for alg in ("ES256", "RS256", "ES256"):
            assert_accepted_over_both(target, token(keys, alg))
        assert server.fetches() == fetched, "jwks_cache_ttl (default 3600 s): the fetched JWKS is reused"


def test_jwks_uri_from_openid_discovery_of_the_issuer(start_broker, keys):
    """No `jwks`: `<issuer>/.well-known/openid-configuration` names the jwks_uri."""
    with JWKSServer(keys.trusted) as server:
        target = start_broker(settings=oauth_settings(None, issuer=server.base_url))
        assert_accepted_over_both(target, token(keys, "ES256", issuer=server.base_url))
        assert_refused_over_both(target, token(keys, "ES256"))  # iss https://issuer.test is not the issuer
        assert server.fetches("/.well-known/openid-configuration") >= 1
        assert server.fetches("/jwks.json") >= 1


def test_jwks_from_an_https_url_with_jwks_ca_cert(start_broker, pki, keys):
    with JWKSServer(keys.trusted, tls=https_context(pki.server_cert, pki.server_key)) as server:
        assert server.jwks_url.startswith("https://")
        target = start_broker(settings=oauth_settings(server.jwks_url, jwks_ca_cert=pki.ca_cert))
        assert_accepted_over_both(target, token(keys, "RS256"))
        assert server.fetches() >= 1


def test_jwks_url_unreachable_at_start_refuses_tokens_until_it_is_fetched(start_broker, keys):
    with JWKSServer(keys.trusted, available=False) as server:
        target = start_broker(settings=oauth_settings(server.jwks_url, jwks_cache_ttl=1))
        assert_refused_over_both(target, token(keys))
        assert_broker_healthy(target)  # local users are served meanwhile
        server.set_available(True)
        wait_until(lambda: mqtt_connack(target, token(keys)) == mqtt_raw.ACCEPTED, JWKS_RETRY_DEADLINE_S,
                   "a token login to succeed once the JWKS can be fetched", poll=0.5)
        assert_accepted_over_both(target, token(keys, "ES256"))


def test_rotated_key_is_picked_up_after_jwks_cache_ttl(start_broker, keys):
    rotated = SigningKey.rsa("it-rsa-2")
    new_token = mint(rotated, claims(None, FULL_ACCESS))
    with JWKSServer(keys.trusted) as server:
        target = start_broker(settings=oauth_settings(server.jwks_url, jwks_cache_ttl=1))
        assert_accepted_over_both(target, token(keys))
        server.set_keys([rotated])
        wait_until(lambda: mqtt_connack(target, new_token) == mqtt_raw.ACCEPTED, JWKS_RETRY_DEADLINE_S,
                   "a token signed with the rotated key to be accepted", poll=0.5)
        with closing(amqp_token_connection(target, new_token)) as conn:
            assert conn.channel().is_open
