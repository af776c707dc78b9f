#!/usr/bin/env bash
# Runs the MQTT modules of the interop suite (test_mqtt_*.py) against a real mosquitto 2.0.11 (Debian's mosquitto)
# instead of gateway, to validate the tests themselves; AMQP tests and gateway-only tests are skipped with a reason.
# Starts mosquitto on loopback with shared/peers/brokers.sh (anonymous, its own run dir under $LG_RUN, default
# /tmp/interop-mosq), runs pytest in mosquitto mode, and stops mosquitto by pid.
#   interop/run-against-mosquitto.sh [pytest args...]
# Environment: BROKERS_SH (path to brokers.sh), MOSQ_PORT (18840).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

brokers=${BROKERS_SH:-}
if [[ -z $brokers ]]; then
  for candidate in ../shared/peers/brokers.sh ../../shared/peers/brokers.sh /work/shared/peers/brokers.sh; do
    [[ -f $candidate ]] && { brokers=$candidate; break; }
  done
fi
[[ -n $brokers && -f $brokers ]] || { echo "brokers.sh not found: set BROKERS_SH" >&2; exit 2; }
[[ -x /usr/sbin/mosquitto ]] || { echo "mosquitto is not installed: apt-get install -y mosquitto mosquitto-clients" >&2; exit 2; }
[[ -x interop/.venv/bin/pytest ]] || { echo "no interop/.venv: run scripts/test.sh once, or python3 -m venv interop/.venv && interop/.venv/bin/pip install -r interop/requirements.txt" >&2; exit 2; }

export LG_RUN=${LG_RUN:-/tmp/interop-mosq}
# shellcheck source=/dev/null
source "$brokers"
trap 'rc=$?; set +e; mosq_stop; exit $rc' EXIT  # brokers.sh functions are not written for set -e
mosq_start
echo "mosquitto on 127.0.0.1:$MOSQ_PORT (pid $MOSQ_PID)"

(
  export INTEROP_TARGET=mosquitto INTEROP_MQTT_PORT=$MOSQ_PORT INTEROP_BROKER_PID=$MOSQ_PID
  exec interop/.venv/bin/pytest -q interop "$@"
)
