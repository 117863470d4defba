#!/usr/bin/env bash
# Abuse test: start the axum demo server on 127.0.0.1, hammer it with valid, forged and
# oversized (2 MB) requests for a bounded time, check every verdict, check the server is
# still up, and report its peak RSS (VmHWM).
#
#   tests/abuse/run.sh [seconds=20] [concurrency=64]
#
# Env: PORT (default 38917), ABUSE_MAX_REQUESTS (default 200000).
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_TO_RUN="${1:-20}"
CONCURRENCY="${2:-64}"
PORT="${PORT:-38917}"
MAX_REQUESTS="${ABUSE_MAX_REQUESTS:-200000}"
TOKEN="abuse_tok_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
LOG="$(mktemp -t twilio-webhook-abuse.XXXXXX.log)"

echo "== building the axum demo (release)"
nice -n 10 cargo build --release -p twilio-webhook-examples --example axum_server
BIN=target/release/examples/axum_server

echo "== starting $BIN on 127.0.0.1:$PORT (server log: $LOG)"
TWILIO_AUTH_TOKEN="$TOKEN" PORT="$PORT" BIND=127.0.0.1 PUBLIC_URL="http://127.0.0.1:$PORT" \
  "$BIN" >"$LOG" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$PID" 2>/dev/null || { echo "server exited at start-up:"; cat "$LOG"; exit 1; }
  sleep 0.1
done
echo "RSS at start: $(grep VmRSS /proc/$PID/status | awk '{print $2, $3}')"

echo "== load: ${SECONDS_TO_RUN}s, concurrency $CONCURRENCY, at most $MAX_REQUESTS requests"
STATUS=0
python3 tests/abuse/load.py --port "$PORT" --token "$TOKEN" --seconds "$SECONDS_TO_RUN" \
  --concurrency "$CONCURRENCY" --max-requests "$MAX_REQUESTS" || STATUS=$?

echo "== after the load"
if ! kill -0 "$PID" 2>/dev/null; then
  echo "FAIL: the server died"; tail -20 "$LOG"; exit 1
fi
# One more valid request: the server must still answer correctly.
python3 tests/abuse/load.py --port "$PORT" --token "$TOKEN" --seconds 5 --concurrency 1 \
  --max-requests 2 --oversized-every 1000000 >/dev/null || { echo "FAIL: no answer after load"; exit 1; }
echo "server still up (pid $PID)"
echo "peak RSS (VmHWM): $(grep VmHWM /proc/$PID/status | awk '{print $2, $3}')"
echo "RSS now:          $(grep VmRSS /proc/$PID/status | awk '{print $2, $3}')"
echo "server log: $(wc -l <"$LOG") lines, $(du -h "$LOG" | cut -f1)"
if grep -q "$TOKEN" "$LOG"; then
  echo "FAIL: the auth token appears in the server log"; STATUS=1
fi
[ "$STATUS" -eq 0 ] && echo "PASS" || echo "FAIL (see UNEXPECTED above)"
exit "$STATUS"
