#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when they are missing (idempotent, ~1 min the first time):
# - mesa-vulkan-drivers from bookworm-backports: Mesa's software Vulkan (lavapipe) backs Dawn (npm `webgpu`)
#   for the WebGPU tests in Node; bookworm's own Mesa 22 is too old for Dawn.
# - chromium: the end-to-end tests drive Debian's browser through playwright-core (nothing is downloaded).
set -euo pipefail
have_lvp() { ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; }
if have_lvp && command -v chromium >/dev/null 2>&1; then exit 0; fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "system-deps: installing mesa-vulkan-drivers (bookworm-backports) and chromium" >&2
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
