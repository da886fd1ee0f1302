#!/usr/bin/env bash
# install-peers.sh: make sure the Debian packages that the end-to-end tests drive are installed.
#
#   tooling/scripts/install-peers.sh [--check]
#
# Idempotent and quiet when everything is present. When something is missing it runs
# `apt-get update` once and installs only the missing packages (as root directly, otherwise with
# sudo when that works without a password prompt); with --check, or when it cannot install, it
# prints what is missing and exits 1.
set -euo pipefail

# The real peers (docs: tooling/e2e/README.md). One package per line; add more here, e.g.
# xserver-xspice (reference server, only for the scripts that make fixtures).
PEERS=(
  spice-client-gtk             # spicy-screenshot, spicy
  gir1.2-spiceclientglib-2.0   # SpiceClientGLib for tooling/e2e/clients/glib_client.py
  python3-gi                   # Python GObject introspection (run with /usr/bin/python3)
  xz-utils                     # xz, to read the .xz recordings that --replay plays
  tshark                       # Wireshark's SPICE dissector checks our traffic (tshark e2e test)
  chromium                     # the browser spice-html5 runs in (driven by playwright-core)
  spice-html5                  # the web client our server serves over HTTP + WebSocket
  libsasl2-modules             # SCRAM and PLAIN client plugins for spice-gtk's SASL (sasl e2e test)
)

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-peers: this is not a Debian/Ubuntu system (no dpkg-query); install by hand: ${PEERS[*]}" >&2
  exit 1
fi

missing=()
for pkg in "${PEERS[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-peers: missing Debian packages: ${missing[*]}"
if [ "$check_only" = 1 ]; then
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-peers: not root and no password-less sudo; run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "install-peers: apt-get update"
"${as_root[@]}" apt-get update -q
echo "install-peers: apt-get install ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null

still=()
for pkg in "${missing[@]}"; do
  installed "$pkg" || still+=("$pkg")
done
if [ ${#still[@]} -ne 0 ]; then
  echo "install-peers: still missing after apt-get install: ${still[*]}" >&2
  exit 1
fi
echo "install-peers: installed ${missing[*]}"
