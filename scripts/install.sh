#!/usr/bin/env bash
# Installs everything dnet needs to build, run and be tested on Debian 12 (run as root):
# the Debian packages used at run time and by the tests, the npm dependencies (which builds the
# nsnl addon through node-gyp), the API reference's tool, and the compiled TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the headless browser of the --ui page's test (about 113 MB to download, 414 MB installed).
PACKAGES=(iproute2 nftables iptables iputils-ping dnsutils curl python3 make g++ strace dnsperf docker.io containerd busybox-static zsh chromium dnsmasq-base etcd-server etcd-client)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install: Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages such as docker.io must not start their services on the host: tests start their own
  # daemons inside scratch network namespaces. policy-rc.d exit 101 tells maintainer scripts so.
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

# npm ci runs the package's install script (scripts/addon-build.mjs), which compiles native-src/ with
# node-gyp against the running Node's own headers.
npm ci --no-audit --no-fund
# typedoc, with the TypeScript it supports, for the API reference (`npm run docs`, checked by `npm test`).
npm ci --prefix tools/api-docs --no-audit --no-fund
npm run build
