#!/usr/bin/env bash
# Requests per second through the axum adapter, side by side in one run: the same route
# without verification, with verification, with the attempt log in PostgreSQL, with the
# replay guard on Redis or PostgreSQL, and Express + twilio.webhook(). Prints one table of
# medians and the ratios; it asserts nothing about speed, so it is a measurement, never a
# timed test.
#
#   bash benches/throughput/run.sh                                  # plain verified express
#   SECONDS=5 ROUNDS=5 bash benches/throughput/run.sh
#   TARGETS="verified logged" bash benches/throughput/run.sh        # the attempt log's cost
#   TARGETS="verified guard-redis guard-pg" bash benches/throughput/run.sh   # the guard's
#
# Targets (TARGETS, default "plain verified express"), each loaded in turn in every round,
# with the whatsapp_inbound body of benches/workload.json signed for that target's URL:
#   plain        benches/tools/throughput_server.rs POST /plain    (axum Form, no verification)
#   verified     benches/tools/throughput_server.rs POST /verified (TwilioWebhook<Form<..>>)
#   logged       the same /verified with the attempt log: the crate's sink into PostgreSQL
#   guard-redis  the same /verified with the replay guard on Redis
#   guard-pg     the same /verified with the replay guard on PostgreSQL
#   express      benches/throughput/express/server.js (express.urlencoded + twilio.webhook)
# Each configuration is its own server process, all pinned to CPU $SERVER_CPU (0), wrk to
# CPU $WRK_CPU (1), one worker each. PostgreSQL and Redis, when a target needs them, are
# throw-away instances this script starts (Debian's packages, as .ci/run does) with their
# default durability settings; they are not pinned, so on a 2-core machine they share the
# cores with the server and wrk (the report says so).
#
# Load (LOAD): `same` (the default) sends one signed request again and again; `distinct`
# sends a different delivery each time (MessageSid varies, each signed), which the guard
# targets need (one repeated request would measure only the duplicate path), so TARGETS
# with a guard-* target use `distinct` for every target. DISTINCT (400000) deliveries are
# signed per target; the guard stores are emptied before every run, and a guard run that
# sends more requests than that fails.
#
# Environment: SECONDS (wrk duration per run, 10), ROUNDS (3), WARMUP (seconds per target
# before round 1, 3), PORT_RUST (18080; the other servers take the ports after it),
# PORT_EXPRESS (18081), SERVER_CPU, WRK_CPU, WEBHOOK_LOG_QUEUE / WEBHOOK_LOG_BATCH (the
# sink's queue capacity and batch size for `logged`, the crate's defaults otherwise),
# LOG_STORE=discard (`logged` writes into a store that keeps nothing: the sink's own cost
# on the server, without PostgreSQL's), DB_CPU (pin PostgreSQL and Redis to that CPU;
# unpinned by default).
set -euo pipefail

# bash's own SECONDS counts from start-up; only the value given in the environment is ours.
DURATION=$(printenv SECONDS || true)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3}
TARGETS=${TARGETS:-plain verified express}
LOAD=${LOAD:-same}
DISTINCT=${DISTINCT:-400000}
PORT_RUST=${PORT_RUST:-18080}
PORT_EXPRESS=${PORT_EXPRESS:-18081}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
DB_CPU=${DB_CPU:-}
DB_PIN=""
[ -z "$DB_CPU" ] || DB_PIN="taskset -c $DB_CPU"
CONNECTIONS=32
INVOCATION="SECONDS=$DURATION ROUNDS=$ROUNDS TARGETS=\"$TARGETS\" bash benches/throughput/run.sh"
for v in WARMUP DB_CPU LOG_STORE WEBHOOK_LOG_QUEUE WEBHOOK_LOG_BATCH LOAD; do
  [ -z "$(printenv "$v" || true)" ] || INVOCATION="$v=$(printenv "$v") $INVOCATION"
done

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HERE=benches/throughput
WORKLOAD=benches/workload.json
CASE=whatsapp_inbound

say() { echo "# $*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }
has() { [[ " $TARGETS " == *" $1 "* ]]; }

for t in $TARGETS; do
  case $t in plain | verified | express | logged | guard-redis | guard-pg) ;; *) die "unknown target $t" ;; esac
