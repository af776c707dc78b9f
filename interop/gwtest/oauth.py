"""OAuth2 (JWT) fixtures for the test_oauth_*.py modules: signing keys and their JWKS, tokens minted with PyJWT,
hand-made forgeries PyJWT refuses to produce, a JWKS/OpenID discovery server on a thread, the broker's INI
settings, and the two protocol answers a token login gets (MQTT CONNACK code, AMQP refusal).

The broker under test validates RS256 (RSA >= 2048) and ES256 (P-256) tokens whose `kid` is in its JWKS, with the
claims `iss` = ISSUER, `aud` containing AUDIENCE, `exp`, and scopes `gateway.<configure|write|read>:<vhost>/<glob>`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.server
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import jwt
import pika
import pika.exceptions
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from . import mqtt_raw
from .broker import Target
from .clients import params
from .mqtt import client_id

ISSUER = "https://issuer.test"
AUDIENCE = "gateway"
RESOURCE_SERVER_ID = "gateway"
SCOPE_PREFIX = RESOURCE_SERVER_ID + "."
TOKEN_TTL_S = 300
"""Lifetime of a default token: long enough for any test that does not wait for expiry."""
OVERSIZED_TOKEN_BYTES = 64_000
"""A token close to the MQTT password field's limit (65535 bytes), far beyond any real access token."""


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2), the encoding of every JWS part and JWK number."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(n: int, length: int | None = None) -> str:
    """A JWK number: the big-endian bytes of `n` (RFC 7518 §6.3.1.1 / §6.2.1.2), base64url."""
    length = length if length is not None else max(1, (n.bit_length() + 7) // 8)
    return b64url(n.to_bytes(length, "big"))


@dataclass(frozen=True)
class SigningKey:
    """A private key the test signs tokens with, the `kid` its public half has in the JWKS, and its JWS `alg`."""

    kid: str
    alg: str
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def rsa(cls, kid: str, bits: int = 2048) -> "SigningKey":
        return cls(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=bits))

    @classmethod
    def ec(cls, kid: str) -> "SigningKey":
        return cls(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict:
        """The public key as a JWK, bound to `alg` and marked for signatures."""
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            numbers = public.public_numbers()
            material = {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e)}
        else:
            numbers = public.public_numbers()
            material = {"kty": "EC", "crv": "P-256", "x": _uint(numbers.x, 32), "y": _uint(numbers.y, 32)}
        return {**material, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class KeySet:
    """What most OAuth tests need: an RSA and an EC key the broker trusts, and an RSA key it has never seen."""

    rsa: SigningKey
    ec: SigningKey
    stranger: SigningKey

    @classmethod
    def create(cls) -> "KeySet":
        return cls(SigningKey.rsa("it-rsa-1"), SigningKey.ec("it-ec-1"), SigningKey.rsa("it-rsa-stranger"))

    @property
    def trusted(self) -> list[SigningKey]:
        return [self.rsa, self.ec]

    def by_alg(self, alg: str) -> SigningKey:
        return {"RS256": self.rsa, "ES256": self.ec}[alg]


def jwks(keys: list[SigningKey]) -> dict:
    return {"keys": [k.jwk() for k in keys]}


def write_jwks(path: Path, keys: list[SigningKey]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(jwks(keys), indent=2))
    return path


def scopes(*rules: str, prefix: str = SCOPE_PREFIX) -> str:
    """The `scope` claim for `rules` (e.g. "read:%2F/orders-*"), each given the resource server's prefix."""
    return " ".join(prefix + rule for rule in rules)


def claims(sub: str | None = None, scope: str = "", *, ttl: float = TOKEN_TTL_S, issuer: str = ISSUER,
           audience: str | list[str] = AUDIENCE, **extra) -> dict:
    """A payload the broker accepts: `sub` (default: a fresh name), `scope`, `iss`, `aud`, `iat` now and
    `exp` now + `ttl`. `extra` adds or replaces claims."""
    now = int(time.time())
    payload = {"sub": sub or f"it-svc-{uuid.uuid4().hex[:8]}", "scope": scope, "iss": issuer, "aud": audience,
               "iat": now, "exp": now + int(ttl)}
    payload.update(extra)
    return payload


def without(payload: dict, *names: str) -> dict:
    """`payload` without the claims `names`."""
    return {k: v for k, v in payload.items() if k not in names}


def mint(key: SigningKey, payload: dict, **header) -> str:
    """A JWT signed by `key` with PyJWT; the header carries `key`'s kid unless `header` overrides it."""
    return jwt.encode(payload, key.private, algorithm=key.alg, headers={"kid": key.kid, **header})


def compact(header: dict, payload: dict, sign=lambda signing_input: b"") -> str:
    """A compact JWS built by hand (for forgeries PyJWT will not produce): `sign` gets the ASCII signing input
    `header.payload` and returns the signature bytes (default: none)."""
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    return signing_input + "." + b64url(sign(signing_input.encode("ascii")))


def alg_none(key: SigningKey, payload: dict) -> str:
    """An unsigned token (`alg: none`, empty signature) naming a trusted key (RFC 8725 §2.1)."""
    return compact({"alg": "none", "typ": "JWT", "kid": key.kid}, payload)


def hs256_with_public_key(key: SigningKey, payload: dict) -> str:
    """The key-confusion forgery: HS256 with the RSA public key's PEM as the HMAC secret (RFC 8725 §2.1). PyJWT
    refuses to sign this (an asymmetric key as HMAC secret), so it is signed here."""
    secret = key.public_pem()
    return compact({"alg": "HS256", "typ": "JWT", "kid": key.kid}, payload,
                   lambda data: hmac.new(secret, data, hashlib.sha256).digest())


def altered_payload(token: str, **changes) -> str:
    """`token` with claims changed in its payload and the original header and signature kept."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded.update(changes)
    return ".".join([header, b64url(json.dumps(decoded).encode()), signature])


def oversized(key: SigningKey, payload: dict, size: int = OVERSIZED_TOKEN_BYTES) -> str:
    """A correctly signed token of `size` bytes (give or take a few), padded with a junk claim."""
    base = len(mint(key, payload))
    pad = max(0, (size - base) * 3 // 4)
    token = mint(key, {**payload, "padding": "x" * pad})
    return mint(key, {**payload, "padding": "x" * (pad + (size - len(token)) * 3 // 4)})


def oauth_settings(jwks: str | Path | None, *, backends: str = "local,oauth", issuer: str | None = ISSUER,
                   mqtt_permission_checks: bool | None = None, **oauth) -> dict[str, dict[str, str]]:
    """The broker's INI settings: `[main] auth_backends`, `[oauth] jwks` (a file path or URL; None leaves it
    unset), issuer, audience, resource_server_id, and any other `[oauth]` key in `oauth` (a None value leaves
    that key out). `mqtt_permission_checks` sets `[mqtt] permission_check_enabled`."""
    section = {"jwks": jwks, "issuer": issuer, "audience": AUDIENCE, "resource_server_id": RESOURCE_SERVER_ID,
               **oauth}
    settings = {"main": {"auth_backends": backends},
                "oauth": {k: str(v) for k, v in section.items() if v is not None}}
    if mqtt_permission_checks is not None:
        settings["mqtt"] = {"permission_check_enabled": "true" if mqtt_permission_checks else "false"}
    return settings


def mqtt_connack(target: Target, password: str, username: str = "token-user", **kwargs) -> int:
    """The CONNACK code a raw MQTT 3.1.1 CONNECT with `password` gets; a refused connection must then be closed
    (MQTT-3.2.2-5)."""
    with mqtt_raw.RawMQTT(target.host, target.mqtt_port) as raw:
        _present, code = raw.connect(kwargs.pop("cid", client_id("oauth")), username=username, password=password,
                                     **kwargs)
        if code != mqtt_raw.ACCEPTED:
            raw.wait_closed(10)
        return code


def amqp_refusal(target: Target, password: str, username: str = "token-user", vhost: str = "/") -> Exception:
    """The exception pika raises when a PLAIN login with `password` is refused (fails if the login succeeds)."""
    try:
        pika.BlockingConnection(params(target, username, password, vhost)).close()
    except pika.exceptions.AMQPConnectionError as e:
        return e
    raise AssertionError(f"AMQP login as {username!r} on vhost {vhost!r} was accepted; expected a refusal")


def is_login_refusal(error: Exception) -> bool:
    """pika's view of 403 ACCESS_REFUSED during the login (the broker announces authentication_failure_close)."""
    return isinstance(error, (pika.exceptions.ProbableAuthenticationError, pika.exceptions.AuthenticationError))


