#!/usr/bin/env bash
# MQTT side by side: Gateway against mosquitto 2.0 and RabbitMQ 3.10 (MQTT plugin), same client (gatewayperf),
# same machine, one run.
#
# Builds release binaries, starts each broker on free loopback ports with throw-away data dirs (peers through
# shared/peers/brokers.sh; Gateway with an INI that allows anonymous MQTT), checks that it answers an MQTT
# CONNECT (a broker that does not is skipped with a line saying why), and runs `gatewayperf mqtt throughput`:
#   QoS 0 and QoS 1  x  16 B and 1 KiB  x  1->1, fan-out 1->10, fan-in 10->1   (as fast as possible)
#   latency p50/p99 at a fixed LATENCY_RATE msg/s (1->1, 16 B, QoS 0 and QoS 1)
# then `gatewayperf mqtt connections` with CONNECTIONS idle clients (connect time, broker RSS per connection).
# Prints markdown tables: each broker's figures, Gateway/peer ratios, and broker CPU per delivered message
# (utime+stime of the broker process from /proc/PID/stat over the run, divided by the messages consumed).
# Every process it starts is stopped on exit, whatever happens.
#
# Environment:
#   BROKERS=mosquitto,rabbitmq,gateway  which brokers to run, comma- or space-separated
#   DURATION=5 WARMUP=1          measured and warm-up seconds per throughput run
#   LATENCY_RATE=10000           msg/s of the latency runs
#   CONNECTIONS=10000 HOLD=5     idle clients and how long they are held
#   INFLIGHT=100                 --inflight of the QoS 1 runs
#   BUILD=1                      0 skips `swift build`
#   GATEWAYPERF, GATEWAY         binaries (default .build/release/{gatewayperf,gateway})
#   BROKERS_SH                   the peers script (default: <repo>/../shared/peers/brokers.sh, or next to the
#                                main checkout when run from a git worktree)
#   EXTRA="..."                  extra options for every throughput run
set -o pipefail

ROOT=$(git rev-parse --show-toplevel) || exit 1
cd "$ROOT" || exit 1
BROKERS=$(echo "${BROKERS:-mosquitto,rabbitmq,gateway}" | tr ',' ' ')
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
LATENCY_RATE=${LATENCY_RATE:-10000}
CONNECTIONS=${CONNECTIONS:-10000}
HOLD=${HOLD:-5}
INFLIGHT=${INFLIGHT:-100}
BUILD=${BUILD:-1}
GATEWAYPERF=${GATEWAYPERF:-$ROOT/.build/release/gatewayperf}
GATEWAY=${GATEWAY:-$ROOT/.build/release/gateway}
CLK_TCK=$(getconf CLK_TCK)

die() { echo "mqtt-compare: $*" >&2; exit 1; }
wants() { case " $BROKERS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
for b in $BROKERS; do
  case $b in mosquitto | rabbitmq | gateway) ;; *) die "unknown broker '$b' in BROKERS (mosquitto, rabbitmq, gateway)" ;; esac
done

# Each client connection is a descriptor, on both sides: brokers started from here inherit the raised limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CONNECTIONS + 100)) ]; then
  echo "mqtt-compare: ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)): too few for CONNECTIONS=$CONNECTIONS;" \
    "lowering it to $(($(ulimit -n) - 100))" >&2
  CONNECTIONS=$(($(ulimit -n) - 100))
fi

WORK=$(mktemp -d /tmp/gateway-mqtt-bench.XXXXXX)
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

# --- build ---------------------------------------------------------------------------------------------
if [ "$BUILD" != 0 ]; then
  products="--product gatewayperf"
  wants gateway && products="--product gateway $products"
  # shellcheck disable=SC2086
  swift build -c release $products >&2 || die "release build failed"
fi
[ -x "$GATEWAYPERF" ] || die "no gatewayperf binary at $GATEWAYPERF"

# --- brokers: each start_* sets PORT (MQTT) and PID (the process whose CPU and memory are measured) ----------
start_mosquitto() {
  dpkg -s mosquitto >/dev/null 2>&1 || { echo "skipping mosquitto: not installed (apt-get install mosquitto)" >&2; return 1; }
  echo "starting mosquitto on 127.0.0.1:$MOSQ_PORT..." >&2
  mosq_start || { echo "skipping mosquitto: it did not start (log: $LG_RUN/mosq)" >&2; return 1; }
  PORT=$MOSQ_PORT PID=$MOSQ_PID
}

start_rabbitmq() {
  dpkg -s rabbitmq-server >/dev/null 2>&1 || { echo "skipping RabbitMQ: not installed (apt-get install rabbitmq-server)" >&2; return 1; }
  echo "starting RabbitMQ with MQTT on 127.0.0.1:$RMQ_MQTT_PORT..." >&2
  rmq_start || { echo "skipping RabbitMQ: it did not start (log: $LG_RUN/rmq)" >&2; return 1; }
  [ -n "$RMQ_PID" ] || { echo "skipping RabbitMQ: started, but its beam.smp pid is unknown" >&2; return 1; }
  PORT=$RMQ_MQTT_PORT PID=$RMQ_PID
}

