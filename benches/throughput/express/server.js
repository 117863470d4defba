#!/usr/bin/env node
// The Express peer for benches/throughput/run.sh: the documented twilio.webhook() setup,
// express.urlencoded() then twilio.webhook(authToken) in front of one route that answers
// the same empty TwiML as examples/throughput_server.rs.
//
//   TWILIO_AUTH_TOKEN=... PORT=3001 NODE_ENV=production node server.js
//
// No `url` option: webhook() rebuilds the URL from request.protocol + Host +
// originalUrl, i.e. http://127.0.0.1:PORT/verified, which run.sh signs.
"use strict";
const path = require("path");
const express = require("express");
const twilio = require("twilio");

const token = process.env.TWILIO_AUTH_TOKEN;
if (!token) {
  console.error("TWILIO_AUTH_TOKEN must be set");
  process.exit(2);
}
const port = Number(process.env.PORT || "3001");
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

const app = express();
app.post("/verified", express.urlencoded({ extended: false }), twilio.webhook(token), (req, res) => {
  // Touch a field, as the Rust handler does.
  void req.body.MessageSid;
  res.type("text/xml").send(EMPTY_TWIML);
});

const version = (name) =>
  require(path.join(path.dirname(require.resolve(`${name}/package.json`)), "package.json")).version;
app.listen(port, "127.0.0.1", () => {
  // run.sh waits for this line before loading the server.
  console.log(
    `express ${version("express")} twilio ${version("twilio")} node ${process.version} listening on 127.0.0.1:${port}`,
  );
});