done
[[ " $TARGETS " != *" guard-"* ]] || LOAD=distinct
case $LOAD in same | distinct) ;; *) die "LOAD must be same or distinct" ;; esac
NEED_PG=false
NEED_REDIS=false
FEATURES=axum
if has logged || has guard-pg; then NEED_PG=true; FEATURES=$FEATURES,postgres; fi
if has guard-redis; then NEED_REDIS=true; FEATURES=$FEATURES,redis; fi

# --- tools ------------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
if $NEED_PG && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then need+=(postgresql); fi
if $NEED_REDIS && ! command -v redis-server >/dev/null; then need+=(redis-server); fi
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
for tool in wrk python3 curl taskset cargo; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
if has express; then
  for tool in node npm; do command -v "$tool" >/dev/null || die "$tool not found"; done
  say "npm install (express, twilio) into $HERE/express"
  npm install --prefix "$HERE/express" --no-package-lock --no-audit --no-fund --silent
fi

say "cargo build --release --example throughput_server --features $FEATURES"
cargo build --quiet --release --example throughput_server --features "$FEATURES"
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
SERVER_BIN="$TARGET_DIR/release/examples/throughput_server"
[ -x "$SERVER_BIN" ] || die "no binary at $SERVER_BIN"

# --- stores -------------------------------------------------------------------------------
WORK=$(mktemp -d)
PIDS=()
PG_BIN=""
PG_PORT=$((PORT_RUST + 10))
REDIS_PORT=$((PORT_RUST + 11))
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$PG_BIN" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if $NEED_REDIS; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
PG_URL=""
REDIS_URL=""
if $NEED_PG; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  chown postgres "$WORK"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust >/dev/null
  $DB_PIN runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  psql() { command psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }
  say "PostgreSQL $("$PG_BIN/postgres" --version | cut -d' ' -f3) on 127.0.0.1:$PG_PORT"
fi
if $NEED_REDIS; then
  $DB_PIN redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$WORK" --daemonize yes >/dev/null
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  say "Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$REDIS_PORT"
fi

# --- servers and URLs -----------------------------------------------------------------------
port_of() {
  case $1 in
    plain | verified) echo "$PORT_RUST" ;;
    express) echo "$PORT_EXPRESS" ;;
    logged) echo $((PORT_RUST + 2)) ;;
    guard-redis) echo $((PORT_RUST + 3)) ;;
    guard-pg) echo $((PORT_RUST + 4)) ;;
  esac
}
url_of() {
  case $1 in
    plain) echo "http://127.0.0.1:$PORT_RUST/plain" ;;
    *) echo "http://127.0.0.1:$(port_of "$1")/verified" ;;
  esac
}
# The server process each target loads, and the environment it starts with.
server_of() { case $1 in plain | verified) echo rust ;; *) echo "$1" ;; esac; }
server_env() {
  case $1 in
    rust | express) ;;
    logged) echo "ATTEMPT_LOG=${LOG_STORE:-$PG_URL}" ;;
    guard-redis) echo "REPLAY_STORE=$REDIS_URL" ;;
    guard-pg) echo "REPLAY_STORE=$PG_URL" ;;
  esac
}
SERVERS=()
for t in $TARGETS; do
  s=$(server_of "$t")
  [[ " ${SERVERS[*]} " == *" $s "* ]] || SERVERS+=("$s")
done
port_busy() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0 || [ $? -ne 7 ]; }
for s in "${SERVERS[@]}"; do
  p=$(port_of "$([ "$s" = rust ] && echo verified || echo "$s")")
  ! port_busy "$p" || die "port $p is already in use: set PORT_RUST / PORT_EXPRESS"
done

# --- request material ---------------------------------------------------------------------
# Signs independently of the crate (plain hmac), after checking the signer reproduces the
# workload's recorded signature. Writes the token, body and signatures to $WORK, and one
# wrk script per target; nothing secret is printed. With LOAD=distinct each target gets
# DISTINCT signatures, one per MessageSid SM<index as 32 hex digits>, which its script
# walks through.
TARGET_URLS=()
for t in $TARGETS; do TARGET_URLS+=("$t=$(url_of "$t")"); done
python3 - "$WORKLOAD" "$CASE" "$WORK" "$LOAD" "$DISTINCT" "$(url_of verified)" "${TARGET_URLS[@]}" <<'PY'
import base64, hashlib, hmac, json, re, sys
from urllib.parse import parse_qsl

