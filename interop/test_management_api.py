"""The management HTTP API (issue 10): RabbitMQ's paths, JSON and status codes, its tag rules, and bad input."""
from __future__ import annotations

import socket
import time

import pytest

from gwtest.clients import connect, unique
from gwtest.durable import restart_or_fail, restartable_gateway  # noqa: F401 (pytest fixture)
from gwtest.http_api import api, ok, q
from gwtest.mqtt import assert_mqtt_healthy
from gwtest.session import skip_on

pytestmark = skip_on(("mosquitto", "rabbitmq"), "Gateway's management API")


def test_overview_and_whoami_describe_the_node(broker):
    o = ok(broker, "GET", "/api/overview")
    assert o["product_name"] == "Gateway"
    assert {"queues", "exchanges", "connections", "consumers"} <= set(o["object_totals"])
    ports = {(l["protocol"], l["port"]) for l in o["listeners"]}
    assert ("amqp", broker.amqp_port) in ports and ("http", broker.http_port) in ports
    assert ok(broker, "GET", "/api/whoami") == {"name": "guest", "tags": ["administrator"]}
    [node] = ok(broker, "GET", "/api/nodes")
    assert node["name"] == o["node"] and node["running"] is True and int(node["os_pid"]) > 0
    assert node["mem_used"] > 1 << 20 and 0 < node["fd_used"] < node["fd_total"]
    assert node["disk_free"] > 0 and node["disk_free_alarm"] is False and node["mem_alarm"] is False
    assert node["uptime"] >= 0 and node["processors"] >= 1 and node["io_threads"] >= 1
    assert ok(broker, "GET", f"/api/nodes/{q(node['name'])}")["name"] == node["name"]


def test_login_failures_are_401_with_rabbitmq_json(broker):
    for user, password in (("guest", "wrong"), ("nobody", "x")):
        status, body = api(broker, "GET", "/api/overview", user=user, password=password)
        assert (status, body) == (401, {"error": "not_authorized", "reason": "Login failed"})
    status, body = api(broker, "GET", "/api/overview", user=None)
    assert status == 401 and body["error"] == "not_authorized"


def test_queue_lifecycle_with_amqp_traffic(broker):
    name = unique("mq")
    assert api(broker, "PUT", f"/api/queues/%2F/{q(name)}", {"durable": True})[0] == 201
    assert api(broker, "PUT", f"/api/queues/%2F/{q(name)}", {"durable": True})[0] == 204
    # Redeclaring with other properties is a 400, as a queue.declare would be a PRECONDITION_FAILED.
    assert api(broker, "PUT", f"/api/queues/%2F/{q(name)}", {"durable": False})[0] == 400
    conn = connect(broker)
    try:
        ch = conn.channel()
        for i in range(3):
            ch.basic_publish("", name, f"m{i}".encode())
        conn.process_data_events(0)
    finally:
        conn.close()
    deadline = time.monotonic() + 5
    while ok(broker, "GET", f"/api/queues/%2F/{q(name)}")["messages"] != 3:
        assert time.monotonic() < deadline, "the queue never showed the 3 messages published over AMQP"
        time.sleep(0.05)
    got = ok(broker, "POST", f"/api/queues/%2F/{q(name)}/get",
             {"count": 2, "ackmode": "ack_requeue_false", "encoding": "auto"})
    assert [m["payload"] for m in got] == ["m0", "m1"]
    assert got[0]["message_count"] == 2 and got[0]["payload_encoding"] == "string"
    requeued = ok(broker, "POST", f"/api/queues/%2F/{q(name)}/get", {"count": 1, "ackmode": "ack_requeue_true"})
    assert [m["payload"] for m in requeued] == ["m2"]
    assert ok(broker, "GET", f"/api/queues/%2F/{q(name)}")["messages"] == 1
    assert api(broker, "DELETE", f"/api/queues/%2F/{q(name)}/contents")[0] == 204
    assert ok(broker, "GET", f"/api/queues/%2F/{q(name)}")["messages"] == 0
    bindings = ok(broker, "GET", f"/api/queues/%2F/{q(name)}/bindings")
    assert bindings == [{"source": "", "vhost": "/", "destination": name, "destination_type": "queue",
                         "routing_key": name, "arguments": {}, "properties_key": name}]
    assert api(broker, "DELETE", f"/api/queues/%2F/{q(name)}")[0] == 204
    assert api(broker, "GET", f"/api/queues/%2F/{q(name)}")[0] == 404


