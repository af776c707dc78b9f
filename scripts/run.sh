#!/usr/bin/env bash
# Builds Gateway in release mode and runs the broker with its embedded defaults.
# Installs the two system libraries the build links against if they are missing. Arguments go to `gateway`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in libssl-dev libcrypt-dev libjemalloc-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

exec swift run -c release gateway "$@"
