#!/usr/bin/env bash
# Benchmark of the saturator stage: mastersaturator at its default quality
# (soft-clip, 4x oversampling: aliasing of a 5/9 kHz sine driven +12 dB below
# -90 dB) and other settings (tape-2x-chain: the full-chain benchmark's
# saturator; neutral-passthrough: mix=0, the element forwards buffers), through master-bench over the same generated
# programme material (default 600 s, 48 kHz stereo), against ffmpeg's
# asoftclip with oversample=16 (which ffmpeg needs for comparable aliasing,
# QUALITY.md) on the same signal written as WAV.
#
#   tests/bench/bench-saturator.sh [BUILD_DIR] [master-bench options...]
#
# Prints master-bench's table (realtime factor, ns/frame, ratio against the
# default setting), then ffmpeg's figures (decode-only run subtracted) and
# the ratio. ffmpeg's asoftclip is slice-threaded: its wall time may use
# both cores, so its CPU time (user+sys) is printed too; mastersaturator runs
# on one thread.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
[ $# -gt 0 ] && shift
bench=$build/tests/bench/master-bench
[ -x "$bench" ] || { echo "bench-saturator: $bench not built (ninja -C $build)" >&2; exit 1; }
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$build/gst}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seconds=600
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--seconds" ] && seconds=${args[$((i + 1))]}
done

"$bench" --ref default --repeat 2 --write-wav "$tmp/signal.wav" "$@" \
  default='mastersaturator drive=12' \
  tube-4x='mastersaturator model=tube drive=12' \
  tape-4x='mastersaturator model=tape drive=12' \
  hard-clip-8x='mastersaturator model=hard-clip drive=12 oversampling=8' \
  soft-clip-8x='mastersaturator drive=12 oversampling=8' \
  soft-clip-2x='mastersaturator drive=12 oversampling=2' \
  soft-clip-1x='mastersaturator drive=12 oversampling=1' \
  tape-2x-chain='mastersaturator model=tape drive=4 mix=1 oversampling=2' \
  neutral-passthrough='mastersaturator mix=0' | tee "$tmp/out.txt"

ns() { awk -v n="$1" '$1 == n { print $3 }' "$tmp/out.txt"; }
def=$(ns default)

if command -v ffmpeg > /dev/null; then
  frames=$((seconds * 48000))
  # wall, user and sys seconds of one ffmpeg run (bash's time keyword)
  run() {
    local TIMEFORMAT='%R %U %S'
    { time ffmpeg -nostats -hide_banner -loglevel error -i "$tmp/signal.wav" "$@" -f null - 2> "$tmp/ff.err"; } 2>&1
  }
  read -r aw au as < <(run)
  read -r bw bu bs < <(run -af asoftclip=type=tanh:oversample=16)
  echo
  awk -v aw="$aw" -v au="$au" -v as="$as" -v bw="$bw" -v bu="$bu" -v bs="$bs" \
      -v f="$frames" -v s="$seconds" -v def="$def" 'BEGIN {
    wall = bw - aw; cpu = (bu + bs) - (au + as);
    nsw = wall * 1e9 / f; nsc = cpu * 1e9 / f;
    printf "ffmpeg asoftclip=type=tanh:oversample=16 (decode subtracted): wall %.1f ns/frame (%.1fx realtime), CPU %.1f ns/frame\n", nsw, s / wall, nsc
    printf "mastersaturator default (soft-clip 4x): %.1f ns/frame (%.1fx realtime)\n", def, 1e9 / (def * 48000)
    printf "speed ratio ffmpeg / mastersaturator: %.1fx by wall time, %.1fx by CPU time (> 1: mastersaturator faster)\n", nsw / def, nsc / def }'
else
  echo "ffmpeg not installed: no asoftclip comparison"
fi
