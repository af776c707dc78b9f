#!/usr/bin/env bash
# The project's test command (run from anywhere; works as root on a fresh Debian machine with the Swift toolchain):
#   1. installs the Debian packages the build and the interop suite need (only those missing),
#   2. creates/reuses the interop venv (interop/.venv) from interop/requirements.txt,
#   3. swift build && swift test, both checking that targets import only their declared dependencies,
#   4. builds the C test clients (interop/build/roundtrip with librabbitmq, interop/build/paho5 with Paho C),
#   5. runs the black-box interop suite against .build/debug/gateway.
# Exits non-zero if any step fails; the last line is the interop suite's pytest summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

# rabbitmq-server only for its rabbitmqadmin script (the management API tests); it is never started.
# chromium and chromium-driver run the web console tests (headless, through Selenium); node-mqtt (with nodejs) is a
# second MQTT over WebSocket client; etcd-server is started by the tests that need it (never as a service);
# libpaho-mqtt-dev is the Eclipse Paho C library an MQTT 5 test client links against.
PACKAGES=(amqp-tools librabbitmq-dev libssl-dev libcrypt-dev libjemalloc-dev mosquitto-clients python3-venv gcc
  rabbitmq-server chromium chromium-driver nodejs node-mqtt etcd-server libpaho-mqtt-dev)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Keep the package scripts from starting RabbitMQ or etcd (policy-rc.d 101: action forbidden), unless a policy exists.
  guard=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ -n "$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

step "python venv interop/.venv"
if ! interop/.venv/bin/python -c 'import sys' 2>/dev/null; then
  rm -rf interop/.venv
  python3 -m venv interop/.venv
fi
interop/.venv/bin/python -m pip install -q --disable-pip-version-check -r interop/requirements.txt

# A target that imports a package target outside its declared dependencies fails the build (module boundaries).
step "swift build"
swift build --explicit-target-dependency-import-check error

failed=()
step "swift test"
swift test --explicit-target-dependency-import-check error || failed+=("swift test")

step "build interop/build/roundtrip (librabbitmq) and interop/build/paho5 (Paho C, MQTT 5)"
mkdir -p interop/build
cc -O2 -Wall -o interop/build/roundtrip interop/c/roundtrip.c -lrabbitmq
cc -O2 -Wall -o interop/build/paho5 interop/c/paho5.c -lpaho-mqtt3c

step "interop suite (pytest) against .build/debug/gateway"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
GATEWAY_BIN=.build/debug/gateway INTEROP_TARGET=gateway interop/.venv/bin/pytest -q interop 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
((rc == 0)) || failed+=("interop (pytest exit $rc)")

if ((${#failed[@]})); then
  printf '\nFAILED: %s\n' "${failed[*]}"
fi
summary=$(grep -E '^[0-9]+ (passed|failed|error|skipped)|^(=+ )?[0-9]+ (passed|failed)|no tests ran' "$log" | tail -1)
echo "interop: ${summary:-no pytest summary line}"
((${#failed[@]} == 0))
