"""gatewayctl: rabbitmqctl-style verbs over the management API, tab-separated or JSON output, exit codes."""
from __future__ import annotations

import json
import os
import subprocess

from gwtest.broker import gateway_binary
from gwtest.clients import unique
from gwtest.http_api import ok, q
from gwtest.session import skip_on

pytestmark = skip_on(("mosquitto", "rabbitmq"), "Gateway's gatewayctl")

CTL = gateway_binary().with_name("gatewayctl")


def ctl(target, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, GATEWAY_URL=f"http://{target.host}:{target.http_port}", **(env or {}))
    return subprocess.run([str(CTL), *args], capture_output=True, text=True, timeout=60, env=full_env)


def rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.strip().splitlines()]


def test_users_vhosts_and_permissions(broker):
    user, vhost = unique("ctluser"), unique("ctlvhost")
    assert ctl(broker, "add_vhost", vhost).returncode == 0
    assert ctl(broker, "add_user", user, "s3cret").returncode == 0
    assert ctl(broker, "set_user_tags", user, "management", "monitoring").returncode == 0
    assert ctl(broker, "set_permissions", "-p", vhost, user, ".*", "", "^amq").returncode == 0
    listed = rows(ctl(broker, "list_permissions", "-p", vhost).stdout)
    assert listed[0] == ["user", "configure", "write", "read"] and [user, ".*", "", "^amq"] in listed
    users = {r[0]: r[1] for r in rows(ctl(broker, "list_users").stdout)[1:]}
    assert users[user] == "[management,monitoring]"
    # The new user logs in with the password gatewayctl set, through the global -u/-p options.
    as_user = ctl(broker, "-u", user, "-p", "s3cret", "--formatter", "json", "list_vhosts")
    assert as_user.returncode == 0, as_user.stderr
    assert {v["name"] for v in json.loads(as_user.stdout)} >= {vhost}
    assert ctl(broker, "change_password", user, "other").returncode == 0
    assert ctl(broker, "-u", user, "-p", "s3cret", "list_vhosts").returncode == 1
    assert ctl(broker, "list_vhosts", env={"GATEWAY_USER": user, "GATEWAY_PASSWORD": "other"}).returncode == 0
    assert ctl(broker, "delete_user", user).returncode == 0
    assert ctl(broker, "delete_vhost", vhost).returncode == 0


def test_queues_definitions_and_exit_codes(broker, start_broker, tmp_path):
    name = unique("ctlq")
    ok(broker, "PUT", f"/api/queues/%2F/{q(name)}", {"durable": True})
    for _ in range(2):
        ok(broker, "POST", "/api/exchanges/%2F/amq.default/publish",
           {"routing_key": name, "payload": "x", "payload_encoding": "string", "properties": {}})
    assert [name, "2", "0"] in rows(ctl(broker, "list_queues").stdout)
    assert ctl(broker, "purge_queue", name).returncode == 0
    assert [name, "0", "0"] in rows(ctl(broker, "list_queues").stdout)
    exported = tmp_path / "defs.json"
    assert ctl(broker, "export_definitions", str(exported)).returncode == 0
    fresh = start_broker()
    assert ctl(fresh, "import_definitions", str(exported)).returncode == 0
    assert any(r[0] == name for r in rows(ctl(fresh, "list_queues").stdout))
    assert ctl(broker, "delete_queue", name).returncode == 0
    refused = ctl(broker, "delete_queue", name)
    assert refused.returncode == 1 and "404" in refused.stderr and name in refused.stderr
    assert ctl(broker, "no_such_verb").returncode == 64
    assert ctl(broker, "set_permissions", "only-a-user").returncode == 64
    unreachable = subprocess.run([str(CTL), "--url", "http://127.0.0.1:1", "status"], capture_output=True, text=True,
                                 timeout=60)
    assert unreachable.returncode == 69 and "cannot reach" in unreachable.stderr
    hashed = ctl(broker, "hash_password", "pw")
    assert hashed.returncode == 0 and len(hashed.stdout.strip()) > 20


def test_policies(broker):
    name = unique("ctlpol")
    assert ctl(broker, "set_policy", "--priority", "3", "--apply-to", "queues", name, "^ctlpol\\.",
               '{"max-length": 10}').returncode == 0
    listed = [r for r in rows(ctl(broker, "list_policies").stdout) if r[1] == name]
    assert listed and listed[0][2:] == ["^ctlpol\\.", "queues", '{"max-length":10}', "3"]
    assert ctl(broker, "set_policy", name, ".*", "not json").returncode == 64
    assert ctl(broker, "clear_policy", name).returncode == 0
    assert ctl(broker, "clear_policy", name).returncode == 1
