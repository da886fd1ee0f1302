#!/usr/bin/env bash
# record-xspice.sh: makes the project's own small QXL recordings with the reference server.
#
#   tooling/e2e/scripts/record-xspice.sh WORKLOAD [OUT_DIR]
#
# WORKLOAD: desktop | scroll (see the case below). OUT_DIR defaults to
# tooling/e2e/test/fixtures/recordings. Writes OUT_DIR/WORKLOAD.spice.gz and OUT_DIR/WORKLOAD.final.png.
#
# How: Xspice (Xorg + the spiceqxl driver + libspice-server) runs with
# SPICE_WORKER_RECORD_FILENAME set, lossless images and no video streaming; X clients draw a
# static picture; then our SpiceClientGLib client (clients/glib_client.py) connects to Xspice,
# waits until the display is quiet and saves the frame spice-gtk shows: the reference final frame.
# The recording is cut at that moment (trim-recording.mjs), so nothing Xorg draws while shutting
# down is in it, and gzip'd. Replaying the file through a correct lossless server must end on
# exactly that PNG (tooling/e2e/test/own-recordings.e2e.test.ts checks it).
# Needs: xserver-xspice x11-utils x11-apps xterm xdotool, the spice-gtk peers, a built workspace.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
e2e=$(cd "$here/.." && pwd)
workload=${1:-}
out=$(realpath -m "${2:-$e2e/test/fixtures/recordings}")
disp=${XSPICE_DISPLAY:-63}
port=${XSPICE_PORT:-5963}
case $workload in
  desktop|scroll) ;;
  *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac

missing=()
for cmd in Xorg:xserver-xspice xdpyinfo:x11-utils xlogo:x11-apps xterm:xterm xsetroot:x11-xserver-utils ss:iproute2; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || missing+=("${cmd#*:}")
done
[ -e /usr/lib/xorg/modules/drivers/spiceqxl_drv.so ] || missing+=(xserver-xspice)
if [ ${#missing[@]} -ne 0 ]; then
  echo "record-xspice: missing: ${missing[*]} (apt-get install -y --no-install-recommends ${missing[*]})" >&2
  exit 1
fi
[ -e "/tmp/.X$disp-lock" ] && { echo "record-xspice: display :$disp is in use" >&2; exit 1; }
ss -Hltn "sport = :$port" | grep -q . && { echo "record-xspice: port $port is in use" >&2; exit 1; }

work=$(mktemp -d "/tmp/spice-ts-record-$workload-XXXXXX")
pids=()
xorg=
stop() {
  local p=$1
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
}
cleanup() {
  for p in "${pids[@]}"; do stop "$p"; done
  [ -n "$xorg" ] && stop "$xorg"
  rm -rf "$work"
}
trap cleanup EXIT

# Lossless images (GLZ), no JPEG or zlib over the WAN heuristics, no video streams: the client's
# frame is then exactly the server's picture.
cat >"$work/xorg.conf" <<CONF
Section "Device"
    Identifier "qxl"
    Driver "spiceqxl"
    Option "SpicePort" "$port"
    Option "SpiceAddr" "127.0.0.1"
    Option "SpiceDisableTicketing" "True"
    Option "SpiceImageCompression" "auto_glz"
    Option "SpiceJpegWanCompression" "never"
    Option "SpiceZlibGlzWanCompression" "never"
    Option "SpiceStreamingVideo" "off"
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
        Viewport 0 0
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

raw=$work/$workload.spice
SPICE_WORKER_RECORD_FILENAME=$raw Xorg -noreset -nolisten tcp -config "$work/xorg.conf" \
  -logfile "$work/xorg.log" ":$disp" >"$work/xorg.out" 2>&1 &
xorg=$!
for _ in $(seq 1 100); do
  kill -0 "$xorg" 2>/dev/null || { echo "record-xspice: Xorg exited; see its log:" >&2; tail -20 "$work/xorg.log" >&2; exit 1; }
  DISPLAY=":$disp" xdpyinfo >/dev/null 2>&1 && ss -Hltn "sport = :$port" | grep -q . && break
  sleep 0.1
done
export DISPLAY=":$disp"
run() { "$@" >>"$work/clients.log" 2>&1 & pids+=($!); }

case $workload in
  desktop)
    # Fills (root colour), bitmaps with text and lines (xlogo, xterm), a window moved.
    xsetroot -solid '#336699'
    run xlogo -geometry 300x300+40+40
    run xterm -geometry 60x12+400+60 -e bash -c 'echo "spice-ts own recording"; seq 1 8; sleep 600'
    sleep 2
    ;;
  scroll)
    # An xterm printing more lines than it has: the scrolls are COPY_BITS.
    xsetroot -solid '#202020'
    run xterm -geometry 80x24+0+0 -e bash -c 'for i in $(seq 1 6); do seq -f "line %g of the scroll test" 1 30; sleep 0.2; done; sleep 600'
    sleep 4
    ;;
esac

# The reference frame: what spice-gtk shows from the live reference server once all is quiet.
/usr/bin/python3 "$e2e/clients/glib_client.py" --port "$port" --idle-ms 1500 --timeout 30 \
  --png "$work/final.png" >"$work/client.json"
cut_ns=$(node -e 'console.log(process.hrtime.bigint().toString())')

for p in "${pids[@]}"; do stop "$p"; done
pids=()
stop "$xorg"
xorg=

mkdir -p "$out"
node "$here/trim-recording.mjs" "$raw" "$cut_ns" "$out/$workload.spice.gz"
cp "$work/final.png" "$out/$workload.final.png"
echo "record-xspice: wrote $out/$workload.spice.gz and $out/$workload.final.png" >&2
