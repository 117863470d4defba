#!/usr/bin/env bash
# Requests per second through the axum adapter, side by side with the same route without
# verification and with Express + twilio.webhook() (issue #6). Prints one table of medians
# and ratios; it asserts nothing about speed, so it is a measurement, never a timed test.
#
#   bash benches/throughput/run.sh                   # 3 rounds of 10 s per target
#   SECONDS=5 ROUNDS=5 bash benches/throughput/run.sh
#
# Targets, each loaded in turn in every round (plain, verified, express), with the
# whatsapp_inbound body of benches/workload.json signed for that target's URL:
#   plain     benches/tools/throughput_server.rs POST /plain     (axum Form, no verification)
#   verified  benches/tools/throughput_server.rs POST /verified  (TwilioWebhook<Form<..>>)
#   express   benches/throughput/express/server.js          (express.urlencoded + twilio.webhook)
# Servers run pinned to CPU $SERVER_CPU (0), wrk to CPU $WRK_CPU (1), one worker each.
#
# Environment: SECONDS (wrk duration per run, 10), ROUNDS (3), WARMUP (seconds per target
# before round 1, 3), PORT_RUST (18080), PORT_EXPRESS (18081), SERVER_CPU, WRK_CPU.
set -euo pipefail

# bash's own SECONDS counts from start-up; only the value given in the environment is ours.
DURATION=$(printenv SECONDS || true)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3}
PORT_RUST=${PORT_RUST:-18080}
PORT_EXPRESS=${PORT_EXPRESS:-18081}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
CONNECTIONS=32
INVOCATION="SECONDS=$DURATION ROUNDS=$ROUNDS bash benches/throughput/run.sh"

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HERE=benches/throughput
WORKLOAD=benches/workload.json
CASE=whatsapp_inbound

say() { echo "# $*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

# --- tools ------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  say "installing wrk"
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
for tool in wrk node npm python3 curl taskset cargo; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
say "npm install (express, twilio) into $HERE/express"
npm install --prefix "$HERE/express" --no-package-lock --no-audit --no-fund --silent

say "cargo build --release --example throughput_server --features axum"
cargo build --quiet --release --example throughput_server --features axum
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
SERVER_BIN="$TARGET_DIR/release/examples/throughput_server"
[ -x "$SERVER_BIN" ] || die "no binary at $SERVER_BIN"

# --- request material ---------------------------------------------------------------------
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

URL_PLAIN="http://127.0.0.1:$PORT_RUST/plain"
URL_VERIFIED="http://127.0.0.1:$PORT_RUST/verified"
URL_EXPRESS="http://127.0.0.1:$PORT_EXPRESS/verified"

# Signs independently of the crate (plain hmac), after checking the signer reproduces the
# workload's recorded signature. Writes the token, body and signatures to $WORK, and one
# wrk script per target; nothing secret is printed.
python3 - "$WORKLOAD" "$CASE" "$WORK" "$URL_PLAIN" "$URL_VERIFIED" "$URL_EXPRESS" <<'PY'
import base64, hashlib, hmac, json, sys
from urllib.parse import parse_qsl

workload, case, work, url_plain, url_verified, url_express = sys.argv[1:]
c = next(c for c in json.load(open(workload)) if c["name"] == case)
params = parse_qsl(c["body"], keep_blank_values=True, strict_parsing=True, errors="strict")

def sign(url, token):
    # Twilio: URL, then every name+value sorted by name (values sorted within a name).
    data = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()

token = c["auth_token"]
assert sign(c["url"], token) == c["signature"], "signer does not reproduce the workload signature"
body = c["body"]
assert body.isascii() and "]==]" not in body

def put(name, text):
    with open(f"{work}/{name}", "w") as f:
        f.write(text)

put("token", token)
put("body", body)
put("content_type", c["content_type"])
for name, url, sig_url in [
    ("plain", url_plain, url_verified),  # /plain ignores it; same header bytes as /verified
    ("verified", url_verified, url_verified),
    ("express", url_express, url_express),
]:
    put(f"{name}.sig", sign(sig_url, token))
    put(f"{name}.forged", sign(sig_url, token + "x"))
    # done() runs once per wrk run (no per-response hook, which would slow wrk down).
    put(f"{name}.lua", f"""wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "{c["content_type"]}"
wrk.headers["X-Twilio-Signature"] = "{sign(sig_url, token)}"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
""")
PY

# --- servers ------------------------------------------------------------------------------
port_busy() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0 || [ $? -ne 7 ]; }
for port in "$PORT_RUST" "$PORT_EXPRESS"; do
  ! port_busy "$port" || die "port $port is already in use: set PORT_RUST / PORT_EXPRESS"
