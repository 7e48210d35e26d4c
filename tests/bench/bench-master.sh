#!/bin/sh
# bench-master.sh: `gst-master master` on 10 minutes of 48 kHz stereo
# programme, whole process wall time (analysis + all render passes + file
# writing), against ffmpeg's loudnorm filter in one pass on the same file
# (the way people use it: -af loudnorm=I=-14:TP=-1). Prints both wall times,
# the speed ratio, and each result's integrated loudness and true peak
# measured by ffmpeg's ebur128 filter (an independent meter), so the
# distance from the target can be compared.
#
# usage: tests/bench/bench-master.sh [BUILD_DIR] [TARGET_LUFS] [CEILING_DBTP]
#        (defaults: build -14 -1; a -9 run shows the limiting case)
set -eu

BUILD=${1:-build}
TARGET=${2:--14}
CEILING=${3:--1}
GM="$BUILD/pipelines/gst-master"
[ -x "$GM" ] || { echo "bench-master: $GM not built" >&2; exit 1; }
command -v sox >/dev/null || { echo "bench-master: sox not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

now () { date +%s.%N; }

# 10 minutes of programme: the demo's 40 s programme (intro, verse, loud
# chorus, silence, outro) 15 times, 24-bit WAV.
"$GM" demo -q --json > "$work/demo.json"
demo_in=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["input"])' "$work/demo.json")
set --
i=0
while [ $i -lt 15 ]; do set -- "$@" "$demo_in"; i=$((i + 1)); done
sox "$@" -b 24 "$work/in.wav" 2>/dev/null
rm -rf "$(dirname "$demo_in")"
dur=$(soxi -D "$work/in.wav")

measure () {   # prints "I TP" of a file with ffmpeg's ebur128 (true peak)
  ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/Integrated loudness:/ {f=1} f && /^ *I:/ {i=$2} /True peak:/ {t=1} t && /^ *Peak:/ {p=$2} END {print i, p}'
}

echo "bench-master: ${dur} s of 48 kHz stereo, target $TARGET LUFS, ceiling $CEILING dBTP"
set -- $(measure "$work/in.wav")
echo "  input:                 I $1 LUFS, true peak $2 dBTP"

t0=$(now)
"$GM" master -q --json --force --target "$TARGET" --ceiling "$CEILING" \
  "$work/in.wav" "$work/gst-master.wav" > "$work/gm.json"
t1=$(now)
passes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["passes"])' "$work/gm.json")

t2=$(now)
ffmpeg -hide_banner -nostats -loglevel error -y -i "$work/in.wav" \
  -af "loudnorm=I=$TARGET:TP=$CEILING" -c:a pcm_s24le "$work/ffmpeg.wav"
t3=$(now)

set -- $(measure "$work/gst-master.wav")
gm_i=$1 gm_tp=$2
set -- $(measure "$work/ffmpeg.wav")
ff_i=$1 ff_tp=$2
ff_rate=$(soxi -r "$work/ffmpeg.wav")

python3 - "$dur" "$t0" "$t1" "$t2" "$t3" "$TARGET" "$CEILING" "$gm_i" "$gm_tp" "$ff_i" "$ff_tp" "$passes" "$ff_rate" <<'EOF'
import sys
dur, t0, t1, t2, t3, target, ceil, gi, gtp, fi, ftp = map(float, sys.argv[1:12])
passes, ff_rate = sys.argv[12], sys.argv[13]
gm, ff = t1 - t0, t3 - t2
print(f"  gst-master master:     {gm:7.2f} s wall ({dur / gm:6.1f}x realtime, {passes} passes incl. analysis), "
      f"I {gi:+.2f} LUFS ({gi - target:+.2f} LU from target), true peak {gtp:+.2f} dBTP ({gtp - ceil:+.2f} vs ceiling)")
print(f"  ffmpeg loudnorm:       {ff:7.2f} s wall ({dur / ff:6.1f}x realtime, 1 pass, output {ff_rate} Hz), "
      f"I {fi:+.2f} LUFS ({fi - target:+.2f} LU from target), true peak {ftp:+.2f} dBTP ({ftp - ceil:+.2f} vs ceiling)")
print(f"  speed ratio gst-master / ffmpeg: {ff / gm:.2f}x (>1: gst-master faster)")
EOF