workload, case, work, load, distinct, url_verified = sys.argv[1:7]
targets = dict(a.split("=", 1) for a in sys.argv[7:])
c = next(c for c in json.load(open(workload)) if c["name"] == case)
body = c["body"]
params = parse_qsl(body, keep_blank_values=True, strict_parsing=True, errors="strict")
token = c["auth_token"]

def sign_params(url, token, params):
    # Twilio: URL, then every name+value sorted by name (values sorted within a name).
    data = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()

assert sign_params(c["url"], token, params) == c["signature"], "signer does not reproduce the workload signature"
assert body.isascii() and "]==]" not in body

def put(name, text):
    with open(f"{work}/{name}", "w") as f:
        f.write(text)

# The MessageSid the distinct load replaces; the rest of the body stays byte for byte.
m = re.search(r"(?:^|&)MessageSid=(SM[0-9a-f]{32})(?:&|$)", body)
assert m, "the workload body has no MessageSid=SM<32 hex>"
prefix, suffix = body[: m.start(1)], body[m.end(1) :]
def sid(i):
    return "SM%032x" % i

put("token", token)
put("body", body)
put("content_type", c["content_type"])
done = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""
for name, url in targets.items():
    # /plain ignores the signature; it gets the same header bytes as /verified.
    sig_url = url_verified if name == "plain" else url
    put(f"{name}.sig", sign_params(sig_url, token, params))
    put(f"{name}.forged", sign_params(sig_url, token + "x", params))
    if load == "same":
        # done() runs once per wrk run (no per-response hook, which would slow wrk down).
        put(f"{name}.lua", f"""wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "{c["content_type"]}"
wrk.headers["X-Twilio-Signature"] = "{sign_params(sig_url, token, params)}"
""" + done)
        continue
    name_of = [k for k, _ in params]
    i_sid = name_of.index("MessageSid")
    with open(f"{work}/{name}.sigs", "w") as f:
        for i in range(1, int(distinct) + 1):
            p = list(params)
            p[i_sid] = ("MessageSid", sid(i))
            f.write(sign_params(sig_url, token, p) + "\n")
    put(f"{name}.lua", f"""local prefix = [==[{prefix}]==]
local suffix = [==[{suffix}]==]
local sigs = {{}}
local n = 0
local i = 0
function init(args)
  for line in io.lines("{work}/{name}.sigs") do n = n + 1; sigs[n] = line end
end
function request()
  i = i + 1
  if i > n then i = 1 end
  return wrk.format("POST", nil, {{
    ["Content-Type"] = "{c["content_type"]}",
    ["X-Twilio-Signature"] = sigs[i],
  }}, prefix .. string.format("SM%032x", i) .. suffix)
end
""" + done)
PY

TOKEN=$(cat "$WORK/token")
SERVER_CMDS=()
for s in "${SERVERS[@]}"; do
  if [ "$s" = express ]; then
    TWILIO_AUTH_TOKEN=$TOKEN PORT=$PORT_EXPRESS NODE_ENV=production \
      taskset -c "$SERVER_CPU" node "$HERE/express/server.js" >"$WORK/$s.log" 2>&1 &
    SERVER_CMDS+=("taskset -c $SERVER_CPU env NODE_ENV=production PORT=$PORT_EXPRESS TWILIO_AUTH_TOKEN=<workload token> node $HERE/express/server.js")
  else
    p=$(port_of "$([ "$s" = rust ] && echo verified || echo "$s")")
    # shellcheck disable=SC2046
    env TWILIO_AUTH_TOKEN="$TOKEN" PORT="$p" WORKERS=1 $(server_env "$s") \
      taskset -c "$SERVER_CPU" "$SERVER_BIN" >"$WORK/$s.log" 2>&1 &
    SERVER_CMDS+=("taskset -c $SERVER_CPU env PORT=$p WORKERS=1 TWILIO_AUTH_TOKEN=<workload token> $(server_env "$s" | sed 's/=.*:\/\/.*/=<url>/') $SERVER_BIN")
  fi
  PIDS+=($!)
