#!/usr/bin/env python3
"""Time twilio-python's RequestValidator.validate() on benches/workload.json.

Input is what a Flask/Django server already has: the form parsed into a
MultiDict-like object (parsing is not timed), or the raw JSON body string.
Prints one JSON line per case: {"impl":"twilio-python","case":...,"ns_per_op":...}
"""

import json
import os
import sys
import time
from importlib.metadata import version
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

SECONDS = float(os.environ.get("PEER_BENCH_SECONDS", "1"))


class MultiDict:
    """Flask-like: O(1) getall(), iteration over names."""

    def __init__(self, pairs):
        self._d = {}
        for k, v in pairs:
            self._d.setdefault(k, []).append(v)

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)

    def getall(self, name):
        return self._d[name]


def bench(fn):
    for _ in range(100):  # warm-up
        fn()
    n = 1
    while True:  # calibrate: batches doubling until one takes >= 10% of the budget
        t = time.perf_counter_ns()
        for _ in range(n):
            fn()
        dt = time.perf_counter_ns() - t
        if dt >= SECONDS * 1e8:
            break
        n *= 2
    n = max(1, int(n * SECONDS * 1e9 / dt))
    t = time.perf_counter_ns()
    for _ in range(n):
        fn()
    return (time.perf_counter_ns() - t) / n


def main(path):
    print(f"twilio-python {version('twilio')}", file=sys.stderr)
    for case in json.load(open(path, encoding="utf-8")):
        v = RequestValidator(case["auth_token"])
        url, sig = case["url"], case["signature"]
        if case["content_type"] == "application/json":
            payload = case["body"]
        else:
            pairs = parse_qsl(case["body"], keep_blank_values=True)
            assert [list(p) for p in pairs] == case["params"], case["name"]
            payload = MultiDict(pairs)
        assert v.validate(url, payload, sig) is True, case["name"]
        ns = bench(lambda: v.validate(url, payload, sig))
        print(json.dumps({"impl": "twilio-python", "case": case["name"], "ns_per_op": round(ns, 1)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benches/workload.json")
