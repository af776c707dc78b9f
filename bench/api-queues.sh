#!/usr/bin/env bash
# The management API with many queues: time of `GET /api/queues` (all of them, and a page of 100) on Gateway and on
# RabbitMQ 3.10 with its management plugin, same machine, one run. Each broker gets COUNT durable-less queues
# declared over AMQP (a few messages in some), then each request is timed ROUNDS times with curl.
# Prints one markdown table. Every process it starts is stopped on exit.
#
# Environment:
#   BROKERS=rabbitmq,gateway  COUNT=10000  ROUNDS=3  BUILD=1 (0 skips `swift build`)
#   GATEWAY (default .build/release/gateway), BROKERS_SH (the peers script)
set -o pipefail

ROOT=$(git rev-parse --show-toplevel) || exit 1
cd "$ROOT" || exit 1
BROKERS=$(echo "${BROKERS:-rabbitmq,gateway}" | tr ',' ' ')
COUNT=${COUNT:-10000}
ROUNDS=${ROUNDS:-3}
BUILD=${BUILD:-1}
GATEWAY=${GATEWAY:-$ROOT/.build/release/gateway}
PYTHON=${PYTHON:-$ROOT/interop/.venv/bin/python}

die() { echo "api-queues: $*" >&2; exit 1; }
wants() { case " $BROKERS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
WORK=$(mktemp -d /tmp/gateway-api-queues.XXXXXX)
export LG_RUN=$WORK/peers
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
cleanup() {
  stop_gateway
  rmq_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$PYTHON" ] || die "no python with pika at $PYTHON (run the test command once, or set PYTHON)"
if [ "$BUILD" != 0 ]; then swift build -c release --product gateway >&2 || die "release build failed"; fi

# declare AMQP_PORT: COUNT queues named bench.q.N, every 100th with 10 messages
declare_queues() {
  "$PYTHON" - "$1" "$COUNT" <<'PY'
import sys, pika
port, count = int(sys.argv[1]), int(sys.argv[2])
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, credentials=pika.PlainCredentials("guest", "guest")))
ch = c.channel()
for i in range(count):
    ch.queue_declare(f"bench.q.{i}")
    if i % 100 == 0:
        for j in range(10):
            ch.basic_publish("", f"bench.q.{i}", b"x" * 16)
c.close()
PY
}

# best_ms URL: the fastest of ROUNDS requests, in ms, and the body size of the last
time_get() {
  local best=999999 t size
  for _ in $(seq "$ROUNDS"); do
    read -r t size < <(curl -s -o /dev/null -u guest:guest -w '%{time_total} %{size_download}\n' "$1")
    t=$(awk -v t="$t" 'BEGIN { printf "%d", t * 1000 }')
    [ "$t" -lt "$best" ] && best=$t
  done
  echo "$best $size"
}

ROWS=()
measure() {
  local broker=$1 http=$2 all page
  all=$(time_get "http://127.0.0.1:$http/api/queues")
  page=$(time_get "http://127.0.0.1:$http/api/queues?page=1&page_size=100")
  ROWS+=("| $broker | ${all% *} | $(awk -v b="${all#* }" 'BEGIN { printf "%.1f", b / 1048576 }') | ${page% *} |")
}

if wants rabbitmq; then
  RMQ_HTTP=$(free_port)
  rmq_start || die "rabbitmq did not start"
  (
    rmq_env
    "$RMQ_SBIN/rabbitmqctl" -q eval \
      "application:set_env(rabbitmq_management, tcp_config, [{ip, \"127.0.0.1\"}, {port, $RMQ_HTTP}])." >/dev/null &&
      "$RMQ_SBIN/rabbitmq-plugins" -q enable --online rabbitmq_management >/dev/null
  ) || die "cannot enable the RabbitMQ management plugin"
  wait_port "$RMQ_HTTP" 60 || die "RabbitMQ management did not open port $RMQ_HTTP"
  declare_queues "$RMQ_AMQP_PORT" || die "declaring queues on RabbitMQ failed"
  measure "RabbitMQ 3.10" "$RMQ_HTTP"
  rmq_stop
fi

if wants gateway; then
  amqp=$(free_port) http=$(free_port)
  "$GATEWAY" -D "$WORK/gw" -b 127.0.0.1 --amqp-port "$amqp" --mqtt-port 0 --http-port "$http" --ws-port 0 --wss-port 0 -l warning \
    >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  wait_port "$http" 30 || die "gateway did not start: $(tail -5 "$WORK/gateway.log")"
  declare_queues "$amqp" || die "declaring queues on Gateway failed"
  measure Gateway "$http"
  stop_gateway
fi

echo "| broker ($COUNT queues) | GET /api/queues, ms (best of $ROUNDS) | MiB | page of 100, ms |"
echo "|---|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
