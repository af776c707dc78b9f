#!/usr/bin/env bash
# AMQP throughput: Gateway against RabbitMQ, same client (gatewayperf), same machine.
#
# Builds release binaries, starts RabbitMQ (shared/peers/brokers.sh) and Gateway on free loopback ports
# with throw-away data dirs, runs `gatewayperf amqp throughput` against each for
#   1. 16 B, 1 publisher -> 1 consumer, no confirms
#   2. 16 B, 1 publisher -> 1 consumer, --confirm 1000
# and prints a markdown table: rates, latency, the Gateway/RabbitMQ ratio, and broker CPU per message
# (utime+stime of the broker process from /proc/PID/stat over the run, divided by the messages published).
# Every process it starts is stopped on exit, whatever happens.
#
# Environment:
#   DURATION=10                  measured seconds per run (plus WARMUP=1 s of warm-up)
#   BROKERS="rabbitmq gateway"   which brokers to run (e.g. BROKERS=rabbitmq while Gateway is not ready)
#   BUILD=1                      0 skips `swift build`
#   GATEWAYPERF, GATEWAY         binaries to use (default .build/release/{gatewayperf,gateway})
#   EXTRA="--prefetch 500"       extra gatewayperf options for every run
#   BROKERS_SH                   the peers script (default: <repo>/../shared/peers/brokers.sh)
set -o pipefail

ROOT=$(git rev-parse --show-toplevel) || exit 1
cd "$ROOT" || exit 1
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
BROKERS=${BROKERS:-"rabbitmq gateway"}
BUILD=${BUILD:-1}
GATEWAYPERF=${GATEWAYPERF:-$ROOT/.build/release/gatewayperf}
GATEWAY=${GATEWAY:-$ROOT/.build/release/gateway}
CLK_TCK=$(getconf CLK_TCK)

WORK=$(mktemp -d /tmp/gateway-bench.XXXXXX)
export LG_RUN=$WORK/peers
GW_PID=

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Ports for RabbitMQ: free ones unless the caller chose them, so a broker someone else runs is never measured.
export RMQ_AMQP_PORT=${RMQ_AMQP_PORT:-$(free_port)}
export RMQ_MQTT_PORT=${RMQ_MQTT_PORT:-$(free_port)}
export RMQ_DIST_PORT=${RMQ_DIST_PORT:-$(free_port)}
export RMQ_EPMD_PORT=${RMQ_EPMD_PORT:-$(free_port)}
BROKERS_SH=${BROKERS_SH:-$ROOT/../shared/peers/brokers.sh}
# shellcheck source=/dev/null
. "$BROKERS_SH" || { echo "cannot read $BROKERS_SH (set BROKERS_SH)" >&2; exit 1; }

cleanup() {
  if [ -n "$GW_PID" ]; then
    kill -TERM "$GW_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GW_PID" 2>/dev/null
    wait "$GW_PID" 2>/dev/null
    GW_PID=
  fi
  rmq_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "amqp-throughput: $*" >&2; exit 1; }

wants() { case " $BROKERS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# --- build ---------------------------------------------------------------------------------------------
if [ "$BUILD" != 0 ]; then
  products="--product gatewayperf"
  wants gateway && products="--product gateway $products"
  # shellcheck disable=SC2086
  swift build -c release $products >&2 || die "release build failed"
fi
[ -x "$GATEWAYPERF" ] || die "no gatewayperf binary at $GATEWAYPERF"

# --- brokers -------------------------------------------------------------------------------------------
start_rabbitmq() {
  if ! dpkg -s rabbitmq-server >/dev/null 2>&1; then
    echo "installing rabbitmq-server..." >&2
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get install -y rabbitmq-server >&2 || die "apt-get install rabbitmq-server failed"
    RMQ_SBIN=$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | tail -1)
  fi
  echo "starting RabbitMQ on 127.0.0.1:$RMQ_AMQP_PORT..." >&2
  rmq_start || die "RabbitMQ did not start (log: $LG_RUN/rmq)"
  [ -n "$RMQ_PID" ] || die "RabbitMQ started but its beam.smp pid is unknown"
}

