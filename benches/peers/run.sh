#!/usr/bin/env bash
# Compare twilio-webhook with Twilio's own python and node helpers on
# benches/workload.json. Installs the pinned helpers into benches/peers/.venv
# and benches/peers/node_modules (both gitignored), then prints a table.
#
#   bash benches/peers/run.sh              # ~1 s per case per implementation
#   PEER_BENCH_SECONDS=0.2 bash benches/peers/run.sh
#   SKIP_RUST=1 bash benches/peers/run.sh  # peers only
set -euo pipefail

TWILIO_PYTHON=9.13.0   # keep in step with tests/differential/README.md
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PEERS=benches/peers
WORKLOAD=benches/workload.json
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

if [ ! -x "$PEERS/.venv/bin/python" ]; then
  python3 -m venv "$PEERS/.venv"
fi
"$PEERS/.venv/bin/pip" install --quiet --disable-pip-version-check "twilio==$TWILIO_PYTHON"
npm install --prefix "$PEERS" --no-package-lock --no-audit --no-fund --silent

echo "# twilio-python" >&2
"$PEERS/.venv/bin/python" "$PEERS/bench_python.py" "$WORKLOAD" | tee -a "$OUT"
echo "# twilio-node" >&2
node "$PEERS/bench_node.js" "$WORKLOAD" | tee -a "$OUT"
if [ "${SKIP_RUST:-0}" != 1 ]; then
  echo "# twilio-webhook" >&2
  cargo run --quiet --release --example peer_bench -- "$WORKLOAD" | tee -a "$OUT"
fi

python3 - "$OUT" "$WORKLOAD" <<'PY'
import json, sys
ns = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    ns[(r["case"], r["impl"])] = r["ns_per_op"]
cases = [c["name"] for c in json.load(open(sys.argv[2]))]
impls = ["twilio-python", "twilio-node", "twilio-webhook", "hmac-floor"]
def cell(x): return "-" if x is None else f"{x:,.0f}"
def ratio(a, b): return "-" if a is None or b is None else f"{a / b:.1f}x"
head = ["case", "twilio-python ns", "twilio-node ns", "twilio-webhook ns", "floor ns",
        "python/ours", "node/ours", "ours/floor"]
rows = []
for c in cases:
    py, nd, ours, floor = (ns.get((c, i)) for i in impls)
    rows.append([c, cell(py), cell(nd), cell(ours), cell(floor),
                 ratio(py, ours), ratio(nd, ours), ratio(ours, floor)])
w = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
print()
for r in [head, ["-" * x for x in w]] + rows:
    print("| " + " | ".join(s.ljust(x) if i == 0 else s.rjust(x) for i, (s, x) in enumerate(zip(r, w))) + " |")
PY
echo
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  arch: $(uname -m)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
