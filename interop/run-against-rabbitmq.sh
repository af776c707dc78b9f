#!/usr/bin/env bash
# Runs the interop suite against a real RabbitMQ 3.10 (Debian's rabbitmq-server) instead of gateway, to validate
# the tests themselves. Starts RabbitMQ on loopback with shared/peers/brokers.sh (its own run dir under
# $LG_RUN, default /tmp/interop-rmq), runs pytest in rabbitmq mode, and stops RabbitMQ by pid.
#   interop/run-against-rabbitmq.sh [pytest args...]
# Environment: BROKERS_SH (path to brokers.sh), RMQ_AMQP_PORT (15680), RMQ_MQTT_PORT (18841) and the other RMQ_*
# ports of brokers.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

brokers=${BROKERS_SH:-}
if [[ -z $brokers ]]; then
  for candidate in ../shared/peers/brokers.sh ../../shared/peers/brokers.sh /work/shared/peers/brokers.sh; do
    [[ -f $candidate ]] && { brokers=$candidate; break; }
  done
fi
[[ -n $brokers && -f $brokers ]] || { echo "brokers.sh not found: set BROKERS_SH" >&2; exit 2; }
[[ -x /usr/sbin/rabbitmq-server ]] || { echo "rabbitmq-server is not installed: apt-get install -y rabbitmq-server" >&2; exit 2; }
[[ -x interop/.venv/bin/pytest ]] || { echo "no interop/.venv: run scripts/test.sh once, or python3 -m venv interop/.venv && interop/.venv/bin/pip install -r interop/requirements.txt" >&2; exit 2; }

export LG_RUN=${LG_RUN:-/tmp/interop-rmq}
# shellcheck source=/dev/null
source "$brokers"
trap 'rc=$?; set +e; rmq_stop; exit $rc' EXIT  # brokers.sh functions are not written for set -e
rmq_start
echo "RabbitMQ on 127.0.0.1:$RMQ_AMQP_PORT, MQTT on 127.0.0.1:$RMQ_MQTT_PORT (pid $RMQ_PID)"

(
  rmq_env  # rabbitmqctl needs the node name, cookie home and epmd port of this RabbitMQ
  export INTEROP_TARGET=rabbitmq INTEROP_AMQP_PORT=$RMQ_AMQP_PORT INTEROP_MQTT_PORT=$RMQ_MQTT_PORT INTEROP_BROKER_PID=$RMQ_PID
  export INTEROP_RABBITMQCTL="$RMQ_SBIN/rabbitmqctl"
  exec interop/.venv/bin/pytest -q interop "$@"
)
