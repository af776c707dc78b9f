"""RabbitMQ-format definitions (users, vhosts, permissions, exchanges, queues, bindings) and the INI that loads them.

The same JSON is given to gateway through `[main] load_definitions` and to RabbitMQ through
`rabbitmqctl import_definitions`, so one document describes a test's users for both brokers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

SHA256_ALGORITHM = "rabbit_password_hashing_sha256"


def rabbit_sha256_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's password_hash: base64(salt4 ‖ sha256(salt4 ‖ utf8(password)))."""
    salt = os.urandom(4) if salt is None else salt
    if len(salt) != 4:
        raise ValueError("RabbitMQ password salts are 4 bytes")
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    return base64.b64encode(salt + digest).decode("ascii")


def user(name: str, password: str, tags: list[str] | None = None) -> dict:
    return {
        "name": name,
        "password_hash": rabbit_sha256_hash(password),
        "hashing_algorithm": SHA256_ALGORITHM,
        "tags": tags or [],
    }


def permission(user_name: str, vhost: str, configure: str, write: str, read: str) -> dict:
    return {"user": user_name, "vhost": vhost, "configure": configure, "write": write, "read": read}


def topic_permission(user_name: str, vhost: str, exchange: str, write: str, read: str) -> dict:
    """An entry of RabbitMQ's `topic_permissions`: regexes on the routing key (MQTT topic) for `exchange`."""
    return {"user": user_name, "vhost": vhost, "exchange": exchange, "write": write, "read": read}


def definitions(users: list[dict], vhosts: list[str], permissions: list[dict], exchanges: list[dict] | None = None,
                queues: list[dict] | None = None, bindings: list[dict] | None = None,
                topic_permissions: list[dict] | None = None) -> dict:
    defs = {
        "users": users,
        "vhosts": [{"name": v} for v in vhosts],
        "permissions": permissions,
        "exchanges": exchanges or [],
        "queues": queues or [],
        "bindings": bindings or [],
    }
    if topic_permissions:
        defs["topic_permissions"] = topic_permissions
    return defs


def write_gateway_config(workdir: Path, defs: dict | None, settings: dict[str, dict[str, str]] | None = None) -> Path:
    """Writes <workdir>/gateway.ini with `settings` ({section: {key: value}}) and, when `defs` is given,
    <workdir>/definitions.json loaded through `[main] load_definitions`; returns the INI path."""
    workdir.mkdir(parents=True, exist_ok=True)
    sections: dict[str, dict[str, str]] = {k: dict(v) for k, v in (settings or {}).items()}
    if defs is not None:
        defs_path = workdir / "definitions.json"
        defs_path.write_text(json.dumps(defs, indent=2))
        sections.setdefault("main", {})["load_definitions"] = str(defs_path)
    ini = workdir / "gateway.ini"
    ini.write_text("".join(
        f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()) for section, keys in sections.items()))
    return ini
