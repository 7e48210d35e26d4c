#!/usr/bin/env bash
# master-file.sh: master one file to a delivery target, two ways.
#
#   master-file.sh [options] IN OUT
#
# --two-pass (default when gst-master is on PATH): runs
#     gst-master master --target PRESET|LUFS [--ceiling DBTP] IN OUT
#   which measures IN, renders with one static gain (through masterchain with
#   --character, otherwise masterloudnorm ! masterlimiter) and
#   re-measures, correcting the gain until the result is within ±0.1 LU of
#   the target with the true peak under the ceiling (exact: use this for
#   delivery files).
# --one-pass: one gst-launch-1.0 pipeline, no analysis:
#     filesrc ! decodebin ! audioconvert ! audioresample !
#     masterchain mode=live preset=P character=C ! audioconvert ! ENCODER ! filesink
#   masterchain's loudness stage rides the gain toward the target as the
#   file plays (the AGC used for streams), so the result lands within about
#   ±1 LU: fine for previews, stream archives and long material whose level
#   is steady; it runs as fast as the machine allows (no clock sync).
#
# Options:
#   --preset P        streaming (default), apple, ebu-r128, atsc-a85, podcast
#   --target LUFS     custom target instead of the preset's
#   --ceiling DBTP    true-peak ceiling (default: the preset's)
#   --character C     masterchain character: transparent (default), warm,
#                     loud, broadcast-safe, speech (two passes: gst-master
#                     master --character renders through masterchain)
#   --one-pass | --two-pass
#   --print           print the command and exit
#
# OUT's extension picks the format: .wav (24-bit PCM), .flac (24-bit), .ogg
# (Vorbis), .opus, .mp3.
#
# Examples:
#   master-file.sh --preset streaming mix.wav master.wav          # exact, two passes
#   master-file.sh --one-pass --preset ebu-r128 show.flac show-r128.flac
#   # the one-pass pipeline spelled out:
#   gst-launch-1.0 -e filesrc location=mix.wav ! decodebin ! audioconvert ! audioresample ! \
#     masterchain mode=live preset=streaming character=warm ! audioconvert ! \
#     audio/x-raw,format=S24LE ! wavenc ! filesink location=master.wav
set -euo pipefail

die() { echo "master-file: $*" >&2; exit 1; }

preset=streaming target= ceiling= character= passes= print=0 in= out=
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --ceiling) ceiling=$2; shift 2 ;;
    --character) character=$2; shift 2 ;;
    --one-pass) passes=1; shift ;;
    --two-pass) passes=2; shift ;;
    --print) print=1; shift ;;
    -h|--help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) if [ -z "$in" ]; then in=$1; elif [ -z "$out" ]; then out=$1; else die "too many arguments"; fi; shift ;;
  esac
done
[ -n "$in" ] && [ -n "$out" ] || die "usage: master-file.sh [options] IN OUT (see --help)"
[ -r "$in" ] || die "cannot read $in"
if [ -z "$passes" ]; then
  if command -v gst-master >/dev/null; then passes=2; else passes=1; fi
fi

if [ "$passes" = 2 ]; then
  command -v gst-master >/dev/null || die "gst-master not found on PATH (build the project, or use --one-pass)"
  cmd=(gst-master master --target "${target:-$preset}")
  [ -z "$ceiling" ] || cmd+=(--ceiling "$ceiling")
  [ -z "$character" ] || cmd+=(--character "$character")
  cmd+=("$in" "$out")
else
  case "${out,,}" in
    *.wav) enc=(audio/x-raw,format=S24LE ! wavenc) ;;
    *.flac) enc=(audio/x-raw,format=S24LE ! flacenc) ;;
    *.ogg|*.oga) enc=(vorbisenc quality=0.6 ! oggmux) ;;
    *.opus) enc=(audioresample ! opusenc bitrate=160000 ! oggmux) ;;
    *.mp3) enc=(lamemp3enc target=quality quality=0) ;;
    *) die "unknown output format: $out (.wav .flac .ogg .opus .mp3)" ;;
  esac
  chain=(masterchain mode=live "preset=$preset" "character=${character:-transparent}")
  [ -z "$target" ] || chain+=("target=$target")
  [ -z "$ceiling" ] || chain+=("limiter::ceiling=$ceiling")
  # decodebin caps=audio/x-raw: a file without audio (subtitles, video
  # only) is an error instead of a pipeline that never ends
  cmd=(gst-launch-1.0 -q -e filesrc "location=$in" ! decodebin caps=audio/x-raw ! audioconvert ! audioresample
    ! "${chain[@]}" ! audioconvert ! "${enc[@]}" ! filesink "location=$out")
fi

if [ "$print" = 1 ]; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi
[ "$passes" = 2 ] && exec "${cmd[@]}"

# one pass: as gst-master does, never write over the input and never leave
# a half-written OUT: render into a temporary file beside OUT, rename it
# when gst-launch-1.0 succeeded
[ ! -e "$out" ] || ! [ "$in" -ef "$out" ] || die "OUT is IN: $out"
tmp=$(mktemp "$(dirname -- "$out")/.master-file.XXXXXX") || die "cannot write to the folder of $out"
trap 'rm -f -- "$tmp"' EXIT
cmd[${#cmd[@]}-1]="location=$tmp"
"${cmd[@]}" || die "gst-launch-1.0 failed on $in (nothing written)"
[ -s "$tmp" ] || die "nothing decoded from $in (nothing written)"
chmod "$(printf '%o' $((0666 & ~$(umask))))" -- "$tmp"   # mktemp made it 0600
mv -f -- "$tmp" "$out"
trap - EXIT