def test_exchange_binding_and_publish_route_to_the_queue(broker):
    ex, qn = unique("mx"), unique("mq")
    ok(broker, "PUT", f"/api/exchanges/%2F/{q(ex)}", {"type": "topic", "durable": True})
    ok(broker, "PUT", f"/api/queues/%2F/{q(qn)}", {"durable": False})
    status, _ = api(broker, "POST", f"/api/bindings/%2F/e/{q(ex)}/q/{q(qn)}", {"routing_key": "a.#"})
    assert status == 201
    listed = ok(broker, "GET", f"/api/bindings/%2F/e/{q(ex)}/q/{q(qn)}")
    assert [(b["routing_key"], b["properties_key"]) for b in listed] == [("a.#", "a.%23")]
    assert ok(broker, "POST", f"/api/exchanges/%2F/{q(ex)}/publish",
              {"routing_key": "a.b", "payload": "aGk=", "payload_encoding": "base64",
               "properties": {"content_type": "text/plain", "headers": {"k": 1}}}) == {"routed": True}
    assert ok(broker, "POST", f"/api/exchanges/%2F/{q(ex)}/publish",
              {"routing_key": "b", "payload": "x", "payload_encoding": "string", "properties": {}}) == {"routed": False}
    got = ok(broker, "POST", f"/api/queues/%2F/{q(qn)}/get", {"count": 5, "ackmode": "ack_requeue_false",
                                                               "encoding": "auto"})
    assert [(m["payload"], m["properties"]) for m in got] == [("hi", {"content_type": "text/plain",
                                                                       "headers": {"k": 1}})]
    assert api(broker, "DELETE", f"/api/bindings/%2F/e/{q(ex)}/q/{q(qn)}/a.%23")[0] == 204
    assert ok(broker, "GET", f"/api/bindings/%2F/e/{q(ex)}/q/{q(qn)}") == []
    assert api(broker, "DELETE", "/api/exchanges/%2F/amq.direct")[0] == 403
    assert api(broker, "DELETE", f"/api/exchanges/%2F/{q(ex)}")[0] == 204


def test_vhosts_users_and_permissions(broker):
    vhost, user = unique("v/x"), unique("u")
    assert api(broker, "PUT", f"/api/vhosts/{q(vhost)}")[0] == 201
    assert api(broker, "PUT", f"/api/users/{q(user)}", {"password": "pw", "tags": "management"})[0] == 201
    assert api(broker, "PUT", f"/api/permissions/{q(vhost)}/{q(user)}",
               {"configure": ".*", "write": ".*", "read": ".*"})[0] == 201
    assert api(broker, "PUT", f"/api/permissions/{q(vhost)}/{q(user)}",
               {"configure": "(", "write": ".*", "read": ".*"})[0] == 400
    assert ok(broker, "GET", f"/api/users/{q(user)}")["tags"] == ["management"]
    assert ok(broker, "GET", f"/api/permissions/{q(vhost)}/{q(user)}")["write"] == ".*"
    # The new user sees its vhost and nothing else, and cannot manage users.
    visible = {v["name"] for v in ok(broker, "GET", "/api/vhosts", user=user, password="pw")}
    assert visible == {vhost}
    assert api(broker, "GET", "/api/users", user=user, password="pw")[0] == 403
    assert api(broker, "GET", "/api/queues/%2F", user=user, password="pw")[0] == 403
    assert api(broker, "PUT", f"/api/queues/{q(vhost)}/qq", {}, user=user, password="pw")[0] == 201
    # AMQP sees the same user and vhost.
    connect(broker, user, "pw", vhost).close()
    assert api(broker, "DELETE", f"/api/vhosts/{q(vhost)}")[0] == 204
    assert api(broker, "GET", f"/api/vhosts/{q(vhost)}")[0] == 404
    assert api(broker, "DELETE", f"/api/users/{q(user)}")[0] == 204
    assert api(broker, "GET", "/api/overview", user=user, password="pw")[0] == 401


