#!/usr/bin/env bash
# MQTT 5: Gateway against mosquitto 2.0, both speaking MQTT 5 to the same client (`gatewayperf mqtt throughput
# --protocol 5`), same machine, one run; and Gateway's MQTT 5 against its own MQTT 3.1.1 in the same run. QoS 0 and
# QoS 1, 16 B, 1 -> 1; MQTT 3.1.1, MQTT 5 with and without topic aliases (`--topic-alias`), and MQTT over WebSocket
# (Gateway's ws_port against mosquitto's `protocol websockets` listener) on both brokers. Prints one markdown table with the ratios the issue asks for; stops everything it started.
#
# Environment:
#   DURATION=5 WARMUP=1       measured seconds per run and warm-up
#   BUILD=1                   0 skips `swift build`
#   GATEWAYPERF, GATEWAY      binaries (default .build/release/{gatewayperf,gateway})
#   MOSQUITTO_BIN             default /usr/sbin/mosquitto
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
BUILD=${BUILD:-1}
GATEWAYPERF=${GATEWAYPERF:-$ROOT/.build/release/gatewayperf}
GATEWAY=${GATEWAY:-$ROOT/.build/release/gateway}
MOSQUITTO_BIN=${MOSQUITTO_BIN:-/usr/sbin/mosquitto}

die() { echo "mqtt5-compare: $*" >&2; exit 1; }
[ -x "$MOSQUITTO_BIN" ] || die "no mosquitto at $MOSQUITTO_BIN (apt-get install mosquitto)"

WORK=$(mktemp -d /tmp/gateway-mqtt5-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port and wait_port.
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

if [ "$BUILD" != 0 ]; then
  swift build -c release --product gateway >&2 && swift build -c release --product gatewayperf >&2 ||
    die "release build failed"
fi

GW_PLAIN=$(free_port) GW_WS=$(free_port)
mkdir -p "$WORK/gateway-data"
printf '[mqtt]\nallow_anonymous = true\n' >"$WORK/gateway.ini"
"$GATEWAY" -c "$WORK/gateway.ini" -D "$WORK/gateway-data" --amqp-port "$(free_port)" --mqtt-port "$GW_PLAIN" \
  --ws-port "$GW_WS" --wss-port 0 --http-port "$(free_port)" -l warning >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_port "$GW_WS" 30 || { tail -5 "$WORK/gateway.log" >&2; die "Gateway did not start"; }

MQ_PLAIN=$(free_port) MQ_WS=$(free_port)
# mosquitto opens its WebSocket listener only beside a plain one (design §10).
cat >"$WORK/mosquitto.conf" <<CONF
user $(id -un)
per_listener_settings false
allow_anonymous true
persistence false
listener $MQ_PLAIN 127.0.0.1
listener $MQ_WS 127.0.0.1
protocol websockets
CONF
"$MOSQUITTO_BIN" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
PIDS+=($!)
wait_port "$MQ_WS" 10 || { tail -5 "$WORK/mosquitto.log" >&2; die "mosquitto did not start"; }

consumed() { # port qos [extra options]
  local port=$1 qos=$2
  shift 2
  "$GATEWAYPERF" mqtt throughput --port "$port" --qos "$qos" --size 16 --duration "$DURATION" --warmup "$WARMUP" \
    --json "$@" 2>/dev/null | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["consume_rate"]))'
}

ROWS=()
ratio() { python3 -c "print(f'{$1 / $2:.2f}x' if $2 else '-')"; }
for qos in 0 1; do
  echo "== QoS $qos: MQTT 3.1.1, MQTT 5 (with and without topic aliases), WebSocket" >&2
  G4=$(consumed "$GW_PLAIN" "$qos") G5=$(consumed "$GW_PLAIN" "$qos" --protocol 5)
  G5A=$(consumed "$GW_PLAIN" "$qos" --protocol 5 --topic-alias)
  M5=$(consumed "$MQ_PLAIN" "$qos" --protocol 5) M5A=$(consumed "$MQ_PLAIN" "$qos" --protocol 5 --topic-alias)
  GW=$(consumed "$GW_WS" "$qos" --ws) MW=$(consumed "$MQ_WS" "$qos" --ws) M4=$(consumed "$MQ_PLAIN" "$qos")
  ROWS+=("| QoS $qos MQTT 3.1.1 | $M4 | $G4 | $(ratio "$G4" "$M4") | | |")
  ROWS+=("| QoS $qos MQTT 5 | $M5 | $G5 | $(ratio "$G5" "$M5") | $G4 | $(ratio "$G5" "$G4") |")
  ROWS+=("| QoS $qos MQTT 5, topic aliases | $M5A | $G5A | $(ratio "$G5A" "$M5A") | $G4 | $(ratio "$G5A" "$G4") |")
  ROWS+=("| QoS $qos MQTT over WebSocket (3.1.1) | $MW | $GW | $(ratio "$GW" "$MW") | | |")
done

echo
echo "gatewayperf mqtt, 16 B, 1 -> 1, consumed msg/s, ${DURATION} s after ${WARMUP} s warm-up; $(nproc) cores, $(date +%F)"
echo
echo "| | mosquitto | Gateway | Gateway/mosquitto | Gateway MQTT 3.1.1 | Gateway v5/v3.1.1 |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
