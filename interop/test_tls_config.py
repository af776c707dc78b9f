"""TLS configuration errors stop the start: a missing certificate or key file, or one that holds no PEM, makes
gateway exit with a non-zero code and a message naming the file (it must not run with its TLS listeners silently
missing). Gateway only."""

from __future__ import annotations

import pytest

from gwtest.broker import free_port
from gwtest.session import skip_on
from gwtest.startup import start_expecting_failure
from gwtest.tls import TLSOptions

pytestmark = skip_on(("rabbitmq", "mosquitto", "mosquitto-tls"), "gateway's own configuration")


@pytest.mark.parametrize("broken", ["missing-cert", "missing-key", "cert-not-pem", "key-not-pem", "missing-ca"])
def test_bad_certificate_path_stops_the_start(tmp_path, pki, broken):
    bad = tmp_path / f"{broken}.pem"
    if broken.endswith("not-pem"):
        bad.write_text("this is not a PEM file\n")
    options = TLSOptions(verify_peer=broken == "missing-ca")
    settings = options.gateway_settings(pki, free_port(), free_port())
    key = {"missing-cert": "tls_cert", "cert-not-pem": "tls_cert", "missing-key": "tls_key", "key-not-pem": "tls_key",
           "missing-ca": "tls_ca_cert"}[broken]
    settings["main"][key] = str(bad)
    failed = start_expecting_failure(tmp_path / "gw", settings)
    code, log = failed.code, failed.log
    assert code != 0, f"gateway exited with code 0 on a bad {key}:\n{log}"
    assert str(bad) in log, f"the message does not name {bad}:\n{log}"


def test_key_that_does_not_match_the_certificate_stops_the_start(tmp_path, pki):
    settings = TLSOptions().gateway_settings(pki, free_port(), free_port())
    settings["main"]["tls_key"] = str(pki.client.key)
    failed = start_expecting_failure(tmp_path / "gw", settings)
    code, log = failed.code, failed.log
    assert code != 0, f"gateway exited with code 0 with a key that does not match the certificate:\n{log}"
    assert str(pki.client.key) in log or str(pki.server_cert) in log, f"the message names neither file:\n{log}"


def test_good_configuration_starts_and_logs_the_tls_listeners(tls_broker, pki):
    broker = tls_broker()
    log = broker.log_text()
    assert f"listening for AMQPS on {broker.host}:{broker.target.amqps_port}" in log, log
    assert f"listening for MQTTS on {broker.host}:{broker.target.mqtts_port}" in log, log
