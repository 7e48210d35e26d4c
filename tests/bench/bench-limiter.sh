#!/usr/bin/env bash
# Benchmark of the limiter stage: masterlimiter at 4x and 8x true-peak
# oversampling, driven +12 dB into -1 dBTP, against LSP's limiter-stereo
# (Full x4, ovs=15, same threshold and input gain) when its LV2 bridge element
# is installed, over master-bench's programme material (default 600 s,
# 48 kHz stereo). Then the overshoot of each output on the first TP_SECONDS
# of that material, by a strict 16x meter (512-tap sinc, flat to 0.49 fs).
#
#   tests/bench/bench-limiter.sh [BUILD_DIR] [master-bench options...]
#
# Env: TP_SECONDS (default 120): how much of the material the overshoot
# measurement runs through each limiter.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
[ $# -gt 0 ] && shift
bench=$build/tests/bench/master-bench
[ -x "$bench" ] || { echo "bench-limiter: $bench not built (ninja -C $build)" >&2; exit 1; }
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$build/gst}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rate=48000
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--rate" ] && rate=${args[$((i + 1))]}
done

ceiling_lin=0.891251    # -1 dB
gain_lin=3.981072       # +12 dB
lsp=lsp-plug-in-plugins-lv2-limiter-stereo
lsp_frag="$lsp enabled=true ovs=15 th=$ceiling_lin g-in=$gain_lin"
ours4="masterlimiter ceiling=-1 input-gain=12"
ours8="masterlimiter ceiling=-1 input-gain=12 oversampling=8"

entries=(lim4="$ours4" lim8="$ours8")
ref=lim4
if gst-inspect-1.0 "$lsp" > /dev/null 2>&1; then
  entries+=(lsp4="$lsp_frag")
  ref=lsp4
else
  echo "($lsp not installed: no LSP reference)"
fi

"$bench" --ref "$ref" --repeat 2 --write-wav "$tmp/signal.wav" "$@" "${entries[@]}" \
  | tee "$tmp/out.txt"

ns() { awk -v n="$1" '$1 == n { print $3 }' "$tmp/out.txt"; }
echo
if [ "$ref" = lsp4 ]; then
  awk -v a="$(ns lim4)" -v b="$(ns lim8)" -v l="$(ns lsp4)" 'BEGIN {
    printf "masterlimiter 4x: %.1f ns/frame = %.2fx faster than LSP Full x4 (%.1f ns/frame); 8x: %.2fx\n",
      a, l / a, l, l / b }'
fi

# ---- overshoot on the same material ----
# Strict true peak: 16x by a 512-tap windowed sinc flat to 0.49 fs
# (build/tests/limiter-truepeak-wav, tests/common/strict-truepeak.h).
tpw=$build/tests/limiter-truepeak-wav
[ -x "$tpw" ] || { echo "(no $tpw: no overshoot measurement)"; exit 0; }
tps=${TP_SECONDS:-120}
if command -v ffmpeg > /dev/null; then
  ffmpeg -nostats -hide_banner -loglevel error -i "$tmp/signal.wav" -t "$tps" -c:a pcm_f32le "$tmp/cut.wav"
else
  cp "$tmp/signal.wav" "$tmp/cut.wav"
fi
run() {   # name fragment
  gst-launch-1.0 -q filesrc location="$tmp/cut.wav" ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,channels=2 ! $2 ! audioconvert ! audio/x-raw,format=F32LE ! \
    wavenc ! filesink location="$tmp/$1.wav"
  "$tpw" "$tmp/$1.wav" | awk -v n="$1" '{
    printf "%-6s ceiling -1: sample peak %+.3f dBFS, strict 16x true peak %+.3f dBTP (%+.3f dB vs ceiling), %d frames\n",
      n, $4, $6, $6 + 1.0, $2 }'
}
echo
echo "true peak of the outputs (first $tps s of the same material, +12 dB into -1 dBTP):"
"$tpw" "$tmp/cut.wav" | awk '{ printf "input  %d frames, sample peak %+.3f dBFS\n", $2, $4 }'
run lim4 "$ours4"
run lim8 "$ours8"
[ "$ref" = lsp4 ] && run lsp4 "$lsp_frag"
exit 0