done

wait_listening() { # log pid
  for _ in $(seq 100); do
    grep -q "listening on" "$1" && return 0
    kill -0 "$2" 2>/dev/null || { cat "$1" >&2; die "server exited"; }
    sleep 0.1
  done
  cat "$1" >&2
  die "server did not start"
}
for i in "${!SERVERS[@]}"; do
  wait_listening "$WORK/${SERVERS[$i]}.log" "${PIDS[$i]}"
  say "$(cat "$WORK/${SERVERS[$i]}.log")"
done

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
for t in $TARGETS; do
  expect "$t" "$(url_of "$t")" "$(cat "$WORK/$t.sig")" 200
  if [ "$t" = plain ]; then
    # /plain verifies nothing, so a forgery gets 200 there: the control route.
    expect plain-forged "$(url_of plain)" "$(cat "$WORK/plain.forged")" 200
  else
    expect "$t-forged" "$(url_of "$t")" "$(cat "$WORK/$t.forged")" 403
  fi
done
if has verified && has express; then
  # Signed for the other server's URL: proves the URL (port included) is part of the check.
  expect verified-wrong-url "$(url_of verified)" "$(cat "$WORK/express.sig")" 403
  expect express-wrong-url "$(url_of express)" "$(cat "$WORK/verified.sig")" 403
fi
say "signed requests: 200 on every target; forged signatures: 403 (200 on /plain)"

# --- load ---------------------------------------------------------------------------------
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
stats_of() { curl -s --max-time 5 "http://127.0.0.1:$(port_of logged)/stats"; }
# Waits until the sink has dealt with every record offered (written, dropped or failed).
sink_settled() {
  for _ in $(seq 600); do
    stats_of | python3 -c 'import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["offered"] == s["written"] + s["dropped"] + s["failed"] else 1)' && return 0
    sleep 0.1
  done
  die "the attempt log did not catch up within 60 s: $(stats_of)"
}
empty_stores() { # target: a guard run starts from an empty store, so every delivery is new
  case $1 in
    guard-redis) redis-cli -p "$REDIS_PORT" flushall >/dev/null ;;
    guard-pg) psql -c "TRUNCATE twilio_webhook_guard" ;;
  esac
}
# CPU time in clock ticks: of the process listening on a port; of the throw-away PostgreSQL
# (the postmaster with its reaped children, and its live backends and workers).
ticks_of() { # pid... -> utime + stime (+ cutime + cstime of the first)
  local first=1 sum=0 f
  for pid in "$@"; do
    f=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    # shellcheck disable=SC2086
    set -- $f
    sum=$((sum + ${12} + ${13}))
    [ $first = 0 ] || sum=$((sum + ${14} + ${15}))
    first=0
  done
  echo "$sum"
}
server_ticks() { ticks_of "$(ss -Hltnp "sport = :$(port_of "$1")" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)"; }
pg_ticks() {
  if $NEED_PG; then
    local pm
    pm=$(head -1 "$WORK/pg/postmaster.pid")
    # shellcheck disable=SC2046
    ticks_of "$pm" $(pgrep -P "$pm")
  else
    echo 0
  fi
}
run_wrk() { # target seconds round
  local out="$WORK/wrk.$1.$3" before='{}'
  empty_stores "$1"
  [ "$1" != logged ] || { sink_settled; before=$(stats_of); }
  busy_pct >>"$WORK/busy"
  local stat_before server_before pg_before
  stat_before=$(head -1 /proc/stat)
  server_before=$(server_ticks "$1")
  pg_before=$(pg_ticks)
  taskset -c "$WRK_CPU" wrk -t1 "-c$CONNECTIONS" "-d$2s" -s "$WORK/$1.lua" "$(url_of "$1")" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed on $1"; }
  # Steal: time the hypervisor gave our vCPUs to someone else during the run.
  python3 -c 'import sys
a, b = ([int(x) for x in s.split()[1:]] for s in sys.argv[1:3])
d = [y - x for x, y in zip(a, b)]
print(round(100 * d[7] / sum(d), 1))' "$stat_before" "$(head -1 /proc/stat)" >>"$WORK/steal"
  local after='{}'
  [ "$1" != logged ] || { sink_settled; after=$(stats_of); }
  # After the sink caught up, so that the rows' CPU is all counted.
  local server_cpu pg_cpu
  server_cpu=$(($(server_ticks "$1") - server_before))
  pg_cpu=$(($(pg_ticks) - pg_before))
  grep -q '^RESULT ' "$out" || { cat "$out" >&2; die "wrk printed no result for $1"; }
  ! grep -q 'Non-2xx' "$out" || { cat "$out" >&2; die "$1: non-2xx responses under load"; }
  python3 - "$1" "$3" "$out" "$before" "$after" "$LOAD" "$DISTINCT" "$server_cpu" "$pg_cpu" "$(getconf CLK_TCK)" >>"$WORK/results" <<'PY'
import json, sys
target, rnd, path, before, after, load, distinct, server_cpu, pg_cpu, hz = sys.argv[1:]
r = json.loads(next(l for l in open(path) if l.startswith("RESULT "))[7:])
if r["status_errors"] or r["socket_errors"] or not r["requests"]:
    sys.exit(f"{target}: {r['status_errors']} non-2xx, {r['socket_errors']} socket errors, {r['requests']} requests")
if target.startswith("guard-") and r["requests"] > int(distinct):
    sys.exit(f"{target}: {r['requests']} requests but only {distinct} distinct deliveries: raise DISTINCT")
before, after = json.loads(before), json.loads(after)
for k in ("offered", "written", "dropped", "failed"):
    if k in after:
        r[k] = after[k] - before[k]
r.update(target=target, round=int(rnd), rps=r["requests"] * 1e6 / r["duration_us"],
         server_cpu_s=int(server_cpu) / int(hz), pg_cpu_s=int(pg_cpu) / int(hz))
print(json.dumps(r))
PY
}

