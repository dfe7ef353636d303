#!/usr/bin/env bash
# Runs before `npm test`: the e2e tests drive Debian's Chromium and check media with ffprobe.
# On a fresh machine of ours (root, apt) it installs them; elsewhere it says what to install.
set -euo pipefail
missing=()
[ -x "${CURBCAST_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test tools: installing ${missing[*]} from Debian (once)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "test tools missing: ${missing[*]}. Install them, e.g.: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