start_gateway() {
  [ -x "$GATEWAY" ] || die "no gateway binary at $GATEWAY"
  GW_AMQP_PORT=$(free_port)
  local mqtt_port http_port
  mqtt_port=$(free_port)
  http_port=$(free_port)
  mkdir -p "$WORK/gateway-data"
  echo "starting Gateway on 127.0.0.1:$GW_AMQP_PORT..." >&2
  "$GATEWAY" -D "$WORK/gateway-data" --amqp-port "$GW_AMQP_PORT" --mqtt-port "$mqtt_port" --http-port "$http_port" --ws-port 0 --wss-port 0 \
    >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  wait_port "$GW_AMQP_PORT" 30 || { tail -20 "$WORK/gateway.log" >&2; die "Gateway did not start"; }
}

# utime+stime of a process in clock ticks.
cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# --- runs ----------------------------------------------------------------------------------------------
TESTS=("16 B 1->1 no confirms|--size 16 --publishers 1 --consumers 1"
       "16 B 1->1 confirm 1000|--size 16 --publishers 1 --consumers 1 --confirm 1000")
declare -A RESULT   # "$test|$broker" -> "published confirmed consumed p50 p99 cpu_us_per_msg" or "failed"

run_one() { # test-index broker-name uri pid
  local name=${TESTS[$1]%%|*} options=${TESTS[$1]#*|} broker=$2 uri=$3 pid=$4
  local before after json
  echo "== $name against $broker" >&2
  before=$(cpu_ticks "$pid")
  # shellcheck disable=SC2086
  json=$("$GATEWAYPERF" amqp throughput --uri "$uri" $options --duration "$DURATION" --warmup "$WARMUP" --json $EXTRA) \
    || { RESULT["$name|$broker"]=failed; return; }
  after=$(cpu_ticks "$pid")
  RESULT["$name|$broker"]=$(python3 - "$json" "$((after - before))" "$CLK_TCK" <<'EOF'
import json, sys
r = json.loads(sys.argv[1]); ticks = int(sys.argv[2]); hz = int(sys.argv[3])
lat = r["latency_us"] or {}
cpu = ticks / hz * 1e6 / r["published"] if r["published"] else 0
f = lambda v: "-" if v is None else "%.0f" % v
print(f(r["publish_rate"]), f(r["confirm_rate"]) if r["confirm"] else "-", f(r["consume_rate"]),
      f(lat.get("p50")), f(lat.get("p99")), "%.2f" % cpu)
EOF
)
}

for broker in $BROKERS; do
  case $broker in
    rabbitmq)
      start_rabbitmq
      for i in "${!TESTS[@]}"; do run_one "$i" RabbitMQ "amqp://guest:guest@127.0.0.1:$RMQ_AMQP_PORT/%2F" "$RMQ_PID"; done
      rmq_stop ;;
    gateway)
      start_gateway
      for i in "${!TESTS[@]}"; do run_one "$i" Gateway "amqp://guest:guest@127.0.0.1:$GW_AMQP_PORT/%2F" "$GW_PID"; done ;;
    *) die "unknown broker '$broker' in BROKERS (use rabbitmq and/or gateway)" ;;
  esac
done

# --- report --------------------------------------------------------------------------------------------
ratio() { python3 -c 'import sys; a, b = sys.argv[1:]; print("-" if "-" in (a, b) or float(b) == 0 else "%.2fx" % (float(a) / float(b)))' "$1" "$2"; }

echo
echo "gatewayperf amqp throughput, ${DURATION} s measured after ${WARMUP} s warm-up, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| test | broker | published msg/s | confirmed msg/s | consumed msg/s | p50 µs | p99 µs | broker CPU µs/msg |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for t in "${TESTS[@]}"; do
  name=${t%%|*}
  for broker in RabbitMQ Gateway; do
    r=${RESULT["$name|$broker"]:-}
    [ -n "$r" ] || continue
    if [ "$r" = failed ]; then
      echo "| $name | $broker | failed | | | | | |"
    else
      read -r pub conf cons p50 p99 cpu <<<"$r"
      echo "| $name | $broker | $pub | $conf | $cons | $p50 | $p99 | $cpu |"
    fi
  done
  g=${RESULT["$name|Gateway"]:-failed} r=${RESULT["$name|RabbitMQ"]:-failed}
  if [ "$g" != failed ] && [ "$r" != failed ]; then
    read -r gp gc gn _ _ gcpu <<<"$g"
    read -r rp rc rn _ _ rcpu <<<"$r"
    echo "| $name | Gateway/RabbitMQ | $(ratio "$gp" "$rp") | $(ratio "$gc" "$rc") | $(ratio "$gn" "$rn") | | | $(ratio "$gcpu" "$rcpu") |"
  fi
done
