#!/usr/bin/env bash
# MQTT over TLS side by side: Gateway against mosquitto 2.0, same client (gatewayperf), same machine, one run.
#
# Makes a throw-away CA and an RSA-2048 server certificate for 127.0.0.1 with the openssl CLI, starts Gateway
# (MQTT and MQTTS listeners) and mosquitto (a plain and a TLS listener) on free loopback ports, and measures for
# each broker:
#   QoS 0, 16 B, 1 -> 1 throughput over plain TCP and over TLS (the client verifies the certificate: --cafile)
#   TLS handshakes per second: `gatewayperf mqtt connections --tls` with HANDSHAKES full handshakes
# then prints a markdown table with the Gateway/mosquitto ratios. Every process it starts is stopped on exit.
#
# Environment:
#   DURATION=5 WARMUP=1       measured and warm-up seconds per throughput run
#   HANDSHAKES=2000           connections (each a full TLS handshake) for the handshake rate
#   BUILD=1                   0 skips `swift build`
#   GATEWAYPERF, GATEWAY      binaries (default .build/release/{gatewayperf,gateway})
#   MOSQUITTO_BIN             default /usr/sbin/mosquitto
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
HANDSHAKES=${HANDSHAKES:-2000}
BUILD=${BUILD:-1}
GATEWAYPERF=${GATEWAYPERF:-$ROOT/.build/release/gatewayperf}
GATEWAY=${GATEWAY:-$ROOT/.build/release/gateway}
MOSQUITTO_BIN=${MOSQUITTO_BIN:-/usr/sbin/mosquitto}

die() { echo "mqtt-tls-compare: $*" >&2; exit 1; }
[ -x "$MOSQUITTO_BIN" ] || die "no mosquitto at $MOSQUITTO_BIN (apt-get install mosquitto)"
command -v openssl >/dev/null || die "openssl is not installed"
ulimit -n "$(ulimit -Hn)" 2>/dev/null

WORK=$(mktemp -d /tmp/gateway-tls-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # port seconds
  local deadline=$((SECONDS + $2))
  until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

if [ "$BUILD" != 0 ]; then
  swift build -c release --product gateway >&2 && swift build -c release --product gatewayperf >&2 ||
    die "release build failed"
fi

# --- certificates -------------------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench-ca -keyout "$WORK/ca.key" -out "$WORK/ca.pem" \
  2>/dev/null || die "cannot make the CA"
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$WORK/server.key" -out "$WORK/server.csr" \
  2>/dev/null || die "cannot make the server key"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$WORK/san.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
  -extfile "$WORK/san.ext" -out "$WORK/server.pem" 2>/dev/null || die "cannot sign the server certificate"

# --- brokers -----------------------------------------------------------------------------------------------
GW_PLAIN=$(free_port) GW_TLS=$(free_port) GW_AMQP=$(free_port)
mkdir -p "$WORK/gateway-data"
printf '[main]\ntls_cert = %s\ntls_key = %s\n[mqtt]\nallow_anonymous = true\ntls_port = %s\n[amqp]\ntls_port = %s\n' \
  "$WORK/server.pem" "$WORK/server.key" "$GW_TLS" "$(free_port)" >"$WORK/gateway.ini"
"$GATEWAY" -c "$WORK/gateway.ini" -D "$WORK/gateway-data" --amqp-port "$GW_AMQP" --mqtt-port "$GW_PLAIN" --ws-port 0 --wss-port 0 \
  >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_port "$GW_TLS" 30 || { tail -5 "$WORK/gateway.log" >&2; die "Gateway did not start"; }

MQ_PLAIN=$(free_port) MQ_TLS=$(free_port)
# `user`: started as root, mosquitto would switch to the user mosquitto, who cannot read the throw-away key.
cat >"$WORK/mosquitto.conf" <<EOF
user $(id -un)
per_listener_settings false
allow_anonymous true
persistence false
max_connections -1
listener $MQ_PLAIN 127.0.0.1
listener $MQ_TLS 127.0.0.1
certfile $WORK/server.pem
keyfile $WORK/server.key
EOF
"$MOSQUITTO_BIN" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
PIDS+=($!)
wait_port "$MQ_TLS" 10 || { tail -5 "$WORK/mosquitto.log" >&2; die "mosquitto did not start"; }

# --- runs ----------------------------------------------------------------------------------------------------
consumed() { # port [extra options]
  local port=$1
  shift
  "$GATEWAYPERF" mqtt throughput --port "$port" --qos 0 --size 16 --duration "$DURATION" --warmup "$WARMUP" \
    --json "$@" 2>/dev/null | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["consume_rate"]))'
}

handshakes() { # port
  wait_timewait
  "$GATEWAYPERF" mqtt connections --port "$1" --tls --cafile "$WORK/ca.pem" --count "$HANDSHAKES" --hold 0 --json \
    2>/dev/null | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["tls_handshake_rate"] or 0))'
}

echo "== plain and TLS throughput, handshakes (Gateway)" >&2
GP=$(consumed "$GW_PLAIN") GT=$(consumed "$GW_TLS" --tls --cafile "$WORK/ca.pem") GH=$(handshakes "$GW_TLS")
echo "== plain and TLS throughput, handshakes (mosquitto)" >&2
MP=$(consumed "$MQ_PLAIN") MT=$(consumed "$MQ_TLS" --tls --cafile "$WORK/ca.pem") MH=$(handshakes "$MQ_TLS")

ratio() { python3 -c "print(f'{$1 / $2:.2f}x' if $2 else '-')"; }
echo
echo "gatewayperf mqtt, QoS 0, 16 B, 1 -> 1, ${DURATION} s after ${WARMUP} s warm-up; RSA-2048 certificate verified by" \
  "the client; $HANDSHAKES full TLS handshakes; $(nproc) cores, $(date +%F)"
echo
echo "| | mosquitto | Gateway | Gateway/mosquitto |"
echo "|---|---:|---:|---:|"
echo "| plain, consumed msg/s | $MP | $GP | $(ratio "$GP" "$MP") |"
echo "| TLS, consumed msg/s | $MT | $GT | $(ratio "$GT" "$MT") |"
echo "| TLS handshakes/s | $MH | $GH | $(ratio "$GH" "$MH") |"
