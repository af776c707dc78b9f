#!/usr/bin/env bash
# Clustering cost and failover (issue 12): durable AMQP, 16 B, 1 -> 1, persistent messages with publisher confirms
# (`gatewayperf amqp throughput --durable --persistent --confirm 1000`) against a single node and against the leader
# of a 3-node cluster (every confirm waits until both followers fsynced the change), same machine, same run; then the
# failover time: the leader is killed with SIGKILL and a client retries every node until one confirms a persistent
# message. Starts its own etcd (Debian etcd-server) and nodes on free loopback ports; stops everything on exit.
#
# Environment:
#   DURATION=10 WARMUP=1      measured seconds per run and warm-up
#   BUILD=1                   0 skips `swift build`
#   GATEWAYPERF, GATEWAY      binaries (default .build/release/{gatewayperf,gateway})
#   ETCD_BIN                  default /usr/bin/etcd
#   PYTHON                    a Python with pika (default interop/.venv/bin/python, made by scripts/test.sh)
#   LEASE_TTL=5               [clustering] lease_ttl (the default)
#   KEEP=0                    1 keeps the work directory (node logs) and prints where it is
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
BUILD=${BUILD:-1}
GATEWAYPERF=${GATEWAYPERF:-$ROOT/.build/release/gatewayperf}
GATEWAY=${GATEWAY:-$ROOT/.build/release/gateway}
ETCD_BIN=${ETCD_BIN:-/usr/bin/etcd}
PYTHON=${PYTHON:-$ROOT/interop/.venv/bin/python}
LEASE_TTL=${LEASE_TTL:-5}

die() { echo "cluster-compare: $*" >&2; exit 1; }
[ -x "$ETCD_BIN" ] || die "no etcd at $ETCD_BIN (apt-get install etcd-server)"
"$PYTHON" -c 'import pika' 2>/dev/null || die "$PYTHON has no pika (run scripts/test.sh once, or set PYTHON)"

WORK=$(mktemp -d /tmp/gateway-cluster-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# Node ports below the kernel's ephemeral range: the failover client's many short connections take ephemeral ports,
# and a node elected while one of them sits on its port cannot open its listener.
node_port() {
  python3 -c 'import random, socket
while True:
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()'
}

if [ "$BUILD" != 0 ]; then
  swift build -c release --product gateway >&2 && swift build -c release --product gatewayperf >&2 ||
    die "release build failed"
fi

run_perf() { # amqp_port -> "confirmed/s consumed/s p50_us p99_us"
  "$GATEWAYPERF" amqp throughput --uri "amqp://guest:guest@127.0.0.1:$1/%2F" --durable --persistent --confirm 1000 \
    --size 16 --duration "$DURATION" --warmup "$WARMUP" --queue "bench-$RANDOM" --json 2>/dev/null |
    python3 -c 'import json, sys; r = json.load(sys.stdin); print(round(r["confirm_rate"]), round(r["consume_rate"]),
      round(r["latency_us"]["p50"]), round(r["latency_us"]["p99"]))'
}

ETCD_CLIENT=$(free_port) ETCD_PEER=$(free_port)
"$ETCD_BIN" --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT" --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "default=http://127.0.0.1:$ETCD_PEER" >"$WORK/etcd.log" 2>&1 &
PIDS+=($!)
wait_port "$ETCD_CLIENT" 30 || die "etcd did not start: $(tail -3 "$WORK/etcd.log")"

echo "== single node" >&2
SINGLE_AMQP=$(free_port)
"$GATEWAY" -D "$WORK/single" --amqp-port "$SINGLE_AMQP" --mqtt-port "$(free_port)" --http-port "$(free_port)" \
  --ws-port "$(free_port)" --wss-port 0 -l warning >"$WORK/single.log" 2>&1 &
SINGLE_PID=$!
PIDS+=("$SINGLE_PID")
wait_port "$SINGLE_AMQP" 30 || die "the single node did not start: $(tail -5 "$WORK/single.log")"
read -r S_CONF S_CONS S_P50 S_P99 <<<"$(run_perf "$SINGLE_AMQP")"
kill -TERM "$SINGLE_PID"; wait "$SINGLE_PID" 2>/dev/null

echo "== 3-node cluster" >&2
AMQP=() HTTP=() NODE_PIDS=()
for i in 0 1 2; do
  AMQP+=("$(node_port)") HTTP+=("$(node_port)")
  port=$(node_port)
  cat >"$WORK/node$i.ini" <<INI
