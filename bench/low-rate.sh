#!/usr/bin/env bash
# Cost at low load: idle CPU, and broker CPU and end-to-end latency at fixed message rates, Gateway against
# mosquitto 2.0 (MQTT) and RabbitMQ 3.10 (AMQP), same client (gatewayperf), same machine, one run.
#
# Builds release binaries, starts each broker on free loopback ports with throw-away data dirs (peers through
# shared/peers/brokers.sh), measures its CPU while idle for IDLE seconds, then for every rate in RATES runs a
# 1 -> 1, 16 B `gatewayperf ... throughput --rate R` (MQTT QoS 0 and QoS 1; AMQP without confirms) and reports
# the broker's CPU (utime+stime from /proc/PID/stat over the whole run, as % of one core) with p50/p99/p99.9.
# Prints one markdown table. Every process it starts is stopped on exit.
#
# Environment:
#   BROKERS=mosquitto,rabbitmq,gateway  which brokers to run (mosquitto: MQTT rows; rabbitmq: AMQP rows)
#   RATES="1000 10000"           msg/s of the runs
#   DURATION=10 WARMUP=1 IDLE=10 measured seconds per run, warm-up, idle measurement
#   BUILD=1                      0 skips `swift build`
#   GATEWAYPERF, GATEWAY         binaries (default .build/release/{gatewayperf,gateway})
#   BROKERS_SH                   the peers script (default: <repo>/../shared/peers/brokers.sh)
set -o pipefail

ROOT=$(git rev-parse --show-toplevel) || exit 1
cd "$ROOT" || exit 1
BROKERS=$(echo "${BROKERS:-mosquitto,rabbitmq,gateway}" | tr ',' ' ')
RATES=${RATES:-1000 10000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
IDLE=${IDLE:-10}
BUILD=${BUILD:-1}
GATEWAYPERF=${GATEWAYPERF:-$ROOT/.build/release/gatewayperf}
GATEWAY=${GATEWAY:-$ROOT/.build/release/gateway}
CLK_TCK=$(getconf CLK_TCK)

die() { echo "low-rate: $*" >&2; exit 1; }
wants() { case " $BROKERS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
WORK=$(mktemp -d /tmp/gateway-low-rate.XXXXXX)
export LG_RUN=$WORK/peers
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
cleanup() {
  stop_gateway
  mosq_stop
  rmq_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$BUILD" != 0 ]; then
  swift build -c release --product gateway >&2 && swift build -c release --product gatewayperf >&2 ||
    die "release build failed"
fi
[ -x "$GATEWAYPERF" ] || die "no gatewayperf binary at $GATEWAYPERF"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# cpu_percent START_TICKS END_TICKS SECONDS
cpu_percent() { awk -v a="$1" -v b="$2" -v s="$3" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", (b - a) / hz / s * 100 }'; }

ROWS=()
# measure BROKER PID PROTOCOL URI_OR_PORT [noidle]: the idle row (unless noidle), then one row per rate and mode
measure() {
  local broker=$1 pid=$2 protocol=$3 target=$4 a b start end out mode args
  if [ "${5:-}" != noidle ]; then
    a=$(ticks "$pid")
    sleep "$IDLE"
    b=$(ticks "$pid")
    ROWS+=("| idle | $broker | $(cpu_percent "$a" "$b" "$IDLE") | | | | |")
  fi
  for rate in $RATES; do
    for mode in "qos0" "qos1"; do
      if [ "$protocol" = mqtt ]; then
        args=(mqtt throughput --port "$target" --qos "${mode#qos}")
        label="MQTT QoS ${mode#qos}"
      else
        [ "$mode" = qos1 ] && continue
        args=(amqp throughput --uri "$target")
        label="AMQP"
      fi
      a=$(ticks "$pid")
      start=$(date +%s.%N)
      out=$("$GATEWAYPERF" "${args[@]}" --size 16 --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" --json \
        2>/dev/null) || { ROWS+=("| $label at $rate msg/s | $broker | failed | | | | |"); continue; }
      end=$(date +%s.%N)
      b=$(ticks "$pid")
      ROWS+=("$(python3 -c '
import json, sys
r = json.loads(sys.argv[1]); lat = r["latency_us"] or {}
f = lambda v: "-" if v is None else "%.0f" % v
print("| %s at %s msg/s | %s | %s | %.0f | %s | %s | %s |" % (sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
      r["consume_rate"], f(lat.get("p50")), f(lat.get("p99")), f(lat.get("p99.9"))))
' "$out" "$label" "$rate" "$broker" "$(cpu_percent "$a" "$b" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")")")
    done
  done
}

if wants mosquitto; then
  if mosq_start; then measure mosquitto "$MOSQ_PID" mqtt "$MOSQ_PORT"; else echo "skipping mosquitto" >&2; fi
  mosq_stop
fi
if wants rabbitmq; then
  if rmq_start && [ -n "$RMQ_PID" ]; then
    measure RabbitMQ "$RMQ_PID" amqp "amqp://guest:guest@127.0.0.1:$RMQ_AMQP_PORT/%2F"
  else
    echo "skipping RabbitMQ" >&2
  fi
  rmq_stop
fi
if wants gateway; then
  amqp_port=$(free_port) mqtt_port=$(free_port)
  printf '[mqtt]\nallow_anonymous = true\n' >"$WORK/gateway.ini"
  "$GATEWAY" -c "$WORK/gateway.ini" -D "$WORK/gateway-data" --amqp-port "$amqp_port" --mqtt-port "$mqtt_port" \
    --http-port "$(free_port)" --ws-port 0 --wss-port 0 >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  wait_port "$amqp_port" 30 || { tail -5 "$WORK/gateway.log" >&2; die "Gateway did not start"; }
  measure Gateway "$GW_PID" mqtt "$mqtt_port"
  measure Gateway "$GW_PID" amqp "amqp://guest:guest@127.0.0.1:$amqp_port/%2F" noidle
  stop_gateway
fi

echo
echo "| test | broker | broker CPU % of a core | consumed msg/s | p50 µs | p99 µs | p99.9 µs |"
echo "|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}" | sort -s -t'|' -k2,2
