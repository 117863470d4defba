#!/usr/bin/env python3
"""Abuse load for a twilio-webhook demo server: valid, forged and oversized requests at
high concurrency, for a bounded time and count, against 127.0.0.1 only.

Every valid request must get 200, every forged one 403, every oversized one 413 (an
oversized one pushed without `Expect: 100-continue` may instead see the connection reset
once the server has refused it without reading the body). Prints a
summary and exits non-zero on any other outcome. Standard library only.

    load.py --port 3000 --token TOKEN [--seconds 20] [--concurrency 64] [--max-requests 200000]
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import random
import sys
import time
import urllib.parse
from collections import Counter

PATH = "/v1/webhooks/twilio"
OVERSIZE = 2 * 1024 * 1024


def sign(url, params, token):
    """Twilio's scheme: base64 HMAC-SHA1 of the URL + sorted name+value pairs."""
    data = url + "".join(k + v for k, v in sorted(set(params)))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def params(i):
    return [
        ("MessageSid", "SM%032x" % i),
        ("AccountSid", "AC3edf87da6dc2bd9a148492b81d6e1f89"),
        ("From", "whatsapp:+17622158664"),
        ("Body", "load test message %d, caf\u00e9 \U0001F335" % i),
        ("To", "whatsapp:+14155238886"),
        ("NumMedia", "0"),
    ]


def request(kind, i, public_url, token, every=20):
    """(head bytes, body bytes, expected status) for one request of `kind`."""
    p = params(i)
    url = public_url + PATH
    body = urllib.parse.urlencode(p).encode()
    sig = sign(url, p, token)
    if kind == "forged":
        # One of: tampered body, signature from another token, garbage signature.
        choice = i % 3
        if choice == 0:
            body = body.replace(b"load+test", b"LOAD+test")
        elif choice == 1:
            sig = sign(url, p, token + "x")
        else:
            sig = base64.b64encode(random.randbytes(20)).decode()
    elif kind == "oversized":
        body = b"Body=" + b"A" * (OVERSIZE - 5)
    # Half the oversized requests ask first (as well-behaved clients do), so the 413 must
    # arrive before any body byte is sent; the others push the whole body at once.
    expect = kind == "oversized" and (i // every) % 2 == 0
    head = (
        "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "X-Twilio-Signature: %s\r\nContent-Length: %d\r\nConnection: close\r\n"
        "I-Twilio-Idempotency-Token: load-%d\r\n%s\r\n"
        % (PATH, sig, len(body), i, "Expect: 100-continue\r\n" if expect else "")
    ).encode()
    expected = {"valid": 200, "forged": 403, "oversized": 413}[kind]
    return head, body, expected, expect


async def one(port, head, body, expect):
    """Sends one request and returns the status code, or an error name."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        if expect:
            line = await asyncio.wait_for(reader.readline(), 10)
            if not line:
                return "closed"
            status = int(line.split()[1])
            if status != 100:
                return status
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
        status_line = asyncio.ensure_future(reader.readline())
        # Write the body in pieces, stopping as soon as the server has answered (a 413
        # arrives before the body is read; the server may then close the connection).
        for off in range(0, len(body), 65536):
            if status_line.done():
                break
            writer.write(body[off : off + 65536])
            try:
                await writer.drain()
            except (ConnectionResetError, BrokenPipeError):
                break
        line = await asyncio.wait_for(status_line, 10)
        if not line:
            return "closed"
        return int(line.split()[1])
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except asyncio.TimeoutError:
        return "timeout"
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except Exception:
            pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=3000)
    ap.add_argument("--token", required=True)
    ap.add_argument("--public-url", default=None)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--oversized-every", type=int, default=20, help="1 in N requests is 2 MB")
    a = ap.parse_args()
    public_url = a.public_url or "http://127.0.0.1:%d" % a.port

    deadline = time.monotonic() + a.seconds
    counter = iter(range(a.max_requests))
    results = Counter()
    bad = Counter()
    latencies = []

    async def worker():
        for i in counter:
            if time.monotonic() > deadline:
                return
            if i % a.oversized_every == 0:
                kind = "oversized"
            else:
                kind = "valid" if i % 2 else "forged"
            head, body, expected, expect = request(kind, i, public_url, a.token, a.oversized_every)
            t0 = time.monotonic()
            try:
                got = await one(a.port, head, body, expect)
            except OSError as e:
                got = "connect:%s" % type(e).__name__
            latencies.append(time.monotonic() - t0)
            if kind == "oversized":
                kind += "+expect" if expect else "+blast"
            results[(kind, got)] += 1
            # A server that answers 413 without reading a pushed body then closes the
            # connection; the kernel's reset can discard the 413 before the client reads it.
            if got != expected and not (kind == "oversized+blast" and got == "reset"):
                bad[(kind, got)] += 1

    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(a.concurrency)))
    elapsed = time.monotonic() - t0
    total = sum(results.values())
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000
    print("requests: %d in %.1f s (%.0f/s), concurrency %d" % (total, elapsed, total / elapsed, a.concurrency))
    for (kind, got), n in sorted(results.items(), key=str):
        print("  %-9s -> %-8s %d" % (kind, got, n))
    if latencies:
        print("latency ms: p50 %.1f  p99 %.1f  max %.1f" % (p(0.5), p(0.99), latencies[-1] * 1000))
    if bad:
        print("UNEXPECTED:", dict(bad))
        return 1
    if total == 0:
        print("no requests sent")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
