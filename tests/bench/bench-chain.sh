#!/usr/bin/env bash
# Benchmark of the whole chain: masterchain with every stage working
# (6-band EQ, 4-band multiband compressor, 2x oversampled saturator, imager,
# live loudness AGC, 4x true-peak limiter, meter) on generated programme
# material (default 600 s, 48 kHz stereo F32), pinned to one core, with
# 1024-frame buffers and with 48-frame (1 ms) buffers.
#
#   tests/bench/bench-chain.sh [BUILD_DIR] [master-bench options...]
#
# Also times the default chain (tone/dynamics stages neutral: loudnorm,
# limiter and meter only) for comparison. Goals (issue 8): full chain
# >= 150x realtime at 1024 frames; 48-frame buffers cost <= 2x that.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
[ $# -gt 0 ] && shift
bench=$build/tests/bench/master-bench
[ -x "$bench" ] || { echo "bench-chain: $bench not built (ninja -C $build)" >&2; exit 1; }
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$build/gst}
pin=()
command -v taskset > /dev/null && pin=(taskset -c 0)

# masterchain's own properties (multiband) are applied before child ones;
# its EQ has six bands.
full="masterchain mode=live preset=streaming multiband=true"
full+=" eq::band0::type=high-pass eq::band0::freq=30 eq::band0::enabled=true"
full+=" eq::band1::type=low-shelf eq::band1::freq=120 eq::band1::gain=1.5 eq::band1::enabled=true"
full+=" eq::band2::type=bell eq::band2::freq=400 eq::band2::gain=-1 eq::band2::enabled=true"
full+=" eq::band3::type=bell eq::band3::freq=2500 eq::band3::gain=1 eq::band3::enabled=true"
full+=" eq::band4::type=bell eq::band4::freq=6000 eq::band4::gain=-0.5 eq::band4::enabled=true"
full+=" eq::band5::type=high-shelf eq::band5::freq=12000 eq::band5::gain=1 eq::band5::enabled=true"
full+=" comp::num-bands=4"
for b in 0 1 2 3; do full+=" comp::band$b::threshold=-24 comp::band$b::ratio=2"; done
full+=" saturator::oversampling=2 saturator::model=tape saturator::drive=4 saturator::mix=1"
full+=" imager::width=1.2 imager::bass-mono=120"
full+=" limiter::oversampling=4 limiter::true-peak=true"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for frames in 1024 48; do
  echo "== $frames-frame buffers"
  "${pin[@]}" "$bench" --buffer-frames $frames --ref full "$@" \
    full="$full" \
    default='masterchain mode=live preset=streaming' | tee "$tmp/out-$frames.txt"
done

# Each stage alone with the settings it has in the full chain (same
# signal, 1024-frame buffers), so the chain's cost can be attributed; the
# stages after the loudness stage see a different level in the chain, so
# the parts need not add up exactly. The EQ gets the chain's six bands.
eqs="mastereq num-bands=6 $(echo "$full" | grep -o 'eq::band[^ ]*' | sed 's/^eq:://' | tr '\n' ' ')"
echo "== stages alone, 1024-frame buffers"
mb="mastermbcomp num-bands=4"
for b in 0 1 2 3; do mb+=" band$b::threshold=-24 band$b::ratio=2"; done
"${pin[@]}" "$bench" --buffer-frames 1024 "$@" \
  eq="$eqs" mbcomp="$mb" \
  saturator='mastersaturator oversampling=2 model=tape drive=4 mix=1' \
  imager='masterimager width=1.2 bass-mono=120' \
  loudnorm='masterloudnorm mode=live preset=streaming' \
  limiter='masterlimiter oversampling=4 true-peak=true' \
  meter='mastermeter' \
  neutral-sat='mastersaturator mix=0 drive=0' neutral-comp='mastercomp ratio=1'

rt() { awk -v n="$2" '$1 == n { sub("x", "", $2); print $2 }' "$tmp/out-$1.txt"; }
ns() { awk -v n="$2" '$1 == n { print $3 }' "$tmp/out-$1.txt"; }
echo
awk -v a="$(rt 1024 full)" -v b="$(rt 48 full)" -v na="$(ns 1024 full)" -v nb="$(ns 48 full)" \
    -v d="$(rt 1024 default)" -v d48="$(rt 48 default)" 'BEGIN {
  printf "full chain: %.1fx realtime at 1024 frames (goal >= 150x: %s), %.1fx at 48 frames\n", a, (a >= 150 ? "met" : "NOT met"), b
  printf "48-frame buffers cost %.2fx the 1024-frame run (goal <= 2x: %s)\n", nb / na, ((nb / na) <= 2 ? "met" : "NOT met")
  printf "default chain (loudnorm, limiter, meter): %.1fx at 1024 frames, %.1fx at 48 frames\n", d, d48 }'
