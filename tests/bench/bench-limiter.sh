#!/usr/bin/env bash
# Benchmark of the limiter stage: masterlimiter at 4x and 8x true-peak
# oversampling, driven +12 dB into -1 dBTP, against LSP's limiter-stereo
# (Full x4, ovs=15, same threshold and input gain) when its LV2 bridge element
# is installed, over master-bench's programme material (default 600 s,
# 48 kHz stereo). Then the overshoot of each output, measured at 16x.
#
#   tests/bench/bench-limiter.sh [BUILD_DIR] [master-bench options...]
#
# Env: TP_SECONDS (default 120): how much of each output the 16x true-peak
# measurement reads (sox 'rate -v' to 16 fs, then the peak).
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

# ---- overshoot at 16x on the same material ----
if ! command -v sox > /dev/null; then
  echo "(sox not installed: no 16x overshoot measurement)"
  exit 0
fi
tps=${TP_SECONDS:-120}
sox "$tmp/signal.wav" "$tmp/cut.wav" trim 0 "$tps"
run() {   # name fragment
  gst-launch-1.0 -q filesrc location="$tmp/cut.wav" ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,channels=2 ! $2 ! audioconvert ! audio/x-raw,format=F32LE ! \
    wavenc ! filesink location="$tmp/$1.wav"
  # 16x oversampled peak: sox's very-high-quality linear-phase resampler
  tp=$(sox "$tmp/$1.wav" -n rate -v $((rate * 16)) stats 2>&1 | awk '/^Pk lev dB/ { print $4 }')
  sp=$(sox "$tmp/$1.wav" -n stats 2>&1 | awk '/^Pk lev dB/ { print $4 }')
  in_len=$(soxi -s "$tmp/cut.wav"); out_len=$(soxi -s "$tmp/$1.wav")
  awk -v n="$1" -v tp="$tp" -v sp="$sp" -v a="$in_len" -v b="$out_len" 'BEGIN {
    printf "%-6s ceiling -1: sample peak %+.3f dBFS, 16x true peak %+.3f dBTP (over by %+.3f dB); %d frames in, %d out\n",
      n, sp, tp, tp + 1.0, a, b }'
}
echo
echo "16x true peak of the output, first $tps s, driven +12 dB into -1 dBTP:"
run lim4 "$ours4"
run lim8 "$ours8"
[ "$ref" = lsp4 ] && run lsp4 "$lsp_frag"
exit 0