def test_tag_rules(broker):
    plain, monitor = unique("plain"), unique("monitor")
    ok(broker, "PUT", f"/api/users/{q(plain)}", {"password": "pw", "tags": ""})
    ok(broker, "PUT", f"/api/users/{q(monitor)}", {"password": "pw", "tags": ["monitoring"]})
    assert api(broker, "GET", "/api/overview", user=plain, password="pw") == (
        401, {"error": "not_authorized", "reason": "Not management user"})
    assert api(broker, "GET", "/api/queues", user=monitor, password="pw")[0] == 200
    assert api(broker, "GET", "/api/nodes", user=monitor, password="pw")[0] == 200
    assert api(broker, "GET", "/api/users", user=monitor, password="pw")[0] == 403
    assert api(broker, "PUT", "/api/vhosts/nope", user=monitor, password="pw")[0] == 403


def test_health_checks_and_aliveness(broker):
    assert ok(broker, "GET", "/api/health/checks/alarms") == {"status": "ok"}
    assert ok(broker, "GET", f"/api/health/checks/port-listener/{broker.amqp_port}") == {"status": "ok"}
    status, body = api(broker, "GET", "/api/health/checks/port-listener/1")
    assert status == 503 and body["status"] == "failed"
    assert ok(broker, "GET", "/api/aliveness-test/%2F") == {"status": "ok"}


def test_definitions_export_import_round_trip(broker, start_broker):
    ex, qn = unique("dx"), unique("dq")
    ok(broker, "PUT", f"/api/exchanges/%2F/{q(ex)}", {"type": "direct", "durable": True})
    ok(broker, "PUT", f"/api/queues/%2F/{q(qn)}", {"durable": True, "arguments": {"x-max-length": 5}})
    ok(broker, "POST", f"/api/bindings/%2F/e/{q(ex)}/q/{q(qn)}", {"routing_key": "k"})
    exported = ok(broker, "GET", "/api/definitions")
    fresh = start_broker()
    assert api(fresh, "POST", "/api/definitions", exported)[0] == 204
    again = ok(fresh, "GET", "/api/definitions")
    for key in ("queues", "exchanges", "bindings", "vhosts", "permissions"):
        assert again[key] == exported[key], key
    assert ok(fresh, "GET", f"/api/queues/%2F/{q(qn)}")["arguments"] == {"x-max-length": 5}
    assert api(fresh, "POST", "/api/definitions", raw_body=b"{not json")[0] == 400


def test_changes_made_over_http_survive_a_kill(restartable_gateway):
    gw = restartable_gateway()
    target = gw.target
    ok(target, "PUT", "/api/users/keeper", {"password": "pw", "tags": "administrator"})
    ok(target, "PUT", "/api/vhosts/kept")
    ok(target, "PUT", "/api/permissions/kept/keeper", {"configure": ".*", "write": ".*", "read": ".*"})
    ok(target, "PUT", "/api/queues/kept/kq", {"durable": True}, user="keeper", password="pw")
    restarted = restart_or_fail(gw, kill=True)
    assert ok(restarted, "GET", "/api/whoami", user="keeper", password="pw")["name"] == "keeper"
    assert ok(restarted, "GET", "/api/queues/kept/kq", user="keeper", password="pw")["durable"] is True


def _raw(broker, data: bytes, wait: float = 5.0) -> bytes:
    with socket.create_connection((broker.host, broker.http_port), timeout=wait) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /api/overview HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", b"431"),
    (b"POST /api/definitions HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n", b"413"),
    (b"GET /api/queues/%zz HTTP/1.1\r\nHost: x\r\n\r\n", b"400"),
    (b"GET /api/overview HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", b"501"),
    (b"BLAH\r\n\r\n", b"400"),
    (b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
])
def test_hostile_requests_get_their_4xx_and_nothing_else_breaks(broker, request_bytes, status):
    answer = _raw(broker, request_bytes)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert ok(broker, "GET", "/api/overview")["product_name"] == "Gateway"
    assert_mqtt_healthy(broker)


def test_wrong_method_and_unknown_path(broker):
    assert api(broker, "PATCH", "/api/queues")[0] == 405
    assert api(broker, "GET", "/api/nonsense")[0] == 404


