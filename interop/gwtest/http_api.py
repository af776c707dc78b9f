"""The management HTTP API from tests: one request per call with the standard library (no extra dependency)."""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from .broker import Target


def q(name: str) -> str:
    """A vhost, queue or exchange name as one URL path segment (`/` is `%2F`)."""
    return urllib.parse.quote(name, safe="")


def api(target: Target, method: str, path: str, body=None, user: str | None = "guest", password: str = "guest",
        raw_body: bytes | None = None, headers: dict | None = None, timeout: float = 10.0) -> tuple[int, object]:
    """(status, decoded JSON body or None) of `method` on `path` (e.g. "/api/queues/%2F/q")."""
    data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://{target.host}:{target.http_port}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if user is not None:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, payload = e.code, e.read()
    return status, (json.loads(payload) if payload else None)


def ok(target: Target, method: str, path: str, body=None, **kwargs):
    """The JSON of a 2xx answer; fails with the status and body otherwise."""
    status, payload = api(target, method, path, body, **kwargs)
    assert 200 <= status < 300, f"{method} {path}: {status} {payload}"
    return payload
