#!/usr/bin/env bash
# Acceptance: `gst-launch-1.0 -m filesrc ! wavparse ! audioconvert !
# mastermeter ! fakesink` prints a final mastermeter message whose
# integrated loudness agrees with ffmpeg's ebur128 filter within 0.1 LU, on
# varied generated programme material. Skipped (77) without ffmpeg.
#   test-launch-ffmpeg.sh MAKE_TEST_WAV
set -u
mkwav=$1
command -v ffmpeg > /dev/null || { echo "ffmpeg not installed: skipped"; exit 77; }
command -v gst-launch-1.0 > /dev/null || { echo "gst-launch-1.0 not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

run_case() {
  local name=$1 kind=$2 secs=$3; shift 3
  local wav="$tmp/$name.wav"
  "$mkwav" "$kind" "$secs" "$wav" "$@" > /dev/null || { echo "FAIL: cannot generate $name"; fail=1; return; }
  local gst ff ffsum
  gst=$(gst-launch-1.0 -m filesrc location="$wav" ! wavparse ! audioconvert ! mastermeter ! fakesink 2>&1 \
        | grep 'final=(boolean)true' | sed -n 's/.* integrated=(double)\([^,]*\),.*/\1/p')
  # ffmpeg prints the summary with one decimal; its per-frame metadata has three
  ff=$(ffmpeg -nostats -hide_banner -i "$wav" -af "ebur128=peak=true:metadata=1,ametadata=print:key=lavfi.r128.I:file=-" \
        -f null - 2>/dev/null | sed -n 's/^lavfi.r128.I=//p' | tail -1)
  ffsum=$(ffmpeg -nostats -hide_banner -i "$wav" -af ebur128=peak=true -f null - 2>&1 \
        | sed -n 's/^ *I: *\(-*[0-9.]*\) LUFS/\1/p' | tail -1)
  if [ -z "$gst" ] || [ -z "$ff" ]; then
    echo "FAIL: $name: no value (mastermeter '$gst', ffmpeg '$ff')"; fail=1; return
  fi
  python3 - "$name" "$gst" "$ff" "$ffsum" <<'PY' || fail=1
import sys
name, g, f, s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
d = g - f
print("%-14s mastermeter I %8.3f LUFS   ffmpeg ebur128 I %8.3f LUFS (summary %s)   diff %+.3f LU"
      % (name, g, f, s, d))
if abs(d) > 0.1:
    print("FAIL: %s differs by %.3f LU" % (name, d)); sys.exit(1)
PY
}

run_case music    music 30
run_case speech   speech 30
run_case varied   varied 60
run_case dynamic  dynamic 40
run_case quiet    quiet 30
run_case dense-441 dense 20 --rate 44100
run_case varied-16bit varied 40 --pcm16
run_case varied-5.1 varied 30 --channels 6
[ $fail -eq 0 ] && echo "launch vs ffmpeg: all within 0.1 LU"
exit $fail