done

TOKEN=$(cat "$WORK/token")
SERVER_CMD_RUST="taskset -c $SERVER_CPU env PORT=$PORT_RUST WORKERS=1 TWILIO_AUTH_TOKEN=<workload token> $SERVER_BIN"
SERVER_CMD_EXPRESS="taskset -c $SERVER_CPU env NODE_ENV=production PORT=$PORT_EXPRESS TWILIO_AUTH_TOKEN=<workload token> node $HERE/express/server.js"
TWILIO_AUTH_TOKEN=$TOKEN PORT=$PORT_RUST WORKERS=1 \
  taskset -c "$SERVER_CPU" "$SERVER_BIN" >"$WORK/rust.log" 2>&1 &
PIDS+=($!)
TWILIO_AUTH_TOKEN=$TOKEN PORT=$PORT_EXPRESS NODE_ENV=production \
  taskset -c "$SERVER_CPU" node "$HERE/express/server.js" >"$WORK/express.log" 2>&1 &
PIDS+=($!)

wait_listening() { # log pid
  for _ in $(seq 100); do
    grep -q "listening on" "$1" && return 0
    kill -0 "$2" 2>/dev/null || { cat "$1" >&2; die "server exited"; }
    sleep 0.1
  done
  cat "$1" >&2
  die "server did not start"
}
wait_listening "$WORK/rust.log" "${PIDS[0]}"
wait_listening "$WORK/express.log" "${PIDS[1]}"
say "$(cat "$WORK/rust.log")"
say "$(cat "$WORK/express.log")"

# --- correctness before speed -------------------------------------------------------------
CT=$(cat "$WORK/content_type")
status_of() { # url signature -> "status body"
  curl -s -o "$WORK/resp" -w '%{http_code}' -X POST "$1" -H "Content-Type: $CT" \
    -H "X-Twilio-Signature: $2" --data-binary "@$WORK/body"
}
expect() { # name url signature want-status
  local got
  got=$(status_of "$2" "$3")
  [ "$got" = "$4" ] || die "$1: $2 answered $got, expected $4 ($(head -c 200 "$WORK/resp"))"
  [ "$4" != 200 ] || grep -q '<Response/>' "$WORK/resp" || die "$1: 200 without the TwiML body"
}
expect plain "$URL_PLAIN" "$(cat "$WORK/plain.sig")" 200
# /plain verifies nothing, so a forgery gets 200 there: the control route.
expect plain-forged "$URL_PLAIN" "$(cat "$WORK/plain.forged")" 200
expect verified "$URL_VERIFIED" "$(cat "$WORK/verified.sig")" 200
expect verified-forged "$URL_VERIFIED" "$(cat "$WORK/verified.forged")" 403
# Signed for the other server's URL: proves the URL (port included) is part of the check.
expect verified-wrong-url "$URL_VERIFIED" "$(cat "$WORK/express.sig")" 403
expect express "$URL_EXPRESS" "$(cat "$WORK/express.sig")" 200
expect express-forged "$URL_EXPRESS" "$(cat "$WORK/express.forged")" 403
expect express-wrong-url "$URL_EXPRESS" "$(cat "$WORK/verified.sig")" 403
say "signed requests: 200 on all three; forged or wrong-URL signatures: 403 (200 on /plain)"