[clustering]
enabled = true
port = $port
advertised_uri = tcp://127.0.0.1:$port
etcd_endpoints = 127.0.0.1:$ETCD_CLIENT
etcd_prefix = bench
lease_ttl = $LEASE_TTL
INI
  "$GATEWAY" -c "$WORK/node$i.ini" -D "$WORK/node$i" --amqp-port "${AMQP[$i]}" --mqtt-port "$(node_port)" \
    --http-port "${HTTP[$i]}" --ws-port "$(node_port)" --wss-port 0 -l info >"$WORK/node$i.log" 2>&1 &
  NODE_PIDS+=($!)
  PIDS+=($!)
done
leader_index() {
  for i in 0 1 2; do
    kill -0 "${NODE_PIDS[$i]}" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/${AMQP[$i]}") 2>/dev/null && { echo "$i"; return 0; }
  done
  return 1
}
LEADER=
for _ in $(seq 600); do LEADER=$(leader_index) && break; sleep 0.1; done
[ -n "$LEADER" ] || die "no leader elected: $(tail -3 "$WORK/node0.log")"
for _ in $(seq 600); do
  curl -s -u guest:guest "http://127.0.0.1:${HTTP[$LEADER]}/api/nodes" |
    python3 -c 'import json, sys; sys.exit(0 if len(json.load(sys.stdin)[0]["cluster"]["isr"]) == 3 else 1)' && break
  sleep 0.1
done
read -r C_CONF C_CONS C_P50 C_P99 <<<"$(run_perf "${AMQP[$LEADER]}")"
# Were the followers in the ISR all along (else the confirms did not wait for them)?
ISR_AFTER=$(curl -s -u guest:guest "http://127.0.0.1:${HTTP[$LEADER]}/api/nodes" |
  python3 -c 'import json, sys; print(len(json.load(sys.stdin)[0]["cluster"]["isr"]))')
DROPPED=$(cat "$WORK"/node*.log | grep -c "removed from the in-sync replicas")

echo "== failover: SIGKILL the leader, time to the first confirm from the new one" >&2
FAILOVER=$("$PYTHON" - "${NODE_PIDS[$LEADER]}" "${AMQP[@]}" <<'PY'
import os, signal, sys, time
import pika
pid, ports = int(sys.argv[1]), [int(p) for p in sys.argv[2:]]
params = [pika.ConnectionParameters("127.0.0.1", p, socket_timeout=0.5, blocked_connection_timeout=5,
                                    connection_attempts=1) for p in ports]
os.kill(pid, signal.SIGKILL)
killed_at = time.monotonic()
while time.monotonic() - killed_at < 120:
    for p in params:
        try:
            conn = pika.BlockingConnection(p)
            ch = conn.channel()
            ch.confirm_delivery()
            ch.queue_declare("failover", durable=True)
            ch.basic_publish("", "failover", b"x", pika.BasicProperties(delivery_mode=2))
            print(f"{time.monotonic() - killed_at:.2f}")
            conn.close()
            sys.exit(0)
        except Exception:
            pass
    time.sleep(0.05)
print("none")
PY
)

ratio() { python3 -c "print(f'{$1 / $2:.2f}x' if $2 else '-')"; }
echo
echo "gatewayperf amqp, durable queue, persistent 16 B, 1 -> 1, --confirm 1000, ${DURATION} s after ${WARMUP} s warm-up;"
echo "all nodes and etcd on one machine ($(nproc) cores), $(date +%F)"
echo
echo "| | confirmed msg/s | consumed msg/s | latency p50 µs | p99 µs |"
echo "|---|---:|---:|---:|---:|"
echo "| single node | $S_CONF | $S_CONS | $S_P50 | $S_P99 |"
echo "| 3-node cluster (leader, 2 in-sync followers) | $C_CONF | $C_CONS | $C_P50 | $C_P99 |"
echo "| cluster / single | $(ratio "$C_CONF" "$S_CONF") | $(ratio "$C_CONS" "$S_CONS") | | |"
echo
echo "in-sync replicas after the cluster run: $ISR_AFTER of 3; followers dropped from the ISR during it: $DROPPED"
echo
echo "failover with lease_ttl = $LEASE_TTL s (SIGKILL of the leader -> first confirm from the new leader): $FAILOVER s"
