#!/usr/bin/env bash
# Benchmark of masterimager and masterfade: realtime factor on 10 minutes of
# 48 kHz stereo programme material (master-bench), with GStreamer's volume and
# audiopanorama as in-process references, and ffmpeg's extrastereo (the same
# M/S width operation) and afade on the same signal written as WAV.
#
#   tests/bench/bench-imager-fade.sh [SECONDS]      (default 600)
#
# Environment: BUILD_DIR (default: build), MASTER_BENCH (default:
# $BUILD_DIR/tests/bench/master-bench), REPEAT (runs per entry, fastest
# counts; default 1). Benchmarks are not run as tests.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$here/build}
bench=${MASTER_BENCH:-$build/tests/bench/master-bench}
seconds=${1:-600}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$bench" ]; then
  echo "bench-imager-fade: $bench not built (master-bench comes with the meter stage)" >&2
  exit 77
fi

for fmt in F32LE F64LE; do
  echo "== master-bench, $seconds s, 48 kHz stereo, $fmt"
  extra=()
  if [ "$fmt" = F32LE ]; then
    # audiopanorama has no F64 caps
    extra=(--write-wav "$tmp/signal.wav" audiopanorama='audiopanorama panorama=0.2')
  fi
  "$bench" --seconds "$seconds" --format "$fmt" --repeat "${REPEAT:-1}" --ref volume "${extra[@]}" \
    volume='volume volume=0.9' \
    imager-neutral='masterimager' \
    imager-width='masterimager width=1.5' \
    imager-full='masterimager width=1.5 mid-gain=-1 side-gain=1 bass-mono=120 balance=0.1' \
    imager-messages='masterimager width=1.5 bass-mono=120 interval=100000000' \
    fade-edges='masterfade fade-in=5 fade-out=5 fade-out-end=600000000000' \
    fade-whole-linear="masterfade fade-in=$seconds curve=linear" \
    fade-whole-scurve="masterfade fade-in=$seconds curve=s-curve" \
    fade-whole-exp="masterfade fade-in=$seconds curve=exponential" \
    fade-whole-log="masterfade fade-in=$seconds curve=logarithmic" || true
done

# ffmpeg on the same material (decode + filter + null muxer, minus a plain
# decode run), user+system CPU seconds from bash's time keyword
if command -v ffmpeg >/dev/null && [ -f "$tmp/signal.wav" ]; then
  echo "== ffmpeg on the same signal (filter CPU time = run - plain decode run)"
  TIMEFORMAT=%U+%S
  cpu() {
    { time ffmpeg -nostdin -v error -i "$tmp/signal.wav" "$@" -f null - ; } 2>&1 | tail -1 |
      awk -F+ '{ print $1 + $2 }'
  }
  base=$(cpu)
  for spec in "extrastereo=m=1.5" "afade=t=in:d=$seconds:curve=tri" "afade=t=in:d=$seconds:curve=qsin"; do
    t=$(cpu -af "$spec")
    awk -v s="$seconds" -v f="$t" -v b="$base" -v name="$spec" 'BEGIN {
      f -= b;
      if (f <= 0) f = 1e-3;
      printf "ffmpeg %-36s filter cpu %7.3f s  realtime %10.1fx\n", name, f, s / f }'
  done
fi
