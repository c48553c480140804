#!/usr/bin/env bash
# Installs the peers `npm run bench:compare` measures dnet against (Debian 12, run as root):
# Docker (docker.io pulls containerd and runc), netavark + aardvark-dns, and the CNI reference plugins.
# Services are not started on the host: the benchmark starts its own daemons in scratch namespaces.
set -euo pipefail

PACKAGES=(docker.io netavark aardvark-dns containernetworking-plugins)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "bench-compare-install: Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d exit 101 tells maintainer scripts not to start services (docker.io, containerd).
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
fi
cleanup() { if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