def amqp_token_connection(target: Target, token: str, username: str = "token-user",
                          vhost: str = "/") -> pika.BlockingConnection:
    return pika.BlockingConnection(params(target, username, token, vhost))


class JWKSServer:
    """A JWKS endpoint on 127.0.0.1 served from a thread (http.server): `/jwks.json` and the OpenID discovery
    document `/.well-known/openid-configuration` (issuer = `base_url`, jwks_uri = `jwks_url`). With `tls`, it
    serves HTTPS. While `available` is False every request gets 503 (an authorization server that is down)."""

    def __init__(self, keys: list[SigningKey], tls: ssl.SSLContext | None = None, available: bool = True):
        self.document = jwks(keys)
        self.available = available
        self.requests: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with server._lock:
                    server.requests.append(self.path)
                    up = server.available
                    document = server.document
                if not up:
                    self._reply(503, {"error": "temporarily unavailable"})
                elif self.path == "/jwks.json":
                    self._reply(200, document)
                elif self.path == "/.well-known/openid-configuration":
                    self._reply(200, {"issuer": server.base_url, "jwks_uri": server.jwks_url})
                else:
                    self._reply(404, {"error": "not found"})

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args) -> None:  # noqa: A002 (http.server's signature)
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="jwks-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks.json"

    def set_available(self, available: bool) -> None:
        with self._lock:
            self.available = available

    def set_keys(self, keys: list[SigningKey]) -> None:
        """Serves a new JWKS from now on (a key rotation at the authorization server)."""
        with self._lock:
            self.document = jwks(keys)

    def fetches(self, path: str = "/jwks.json") -> int:
        with self._lock:
            return self.requests.count(path)

    def __enter__(self) -> "JWKSServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


def https_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server context for JWKSServer(tls=...) with the test PKI's server certificate (localhost, 127.0.0.1)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx




@contextlib.contextmanager
def closing(connection: pika.BlockingConnection) -> Iterator[pika.BlockingConnection]:
    """Closes `connection` after the block if the broker has not closed it already."""
    try:
        yield connection
    finally:
        if connection.is_open:
            with contextlib.suppress(pika.exceptions.AMQPError):
                connection.close()


def wait_closed_by_broker(connection: pika.BlockingConnection,
                          timeout: float) -> pika.exceptions.ConnectionClosedByBroker:
    """Processes `connection`'s I/O until the broker closes it (connection.close) and returns pika's exception;
    fails if the connection is still open after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection.process_data_events(time_limit=0.1)
        except pika.exceptions.ConnectionClosedByBroker as closed:
            return closed
    raise AssertionError(f"the broker did not close the connection within {timeout:.0f} s")
