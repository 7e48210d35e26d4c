#!/usr/bin/env bash
# gst-launch-1.0 end to end with the plugin .so (suite `launch`):
# masterfade on a WAV file finds the end through wavparse's DURATION answer
# (first and last sample exactly 0, length unchanged, middle untouched), cuts
# at fade-out-end with eos-after-fade-out, and masterimager width=0 makes
# L == R; masterimager's caps are stereo-only.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

rate=48000
# 5 s stereo F32 WAV: different sines left and right
gst-launch-1.0 -q audiotestsrc wave=sine freq=440 volume=0.5 num-buffers=250 samplesperbuffer=960 \
  ! audio/x-raw,format=F32LE,rate=$rate,channels=2 ! wavenc ! filesink location="$tmp/in.wav"
gst-launch-1.0 -q filesrc location="$tmp/in.wav" ! wavparse ! audioconvert \
  ! audio/x-raw,format=F32LE ! filesink location="$tmp/in.raw"

gst-launch-1.0 -q filesrc location="$tmp/in.wav" ! wavparse ! audioconvert \
  ! masterfade fade-in=0.5 fade-out=1 curve=linear ! audioconvert \
  ! audio/x-raw,format=F32LE ! filesink location="$tmp/fade.raw"
gst-launch-1.0 -q filesrc location="$tmp/in.wav" ! wavparse ! audioconvert \
  ! masterfade fade-out=0.5 fade-out-end=2000000000 eos-after-fade-out=true ! audioconvert \
  ! audio/x-raw,format=F32LE ! filesink location="$tmp/cut.raw"
gst-launch-1.0 -q filesrc location="$tmp/in.wav" ! wavparse ! audioconvert \
  ! masterimager width=0 ! audioconvert \
  ! audio/x-raw,format=F32LE ! filesink location="$tmp/mono.raw"

python3 - "$tmp" "$rate" <<'PY' || fail=1
import array, sys
tmp, rate = sys.argv[1], int(sys.argv[2])
def load(name):
    a = array.array('f')
    with open(f"{tmp}/{name}", 'rb') as f:
        a.frombytes(f.read())
    return a
x, y, cut, mono = load('in.raw'), load('fade.raw'), load('cut.raw'), load('mono.raw')
n = len(x) // 2
ok = True
def check(cond, msg):
    global ok
    print(("ok   " if cond else "FAIL ") + msg)
    ok &= cond
check(len(y) == len(x), f"fade: {len(y)//2} frames out of {n}")
check(y[0] == 0.0 and y[1] == 0.0, f"fade: first sample {y[0]} {y[1]}")
check(y[-1] == 0.0 and y[-2] == 0.0, f"fade: last sample {y[-2]} {y[-1]}")
p = rate // 4      # 0.25 s: half-way through the 0.5 s linear fade-in
err = max(abs(y[2*i] - x[2*i] * (i / (0.5 * rate))) for i in range(0, rate // 2))
check(err < 1e-6, f"fade-in matches linear formula, max error {err:.2e}")
last = n - 1
err = max(abs(y[2*i] - x[2*i] * ((last - i) / rate)) for i in range(n - rate, n))
check(err < 1e-6, f"fade-out (end from wavparse duration) matches formula, max error {err:.2e}")
mid = all(y[i] == x[i] for i in range(rate, 2 * (n - rate)))
check(mid, "between fades: samples unchanged")
check(len(cut) == 2 * 2 * rate, f"cut at 2 s: {len(cut)//2} frames (expect {2*rate})")
check(cut[-1] == 0.0, f"cut: last sample {cut[-1]}")
diff = sum(1 for i in range(0, len(mono), 2) if mono[i] != mono[i+1])
check(len(mono) == len(x) and diff == 0, f"imager width=0: {diff} frames with L != R")
sys.exit(0 if ok else 1)
PY

if gst-inspect-1.0 masterimager | grep -A6 "SINK template" | grep -q "channels: 2"; then
  echo "ok   masterimager sink caps: channels: 2"
else
  echo "FAIL masterimager sink caps not stereo-only"; fail=1
fi
exit $fail
