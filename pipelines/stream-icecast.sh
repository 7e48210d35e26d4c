#!/usr/bin/env bash
# stream-icecast.sh: master a playlist or a live source on the fly and send it
# to an Icecast server.
#
#   stream-icecast.sh [options] PLAYLIST          play the files listed in PLAYLIST
#   stream-icecast.sh [options] --live 'SOURCE'   a live gst-launch source fragment,
#                                                 e.g. 'pulsesrc' or 'alsasrc device=hw:1'
#
# The audio goes through `masterchain mode=live` (loudness AGC toward the
# preset's target, true-peak limiter at its ceiling), is encoded and sent with
# shout2send. PLAYLIST is a text (or .m3u) file: one audio file per line,
# relative to the playlist's folder or absolute; lines starting with # are
# ignored. The files are decoded one after the other (concat), so the stream
# stays connected across tracks and the AGC does not restart per track.
#
# Options:
#   --host H          Icecast host (127.0.0.1)
#   --port P          Icecast port (8000)
#   --mount M         mount point (/live.ogg; /live.mp3 is usual for mp3)
#   --user U          source user name (source)
#   --password P      source password (hackme)
#   --codec C         vorbis | opus | mp3 (vorbis)
#   --bitrate KBPS    encoder bitrate in kbit/s (160)
#   --preset P        masterchain delivery preset (streaming: -14 LUFS, -1 dBTP)
#   --target LUFS     override the preset's target loudness
#   --ceiling DBTP    limiter ceiling in dBTP (default: the preset's ceiling
#                     lowered by 1 dB of headroom for the lossy encoder)
#   --character C     masterchain character preset (transparent)
#   --name NAME       stream name shown by the server
#   --print           print the gst-launch-1.0 command line and exit
#
# Environment: MASTER_CHAIN replaces the whole masterchain fragment (e.g. to
# try other settings: MASTER_CHAIN='masterchain mode=live preset=ebu-r128
# limiter::lookahead=5').
#
# Example (Icecast on this machine, Ogg Vorbis, streaming loudness):
#   stream-icecast.sh --port 8000 --mount /radio.ogg --password hackme tracks.m3u
# Listen: gst-play-1.0 http://127.0.0.1:8000/radio.ogg
set -euo pipefail

host=127.0.0.1 port=8000 mount=/live.ogg user=source password=hackme
codec=vorbis bitrate=160 preset=streaming target= ceiling= character=transparent
name="gst-mastering live" live= playlist= print=0

die() { echo "stream-icecast: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --mount) mount=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --password) password=$2; shift 2 ;;
    --codec) codec=$2; shift 2 ;;
    --bitrate) bitrate=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --ceiling) ceiling=$2; shift 2 ;;
    --character) character=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --live) live=$2; shift 2 ;;
    --print) print=1; shift ;;
    -h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$playlist" ] || die "only one playlist"; playlist=$1; shift ;;
  esac
done
[ -n "$playlist" ] || [ -n "$live" ] || die "give a PLAYLIST or --live 'SOURCE' (see --help)"
[ -z "$playlist" ] || [ -z "$live" ] || die "give a PLAYLIST or --live, not both"

# Lossy codecs overshoot the true peak of their input (Vorbis at 160 kbit/s:
# about 0.6 dB on the test material; AES TD1004 recommends -1 dBTP only for
# high bitrates), so by default the limiter sits 1 dB under the preset's
# ceiling and the decoded stream stays under the preset's ceiling.
if [ -z "$ceiling" ]; then
  case "$preset" in
    atsc-a85) ceiling=-3.0 ;;
    *) ceiling=-2.0 ;;
  esac
fi

# Output format every branch is converted to before the chain.
raw='audio/x-raw,rate=48000,channels=2'

if [ -n "${MASTER_CHAIN:-}" ]; then
  chain=$MASTER_CHAIN
else
  chain="masterchain mode=live preset=$preset character=$character limiter::ceiling=$ceiling"
  [ -z "$target" ] || chain="$chain target=$target"
fi

case "$codec" in
  vorbis) enc="vorbisenc bitrate=$((bitrate * 1000)) ! oggmux" ;;
  opus) enc="opusenc bitrate=$((bitrate * 1000)) ! oggmux" ;;
  mp3) enc="lamemp3enc target=bitrate bitrate=$bitrate cbr=true" ;;
  *) die "unknown codec $codec (vorbis, opus, mp3)" ;;
esac

# gst-launch-1.0 arguments, built as an array so paths with spaces survive.
args=()
if [ -n "$live" ]; then
  # shellcheck disable=SC2206
  args+=($live ! audioconvert ! audioresample ! "$raw" ! queue max-size-time=200000000)
else
  [ -r "$playlist" ] || die "cannot read playlist $playlist"
  dir=$(cd "$(dirname "$playlist")" && pwd)
  files=()
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in ''|'#'*) continue ;; esac
    case "$line" in /*) f=$line ;; *) f=$dir/$line ;; esac
    [ -r "$f" ] || die "cannot read $f (listed in $playlist)"
    files+=("$f")
  done < "$playlist"
  ((${#files[@]})) || die "playlist $playlist lists no files"
  args+=(concat name=tracks)
  for f in "${files[@]}"; do
    args+=(filesrc "location=$f" ! decodebin caps=audio/x-raw ! audioconvert ! audioresample ! "$raw" ! tracks.)
  done
  args+=(tracks.)
fi
# shellcheck disable=SC2206
args+=(! audioconvert ! $chain ! audioconvert ! audioresample ! $enc
  ! shout2send "ip=$host" "port=$port" "mount=$mount" "username=$user" "password=$password"
  "streamname=$name" public=false)

if [ "$print" = 1 ]; then
  printf '%q ' gst-launch-1.0 -e "${args[@]}"
  echo
  exit 0
fi
exec gst-launch-1.0 -e "${args[@]}"
