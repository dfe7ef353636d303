#!/usr/bin/env bash
# Runs before `npm test`: the e2e tests drive Debian's Chromium and check media with ffprobe;
# as root, nft (nftables) also lets the reconnect test cut a peer's network, and coturn's
# turnserver relays a viewer in the TURN test, and tc (iproute2) gives one viewer a slow link in
# the simulcast test (each skipped, saying why, without it).
# On a fresh machine of ours (root, apt) it installs them; elsewhere it says what to install.
set -euo pipefail
missing=()
[ -x "${CURBCAST_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
if [ "$(id -u)" = 0 ]; then
  command -v nft >/dev/null 2>&1 || missing+=(nftables)
  command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
  command -v tc >/dev/null 2>&1 || missing+=(iproute2)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test tools: installing ${missing[*]} from Debian (once)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian enables a coturn service on 3478 where systemd runs; the TURN test starts its own.
  if [[ " ${missing[*]} " == *" coturn "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now coturn >/dev/null 2>&1 || true
  fi
else
  echo "test tools missing: ${missing[*]}. Install them, e.g.: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
