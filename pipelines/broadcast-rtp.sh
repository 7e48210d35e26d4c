#!/usr/bin/env bash
# broadcast-rtp.sh: AES67-style RTP audio (L24, 48 kHz, stereo, 1 ms packets)
# mastered live with low latency.
#
#   broadcast-rtp.sh send [options] [FILE]     master FILE (or --source) and send RTP
#   broadcast-rtp.sh receive [options]         receive RTP and play it (or --sink)
#
# send: SOURCE -> masterchain (mode=live, low-latency limiter) -> L24 -> rtpL24pay
# (1 ms packets: min-ptime = max-ptime = 1000000 ns, 48 frames each) -> udpsink.
# Without FILE the source is --source (default: a live test tone).
#
# Options (send):
#   --host H           destination (127.0.0.1; a multicast group such as
#                      239.69.1.1 for a real AES67 network)
#   --port P           UDP port (5004)
#   --source 'SRC'     live gst-launch source fragment, e.g. 'alsasrc
#                      buffer-time=4000 latency-time=1000'
#                      (default 'audiotestsrc is-live=true samplesperbuffer=48 wave=pink-noise')
#   --preset P         masterchain delivery preset (ebu-r128: -23 LUFS, -1 dBTP)
#   --target LUFS      override the preset's target
#   --lookahead MS     limiter lookahead in ms (2.0: low latency; the chain
#                      then reports 4.8 ms: lookahead + true-peak detector)
#   --ptime-us US      packet duration in microseconds (1000)
#   --tap FILE         also write exactly what is sent, as raw F32LE, to FILE
#                      (monitoring; the loopback test compares it with what
#                      arrives)
#   --print            print the gst-launch-1.0 command line and exit
# Options (receive):
#   --port P           UDP port (5004)
#   --latency MS       rtpjitterbuffer latency in ms (3)
#   --sink 'SINK'      sink fragment (autoaudiosink)
#
# Environment: MASTER_CHAIN replaces the masterchain fragment.
#
# Latency budget (sender + receiver, 48 kHz, see docs/pipelines.md):
#   capture period (source buffer)            1 ms  (alsasrc latency-time=1000)
#   masterchain (limiter lookahead, filters)  <= 10 ms; 4.8 ms here (2 ms
#                                             lookahead + 2.8 ms detector),
#                                             printed by `pipecheck latency`
#   packet time (rtpL24pay)                   1 ms
#   network (loopback / switched LAN)         < 0.1 ms
#   rtpjitterbuffer                           3 ms (--latency)
#   output period (sink buffer)               1-2 ms
#   total                                     about 6 ms + chain latency
#
# Example, on one machine:
#   broadcast-rtp.sh receive --port 5004 &
#   broadcast-rtp.sh send --port 5004 --source 'alsasrc latency-time=1000 buffer-time=4000'
set -euo pipefail

die() { echo "broadcast-rtp: $*" >&2; exit 1; }

mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
  send|receive) ;;
  -h|--help|'') sed -n '2,47p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "first argument must be send or receive (see --help)" ;;
esac

host=127.0.0.1 port=5004 source='audiotestsrc is-live=true samplesperbuffer=48 wave=pink-noise'
preset=ebu-r128 target= lookahead=2.0 ptime_us=1000 tap= print=0 latency=3 sink=autoaudiosink file=
while [ $# -gt 0 ]; do
  case "$1" in
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --lookahead) lookahead=$2; shift 2 ;;
    --ptime-us) ptime_us=$2; shift 2 ;;
    --tap) tap=$2; shift 2 ;;
    --latency) latency=$2; shift 2 ;;
    --sink) sink=$2; shift 2 ;;
    --print) print=1; shift ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$file" ] || die "only one FILE"; file=$1; shift ;;
  esac
done

rtp_caps="application/x-rtp,media=audio,clock-rate=48000,encoding-name=L24,channels=2,payload=96"
args=()
if [ "$mode" = send ]; then
  if [ -n "${MASTER_CHAIN:-}" ]; then
    chain=$MASTER_CHAIN
  else
    chain="masterchain mode=live preset=$preset limiter::lookahead=$lookahead"
    [ -z "$target" ] || chain="$chain target=$target"
  fi
  if [ -n "$file" ]; then
    [ -r "$file" ] || die "cannot read $file"
    args+=(filesrc "location=$file" ! decodebin caps=audio/x-raw)
  else
    # shellcheck disable=SC2206
    args+=($source)
  fi
  l24='audio/x-raw,format=S24BE,rate=48000,channels=2,layout=interleaved'
  ptime_ns=$((ptime_us * 1000))
  # shellcheck disable=SC2206
  args+=(! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! $chain
    ! audioconvert ! "$l24")
  if [ -n "$tap" ]; then
    args+=(! tee name=sent ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0
      ! audioconvert ! audio/x-raw,format=F32LE ! filesink "location=$tap" async=false sync=false sent.)
  fi
  args+=(! rtpL24pay pt=96 "min-ptime=$ptime_ns" "max-ptime=$ptime_ns"
    ! udpsink "host=$host" "port=$port" sync=true)
else
  # shellcheck disable=SC2206
  args+=(udpsrc "port=$port" "caps=$rtp_caps" ! rtpjitterbuffer "latency=$latency"
    ! rtpL24depay ! audioconvert ! audioresample ! $sink)
fi

if [ "$print" = 1 ]; then
  printf '%q ' gst-launch-1.0 -e "${args[@]}"
  echo
  exit 0
fi
exec gst-launch-1.0 -e "${args[@]}"
