# Shared by the benchmark scripts: source it after setting ROOT (the checkout). Defines free_port, stop_gateway
# (stops the broker whose pid is in GW_PID) and wait_timewait, and sources the peers script into the caller
# (BROKERS_SH, default <repo>/../shared/peers/brokers.sh, or next to the main checkout when run from a git worktree).

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most 70 s) until fewer than 100 TCP sockets are in TIME_WAIT. Every closed client connection leaves
# one for 60 s, and while thousands linger every new connect() searches longer for a free source port: a
# connection-rate run right after another one (or after the previous broker's) would be slowed by the
# client's kernel, not by the broker measured.
wait_timewait() {
  local i n
  for ((i = 0; i < 140; i++)); do
    n=$(awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat)
    [ "${n:-0}" -lt 100 ] && return
    [ "$i" = 0 ] && echo "(waiting for $n sockets in TIME_WAIT to expire)" >&2
    sleep 0.5
  done
}

GW_PID=
stop_gateway() {
  [ -n "$GW_PID" ] || return 0
  kill -TERM "$GW_PID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$GW_PID" 2>/dev/null
  wait "$GW_PID" 2>/dev/null
  GW_PID=
}

# Free ports for the peers unless the caller chose them, so a broker someone else runs is never measured.
export MOSQ_PORT=${MOSQ_PORT:-$(free_port)}
export RMQ_AMQP_PORT=${RMQ_AMQP_PORT:-$(free_port)}
export RMQ_MQTT_PORT=${RMQ_MQTT_PORT:-$(free_port)}
export RMQ_DIST_PORT=${RMQ_DIST_PORT:-$(free_port)}
export RMQ_EPMD_PORT=${RMQ_EPMD_PORT:-$(free_port)}
if [ -z "${BROKERS_SH:-}" ]; then
  BROKERS_SH=$ROOT/../shared/peers/brokers.sh
  [ -r "$BROKERS_SH" ] || BROKERS_SH=$(cd "$(git rev-parse --git-common-dir)/../.." && pwd)/shared/peers/brokers.sh
fi
# shellcheck source=/dev/null
. "$BROKERS_SH" || { echo "cannot read $BROKERS_SH (set BROKERS_SH)" >&2; exit 1; }