: >"$WORK/results"
if [ "$WARMUP" -gt 0 ]; then
  say "warm-up: ${WARMUP}s per target"
  for t in $TARGETS; do run_wrk "$t" "$WARMUP" 0; done
  : >"$WORK/results"
fi
for r in $(seq "$ROUNDS"); do
  for t in $TARGETS; do
    say "round $r/$ROUNDS: $t (${DURATION}s)"
    run_wrk "$t" "$DURATION" "$r"
  done
done
# The servers answered correctly under load; check they still refuse a forgery afterwards.
for t in $TARGETS; do
  [ "$t" = plain ] || expect "$t-forged" "$(url_of "$t")" "$(cat "$WORK/$t.forged")" 403
done
ROWS=""
if has logged && [ -z "${LOG_STORE:-}" ]; then
  sink_settled
  # Every record written is a row: the table holds the warm-up's and the checks' too.
  ROWS=$(psql -t -A -c "SELECT count(*) FROM webhook_log")
  WRITTEN=$(stats_of | python3 -c 'import json, sys; print(json.load(sys.stdin)["written"])')
  [ "$ROWS" = "$WRITTEN" ] || die "webhook_log holds $ROWS rows, the sink says it wrote $WRITTEN"
fi

# --- report -------------------------------------------------------------------------------
python3 - "$WORK/results" "$TARGETS" "$ROWS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
targets = sys.argv[2].split()
table_rows = sys.argv[3]
by = {}
for r in rows:
    by.setdefault(r["target"], []).append(r)
