#!/usr/bin/env bash
# Installs libhdf5-dev (and pkg-config, which SwiftPM uses to find it) when missing.
# Debian/Ubuntu only; needs root or sudo.
set -euo pipefail
if pkg-config --exists hdf5 2>/dev/null && [ -e /usr/include/hdf5/serial/hdf5.h -o -e /usr/include/hdf5.h ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing libhdf5-dev and pkg-config..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libhdf5-dev pkg-config >/dev/null
