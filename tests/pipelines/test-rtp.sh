#!/usr/bin/env bash
# test-rtp: pipelines/broadcast-rtp.sh on loopback.
#
# Sends 62 s of generated programme material through masterchain (live mode,
# 2 ms limiter lookahead) as RTP L24/48000/2 in 1 ms packets to 127.0.0.1, in
# real time. pipecheck receives it with no jitterbuffer and checks every
# packet: consecutive sequence numbers, RTP timestamps advancing by exactly 48
# frames, every packet 48 frames. Then the received audio must equal what the
# sender sent (its --tap copy) sample for sample and in length (no gap, no
# drop, no duplicate), be at least 60 s long, within ±1 LU of the ebu-r128
# target (-23 LUFS) and under its -1 dBTP ceiling. Finally the latency the
# chain reports in a live pipeline must be <= 10 ms.
set -euo pipefail

build=${MASTER_BUILD_ROOT:?run through meson test}
src=${MASTER_SOURCE_ROOT:?run through meson test}
pipecheck=$build/tests/pipecheck
send=$src/pipelines/broadcast-rtp.sh
target=-23 ceiling=-1.0       # the `ebu-r128` preset
seconds=${RTP_SECONDS:-62}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

need="rtpL24pay rtpL24depay udpsink udpsrc"
[ -n "${MASTER_CHAIN:-}" ] || need="$need masterchain"
# the chain reaches a target only with its loudness and limiter stages
[ -n "${MASTER_CHAIN:-}" ] || need="$need masterloudnorm masterlimiter"
for e in $need; do
  gst-inspect-1.0 "$e" >/dev/null 2>&1 || skip "GStreamer element $e is not available"
done

tmp=$(mktemp -d /tmp/test-rtp.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
# Music about 3 LU under the target: the live AGC must bring it up.
"$pipecheck" gen "$tmp/prog.wav" "$seconds" music -8 7

"$pipecheck" rtp-receive --port "$port" --out "$tmp/recv.f32" --idle-ms 2000 \
  --max-seconds $((seconds + 30)) > "$tmp/recv.out" 2>&1 &
recv_pid=$!
pids+=($recv_pid)
for _ in $(seq 1 50); do grep -q listening "$tmp/recv.out" && break; sleep 0.1; done
grep -q listening "$tmp/recv.out" || { cat "$tmp/recv.out"; fail "receiver did not start"; }

"$send" send --port "$port" --tap "$tmp/sent.f32" --print "$tmp/prog.wav"
start=$(date +%s)
"$send" send --port "$port" --tap "$tmp/sent.f32" "$tmp/prog.wav" > "$tmp/send.out" 2>&1 \
  || { cat "$tmp/send.out"; fail "broadcast-rtp.sh send failed"; }
echo "sender ran $(( $(date +%s) - start )) s wall for $seconds s of audio"
rc=0
wait "$recv_pid" || rc=$?
cat "$tmp/recv.out"
[ "$rc" = 0 ] || fail "RTP stream not continuous"

"$pipecheck" compare "$tmp/sent.f32" "$tmp/recv.f32" || fail "received audio differs from sent audio"
"$pipecheck" measure "$tmp/recv.f32" --target $target --tolerance 1 --ceiling $ceiling \
  --min-seconds 60 || fail "received audio off target or over the ceiling"

chain=${MASTER_CHAIN:-masterchain mode=live preset=ebu-r128 limiter::lookahead=2.0}
lat=$("$pipecheck" latency "$chain") || fail "latency query failed"
echo "$lat"
ms=$(echo "$lat" | sed -n 's/.*min \([0-9.]*\) ms.*/\1/p')
chain_ms=$(awk -v m="$ms" 'BEGIN { printf "%.3f", m - 1.0 }')
echo "chain latency: $chain_ms ms (budget 10 ms)"
awk -v m="$chain_ms" 'BEGIN { exit !(m <= 10.0) }' || fail "chain latency $chain_ms ms over the 10 ms budget"
echo "PASS: RTP L24 1 ms packets continuous over $seconds s, on target, chain latency $chain_ms ms"
