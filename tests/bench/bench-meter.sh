#!/usr/bin/env bash
# Benchmark of the meter stage: mastermeter (true peak on, default 100 ms
# messages) and masterloudnorm's live mode (which measures momentary
# loudness with the same dsp/loudness) against GStreamer's `level` and
# libebur128 used directly, all in the same run, over
# the same generated programme material (default 600 s, 48 kHz stereo), and
# ffmpeg's ebur128 filter (peak=true) on the same signal when installed.
#
#   tests/bench/bench-meter.sh [BUILD_DIR] [master-bench options...]
#
# Prints master-bench's table (realtime factor, ns/frame, ratio against
# libebur128) and the ratios the issue asks for.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
[ $# -gt 0 ] && shift
bench=$build/tests/bench/master-bench
[ -x "$bench" ] || { echo "bench-meter: $bench not built (ninja -C $build)" >&2; exit 1; }
# use the plugin from this build tree when nothing else provides it
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$build/gst}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seconds=600
rate=48000
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--seconds" ] && seconds=${args[$((i + 1))]}
  [ "${args[$i]}" = "--rate" ] && rate=${args[$((i + 1))]}
done

"$bench" --ref libebur128 --repeat 2 --write-wav "$tmp/signal.wav" "$@" \
  mastermeter='mastermeter' \
  mastermeter-notp='mastermeter true-peak=false' \
  loudnorm-live='masterloudnorm mode=live preset=streaming' \
  level='level' \
  libebur128=@libebur128 | tee "$tmp/out.txt"

ns() { awk -v n="$1" '$1 == n { print $3 }' "$tmp/out.txt"; }
mm=$(ns mastermeter); nt=$(ns mastermeter-notp); ln=$(ns loudnorm-live)
lv=$(ns level); lib=$(ns libebur128)
echo
awk -v mm="$mm" -v nt="$nt" -v ln="$ln" -v lv="$lv" -v lib="$lib" 'BEGIN {
  printf "mastermeter (true peak on): %.2f ns/frame = %.2fx libebur128 alone (same run), %.1fx level\n", mm, mm / lib, mm / lv
  printf "mastermeter (true peak off): %.2f ns/frame = %.2fx libebur128 alone\n", nt, nt / lib
  printf "masterloudnorm live: %.2f ns/frame = %.2fx libebur128 alone\n", ln, ln / lib }'

if command -v ffmpeg > /dev/null; then
  # CPU time (user + sys) of ffmpeg, decoding alone subtracted, best of 2
  cpu() {
    local best= t
    for _ in 1 2; do
      t=$( { TIMEFORMAT='%3U %3S'; time "$@" > /dev/null 2>&1; } 2>&1 | awk '{ print $1 + $2 }')
      if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
    done
    echo "$best"
  }
  frames=$(awk -v s="$seconds" -v r="$rate" 'BEGIN { printf "%d", s * r }')
  base=$(cpu ffmpeg -nostats -hide_banner -i "$tmp/signal.wav" -f null -)
  full=$(cpu ffmpeg -nostats -hide_banner -i "$tmp/signal.wav" -af ebur128=peak=true -f null -)
  awk -v a="$base" -v b="$full" -v f="$frames" -v s="$seconds" -v mm="$mm" 'BEGIN {
    t = b - a; ns = t * 1e9 / f;
    printf "ffmpeg ebur128=peak=true (CPU, decoding subtracted): %.2f ns/frame, %.1fx realtime; mastermeter / ffmpeg = %.2f\n", ns, s / t, mm / ns }'
fi
