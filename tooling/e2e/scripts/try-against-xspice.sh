#!/usr/bin/env bash
# try-against-xspice.sh: dev-only check of the end-to-end harness against the reference SPICE
# server (Xspice = Xorg + the spiceqxl driver + libspice-server). Not run by the tests.
#
#   tooling/e2e/scripts/try-against-xspice.sh [DISPLAY_NUMBER] [PORT]
#
# Starts Xspice with a ticket, an xterm on it and a relay that swallows MOUSE_MOTION_ACK, then
# runs scripts/xspice-check.ts (vitest) which drives spicy-screenshot and clients/glib_client.py:
# screenshots, auth failure, --click, --type (checked through a file the xterm writes), --motion
# (acked directly, stuck through the relay). Logs and images go to .test-results/e2e/xspice/.
# Needs: xserver-xspice x11-utils xterm xdotool (apt-get install -y --no-install-recommends ...).
set -euo pipefail

disp=${1:-77}
port=${2:-5977}
relay_port=$((port + 1))
password=xspice-secret
here=$(cd "$(dirname "$0")" && pwd)
e2e=$(cd "$here/.." && pwd)
repo=$(cd "$e2e/../.." && pwd)
out="$repo/.test-results/e2e/xspice"
mkdir -p "$out"

missing=()
for cmd in Xorg:xserver-xspice xdpyinfo:x11-utils xterm:xterm xdotool:xdotool ss:iproute2; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || missing+=("${cmd#*:}")
done
[ -e /usr/lib/xorg/modules/drivers/spiceqxl_drv.so ] || missing+=(xserver-xspice)
if [ ${#missing[@]} -ne 0 ]; then
  echo "try-against-xspice: missing: ${missing[*]}" >&2
  echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
if [ -e "/tmp/.X$disp-lock" ]; then
  echo "try-against-xspice: display :$disp is in use" >&2
  exit 1
fi
for p in "$port" "$relay_port"; do
  if ss -Hltn "sport = :$p" | grep -q .; then
    echo "try-against-xspice: port $p is in use" >&2
    exit 1
  fi
done

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Xorg configuration for the spiceqxl driver; the explicit buffer sizes matter (the defaults of
# Debian's Xspice wrapper make it crash at start).
cat >"$out/xorg.conf" <<CONF
Section "Device"
    Identifier "qxl"
    Driver "spiceqxl"
    Option "SpicePort" "$port"
    Option "SpiceAddr" "127.0.0.1"
    Option "SpicePassword" "$password"
    Option "SpiceDisableTicketing" "False"
    Option "NumHeads" "1"
    Option "FrameBufferSize" "16"
    Option "SurfaceBufferSize" "128"
    Option "CommandBufferSize" "128"
EndSection
Section "InputDevice"
    Identifier "pointer"
    Driver "xspice pointer"
EndSection
Section "InputDevice"
    Identifier "keyboard"
    Driver "xspice keyboard"
EndSection
Section "Monitor"
    Identifier "monitor"
EndSection
Section "Screen"
    Identifier "screen"
    Monitor "monitor"
    Device "qxl"
    DefaultDepth 24
    SubSection "Display"
        Depth 24
        Modes "1024x768"
    EndSubSection
EndSection
Section "ServerLayout"
    Identifier "layout"
    Screen "screen"
    InputDevice "keyboard"
    InputDevice "pointer"
EndSection
Section "ServerFlags"
    Option "AutoAddDevices" "False"
EndSection
CONF

echo "try-against-xspice: starting Xspice on :$disp, SPICE on 127.0.0.1:$port (ticket '$password')"
Xorg -noreset -nolisten tcp -config "$out/xorg.conf" -logfile "$out/xorg.log" ":$disp" \
  >"$out/xorg.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  if DISPLAY=":$disp" xdpyinfo >/dev/null 2>&1 && ss -Hltn "sport = :$port" | grep -q .; then
    break
  fi
  sleep 0.1
done
DISPLAY=":$disp" xdpyinfo >/dev/null 2>&1 || { echo "try-against-xspice: Xspice did not start, see $out/xorg.log" >&2; exit 1; }

# A terminal at the top-left; keyboard focus follows the pointer (no window manager).
DISPLAY=":$disp" xterm -geometry 80x20+0+0 -fa Monospace -fs 12 -e bash --norc --noprofile \
  >"$out/xterm.log" 2>&1 &
pids+=($!)
/usr/bin/python3 "$here/motion-ack-dropper.py" "$relay_port" "$port" >"$out/relay.log" 2>&1 &
pids+=($!)
sleep 1.5

echo "try-against-xspice: running scripts/xspice-check.ts"
cd "$e2e"
XSPICE_DISPLAY=":$disp" XSPICE_PORT="$port" XSPICE_RELAY_PORT="$relay_port" XSPICE_PASSWORD="$password" \
XSPICE_OUT="$out" pnpm exec vitest run --config scripts/xspice.vitest.config.ts
