#!/usr/bin/env bash
# gst-master analyze end to end: generated WAV files (float and 16-bit),
# a missing file, a text file and a corrupt WAV. Checks the table, the JSON
# (python3 -m json.tool), values against an independent libebur128
# measurement, one stderr line per bad file and a non-zero exit status.
#   test-analyze.sh GST_MASTER MAKE_TEST_WAV
set -u
gm=$1
mkwav=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

ref_tone=$("$mkwav" tone 10 "$tmp/tone.wav") || exit 1
ref_music=$("$mkwav" music 20 "$tmp/music.wav") || exit 1
ref_speech=$("$mkwav" speech 15 "$tmp/speech 16bit.wav" --pcm16 --rate 44100) || exit 1
ref_mono=$("$mkwav" varied 30 "$tmp/varied-mono.wav" --channels 1) || exit 1
printf 'this is not audio\n' > "$tmp/text.wav"
# seeded junk, the same every run (noise from /dev/urandom sometimes
# typefinds as LRC subtitles: that hung gst-master until decodebin was
# limited to audio; the file with such a start is in the sweep below)
junk() { python3 -c '
import random, sys
r = random.Random(int(sys.argv[2]))
open(sys.argv[1], "wb").write(sys.argv[3].encode("latin-1").decode("unicode_escape").encode("latin-1") + bytes(r.getrandbits(8) for _ in range(int(sys.argv[4]))))
' "$@"; }
junk "$tmp/noise.bin" 1 '' 100000
{ printf 'RIFF\x24\x00\x00\x00WAVEfmt '; head -c 60 /dev/zero; } > "$tmp/corrupt.wav"

good=("$tmp/tone.wav" "$tmp/music.wav" "$tmp/speech 16bit.wav" "$tmp/varied-mono.wav")
badf=("$tmp/missing.wav" "$tmp/text.wav" "$tmp/corrupt.wav" "$tmp/noise.bin")

# all good: exit 0, table with one row per file
timeout 120 "$gm" analyze "${good[@]}" > "$tmp/table.txt" 2> "$tmp/err.txt"
rc=$?
cat "$tmp/table.txt"
[ $rc -eq 0 ] || bad "exit status $rc for good files"
[ -s "$tmp/err.txt" ] && bad "stderr not empty: $(cat "$tmp/err.txt")"
rows=$(grep -c '\.wav$' "$tmp/table.txt")
[ "$rows" -eq 4 ] || bad "table has $rows rows, expected 4"

# mixed: bad files reported on stderr (one line each), good ones still measured
timeout 120 "$gm" analyze "${badf[0]}" "${good[0]}" "${badf[1]}" "${good[1]}" "${badf[2]}" "${badf[3]}" "${good[2]}" "${good[3]}" \
  --json > "$tmp/out.json" 2> "$tmp/err.txt"
rc=$?
echo "stderr:"; cat "$tmp/err.txt"
[ $rc -ne 0 ] || bad "exit status 0 despite bad files"
lines=$(wc -l < "$tmp/err.txt")
[ "$lines" -eq 4 ] || bad "stderr has $lines lines, expected 4 (one per bad file)"
for f in "${badf[@]}"; do
  grep -qF "$f" "$tmp/err.txt" || bad "no error line names $f"
done
python3 -m json.tool "$tmp/out.json" > /dev/null || bad "invalid JSON"

python3 - "$tmp/out.json" "$ref_tone" "$ref_music" "$ref_speech" "$ref_mono" <<'PY' || fail=1
import json, sys, math
data = json.load(open(sys.argv[1]))
refs = [float(v) for v in sys.argv[2:6]]
ok = [d for d in data if "error" not in d]
errs = [d for d in data if "error" in d]
status = 0
if len(ok) != 4 or len(errs) != 4:
    print("FAIL: %d measured, %d errors in JSON" % (len(ok), len(errs))); sys.exit(1)
names = ["tone.wav", "music.wav", "speech 16bit.wav", "varied-mono.wav"]
for name, ref in zip(names, refs):
    d = next(x for x in ok if x["file"].endswith("/" + name))
    i, tp, sp, plr = d["integrated_lufs"], d["true_peak_dbtp"], d["sample_peak_dbfs"], d["plr_db"]
    print("%-18s I %.3f LUFS (independent %.3f), LRA %.2f LU, TP %.2f dBTP, SP %.2f dBFS, PLR %.2f dB, %g s, %d Hz, %d ch"
          % (name, i, ref, d["loudness_range_lu"], tp, sp, plr, d["duration_s"], d["rate"], d["channels"]))
    if abs(i - ref) > 0.02:
        print("FAIL: %s integrated %.3f vs %.3f" % (name, i, ref)); status = 1
    if tp < sp - 1e-6 or abs(plr - (tp - i)) > 0.002:
        print("FAIL: %s peak/PLR inconsistent" % name); status = 1
tone = next(x for x in ok if x["file"].endswith("/tone.wav"))
if abs(tone["integrated_lufs"] + 23.0) > 0.1 or abs(tone["sample_peak_dbfs"] + 23.0) > 0.01:
    print("FAIL: tone -23 dBFS measured %s" % tone); status = 1
sys.exit(status)
PY

# files of another kind than audio: one error line each, no hang
# (subtitles, a video-only file; the same decode path as gst-master master)
printf 'WEBVTT\n\n00:01.000 --> 00:02.000\nnot audio\n' > "$tmp/subtitles.vtt"
junk "$tmp/lrc-like.bin" 2 '[@\x16\xd0]' 100000
other=("$tmp/subtitles.vtt" "$tmp/lrc-like.bin")
if gst-inspect-1.0 theoraenc > /dev/null 2>&1 && gst-inspect-1.0 oggmux > /dev/null 2>&1; then
  gst-launch-1.0 -q videotestsrc num-buffers=10 ! video/x-raw,width=32,height=24 ! theoraenc ! oggmux ! \
    filesink location="$tmp/video-only.ogg" && other+=("$tmp/video-only.ogg")
fi
timeout 60 "$gm" analyze "${other[@]}" > /dev/null 2> "$tmp/err.txt"
rc=$?
echo "other kinds:"; cat "$tmp/err.txt"
[ $rc -eq 1 ] || bad "files without audio: exit status $rc (124: hung)"
for f in "${other[@]}"; do
  [ "$(grep -cF "$f: cannot decode: no audio stream" "$tmp/err.txt")" -eq 1 ] || bad "no 'no audio stream' line for $f"
done

# an audio stream without a decoder (hidden here by rank): named as such
if gst-inspect-1.0 opusenc > /dev/null 2>&1; then
  gst-launch-1.0 -q audiotestsrc num-buffers=20 ! opusenc ! oggmux ! filesink location="$tmp/talk.ogg"
  GST_PLUGIN_FEATURE_RANK=opusdec:NONE,avdec_opus:NONE timeout 60 "$gm" analyze "$tmp/talk.ogg" \
    > /dev/null 2> "$tmp/err.txt"
  cat "$tmp/err.txt"
  grep -qF "talk.ogg: cannot decode: no decoder installed for Opus" "$tmp/err.txt" \
    || bad "missing audio decoder not named: $(cat "$tmp/err.txt")"
fi

# junk sweep: seeded random files behind the starts of real formats; every
# file is either measured or named in one error line, and nothing hangs
sweep=()
starts=('' '[' '[00:' 'WEBVTT\n\n' 'RIFF\x24\x00\x00\x00WAVEfmt ' 'ID3\x03\x00' 'OggS\x00' 'fLaC' '\xff\xfb\x90\x00' '\x1aE\xdf\xa3')
for k in $(seq 0 39); do
  junk "$tmp/sweep-$k.bin" $((100 + k)) "${starts[$((k % ${#starts[@]}))]}" 4096
  sweep+=("$tmp/sweep-$k.bin")
done
timeout 200 "$gm" analyze --json "${sweep[@]}" > "$tmp/sweep.json" 2> "$tmp/err.txt"
rc=$?
[ $rc -eq 124 ] && bad "junk sweep: gst-master analyze hung"
python3 - "$tmp/sweep.json" "$tmp/err.txt" "${#sweep[@]}" <<'PY' || fail=1
import json, sys
data = json.load(open(sys.argv[1]))
errs = [l for l in open(sys.argv[2]).read().splitlines() if l]
n = int(sys.argv[3])
bad = sum(1 for d in data if "error" in d)
stalls = sum(1 for l in errs if "stopped without" in l)
print("junk sweep: %d files, %d measured, %d errors (%d caught by the stall watch), %d stderr lines"
      % (len(data), len(data) - bad, bad, stalls, len(errs)))
if len(data) != n or len(errs) != bad:
    print("FAIL: junk sweep: %d entries for %d files, %d error lines for %d errors" % (len(data), n, len(errs), bad)); sys.exit(1)
PY

# silence: integrated is -inf in the table and null in JSON (still valid)
"$mkwav" tone 0 "$tmp/empty.wav" > /dev/null
python3 -c "
import struct,sys
n=48000*2; d=b'\x00'*(n*4*2)
f=open(sys.argv[1],'wb'); f.write(b'RIFF'+struct.pack('<I',36+len(d))+b'WAVEfmt '+struct.pack('<IHHIIHH',16,3,2,48000,48000*8,8,32)+b'data'+struct.pack('<I',len(d))+d)
" "$tmp/silence.wav"
"$gm" analyze --json "$tmp/silence.wav" > "$tmp/sil.json" || bad "silence: exit status"
python3 -c "import json,sys; d=json.load(open(sys.argv[1]))[0]; sys.exit(0 if d['integrated_lufs'] is None else 1)" "$tmp/sil.json" \
  || bad "silence: integrated should be null: $(cat "$tmp/sil.json")"
"$gm" analyze "$tmp/silence.wav" | grep -q -- '-inf' || bad "silence: table should say -inf"

# usage errors
"$gm" analyze > /dev/null 2>&1; [ $? -eq 2 ] || bad "no file: exit status should be 2"
"$gm" frobnicate > /dev/null 2>&1; [ $? -eq 2 ] || bad "unknown command: exit status should be 2"

[ $fail -eq 0 ] && echo "analyze: all checks passed"
exit $fail
