#!/usr/bin/env bash
# Benchmark of the dynamics stage: mastercomp vs GStreamer's audiodynamic and
# LSP's compressor-stereo; mastermbcomp (4 bands) vs LSP's
# mb-compressor-stereo (enabled=true), all on the same generated programme
# material (master-bench), 48 kHz stereo F32, 10 minutes by default.
#
#   tests/bench/bench-comp.sh [build-dir] [seconds]
#
# Prints master-bench's table per group: realtime factor, ns/frame and the
# ratio against the LSP entry (< 1 = faster than LSP). Settings are matched
# where the elements allow: threshold -20 dBFS, ratio 4, peak detection;
# multiband: splits at 100, 500, 2500 Hz, every band threshold -20, ratio 4.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
seconds=${2:-600}
bench=${MASTER_BENCH:-$build/tests/bench/master-bench}
if [ ! -x "$bench" ]; then
  echo "bench-comp: $bench not built (needs tests/bench/master-bench)" >&2
  exit 1
fi
common=(--seconds "$seconds" --rate 48000 --channels 2 --format F32LE --repeat 3)

have() { gst-inspect-1.0 "$1" >/dev/null 2>&1; }

lsp=lsp-plug-in-plugins-lv2-compressor-stereo
lspmb=lsp-plug-in-plugins-lv2-mb-compressor-stereo

echo "== mastercomp (threshold -20 dBFS, ratio 4)"
entries=(
  mastercomp='mastercomp threshold=-20 ratio=4 knee=6'
  mastercomp-lookahead='mastercomp threshold=-20 ratio=4 knee=6 lookahead=5'
  mastercomp-rms-ms='mastercomp threshold=-20 ratio=4 detector=rms mode=mid-side link=0.5'
  audiodynamic='audiodynamic mode=compressor characteristics=soft-knee threshold=0.1 ratio=0.25'
)
ref=(--ref audiodynamic)
if have "$lsp"; then
  entries+=(lsp-compressor="$lsp enabled=true al=0.1 cr=4 scm=0")
  ref=(--ref lsp-compressor)
else
  echo "($lsp not installed: ratios against audiodynamic)"
fi
"$bench" "${common[@]}" "${ref[@]}" "${entries[@]}"

echo
echo "== mastermbcomp, 4 bands (splits 100/500/2500 Hz, every band T -20 R 4)"
bands=""
for b in 0 1 2 3; do bands+=" band$b::threshold=-20 band$b::ratio=4"; done
entries=(
  mastermbcomp-lr4="mastermbcomp num-bands=4 band0::crossover=100 band1::crossover=500 band2::crossover=2500$bands"
  mastermbcomp-lr8="mastermbcomp num-bands=4 crossover-slope=48 band0::crossover=100 band1::crossover=500 band2::crossover=2500$bands"
)
ref=()
if have "$lspmb"; then
  entries+=(lsp-mb-compressor="$lspmb enabled=true cbe-1=true cbe-2=true cbe-3=true sf-1=100 sf-2=500 sf-3=2500 cr-0=4 cr-1=4 cr-2=4 cr-3=4 al-0=0.1 al-1=0.1 al-2=0.1 al-3=0.1")
  ref=(--ref lsp-mb-compressor)
else
  echo "($lspmb not installed: no reference)"
  ref=(--ref mastermbcomp-lr4)
fi
"$bench" "${common[@]}" "${ref[@]}" "${entries[@]}"