start_gateway() {
  [ -x "$GATEWAY" ] || { echo "skipping Gateway: no binary at $GATEWAY" >&2; return 1; }
  local amqp_port http_port
  amqp_port=$(free_port)
  PORT=$(free_port)
  http_port=$(free_port)
  mkdir -p "$WORK/gateway-data"
  printf '[mqtt]\nallow_anonymous = true\n' >"$WORK/gateway.ini"
  echo "starting Gateway with MQTT on 127.0.0.1:$PORT..." >&2
  "$GATEWAY" -c "$WORK/gateway.ini" -D "$WORK/gateway-data" --amqp-port "$amqp_port" --mqtt-port "$PORT" \
    --http-port "$http_port" --ws-port 0 --wss-port 0 >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  PID=$GW_PID
  wait_port "$amqp_port" 30 || {
    echo "skipping Gateway: it did not start; last lines of its log:" >&2
    tail -5 "$WORK/gateway.log" >&2
    stop_gateway
    return 1
  }
}

stop_broker() {
  case $1 in mosquitto) mosq_stop ;; rabbitmq) rmq_stop ;; gateway) stop_gateway ;; esac
}

# One client through CONNECT/CONNACK: a broker that does not speak MQTT on its port is skipped, not failed.
probe() { # name port
  local out
  out=$("$GATEWAYPERF" mqtt connections --port "$2" --count 1 --hold 0 --connect-timeout 5 2>&1) && return 0
  echo "skipping $1: no MQTT CONNACK from 127.0.0.1:$2 ($(echo "$out" | grep -m1 -E 'failures:|gatewayperf:' | sed 's/^failures: *//'))" >&2
  return 1
}

# utime+stime of a process in clock ticks.
cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Waits (at most 60 s) until the broker uses under 10% of a core, so a backlog left by an earlier run
# (unthrottled QoS 0 publishers overrun every broker) is not billed to the next one.
settle() { # pid
  local a b i
  for ((i = 0; i < 120; i++)); do
    a=$(cpu_ticks "$1"); sleep 0.5; b=$(cpu_ticks "$1")
    if [ $((b - a)) -le $((CLK_TCK / 20)) ]; then
      [ "$i" -ge 4 ] && echo "(waited $((i / 2)) s for the broker to work off the previous run)" >&2
      return
    fi
  done
  echo "(the broker is still busy with the previous run after 60 s; measuring anyway)" >&2
}

# --- runs ----------------------------------------------------------------------------------------------
TESTS=()
for qos in 0 1; do
  for size in 16 1024; do
    label="$size B"; [ "$size" = 1024 ] && label="1 KiB"
    for shape in "1->1|--publishers 1 --subscribers 1" "1->10|--publishers 1 --subscribers 10" \
      "10->1|--publishers 10 --subscribers 1"; do
      TESTS+=("QoS $qos $label ${shape%%|*}|--qos $qos --size $size --inflight $INFLIGHT ${shape#*|}")
    done
  done
done
for qos in 0 1; do
  TESTS+=("latency QoS $qos 16 B 1->1 at $LATENCY_RATE msg/s|--qos $qos --size 16 --inflight $INFLIGHT --rate $LATENCY_RATE")
done
declare -A RESULT # "$test|$broker" -> "published acked consumed p50 p99 cpu_us_per_msg" or "failed"
declare -A CONN   # "$broker" -> "connected failed connect_s connect_rate rss_before rss_after per_conn" or "failed"
RAN=()
RUN_ID=0

run_one() { # test-index broker port pid
  local name=${TESTS[$1]%%|*} options=${TESTS[$1]#*|} broker=$2 port=$3 pid=$4
  local before after json
  RUN_ID=$((RUN_ID + 1))
  settle "$pid"
  echo "== $name against $broker" >&2
  before=$(cpu_ticks "$pid")
  # A topic per run: messages a broker still holds from the previous run reach nobody.
  # shellcheck disable=SC2086
  json=$("$GATEWAYPERF" mqtt throughput --port "$port" $options --topic "bench/$RUN_ID/%d" \
    --duration "$DURATION" --warmup "$WARMUP" --json $EXTRA) || { RESULT["$name|$broker"]=failed; return; }
  after=$(cpu_ticks "$pid")
  RESULT["$name|$broker"]=$(python3 - "$json" "$((after - before))" "$CLK_TCK" <<'EOF'
import json, sys
r = json.loads(sys.argv[1]); ticks = int(sys.argv[2]); hz = int(sys.argv[3])
lat = r["latency_us"] or {}
cpu = ticks / hz * 1e6 / r["consumed"] if r["consumed"] else 0
f = lambda v: "-" if v is None else "%.0f" % v
print(f(r["publish_rate"]), f(r["confirm_rate"]) if r["qos"] else "-", f(r["consume_rate"]),
      f(lat.get("p50")), f(lat.get("p99")), "%.2f" % cpu)
EOF
)
}

run_connections() { # broker port pid
  local json
  settle "$3"
  wait_timewait
  echo "== $CONNECTIONS idle connections against $1" >&2
  json=$("$GATEWAYPERF" mqtt connections --port "$2" --count "$CONNECTIONS" --hold "$HOLD" --pid "$3" --json) \
    || { CONN["$1"]=failed; return; }
  CONN["$1"]=$(python3 - "$json" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
f = lambda v, d=0: "-" if v is None else ("%." + str(d) + "f") % v
print(r["connected"], r["failed"] + r["dropped"], f(r["connect_s"], 2), f(r["connect_rate"]),
      f(r["rss_before_kib"] and r["rss_before_kib"] / 1024, 1), f(r["rss_after_kib"] and r["rss_after_kib"] / 1024, 1),
      f(r["rss_per_connection_kib"], 2))
EOF
)
}

start_one() { # broker: starts it and sets label, PORT and PID; fails when it cannot be started
  case $1 in
    mosquitto) label=mosquitto; start_mosquitto ;;
    rabbitmq) label=RabbitMQ; start_rabbitmq ;;
    gateway) label=Gateway; start_gateway ;;
  esac
}