med = {t: statistics.median(r["rps"] for r in rs) for t, rs in by.items()}
what = {
    "plain": "axum POST /plain, Form, no verification",
    "verified": "axum POST /verified, TwilioWebhook<Form>",
    "logged": "/verified + attempt log (sink -> PostgreSQL)",
    "guard-redis": "/verified + replay guard (Redis)",
    "guard-pg": "/verified + replay guard (PostgreSQL)",
    "express": "express + twilio.webhook()",
}
head = ["target", "what", "rps per round", "median rps", "p99 ms (median)", "server CPU us/req"]
body = []
for t in targets:
    rs = sorted(by[t], key=lambda r: r["round"])
    p99 = statistics.median(r["p99_us"] for r in rs) / 1000
    # CPU the server process used per request answered (its own accounting), the
    # throughput-independent cost; the sink's writer is inside it for `logged`.
    cpu = statistics.median(r["server_cpu_s"] * 1e6 / r["requests"] for r in rs)
    body.append([t, what[t], " / ".join(f"{r['rps']:,.0f}" for r in rs), f"{med[t]:,.0f}", f"{p99:.2f}", f"{cpu:.1f}"])
w = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
print()
for r in [head, ["-" * x for x in w]] + body:
    print("| " + " | ".join(s.ljust(x) if i < 2 else s.rjust(x) for i, (s, x) in enumerate(zip(r, w))) + " |")
print()
def ratio(a, b, goal=None, times=False):
    if a in med and b in med:
        v = med[a] / med[b]
        shown = f"{v:.1f}x" if times else f"{v:.3f}"
        verdict = "" if goal is None else f"  (target >= {goal}{'x' if times else ''}: {'met' if v >= goal else 'NOT met'})"
        print(f"{a}/{b}: {shown}{verdict}")
ratio("verified", "plain", 0.90)
ratio("verified", "express", 10, times=True)
if "logged" in by:
    drops = sum(r.get("dropped", 0) for r in by["logged"])
    written = sum(r.get("written", 0) for r in by["logged"])
    failed = sum(r.get("failed", 0) for r in by["logged"])
    v = med["logged"] / med["verified"] if "verified" in med else None
    if v is not None:
        counted = "met" if v >= 0.90 and drops == 0 else ("NOT met" if drops == 0 else "not counted: records were dropped")
        print(f"logged/verified: {v:.3f}  (target >= 0.90 with zero drops: {counted})")
    if table_rows:
        print(f"attempt log over the measured runs: {written:,} rows written, {drops:,} dropped, {failed:,} failed; "
              f"webhook_log holds {table_rows} rows in all (warm-up and checks included), as many as the sink wrote")
    else:
        print(f"attempt log over the measured runs: {written:,} records taken by a store that keeps nothing "
              f"(LOG_STORE=discard), {drops:,} dropped, {failed:,} failed")
    pg = sum(r["pg_cpu_s"] for r in by["logged"])
    if written and pg and table_rows:
        print(f"PostgreSQL CPU over the logged runs: {pg:.1f} s, {pg * 1e6 / written:.1f} us per row written")
ratio("guard-redis", "verified")
ratio("guard-pg", "verified")
PY
BUSY=$(sort -n "$WORK/busy" | tail -1)
echo
if [ "$BUSY" -gt 20 ]; then
  echo "WARNING: before some run other processes kept ${BUSY}% of a core busy: the machine was not idle, the numbers are not trustworthy"
fi
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')  cores: $(nproc)"
# `wrk --version` exits 1: without `|| true`, set -e ended the script here.
versions="$(rustc --version | cut -d' ' -f1-2), $( (wrk --version 2>&1 || true) | head -1 | cut -d' ' -f1-2)"
! has express || versions="$versions, $(head -1 "$WORK/express.log" | sed 's/ listening.*//')"
echo "versions: $versions"
echo "idle check: at most ${BUSY}% of a core busy with the servers idle, sampled before each run; steal during runs at most $(sort -n "$WORK/steal" | tail -1)%"
if $NEED_PG || $NEED_REDIS; then
  if [ -z "$DB_CPU" ]; then
    echo "stores: PostgreSQL and/or Redis run unpinned on this $(nproc)-core machine, sharing the cores with the server and wrk"
  else
    echo "stores: PostgreSQL and/or Redis pinned to CPU $DB_CPU (wrk's is $WRK_CPU, the server's $SERVER_CPU)"
  fi
fi
echo "command: $INVOCATION  (load: $LOAD)"
echo "  load:    $WRK_CMD  (rounds alternate $TARGETS; ${WARMUP}s warm-up each first)"
for c in "${SERVER_CMDS[@]}"; do echo "  server:  $c"; done
