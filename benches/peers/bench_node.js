#!/usr/bin/env node
// Time the twilio node helper's validateRequest / validateRequestWithBody on
// benches/workload.json. Input is what an Express server already has: the form
// parsed into a params object (repeated names as arrays, parsing not timed), or
// the raw JSON body string. Prints one JSON line per case:
// {"impl":"twilio-node","case":...,"ns_per_op":...}
"use strict";
const fs = require("fs");
const path = require("path");
const twilio = require("twilio");

const SECONDS = Number(process.env.PEER_BENCH_SECONDS || "1");

function bench(fn) {
  for (let i = 0; i < 100; i++) fn(); // warm-up
  let n = 1;
  let dt;
  for (;;) {
    // calibrate: batches doubling until one takes >= 10% of the budget
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    dt = Number(process.hrtime.bigint() - t);
    if (dt >= SECONDS * 1e8) break;
    n *= 2;
  }
  n = Math.max(1, Math.floor((n * SECONDS * 1e9) / dt));
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t) / n;
}

function parseForm(body) {
  const params = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (!(k in params)) params[k] = v;
    else if (Array.isArray(params[k])) params[k].push(v);
    else params[k] = [params[k], v];
  }
  return params;
}

const file = process.argv[2] || "benches/workload.json";
const version = require(path.join(path.dirname(require.resolve("twilio")), "..", "package.json")).version;
console.error(`twilio-node ${version}`);
for (const c of JSON.parse(fs.readFileSync(file, "utf8"))) {
  let fn;
  if (c.content_type === "application/json") {
    fn = () => twilio.validateRequestWithBody(c.auth_token, c.signature, c.url, c.body);
  } else {
    const params = parseForm(c.body);
    fn = () => twilio.validateRequest(c.auth_token, c.signature, c.url, params);
  }
  if (fn() !== true) throw new Error(`${c.name}: twilio-node rejected the signature`);
  const ns = bench(fn);
  console.log(JSON.stringify({ impl: "twilio-node", case: c.name, ns_per_op: Math.round(ns * 10) / 10 }));
}
