#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that take untrusted input, with libFuzzer and AddressSanitizer.
# See Fuzz/README.md for the targets and what each harness checks.
#
#   scripts/fuzz.sh [target|all] [seconds per target] [extra libFuzzer flags...]
#
# target: mqtt, amqp, oauth, http, request, websocket, config, proxy, replication, or all (the default), run one after another. Default: 60 seconds each.
# Builds with `-sanitize=fuzzer,address` into .build/fuzz (the library modules get coverage instrumentation too),
# keeps the growing corpus in .build/fuzz-corpus/<target> (seeded from Fuzz/seeds/<target>) and writes crashing,
# timing-out and leaking inputs to .build/fuzz-artifacts/<target>/. Exits non-zero when a fuzzer finds one.
# Reproduce a finding: .build/fuzz/debug/Fuzz<TARGET> .build/fuzz-artifacts/<target>/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."

all=(mqtt amqp oauth http request websocket config proxy replication)
which=${1:-all}
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))

case $which in
all) targets=("${all[@]}") ;;
mqtt | amqp | oauth | http | request | websocket | config | proxy | replication) targets=("$which") ;;
*)
    echo "unknown target '$which'; one of: ${all[*]} all" >&2
    exit 2
    ;;
esac

product() {
    case $1 in
    mqtt) echo FuzzMQTT ;; amqp) echo FuzzAMQP ;; oauth) echo FuzzOAuth ;; http) echo FuzzHTTP ;; request) echo FuzzHTTPRequest ;; websocket) echo FuzzWebSocket ;;
    config) echo FuzzConfig ;; proxy) echo FuzzProxy ;; replication) echo FuzzReplication ;;
    esac
}

# Longest input per target: a few packets, frames or tokens; the config parsers get room for a real file.
max_len() {
    case $1 in
    mqtt | amqp | websocket | proxy | replication) echo 4096 ;; oauth) echo 8192 ;; http | request | config) echo 16384 ;;
    esac
}

# A failed precondition must reach libFuzzer's crash handler, not the Swift runtime's backtracer (whose memory
# server trips AddressSanitizer).
export SWIFT_BACKTRACE=enable=no
status=0
for target in "${targets[@]}"; do
    name=$(product "$target")
    GATEWAY_FUZZ=1 swift build -c debug --build-path .build/fuzz -Xswiftc -sanitize=fuzzer,address --product "$name" \
        2>&1 | grep -v "Cannot export local symbol" || true
    binary=.build/fuzz/debug/$name
    [[ -x $binary ]] || { echo "build of $name failed" >&2; exit 1; }
    corpus=.build/fuzz-corpus/$target
    artifacts=.build/fuzz-artifacts/$target
    mkdir -p "$corpus" "$artifacts"
    echo "== $target: $seconds s, corpus $corpus"
    "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="$(max_len "$target")" \
        -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$corpus" "Fuzz/seeds/$target" || status=1
done
rm -f /tmp/gateway-fuzz-config-*.ini
exit $status
