#!/usr/bin/env bash
# test-icecast: pipelines/stream-icecast.sh end to end against a real Icecast
# server on loopback.
#
# Starts icecast2 (Debian package) with a minimal configuration in a temporary
# folder on a free 127.0.0.1 port, streams ~24 s of generated programme
# material (two tracks, quiet and dynamic, from a playlist) through
# masterchain in live mode to it as Ogg Vorbis, reads the mount back as a
# listener does (HTTP GET), decodes what was received and checks with an
# independent meter (pipecheck: libebur128 + 16x true peak) that it is within
# ±1 LU of the preset's target and its true peak is under the preset's
# ceiling. Skips (77) only when icecast2 or a needed GStreamer plugin is not
# installed. Argument (or env CODEC): vorbis (default), opus or mp3.
set -euo pipefail

build=${MASTER_BUILD_ROOT:?run through meson test}
src=${MASTER_SOURCE_ROOT:?run through meson test}
pipecheck=$build/tests/pipecheck
stream=$src/pipelines/stream-icecast.sh
codec=${1:-${CODEC:-vorbis}}
target=-14 ceiling=-1.0       # the `streaming` preset

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

icecast=$(command -v icecast2 || command -v icecast || true)
[ -n "$icecast" ] || skip "icecast2 is not installed (Debian package icecast2)"
command -v curl >/dev/null || skip "curl is not installed"
enc=vorbisenc
case "$codec" in opus) enc=opusenc ;; mp3) enc=lamemp3enc ;; esac
need="shout2send $enc oggmux"
[ -n "${MASTER_CHAIN:-}" ] || need="$need masterchain"
# the chain reaches a target only with its loudness and limiter stages
[ -n "${MASTER_CHAIN:-}" ] || need="$need masterloudnorm masterlimiter"
for e in $need; do
  gst-inspect-1.0 "$e" >/dev/null 2>&1 || skip "GStreamer element $e is not available"
done

tmp=$(mktemp -d /tmp/test-icecast.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# A free port: one nothing answers on.
port=
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || fail "no free port found"

# icecast refuses to run as root unless it changes owner after binding.
owner=
if [ "$(id -u)" = 0 ]; then
  owner="<security><chroot>0</chroot><changeowner><user>nobody</user><group>nogroup</group></changeowner></security>"
  chmod 0777 "$tmp"
fi
mkdir -p "$tmp/log"
chmod 0777 "$tmp/log"
web=/usr/share/icecast2/web admin=/usr/share/icecast2/admin
cat > "$tmp/icecast.xml" <<EOF
<icecast>
  <location>test</location>
  <admin>test@localhost</admin>
  <limits>
    <clients>10</clients><sources>2</sources>
    <queue-size>1048576</queue-size><client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout><source-timeout>10</source-timeout>
    <burst-on-connect>1</burst-on-connect><burst-size>65535</burst-size>
  </limits>
  <authentication>
    <source-password>testsource</source-password>
    <admin-user>admin</admin-user><admin-password>testadmin</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>$port</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths>
    <basedir>$tmp</basedir><logdir>$tmp/log</logdir>
    <webroot>$web</webroot><adminroot>$admin</adminroot>
    <pidfile>$tmp/icecast.pid</pidfile>
  </paths>
  <logging>
    <accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel>
  </logging>
  $owner
</icecast>
EOF

"$icecast" -c "$tmp/icecast.xml" > "$tmp/icecast.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
  sleep 0.1
done
if [ "$up" != 1 ]; then
  cat "$tmp/icecast.out" "$tmp/log/error.log" 2>/dev/null || true
  fail "icecast2 did not start on 127.0.0.1:$port"
fi
echo "icecast2 running on 127.0.0.1:$port"

# Programme: a quiet track then a dynamic one, both well under the target, so
# the live AGC has work to do and a track boundary to cross.
"$pipecheck" gen "$tmp/track1.wav" 12 music -6 1
"$pipecheck" gen "$tmp/track2.wav" 12 dynamic -4 2
printf '# test playlist\ntrack1.wav\n%s\n' "$tmp/track2.wav" > "$tmp/list.m3u"

mount=/test.ogg
[ "$codec" = mp3 ] && mount=/test.mp3
"$stream" --port "$port" --mount "$mount" --password testsource --codec "$codec" \
  --preset streaming --print "$tmp/list.m3u"
"$stream" --port "$port" --mount "$mount" --password testsource --codec "$codec" \
  --preset streaming "$tmp/list.m3u" > "$tmp/stream.out" 2>&1 &
stream_pid=$!
pids+=($stream_pid)

# Listen as soon as the mount exists (the server bursts the start to a
# listener that joins late); the connection ends when the source leaves.
got=0
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 0.5 "http://127.0.0.1:$port$mount" || true)
  if [ "$code" = 200 ]; then got=1; break; fi
  kill -0 "$stream_pid" 2>/dev/null || break
  sleep 0.1
done
if [ "$got" != 1 ]; then
  cat "$tmp/stream.out" "$tmp/log/error.log" 2>/dev/null || true
  fail "mount $mount never appeared"
fi
t0=$(date +%s.%N)
curl -s --max-time 80 -o "$tmp/capture.bin" "http://127.0.0.1:$port$mount" &
listen_pid=$!
pids+=($listen_pid)

rc=0
wait "$stream_pid" || rc=$?
cat "$tmp/stream.out"
[ "$rc" = 0 ] || fail "stream-icecast.sh exited with $rc"
wait "$listen_pid" || true
t1=$(date +%s.%N)
bytes=$(stat -c %s "$tmp/capture.bin")
echo "listener received $bytes bytes in $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s"
[ "$bytes" -gt 10000 ] || fail "listener received almost nothing"

gst-launch-1.0 -q filesrc location="$tmp/capture.bin" ! decodebin ! audioconvert ! audioresample \
  ! audio/x-raw,format=F32LE,rate=48000,channels=2,layout=interleaved \
  ! filesink location="$tmp/capture.f32" || fail "cannot decode what the listener received"

# The whole received stream, start of the first track and the track
# boundary included, must be on target.
"$pipecheck" measure "$tmp/capture.f32" --target $target --tolerance 1 --ceiling $ceiling \
  --min-seconds 15 || fail "received stream off target or over the ceiling"
echo "PASS: icecast stream ($codec) on target $target LUFS, under $ceiling dBTP"
