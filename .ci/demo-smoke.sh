#!/usr/bin/env bash
# Starts each demo server on 127.0.0.1 and checks the issue's "done when": a request signed
# with Twilio's scheme gets 200 (incoming) / 204 (status), a tampered one 403, on both
# endpoints; with LOG_FORMAT=json a forged request prints exactly one JSON security event.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

cargo build --quiet -p twilio-webhook-examples --example axum_server --example actix_server --example hyper_server
# Requests are signed with the crate's own command (token from the environment, never an argument).
cargo build --quiet --features cli --bin twilio-webhook
TARGET=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
BIN=$TARGET/debug/examples
SIGN=$TARGET/debug/twilio-webhook
TOKEN=ci-smoke-token-5f1e
WORK=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

PARAMS=(MessageSid=SM123 AccountSid=AC123 "From=whatsapp:+15550001" "Body=Hello ✅ it's me" "To=whatsapp:+15550002")

# post URL SIGNATURE BODY_VALUE -> prints the status code
post() {
  curl -s -o /dev/null -w '%{http_code}' -X POST "$1" -H "X-Twilio-Signature: $2" \
    --data-urlencode "MessageSid=SM123" --data-urlencode "AccountSid=AC123" \
    --data-urlencode "From=whatsapp:+15550001" --data-urlencode "Body=$3" \
    --data-urlencode "To=whatsapp:+15550002"
}

start() { # demo port [env...]
  local demo=$1 port=$2; shift 2
  (cd "$WORK" && exec env "$@" PORT="$port" TWILIO_AUTH_TOKEN=$TOKEN "$BIN/$demo" >"$WORK/$demo.out" 2>&1) &
  PID=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.1
  done
  cat "$WORK/$demo.out" >&2
  fail "$demo did not start"
}

stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; }

port=38150
checks=0
for demo in axum_server actix_server hyper_server; do
  port=$((port + 1))
  start "$demo" "$port"
  for endpoint in "/v1/webhooks/twilio 200" "/v1/webhooks/twilio/status 204"; do
    set -- $endpoint
    url="http://127.0.0.1:$port$1"
    sig=$(TWILIO_AUTH_TOKEN=$TOKEN "$SIGN" sign "$url" "${PARAMS[@]}" | sed -n 's/^X-Twilio-Signature: //p')
    got=$(post "$url" "$sig" "Hello ✅ it's me")
    [ "$got" = "$2" ] || fail "$demo $1 signed: got $got, want $2"
    got=$(post "$url" "$sig" "Hello ✅ it's you")
    [ "$got" = 403 ] || fail "$demo $1 tampered: got $got, want 403"
    got=$(post "$url" "" "Hello")
    [ "$got" = 403 ] || fail "$demo $1 unsigned: got $got, want 403"
    checks=$((checks + 3))
  done
  stop
  echo "ok: $demo (signed 200/204, tampered 403, unsigned 403)"
done

# A malformed form (bad percent-encoding) is a 400 and an `error` row in the attempt log.
port=$((port + 1))
start axum_server "$port"
got=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/webhooks/twilio" \
  -H "X-Twilio-Signature: AAAAAAAAAAAAAAAAAAAAAAAAAAA=" -H "Content-Type: application/x-www-form-urlencoded" --data-binary 'Body=%zz')
[ "$got" = 400 ] || fail "malformed form: got $got, want 400"
stop
checks=$((checks + 1))

# The SQLite attempt log (cwd of the demos) holds one row per request with the right status.
python3 - "$WORK/webhook_log.sqlite3" "$TOKEN" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
# Only the POSTs: the readiness probe (GET /) is logged too by demos that verify before routing.
rows = db.execute("SELECT status, endpoint, headers, payload FROM webhook_log WHERE method = 'POST'").fetchall()
by = {}
for status, *_ in rows:
    by[status] = by.get(status, 0) + 1
want = {"success": 6, "unauthorized": 12, "error": 1}
assert by == want, f"attempt log statuses {by}, want {want}"
assert all(sys.argv[2] not in (h + p) for _, _, h, p in rows), "token leaked into the log"
print(f"ok: SQLite attempt log: {len(rows)} rows {by}")
PY
checks=$((checks + 1))

# LOG_FORMAT=json: one forged request -> exactly one JSON line with the original fields.
port=$((port + 1))
start axum_server "$port" LOG_FORMAT=json
url="http://127.0.0.1:$port/v1/webhooks/twilio"
before=$(grep -c '"event_type"' "$WORK/axum_server.out" || true)
got=$(post "$url" "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" "forged")
[ "$got" = 403 ] || fail "forged: got $got"
sleep 0.3
stop
python3 - "$WORK/axum_server.out" "$before" "$TOKEN" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if '"event_type"' in l]
new = lines[int(sys.argv[2]):]
assert len(new) == 1, f"expected one event line, got {len(new)}: {new}"
ev = json.loads(new[0])
for field in ["event_type", "provider", "tenant_id", "ip_address", "url", "user_agent"]:
    assert field in ev, f"missing {field}: {ev}"
assert ev["event_type"] == "invalid_webhook_signature", ev
assert ev["provider"] == "twilio" and ev["ip_address"] == "127.0.0.1", ev
assert sys.argv[3] not in new[0], "token leaked into the event"
print("ok: LOG_FORMAT=json forged request ->", new[0].strip()[:160])
PY
checks=$((checks + 1))
echo "demo smoke: $checks passed, 0 failed"
