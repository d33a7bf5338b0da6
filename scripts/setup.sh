#!/usr/bin/env bash
# Installs what building and testing nuthatch needs, idempotently: Debian packages
# (only the missing ones; needs root or sudo) and, later, Python packages.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libcurl4-openssl-dev libssl-dev libzstd-dev libblosc-dev liblz4-dev zlib1g-dev
  libtomlplusplus-dev nlohmann-json3-dev libmsgpack-cxx-dev libxxhash-dev libfmt-dev
  libspdlog-dev libcli11-dev libtbb-dev libsqlite3-dev libpq-dev
  libsimdjson-dev libgtest-dev libgmock-dev libbenchmark-dev libexpat1-dev
  clang libclang-rt-dev  # libFuzzer and the sanitizer runtimes for scripts/fuzz.sh
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