# --- load ---------------------------------------------------------------------------------
url_of() { case $1 in plain) echo "$URL_PLAIN" ;; verified) echo "$URL_VERIFIED" ;; express) echo "$URL_EXPRESS" ;; esac; }
WRK_CMD="taskset -c $WRK_CPU wrk -t1 -c$CONNECTIONS -d${DURATION}s -s <target>.lua <url>"
# Percent of one core busy over half a second while the servers are idle between runs:
# anything well above 0 is another process competing with the measurement.
busy_pct() {
  local a b
  a=$(head -1 /proc/stat)
  sleep 0.5
  b=$(head -1 /proc/stat)
  python3 -c 'import sys
a, b = ([int(x) for x in s.split()[1:]] for s in sys.argv[1:3])
d = [y - x for x, y in zip(a, b)]
idle = d[3] + d[4]
print(round(100 * (sum(d) - idle) / sum(d) * int(sys.argv[3])))' "$a" "$b" "$(nproc)"
}
run_wrk() { # target seconds round
  local out="$WORK/wrk.$1.$3"
  busy_pct >>"$WORK/busy"
  local stat_before
  stat_before=$(head -1 /proc/stat)
  taskset -c "$WRK_CPU" wrk -t1 "-c$CONNECTIONS" "-d$2s" -s "$WORK/$1.lua" "$(url_of "$1")" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed on $1"; }
  # Steal: time the hypervisor gave our vCPUs to someone else during the run.
  python3 -c 'import sys
a, b = ([int(x) for x in s.split()[1:]] for s in sys.argv[1:3])
d = [y - x for x, y in zip(a, b)]
print(round(100 * d[7] / sum(d), 1))' "$stat_before" "$(head -1 /proc/stat)" >>"$WORK/steal"
  grep -q '^RESULT ' "$out" || { cat "$out" >&2; die "wrk printed no result for $1"; }
  ! grep -q 'Non-2xx' "$out" || { cat "$out" >&2; die "$1: non-2xx responses under load"; }
  python3 - "$1" "$3" "$out" >>"$WORK/results" <<'PY'
import json, sys
target, rnd, path = sys.argv[1:]
r = json.loads(next(l for l in open(path) if l.startswith("RESULT "))[7:])
if r["status_errors"] or r["socket_errors"] or not r["requests"]:
    sys.exit(f"{target}: {r['status_errors']} non-2xx, {r['socket_errors']} socket errors, {r['requests']} requests")
r.update(target=target, round=int(rnd), rps=r["requests"] * 1e6 / r["duration_us"])
print(json.dumps(r))
PY
}

: >"$WORK/results"
if [ "$WARMUP" -gt 0 ]; then
  say "warm-up: ${WARMUP}s per target"
  for t in plain verified express; do run_wrk "$t" "$WARMUP" 0; done
  : >"$WORK/results"
fi
for r in $(seq "$ROUNDS"); do
  for t in plain verified express; do
    say "round $r/$ROUNDS: $t (${DURATION}s)"
    run_wrk "$t" "$DURATION" "$r"
  done
done
# The servers answered correctly under load; check they still refuse a forgery afterwards.
expect verified-forged "$URL_VERIFIED" "$(cat "$WORK/verified.forged")" 403
expect express-forged "$URL_EXPRESS" "$(cat "$WORK/express.forged")" 403

# --- report -------------------------------------------------------------------------------
python3 - "$WORK/results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["target"], []).append(r)
med = {t: statistics.median(r["rps"] for r in rs) for t, rs in by.items()}
what = {
    "plain": "axum POST /plain, Form, no verification",
    "verified": "axum POST /verified, TwilioWebhook<Form>",
    "express": "express + twilio.webhook()",
}
head = ["target", "what", "rps per round", "median rps", "p99 ms (median)"]
body = []
for t in ["plain", "verified", "express"]:
    rs = sorted(by[t], key=lambda r: r["round"])
    p99 = statistics.median(r["p99_us"] for r in rs) / 1000
    body.append([t, what[t], " / ".join(f"{r['rps']:,.0f}" for r in rs), f"{med[t]:,.0f}", f"{p99:.2f}"])
w = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
print()
for r in [head, ["-" * x for x in w]] + body:
    print("| " + " | ".join(s.ljust(x) if i < 2 else s.rjust(x) for i, (s, x) in enumerate(zip(r, w))) + " |")
vp = med["verified"] / med["plain"]
ve = med["verified"] / med["express"]
print()
print(f"verified/plain:   {vp:.3f}  (target >= 0.90: {'met' if vp >= 0.90 else 'NOT met'})")
print(f"verified/express: {ve:.1f}x  (target >= 10x: {'met' if ve >= 10 else 'NOT met'})")
PY
BUSY=$(sort -n "$WORK/busy" | tail -1)
echo
if [ "$BUSY" -gt 20 ]; then
  echo "WARNING: before some run other processes kept ${BUSY}% of a core busy: the machine was not idle, the numbers are not trustworthy"
fi
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')  cores: $(nproc)"
echo "versions: $(rustc --version | cut -d' ' -f1-2), $(head -1 "$WORK/express.log" | sed 's/ listening.*//'), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "idle check: at most ${BUSY}% of a core busy with the servers idle, sampled before each run; steal during runs at most $(sort -n "$WORK/steal" | tail -1)%"
echo "command: $INVOCATION"
echo "  load:    $WRK_CMD  (rounds alternate plain, verified, express; ${WARMUP}s warm-up each first)"
echo "  servers: $SERVER_CMD_RUST"
echo "           $SERVER_CMD_EXPRESS"
