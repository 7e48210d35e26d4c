#!/usr/bin/env bash
# test-embed: the embedding examples (C and Python) run, change settings
# while playing (target and limiter::ceiling through GstChildProxy) and print
# meter messages.
set -euo pipefail
build=${MASTER_BUILD_ROOT:?run through meson test}
src=${MASTER_SOURCE_ROOT:?run through meson test}
fail() { echo "FAIL: $*"; exit 1; }
gst-inspect-1.0 masterchain >/dev/null 2>&1 || fail "masterchain not found on GST_PLUGIN_PATH"

check() {
  local name=$1 out=$2
  echo "--- $name"
  head -5 "$out"
  echo "..."
  tail -4 "$out"
  grep -q '^changed: target -16 LUFS' "$out" || fail "$name did not change the target"
  if gst-inspect-1.0 masterlimiter >/dev/null 2>&1; then
    grep -q '^changed: limiter::ceiling -2.0 dBTP' "$out" || fail "$name did not change limiter::ceiling"
  fi
  if gst-inspect-1.0 mastermeter >/dev/null 2>&1; then
    n=$(grep -c '^meter: mastermeter' "$out" || true)
    echo "$name: $n meter messages"
    [ "$n" -ge 5 ] || fail "$name printed $n meter messages, expected >= 5"
  fi
}

tmp=$(mktemp -d /tmp/test-embed.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$build/pipelines/embed" --seconds 2 --sink "fakesink sync=true" > "$tmp/c.out" 2>&1 \
  || { cat "$tmp/c.out"; fail "embed (C) failed"; }
check "embed (C)" "$tmp/c.out"

if /usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0")' 2>/dev/null; then
  /usr/bin/python3 "$src/pipelines/examples/embed.py" --seconds 2 --sink "fakesink sync=true" \
    > "$tmp/py.out" 2>&1 || { cat "$tmp/py.out"; fail "embed.py failed"; }
  check "embed.py" "$tmp/py.out"
else
  fail "python3-gi / gir1.2-gstreamer-1.0 missing for /usr/bin/python3"
fi
echo "PASS: embedding examples"
