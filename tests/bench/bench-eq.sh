#!/usr/bin/env bash
# Benchmark of the EQ stage: mastereq with a 6-band mastering setting
# (high-pass 30 Hz, low shelf, three bells, high shelf) against GStreamer's
# equalizer-nbands with 6 bands (its nearest equivalent: a -24 dB low shelf
# stands in for the high-pass, which it does not have) and, when installed,
# LSP's para-equalizer (lv2, x16 stereo, IIR mode, 6 filters on, enabled=true),
# all in the same master-bench run over the same generated programme material
# (default 600 s, 48 kHz stereo F32; LSP takes F32 only).  A second run in F64
# compares mastereq and equalizer-nbands there.
#
#   tests/bench/bench-eq.sh [BUILD_DIR] [master-bench options...]
#
# Prints master-bench's table (realtime factor, ns/frame, ratio against
# mastereq) and the ratios the issue asks for (> 1 means mastereq is faster).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
[ $# -gt 0 ] && shift
bench=$build/tests/bench/master-bench
[ -x "$bench" ] || { echo "bench-eq: $bench not built (ninja -C $build; master-bench comes with the meter stage)" >&2; exit 1; }
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$build/gst}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mastereq='mastereq num-bands=6
  band0::type=high-pass band0::freq=30 band0::slope=12
  band1::type=low-shelf band1::freq=100 band1::gain=2
  band2::type=bell band2::freq=400 band2::gain=-2 band2::q=1.2
  band3::type=bell band3::freq=2500 band3::gain=1.5 band3::q=0.8
  band4::type=bell band4::freq=6000 band4::gain=-1 band4::q=2
  band5::type=high-shelf band5::freq=12000 band5::gain=2'
# equalizer-nbands: bandwidth in Hz (= freq / Q for the bells)
nbands='equalizer-nbands num-bands=6
  band0::type=low-shelf band0::freq=30 band0::gain=-24
  band1::type=low-shelf band1::freq=100 band1::gain=2
  band2::type=peak band2::freq=400 band2::gain=-2 band2::bandwidth=333
  band3::type=peak band3::freq=2500 band3::gain=1.5 band3::bandwidth=3125
  band4::type=peak band4::freq=6000 band4::gain=-1 band4::bandwidth=3000
  band5::type=high-shelf band5::freq=12000 band5::gain=2'
# LSP: ft 1 bell, 2 hi-pass, 3 hi-shelf, 5 lo-shelf; gains linear
lsp_name=lsp-plug-in-plugins-lv2-para-equalizer-x16-stereo
lsp="$lsp_name enabled=true mode=0
  ft-0=2 f-0=30 s-0=0
  ft-1=5 f-1=100 g-1=1.2589
  ft-2=1 f-2=400 g-2=0.7943 q-2=1.2
  ft-3=1 f-3=2500 g-3=1.1885 q-3=0.8
  ft-4=1 f-4=6000 g-4=0.8913 q-4=2
  ft-5=3 f-5=12000 g-5=1.2589"

entries=(mastereq="$(echo $mastereq)" equalizer-nbands="$(echo $nbands)")
have_lsp=0
if gst-inspect-1.0 "$lsp_name" > /dev/null 2>&1; then
  have_lsp=1
  entries+=(lsp-para-equalizer="$(echo $lsp)")
else
  echo "bench-eq: $lsp_name not installed (Debian: lsp-plugins-lv2, gstreamer1.0-plugins-bad); skipping LSP"
fi

echo "== F32LE, 48 kHz stereo =="
"$bench" --ref mastereq --repeat 2 --format F32LE "$@" "${entries[@]}" | tee "$tmp/f32.txt"
echo
echo "== F64LE, 48 kHz stereo =="
"$bench" --ref mastereq --repeat 2 --format F64LE "$@" "${entries[@]:0:2}" | tee "$tmp/f64.txt"

ns() { awk -v n="$1" '$1 == n { print $3 }' "$2"; }
rt() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
echo
for fmt in f32 f64; do
  me=$(ns mastereq "$tmp/$fmt.txt"); nb=$(ns equalizer-nbands "$tmp/$fmt.txt")
  awk -v fmt="$fmt" -v me="$me" -v nb="$nb" -v rt="$(rt mastereq "$tmp/$fmt.txt")" 'BEGIN {
    printf "%s: mastereq %.2f ns/frame (%s realtime); equalizer-nbands / mastereq = %.2f\n", toupper(fmt), me, rt, nb / me }'
done
if [ $have_lsp = 1 ]; then
  me=$(ns mastereq "$tmp/f32.txt"); ls=$(ns lsp-para-equalizer "$tmp/f32.txt")
  awk -v me="$me" -v ls="$ls" 'BEGIN { printf "F32: lsp-para-equalizer / mastereq = %.2f\n", ls / me }'
fi