@pytest.mark.watchdog(60)
def test_slow_request_is_cut_off_and_others_are_served(broker):
    """A client that sends half a request and stalls (slowloris) gets 408 within ~10 s; meanwhile others are served."""
    with socket.create_connection((broker.host, broker.http_port), timeout=20) as s:
        s.sendall(b"GET /api/overview HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert ok(broker, "GET", "/api/overview")["product_name"] == "Gateway"
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert 5 <= elapsed <= 15, f"cut off after {elapsed:.1f} s"


def test_rabbitmqadmin_works_unchanged(broker, start_broker, tmp_path):
    """Debian's rabbitmqadmin (from rabbitmq-server, never started) against Gateway's API: declare, publish, get,
    list with message counts, export and import into a fresh broker."""
    import json
    import shutil
    import subprocess

    tool = shutil.which("rabbitmqadmin")
    assert tool, "rabbitmqadmin is not installed (the test command installs Debian's rabbitmq-server for it)"

    def run(target, *args) -> str:
        done = subprocess.run([tool, "-H", target.host, "-P", str(target.http_port), "-u", "guest", "-p", "guest",
                               *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"rabbitmqadmin {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    qn, ex = unique("adminq"), unique("adminx")
    run(broker, "declare", "queue", f"name={qn}", "durable=true")
    run(broker, "declare", "exchange", f"name={ex}", "type=fanout")
    run(broker, "declare", "binding", f"source={ex}", f"destination={qn}")
    run(broker, "publish", f"exchange={ex}", "routing_key=any", "payload=from-admin")
    queues = json.loads(run(broker, "-f", "raw_json", "list", "queues", "name", "messages"))
    assert {"name": qn, "messages": 1} in queues
    got = json.loads(run(broker, "-f", "raw_json", "get", f"queue={qn}", "ackmode=ack_requeue_false"))
    assert [m["payload"] for m in got] == ["from-admin"]
    exported = tmp_path / "defs.json"
    run(broker, "export", str(exported))
    fresh = start_broker()
    run(fresh, "import", str(exported))
    assert any(q["name"] == qn for q in json.loads(run(fresh, "-f", "raw_json", "list", "queues")))
    assert any(b["source"] == ex and b["destination"] == qn
               for b in json.loads(run(fresh, "-f", "raw_json", "list", "bindings")))


def test_amqp_and_mqtt_clients_appear_in_connections_and_can_be_closed(broker, mqtt_clients):
    from gwtest.mqtt import client_id

    amqp = connect(broker)
    cid = client_id("mgmt")
    device = mqtt_clients.connected(broker, cid)
    try:
        def listed():
            return ok(broker, "GET", "/api/connections")

        deadline = time.monotonic() + 5
        while not ({"AMQP 0-9-1", "MQTT 3.1.1"} <= {c["protocol"] for c in listed()}):
            assert time.monotonic() < deadline, f"connections never listed both clients: {listed()}"
            time.sleep(0.05)
        mqtt = next(c for c in listed() if c.get("client_id") == cid)
        assert (mqtt["user"], mqtt["vhost"], mqtt["ssl"]) == ("guest", "/", False)
        assert ok(broker, "GET", f"/api/connections/{q(mqtt['name'])}")["client_id"] == cid
        assert any(c["protocol"] == "AMQP 0-9-1" for c in ok(broker, "GET", "/api/vhosts/%2F/connections"))
        amqp_name = next(c["name"] for c in listed() if c["protocol"] == "AMQP 0-9-1")
        status, _ = api(broker, "DELETE", f"/api/connections/{q(amqp_name)}", headers={"X-Reason": "maintenance"})
        assert status == 204
        with pytest.raises(Exception):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                amqp.process_data_events(0.1)
        assert api(broker, "DELETE", f"/api/connections/{q(mqtt['name'])}")[0] == 204
        device.wait_disconnected(5)
        assert api(broker, "GET", f"/api/connections/{q(mqtt['name'])}")[0] == 404
    finally:
        if amqp.is_open:
            amqp.close()


def test_mqtt_sessions_and_retained_messages(broker, mqtt_clients):
    from gwtest.mqtt import client_id, topic

    cid, t = client_id("sess"), topic("mgmt")
    device = mqtt_clients.connected(broker, cid, clean_session=False)
    device.subscribe([(t + "/#", 1)])
    device.publish(t + "/state", b"on", qos=1, retain=True)
    device.wait_messages(1)
    session = ok(broker, "GET", f"/api/mqtt/sessions/%2F/{q(cid)}")
    assert (session["connected"], session["persistent"], session["queue"]) == (True, True, f"mqtt.{cid}")
    assert session["subscriptions"] == [{"filter": t + "/#", "qos": 1}]
    assert any(s["client_id"] == cid for s in ok(broker, "GET", "/api/mqtt/sessions"))
    retained = ok(broker, "GET", f"/api/mqtt/retained/%2F/{t}/state")
    assert (retained["payload"], retained["qos"]) == ("on", 1)
    assert any(r["topic"] == t + "/state" for r in ok(broker, "GET", "/api/mqtt/retained/%2F"))
    assert api(broker, "DELETE", f"/api/mqtt/retained/%2F/{t}/state")[0] == 204
    assert api(broker, "GET", f"/api/mqtt/retained/%2F/{t}/state")[0] == 404
    # Ending the session closes the client and removes its queue and subscriptions.
    assert api(broker, "DELETE", f"/api/mqtt/sessions/%2F/{q(cid)}")[0] == 204
    device.wait_disconnected(5)
    deadline = time.monotonic() + 5
    while api(broker, "GET", f"/api/mqtt/sessions/%2F/{q(cid)}")[0] != 404:
        assert time.monotonic() < deadline, "the ended session is still listed"
        time.sleep(0.05)
    assert api(broker, "GET", f"/api/queues/%2F/{q('mqtt.' + cid)}")[0] == 404
    assert api(broker, "DELETE", f"/api/mqtt/sessions/%2F/{q(cid)}")[0] == 404


def test_prometheus_metrics_parse_and_move_with_traffic(broker):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape(path="/metrics") -> dict:
        import urllib.request

        with urllib.request.urlopen(f"http://{broker.host}:{broker.http_port}{path}", timeout=10) as resp:
            assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = resp.read().decode()
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    name = unique("metrics")
    before = scrape()
    for key in ("rabbitmq_queues", "rabbitmq_connections", "rabbitmq_process_resident_memory_bytes",
                "gateway_mqtt_retained_messages", "gateway_publisher_pauses_total", "gateway_sync_round_seconds_count"):
        assert (key, ()) in before, key
    ok(broker, "PUT", f"/api/queues/%2F/{q(name)}", {"durable": False})
    for _ in range(4):
        ok(broker, "POST", "/api/exchanges/%2F/amq.default/publish",
           {"routing_key": name, "payload": "x", "payload_encoding": "string", "properties": {}})
    after = scrape()
    # Broker-wide totals: other tests' queues may come and go meanwhile, so the exact figures of this queue are
    # checked on /metrics/detailed below.
    assert after[("rabbitmq_queues", ())] >= 1 and after[("rabbitmq_queue_messages_ready", ())] >= 4
    # Every change made through the API waited for a sync round: the rounds are counted.
    assert after[("gateway_sync_round_seconds_count", ())] > before[("gateway_sync_round_seconds_count", ())]
    assert after[("gateway_sync_round_seconds_bucket", (("le", "+Inf"),))] == after[("gateway_sync_round_seconds_count", ())]
    detailed = scrape("/metrics/detailed?family=queue_coarse_metrics&vhost=%2F")
    assert detailed[("rabbitmq_detailed_queue_messages_ready", (("queue", name), ("vhost", "/")))] == 4
    ok(broker, "DELETE", f"/api/queues/%2F/{q(name)}")


def test_https_port_serves_the_same_api(start_broker, pki):
    import ssl
    import urllib.request
    from gwtest.broker import free_port

    https = free_port()
    target = start_broker(settings={
        "main": {"tls_cert": str(pki.server_cert), "tls_key": str(pki.server_key)},
        "amqp": {"tls_port": str(free_port())}, "mqtt": {"tls_port": str(free_port())},
        "mgmt": {"tls_port": str(https)},
    })
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    request = urllib.request.Request(f"https://localhost:{https}/api/whoami",
                                     headers={"Authorization": "Basic Z3Vlc3Q6Z3Vlc3Q="})
    deadline = time.monotonic() + 5
    while True:
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as resp:
                assert json_load(resp.read()) == {"name": "guest", "tags": ["administrator"]}
                break
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the HTTPS port never accepted"
            time.sleep(0.05)
    listeners = {(l["protocol"], l["port"]) for l in ok(target, "GET", "/api/overview")["listeners"]}
    assert ("https", https) in listeners


def json_load(raw: bytes):
    import json

    return json.loads(raw)


def test_a_policy_changes_live_queues_and_survives_a_restart(restartable_gateway):
    gw = restartable_gateway()
    target = gw.target
    name = "policed.q"
    ok(target, "PUT", f"/api/queues/%2F/{name}", {"durable": True})
    ok(target, "PUT", "/api/queues/%2F/free.q", {"durable": True})
    for i in range(5):
        for qn in (name, "free.q"):
            ok(target, "POST", "/api/exchanges/%2F/amq.default/publish",
               {"routing_key": qn, "payload": f"m{i}", "payload_encoding": "string",
                "properties": {"delivery_mode": 2}})
    assert api(target, "PUT", "/api/policies/%2F/cap",
               {"pattern": "^policed\\.", "definition": {"max-length": "x"}})[0] == 400
    assert api(target, "PUT", "/api/policies/%2F/cap",
               {"pattern": "^policed\\.", "apply-to": "queues", "priority": 1,
                "definition": {"max-length": 2}})[0] == 201
    # The live queue dropped its oldest messages at once; the other queue is untouched.
    assert ok(target, "GET", f"/api/queues/%2F/{name}")["messages"] == 2
    assert ok(target, "GET", "/api/queues/%2F/free.q")["messages"] == 5
    got = ok(target, "POST", f"/api/queues/%2F/{name}/get", {"count": 5, "ackmode": "ack_requeue_true"})
    assert [m["payload"] for m in got] == ["m3", "m4"]
    # A queue's own argument wins over the policy.
    ok(target, "PUT", "/api/queues/%2F/policed.own", {"durable": True, "arguments": {"x-max-length": 4}})
    assert ok(target, "GET", "/api/policies/%2F/cap")["definition"] == {"max-length": 2}
    restarted = restart_or_fail(gw, kill=True)
    assert [p["name"] for p in ok(restarted, "GET", "/api/policies/%2F")] == ["cap"]
    for i in range(3):
        ok(restarted, "POST", "/api/exchanges/%2F/amq.default/publish",
           {"routing_key": name, "payload": f"n{i}", "payload_encoding": "string", "properties": {}})
        ok(restarted, "POST", "/api/exchanges/%2F/amq.default/publish",
           {"routing_key": "policed.own", "payload": f"n{i}", "payload_encoding": "string", "properties": {}})
    assert ok(restarted, "GET", f"/api/queues/%2F/{name}")["messages"] == 2
    assert ok(restarted, "GET", "/api/queues/%2F/policed.own")["messages"] == 3
    assert api(restarted, "DELETE", "/api/policies/%2F/cap")[0] == 204
    for i in range(3):
        ok(restarted, "POST", "/api/exchanges/%2F/amq.default/publish",
           {"routing_key": name, "payload": f"o{i}", "payload_encoding": "string", "properties": {}})
    assert ok(restarted, "GET", f"/api/queues/%2F/{name}")["messages"] == 5
    assert "cap" not in {p["name"] for p in ok(restarted, "GET", "/api/policies")}


def test_message_stats_count_publishes_deliveries_and_acks(broker):
    name = unique("stats")
    ok(broker, "PUT", f"/api/queues/%2F/{q(name)}", {"durable": False})
    for i in range(3):
        ok(broker, "POST", "/api/exchanges/%2F/amq.default/publish",
           {"routing_key": name, "payload": f"m{i}", "payload_encoding": "string", "properties": {}})
    ok(broker, "POST", f"/api/queues/%2F/{q(name)}/get", {"count": 2, "ackmode": "ack_requeue_false"})
    ok(broker, "POST", f"/api/queues/%2F/{q(name)}/get", {"count": 1, "ackmode": "ack_requeue_true"})
    stats = ok(broker, "GET", f"/api/queues/%2F/{q(name)}")["message_stats"]
    assert (stats["publish"], stats["deliver_get"], stats["ack"], stats["redeliver"]) == (3, 3, 2, 0)
    assert "rate" in stats["publish_details"]
    overview = ok(broker, "GET", "/api/overview")["message_stats"]
    assert overview["publish"] >= 3 and overview["ack"] >= 2
    again = ok(broker, "POST", f"/api/queues/%2F/{q(name)}/get", {"count": 1, "ackmode": "ack_requeue_false"})
    assert again[0]["redelivered"] is True
    assert ok(broker, "GET", f"/api/queues/%2F/{q(name)}")["message_stats"]["redeliver"] == 1


def test_consumers_lists_amqp_consumers_and_mqtt_sessions(broker, mqtt_clients):
    from gwtest.mqtt import client_id

    name = unique("cons")
    conn = connect(broker)
    try:
        ch = conn.channel()
        ch.queue_declare(name, auto_delete=True)
        ch.basic_qos(prefetch_count=7)
        ch.basic_consume(name, lambda *a: None, consumer_tag="my-tag")
        cid = client_id("cons")
        mqtt_clients.connected(broker, cid)
        deadline = time.monotonic() + 5
        while True:
            listed = ok(broker, "GET", "/api/consumers")
            mine = [c for c in listed if c["queue"]["name"] == name]
            session = [c for c in listed if c["queue"]["name"] == f"mqtt.{cid}"]
            if mine and session:
                break
            assert time.monotonic() < deadline, f"consumers never listed: {listed}"
            time.sleep(0.05)
        assert (mine[0]["consumer_tag"], mine[0]["prefetch_count"], mine[0]["ack_required"]) == ("my-tag", 7, True)
        amqp_names = {c["name"] for c in ok(broker, "GET", "/api/connections") if c["protocol"] == "AMQP 0-9-1"}
        assert mine[0]["channel_details"]["connection_name"] in amqp_names
        assert session[0]["consumer_tag"] == "mqtt-session"
    finally:
        conn.close()


def test_channels_of_an_amqp_connection(broker):
    conn = connect(broker)
    try:
        conn.channel()
        conn.channel()
        mine = []
        deadline = time.monotonic() + 5
        while len(mine) < 2:
            assert time.monotonic() < deadline, "the two channels were never listed"
            amqp = [c for c in ok(broker, "GET", "/api/connections") if c["protocol"] == "AMQP 0-9-1"]
            names = {c["name"] for c in amqp}
            mine = [ch for ch in ok(broker, "GET", "/api/channels") if ch["connection_details"]["name"] in names]
            time.sleep(0.02)
        assert sorted(ch["number"] for ch in mine) == [1, 2]
        assert ok(broker, "GET", f"/api/channels/{q(mine[0]['name'])}")["user"] == "guest"
        assert max(c["channels"] for c in amqp) == 2
    finally:
        conn.close()


def test_tls_connections_show_protocol_and_cipher(tls_broker):
    import pika
    from gwtest.tls import amqps_params, client_context

    broker = tls_broker()
    conn = pika.BlockingConnection(amqps_params(broker, client_context(broker.pki)))
    try:
        listed = [c for c in ok(broker.target, "GET", "/api/connections") if c["ssl"]]
        assert listed, "the AMQPS connection is not listed with ssl true"
        assert listed[0]["ssl_protocol"].startswith("TLSv1.") and listed[0]["ssl_cipher"]
    finally:
        conn.close()


def test_default_user_only_from_loopback_and_rabbitmqadmin_closes_connections(broker):
    import shutil
    import subprocess

    request = (b"GET /api/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n"
               b"Connection: close\r\n\r\n")
    with socket.create_connection((broker.host, broker.http_port), timeout=5, source_address=("127.0.0.2", 0)) as s:
        s.sendall(request)
        answer = s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:100]
    assert ok(broker, "GET", "/api/whoami")["name"] == "guest"

    conn = connect(broker)
    try:
        name = next(c["name"] for c in ok(broker, "GET", "/api/connections") if c["protocol"] == "AMQP 0-9-1")
        done = subprocess.run([shutil.which("rabbitmqadmin"), "-H", broker.host, "-P", str(broker.http_port),
                               "-u", "guest", "-p", "guest", "close", "connection", f"name={name}"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        with pytest.raises(Exception):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                conn.process_data_events(0.1)
    finally:
        if conn.is_open:
            conn.close()


def test_oauth_tokens_as_bearer_or_password(start_broker, tmp_path):
    from gwtest.oauth import KeySet, claims, mint, oauth_settings, scopes, write_jwks

    keys = KeySet.create()
    target = start_broker(settings=oauth_settings(write_jwks(tmp_path / "jwks.json", keys.trusted)))
    token = mint(keys.by_alg("RS256"), claims("it-dashboard", scopes("tag:monitoring", "read:%2F/*")))
    who = ok(target, "GET", "/api/whoami", user=None, headers={"Authorization": f"Bearer {token}"})
    assert who["name"] == "it-dashboard" and "monitoring" in who["tags"]
    assert ok(target, "GET", "/api/whoami", user="ignored", password=token)["name"] == "it-dashboard"
    assert api(target, "GET", "/api/queues", user=None, headers={"Authorization": f"Bearer {token}"})[0] == 200
    assert api(target, "GET", "/api/users", user=None, headers={"Authorization": f"Bearer {token}"})[0] == 403
    bad = mint(keys.by_alg("RS256"), claims("it-dashboard", scopes("tag:monitoring"), ttl=-60))
    assert api(target, "GET", "/api/whoami", user=None, headers={"Authorization": f"Bearer {bad}"})[0] == 401


def test_channel_exchange_and_connection_statistics(broker, mqtt_clients):
    from gwtest.mqtt import client_id

    exchange, queue = unique("stats-x"), unique("stats-q")
    conn = connect(broker)
    try:
        ch = conn.channel()
        ch.exchange_declare(exchange, "direct", auto_delete=False)
        ch.queue_declare(queue, auto_delete=False)
        ch.queue_bind(queue, exchange, "k")
        ch.confirm_delivery()
        body = b"x" * 1000
        for _ in range(10):
            ch.basic_publish(exchange, "k", body)
        import pika.exceptions
        for _ in range(2):
            with pytest.raises(pika.exceptions.UnroutableError):
                ch.basic_publish(exchange, "nowhere", b"lost", mandatory=True)
        got = 0
        for method, _, _ in ch.consume(queue, inactivity_timeout=5):
            assert method is not None, "deliveries stopped"
            ch.basic_ack(method.delivery_tag)
            got += 1
            if got == 10:
                break
        ch.cancel()  # nothing is left unacknowledged, so nothing is requeued
        ch.basic_publish(exchange, "k", b"one more")
        first = ch.basic_get(queue, auto_ack=False)[0]
        assert first is not None
        ch.basic_reject(first.delivery_tag, requeue=True)
        again = ch.basic_get(queue, auto_ack=True)[0]
        assert again is not None and again.redelivered

        names = {c["name"] for c in ok(broker, "GET", "/api/connections") if c["protocol"] == "AMQP 0-9-1"}
        mine = [c for c in ok(broker, "GET", "/api/channels")
                if c["connection_details"]["name"] in names and c.get("message_stats", {}).get("publish") == 13]
        assert len(mine) == 1, ok(broker, "GET", "/api/channels")
        stats = mine[0]["message_stats"]
        assert (stats["publish"], stats["confirm"], stats["return_unroutable"]) == (13, 13, 2)
        assert (stats["deliver"], stats["get"], stats["deliver_get"], stats["ack"], stats["redeliver"]) == (10, 2, 12, 10, 1)
        assert "rate" in stats["publish_details"]
        x = ok(broker, "GET", f"/api/exchanges/%2F/{q(exchange)}")["message_stats"]
        assert (x["publish_in"], x["publish_out"]) == (13, 11)
        connection = ok(broker, "GET", f"/api/connections/{q(mine[0]['connection_details']['name'])}")
        assert connection["recv_oct"] > 10 * len(body) and connection["send_oct"] > 10 * len(body)
        assert "rate" in connection["recv_oct_details"]
    finally:
        conn.close()

    before = ok(broker, "GET", "/api/exchanges/%2F/mqtt.default")["message_stats"]["publish_in"]
    cid = client_id("stats")
    device = mqtt_clients.connected(broker, cid)
    for i in range(3):
        device.publish(f"stats/{cid}/{i}", b"y" * 500, qos=1)
    after = ok(broker, "GET", "/api/exchanges/%2F/mqtt.default")["message_stats"]["publish_in"]
    assert after - before >= 3
    mqtt = next(c for c in ok(broker, "GET", "/api/connections") if c.get("client_id") == cid)
    assert mqtt["recv_oct"] > 1500 and mqtt["send_oct"] > 0