for broker in $BROKERS; do
  start_one "$broker" || continue
  if ! probe "$label" "$PORT"; then
    stop_broker "$broker"
    continue
  fi
  RAN+=("$label")
  for i in "${!TESTS[@]}"; do run_one "$i" "$label" "$PORT" "$PID"; done
  # Idle-connection memory is measured on a fresh broker: what the throughput runs left in its allocator
  # (freed but not yet returned to the system) would otherwise blur the per-connection figure.
  stop_broker "$broker"
  start_one "$broker" && probe "$label" "$PORT" || continue
  run_connections "$label" "$PORT" "$PID"
  stop_broker "$broker"
done
[ ${#RAN[@]} -gt 0 ] || die "no broker could be measured"

# --- report --------------------------------------------------------------------------------------------
ratio() { python3 -c 'import sys; a, b = sys.argv[1:]; print("-" if "-" in (a, b) or float(b) == 0 else "%.2fx" % (float(a) / float(b)))' "$1" "$2"; }
has() { case " ${RAN[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

echo
echo "gatewayperf mqtt, ${DURATION} s measured after ${WARMUP} s warm-up, QoS 1 inflight $INFLIGHT, $(nproc) cores," \
  "$(date -u +%Y-%m-%d); brokers: ${RAN[*]}"
echo "Rates in msg/s; consumed sums the deliveries to every subscriber (1->10 delivers each message 10 times);"
echo "broker CPU is utime+stime over the run divided by the messages consumed."
echo
echo "| test | broker | published | acked | consumed | p50 µs | p99 µs | broker CPU µs/msg |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for t in "${TESTS[@]}"; do
  name=${t%%|*}
  for broker in "${RAN[@]}"; do
    r=${RESULT["$name|$broker"]:-failed}
    if [ "$r" = failed ]; then
      echo "| $name | $broker | failed | | | | | |"
    else
      read -r pub ack cons p50 p99 cpu <<<"$r"
      echo "| $name | $broker | $pub | $ack | $cons | $p50 | $p99 | $cpu |"
    fi
  done
  if has Gateway; then
    g=${RESULT["$name|Gateway"]:-failed}
    for peer in mosquitto RabbitMQ; do
      has "$peer" || continue
      p=${RESULT["$name|$peer"]:-failed}
      [ "$g" != failed ] && [ "$p" != failed ] || continue
      read -r gp ga gc g50 g99 gcpu <<<"$g"
      read -r pp pa pc p50 p99 pcpu <<<"$p"
      echo "| $name | Gateway/$peer | $(ratio "$gp" "$pp") | $(ratio "$ga" "$pa") | $(ratio "$gc" "$pc") |" \
        "$(ratio "$g50" "$p50") | $(ratio "$g99" "$p99") | $(ratio "$gcpu" "$pcpu") |"
    done
  fi
done
has Gateway || printf '\n(Gateway was not measured, so there are no Gateway/peer ratios.)\n'

echo
echo "$CONNECTIONS idle connections (keepalive 60 s, held $HOLD s; RSS of the broker process, VmRSS)"
echo
echo "| broker | connected | failed or dropped | connect time s | connects/s | RSS before MiB | RSS after MiB | RSS per connection KiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for broker in "${RAN[@]}"; do
  c=${CONN["$broker"]:-failed}
  if [ "$c" = failed ]; then
    echo "| $broker | failed | | | | | | |"
  else
    read -r n f s rate before after per <<<"$c"
    echo "| $broker | $n | $f | $s | $rate | $before | $after | $per |"
  fi
done
if has Gateway; then
  g=${CONN[Gateway]:-failed}
  for peer in mosquitto RabbitMQ; do
    has "$peer" || continue
    p=${CONN["$peer"]:-failed}
    [ "$g" != failed ] && [ "$p" != failed ] || continue
    read -r _ _ gs grate _ _ gper <<<"$g"
    read -r _ _ ps prate _ _ pper <<<"$p"
    echo "| Gateway/$peer | | | $(ratio "$gs" "$ps") | $(ratio "$grate" "$prate") | | | $(ratio "$gper" "$pper") |"
  done
fi
