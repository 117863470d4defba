#!/usr/bin/env python3
"""Generate tests/data/differential.json: randomized X-Twilio-Signature cases.

Every positive signature is produced by Twilio's official python helper
(twilio.request_validator.RequestValidator.compute_signature, which only
concatenates and never parses the URL, so it is bit-exact) and re-checked
against an independent hmac/hashlib computation below. `python_validate`
records what twilio-python's validate() says about each case, and
`expected_valid` what a validator that edits only the authority text should
say. The two differ only in the cases disagreement() explains (or a case passes `why`).

Deterministic: a seeded RNG, no set iteration without sorting, fixed output
formatting. Run from anywhere: python3 tests/differential/gen.py
"""

import base64
import hashlib
import hmac
import json
import pathlib
import random
import sys
from importlib.metadata import version as dist_version
from urllib.parse import urlparse

from twilio.request_validator import RequestValidator

SEED = 0x7A1110
OUT = pathlib.Path(__file__).resolve().parents[1] / "data" / "differential.json"
SHA1, SHA256 = "HMAC_SHA1", "HMAC_SHA256"

rng = random.Random(SEED)


# ---------------------------------------------------------------- helpers


class MultiDict:
    """The smallest Flask-MultiDict look-alike twilio-python accepts."""

    def __init__(self, pairs):
        self._pairs = list(pairs)

    def __iter__(self):  # compute_signature does sorted(set(params))
        return iter([k for k, _ in self._pairs])

    def __len__(self):
        return len(self._pairs)

    def getall(self, name):
        return [v for k, v in self._pairs if k == name]


def split_authority(url):
    """-> (scheme + '://', userinfo incl. '@', host, port or None, rest)."""
    start = url.index("://") + 3
    end = start
    while end < len(url) and url[end] not in "/?#":
        end += 1
    authority = url[start:end]
    at = authority.rfind("@")
    userinfo, hostport = authority[: at + 1], authority[at + 1 :]
    colon = hostport.find(":", hostport.rfind("]") + 1)  # IPv6 literal colons are not a port
    if colon == -1:
        return url[:start], userinfo, hostport, None, url[end:]
    return url[:start], userinfo, hostport[:colon], hostport[colon + 1 :], url[end:]


def port_variants(url):
    """[as received, other variant]: port removed, or default port added."""
    prefix, userinfo, host, port, rest = split_authority(url)
    if port is not None:
        return [url, prefix + userinfo + host + rest]
    default = "443" if prefix[:-3].lower() == "https" else "80"
    return [url, prefix + userinfo + host + ":" + default + rest]


def ref_signature(secret, url, pairs, algorithm):
    """Independent of twilio: byte-order sort of names, then of each name's distinct values."""
    values = {}
    for name, value in pairs:
        values.setdefault(name, set()).add(value)
    data = url.encode("utf-8")
    for name in sorted(values, key=lambda s: s.encode("utf-8")):
        for value in sorted(values[name], key=lambda s: s.encode("utf-8")):
            data += name.encode("utf-8") + value.encode("utf-8")
    digest = {SHA1: hashlib.sha1, SHA256: hashlib.sha256}[algorithm]
    return base64.b64encode(hmac.new(secret.encode("utf-8"), data, digest).digest()).decode()


def query_param(url, name):
    query = url.split("#", 1)[0].partition("?")[2]
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == name:
            return value
    return None


def ref_valid(case):
    """What a validator that edits only the authority text must answer."""
    pairs = [tuple(p) for p in case["params"]]
    if case["kind"] == "json":
        want = hashlib.sha256(case["body"].encode("utf-8")).hexdigest()
        if query_param(case["url"], "bodySHA256") != want:
            return False
    return any(
        hmac.compare_digest(
            ref_signature(case["auth_token"], u, pairs, case["algorithm"]).encode(),
            case["signature"].encode(),
        )
        for u in port_variants(case["url"])
    )


def tw_sign(secret, url, pairs, algorithm):
    return RequestValidator(secret).compute_signature(url, MultiDict(pairs), algorithm)


def tw_validate(case):
    v = RequestValidator(case["auth_token"])
    if case["kind"] == "json":
        return v.validate(case["url"], case["body"], case["signature"], case["algorithm"])
    return v.validate(case["url"], MultiDict(case["params"]), case["signature"], case["algorithm"])


# ---------------------------------------------------------------- random data

ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SPECIAL = ["'", "+", "%2B", "%", "&", "=", " ", "\n", "\r\n", "\t", "%20", "?", "#", "/", ":", "\"", "\\", ";", "<>", "*"]
UNICODE = ["é", "ñ", "ü", "ß", "Ω", "Ж", "\u00a0", "\u200b", "\ufeff", "\ue000", "\uffff", "€"]
CJK = ["漢字", "日本語", "中文", "한국어", "ｶﾀｶﾅ"]
EMOJI = ["🌵", "👋", "🙏", "✅", "👨\u200d👩\u200d👧", "🇺🇸", "👍🏽", "\U0001f600"]
COMBINING = ["e\u0301", "a\u0308", "n\u0303", "\u0301", "o\u0328\u0304"]
TWILIO_NAMES = [
    "AccountSid", "ApiVersion", "Body", "From", "To", "MessageSid", "SmsSid", "SmsStatus",
    "NumMedia", "MediaUrl0", "MediaContentType0", "CallSid", "CallStatus", "Digits",
    "SpeechResult", "Confidence", "FromCity", "FromZip", "ToCountry", "Direction",
]


def word(pools, max_tokens=8):
    return "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(0, max_tokens)))


def ascii_word(lo=1, hi=10):
    return "".join(rng.choice(ASCII) for _ in range(rng.randint(lo, hi)))


def value(style):
    pools = {
        "plain": [list(ASCII)],
        "unicode": [list(ASCII), UNICODE, CJK, EMOJI, COMBINING],
        "special": [list(ASCII), SPECIAL],
        "mixed": [list(ASCII), SPECIAL, UNICODE, CJK, EMOJI, COMBINING],
    }[style]
    return word(pools, 12)


def name(style):
    r = rng.random()
    if style == "unicode" and r < 0.5:
        return ascii_word(1, 4) + rng.choice(UNICODE + CJK + EMOJI + COMBINING)
    if r < 0.6:
        return rng.choice(TWILIO_NAMES)
    return ascii_word()


def params(style, n_lo=0, n_hi=12):
    out, seen = [], set()
    for _ in range(rng.randint(n_lo, n_hi)):
        n = name(style)
        if n in seen:  # repeats are made on purpose in repeat_params()
            continue
        seen.add(n)
        out.append([n, value(style)])
    return out


def repeat_params():
    base = params("mixed", 1, 6)
    for _ in range(rng.randint(1, 4)):
        n = rng.choice(base)[0] if rng.random() < 0.7 else rng.choice(["MediaUrl", "Tag", "x"])
        kind = rng.random()
        if kind < 0.35:  # exact duplicate of an existing value
            same = [v for k, v in base if k == n]
            v = same[0] if same else value("mixed")
            base.append([n, v])
        elif kind < 0.7:  # distinct values
            for _ in range(rng.randint(1, 3)):
                base.append([n, value(rng.choice(["plain", "mixed"]))])
        else:  # both, plus an empty value
            base += [[n, "b"], [n, "a"], [n, "b"], [n, ""], [n, "B"]]
    rng.shuffle(base)
    return base


SCHEMES = ["https", "http", "HTTPS", "Https", "HTTP"]
HOSTS = ["example.com", "hooks.example.net", "Example.COM", "API.Example.org", "127.0.0.1",
         "[2001:db8::1]", "[::1]", "[2001:DB8::a]", "localhost"]
PORTS = [None, "443", "80", "8443", "8080", "3000"]
USERINFO = ["", "user@", "user:pass@", "u%40x:p%3As@", ":pw@"]
PATHS = ["/", "/twilio/sms", "/v1/webhooks/twilio", "/a%20b/hook", "/%E2%9C%85/x", "/it's/+plus", ""]
QUERIES = ["", "?foo=bar", "?a=%2B&b=%3A", "?q=it's", "?x=a+b&y=%20", "?empty=&k", "?to=%2B14155551234&n=1"]


def make_url(scheme=None, host=None, port="random", userinfo=None, path=None, query=None):
    scheme = scheme or rng.choice(SCHEMES[:2] * 10 + SCHEMES[2:])
    host = host or rng.choice(HOSTS[:2] * 4 + HOSTS[2:])
    port = rng.choice(PORTS) if port == "random" else port
    userinfo = rng.choice([""] * 16 + USERINFO[1:]) if userinfo is None else userinfo
    path = rng.choice(PATHS) if path is None else path
    query = rng.choice(QUERIES) if query is None else query
    return f"{scheme}://{userinfo}{host}{'' if port is None else ':' + port}{path}{query}"


def plain_url():
    return make_url(scheme=rng.choice(["https", "http"]), host=rng.choice(HOSTS[:2]), userinfo="")


def token():
    return "".join(rng.choice("0123456789abcdef") for _ in range(32))


def shared_key_id():
    return "webhooks_sharedkey_" + "".join(rng.choice("0123456789abcdef") for _ in range(32))


def shared_secret():
    return base64.b64encode(bytes(rng.randrange(256) for _ in range(32))).decode()


def json_body():
    def val(depth):
        r = rng.random()
        if depth > 2 or r < 0.4:
            return rng.choice([value("mixed"), rng.randint(-10**6, 10**6), True, None, 1.5])
        if r < 0.7:
            return [val(depth + 1) for _ in range(rng.randint(0, 3))]
        return {value(rng.choice(["plain", "unicode"])): val(depth + 1) for _ in range(rng.randint(0, 4))}

    obj = {"account_sid": "AC" + token(), "data": val(0), "sid": "EV" + token()}
    sep = rng.choice([(",", ":"), (", ", ": ")])
    body = json.dumps(obj, ensure_ascii=rng.random() < 0.5, separators=sep)
    return body + ("\n" if rng.random() < 0.2 else "")


def with_body_hash(url, body):
    return url + ("&" if "?" in url else "?") + "bodySHA256=" + hashlib.sha256(body.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- cases

cases = []


def add(label, kind, url, signed_url, pairs, body, secret, algorithm, note,
        signature=None, sign_secret=None, sign_pairs=None, key_id=None, want=True, why=None):
    """Sign (unless `signature` is given), record what python says, check against the reference."""
    if signature is None:
        sign_with = sign_pairs if sign_pairs is not None else pairs
        signature = tw_sign(sign_secret or secret, signed_url, sign_with, algorithm)
        if sign_pairs is None:
            indep = ref_signature(sign_secret or secret, signed_url, sign_with, algorithm)
            if indep != signature:
                sys.exit(f"FATAL {label}: twilio {signature} != independent {indep}")
    if algorithm == SHA256 and key_id is None:
        key_id = shared_key_id()
    case = {
        "name": f"{label}_{len(cases):03d}",
        "kind": kind,
        "url": url,
        "signed_url": signed_url,
        "params": [list(p) for p in pairs],
        "body": body,
        "auth_token": secret,
        "algorithm": algorithm,
        "shared_key_id": key_id,
        "signature": signature,
        "compute_signature": tw_sign(secret, url, pairs, algorithm),
        "expected_valid": None,
        "python_validate": None,
        "note": note,
    }
    if kind == "json":
        assert query_param(url, "bodySHA256") is not None, label
        if want:
            assert query_param(url, "bodySHA256") == hashlib.sha256(body.encode("utf-8")).hexdigest(), label
    expected = ref_valid(case)
    if expected != want:
        return False  # a mutation that happened to land on a valid request: caller retries
    if want and signed_url not in port_variants(url):
        sys.exit(f"FATAL {label}: signed_url is not a port variant of url")
    case["expected_valid"] = expected
    case["python_validate"] = bool(tw_validate(case))
    if case["python_validate"] != expected:
        reason = why or disagreement(case)
        if reason is None:
            sys.exit(f"FATAL {case['name']}: unexplained python/expected disagreement: {case}")
        case["note"] += f". python validate() says {case['python_validate']}: {reason}"
    cases.append(case)
    return True


def disagreement(case):
    """Known twilio-python 9.x URL handling quirks (validate() re-serialises via urlparse)."""
    url, signed = case["url"], case["signed_url"]
    prefix, userinfo, host, port, rest = split_authority(url)
    if not case["expected_valid"]:
        return None  # python accepting what we reject is only ever explained by the caller
    if prefix != prefix.lower() and signed.startswith(prefix):
        return "urlparse lower-cases the scheme and geturl() re-serialises it, so python never checks the URL text Twilio signed"
    if port is not None and signed != url:
        if ":" in userinfo:
            return "remove_port() keeps netloc.split(':')[0], which for user:pass@host:port is just 'user', so the port-less URL is never checked"
        if host.startswith("["):
            return "remove_port() keeps netloc.split(':')[0], which for an IPv6 literal is '[2001' (or '['), so the port-less URL is never checked"
    if rest.endswith("?"):
        return "geturl() drops an empty query ('?'), so python never checks the URL text Twilio signed"
    return None


def pos(label, kind, url, pairs, body, algorithm, note, signed_url=None):
    secret = token() if algorithm == SHA1 else shared_secret()
    signed_url = signed_url or rng.choice(port_variants(url))
    variant = "as received" if signed_url == url else "other port variant"
    assert add(label, kind, url, signed_url, pairs, body, secret, algorithm, f"{note}; signed over {variant}")


# --- form, HMAC-SHA1 -------------------------------------------------------

for _ in range(70):
    pos("form_random", "form", make_url(), params("mixed"), None, SHA1, "random URL shape and mixed params")
for _ in range(30):
    pos("form_unicode", "form", plain_url(), params("unicode", 1), None, SHA1,
        "unicode/emoji/CJK/combining chars in names and values")
for _ in range(30):
    pos("form_special", "form", plain_url(), params("special", 1), None, SHA1,
        "' + %2B % & = spaces, newlines, tabs in values")
for _ in range(40):
    pos("form_repeat", "form", plain_url(), repeat_params(), None, SHA1,
        "repeated names: values sorted by bytes, exact duplicates dropped")

SORT_SETS = [
    ([["b", "1"], ["B", "2"], ["a", "3"], ["A", "4"], ["_", "5"], ["0", "6"]], "ASCII byte order: digits < upper < _ < lower"),
    ([["To", "x"], ["ToCity", "y"], ["To2", "z"], ["T", "w"]], "prefix names sort before longer names"),
    ([["\ue000k", "pua"], ["🌵k", "astral"], ["\uffffk", "nonchar"], ["zk", "ascii"]],
     "UTF-8 byte order differs from UTF-16 code-unit order (U+E000/U+FFFF vs astral)"),
    ([["k", "\ue000"], ["k", "🌵"], ["k", "\uffff"], ["k", "z"], ["k", "🌵"]],
     "repeated name: values in UTF-8 byte order, not UTF-16 order; duplicate dropped"),
    ([["é", "1"], ["e\u0301", "2"], ["f", "3"]], "precomposed vs combining: no normalisation, byte order"),
    ([["MediaUrl1", "b"], ["MediaUrl10", "c"], ["MediaUrl2", "a"], ["MediaUrl0", "d"]], "numeric suffixes sort as bytes"),
    ([["a", "b"], ["ab", ""], ["", "ab"]], "concatenation-ambiguous params with an empty name"),
    ([["x", "10"], ["x", "9"], ["x", "1"], ["x", "09"]], "repeated values sort as bytes, not numbers"),
    ([["Body", " "], ["Body", ""], ["Body", "  "]], "repeated whitespace/empty values"),
    ([["ß", "ss"], ["SS", "ß"], ["ss", "SS"]], "no case folding"),
]
for pairs, what in SORT_SETS:
    pairs = [list(p) for p in pairs]
    rng.shuffle(pairs)
    pos("form_sortorder", "form", plain_url(), pairs, None, SHA1, what)

EMPTY_SETS = [
    ([], "no params: URL only"),
    ([["Body", ""]], "single empty value"),
    ([["", "v"]], "empty name"),
    ([["", ""]], "empty name and value"),
    ([["", "a"], ["", "b"], ["", "a"]], "repeated empty name"),
    ([["FromCity", ""], ["FromState", ""], ["FromZip", ""], ["To", "+1"]], "several empty values"),
    ([["Body", "\n"], ["Body2", "\r\n"], ["Body3", "\t"]], "control whitespace values"),
    ([["Body", "a&b=c"], ["x", "%2B%25"]], "form metacharacters kept verbatim (already decoded)"),
    ([["Body", "'; DROP TABLE--"], ["q", "\"quoted\""]], "quotes"),
    ([["Body", "x" * 2000]], "long value"),
]
for pairs, what in EMPTY_SETS:
    pos("form_empty", "form", plain_url(), [list(p) for p in pairs], None, SHA1, what)

# --- URL shapes: each signed once as received and once as the other port variant

URL_SHAPES = [
    ("https", "example.com", None, "", "/hook", "", "https, no port"),
    ("http", "example.com", None, "", "/hook", "", "http, no port"),
    ("https", "example.com", "443", "", "/hook", "", "https with explicit :443"),
    ("http", "example.com", "80", "", "/hook", "", "http with explicit :80"),
    ("https", "example.com", "8443", "", "/hook", "", "explicit non-default port"),
    ("http", "example.com", "443", "", "/hook", "", "http with :443 (non-default for http)"),
    ("https", "example.com", "80", "", "/hook", "", "https with :80 (non-default for https)"),
    ("https", "example.com", None, "user@", "/hook", "", "userinfo without password"),
    ("https", "example.com", "8443", "user@", "/hook", "", "userinfo without password, with port"),
    ("https", "example.com", None, "user:pass@", "/hook", "", "userinfo with password"),
    ("https", "example.com", "8443", "user:pass@", "/hook", "", "userinfo with password, with port"),
    ("https", "example.com", "443", "user:pass@", "/hook", "", "userinfo with password, with :443"),
    ("http", "example.com", "80", "u%40x:p%3As@", "/hook", "", "percent-encoded userinfo, with :80"),
    ("https", "[2001:db8::1]", None, "", "/hook", "", "IPv6 literal"),
    ("https", "[2001:db8::1]", "8443", "", "/hook", "", "IPv6 literal with port"),
    ("http", "[::1]", "80", "", "/hook", "", "IPv6 loopback with :80"),
    ("https", "[2001:DB8::a]", "443", "user:pass@", "/hook", "", "IPv6 with userinfo and :443"),
    ("https", "Example.COM", None, "", "/hook", "", "mixed-case host kept verbatim"),
    ("https", "API.Example.org", "8443", "", "/Hook/Path", "", "mixed-case host and path, with port"),
    ("HTTPS", "example.com", None, "", "/hook", "", "upper-case scheme: default port 443"),
    ("HTTP", "example.com", "8080", "", "/hook", "", "upper-case scheme with port"),
    ("Https", "example.com", "443", "", "/hook", "", "mixed-case scheme with :443"),
    ("https", "example.com", None, "", "/hook", "?a=%2B&b=%3A", "query with %2B and %3A"),
    ("https", "example.com", "443", "", "/hook", "?q=it's&n=1", "query with ' and port"),
    ("https", "example.com", None, "", "/a%20b/c%2Fd", "?x=a+b", "path with %20 and %2F, + in query"),
    ("https", "example.com", "8443", "", "/%E2%9C%85", "?emoji=%F0%9F%8C%B5", "percent-encoded UTF-8 in path and query"),
    ("https", "example.com", None, "", "", "?x=1", "empty path before the query"),
    ("https", "example.com", "8443", "", "", "", "empty path, with port"),
    ("https", "127.0.0.1", "3000", "", "/hook", "", "IPv4 host with port"),
    ("https", "example.com", None, "", "/hook", "?u=http://x:1/y@z", "colon and @ in the query, not the authority"),
    ("https", "example.com", "8443", "", "/p:1@x", "", "colon and @ in the path, not the authority"),
    ("https", "example.com", None, "", "/hook", "?", "trailing empty query '?'"),
    ("https", "example.com", None, "", "/hook;x=1", "", "path parameter ';'"),
    ("http", "localhost", "5000", "", "/twilio", "?From=%2B15005550006", "localhost dev server"),
]
for scheme, host, port, userinfo, path, query, what in URL_SHAPES:
    url = make_url(scheme, host, port, userinfo, path, query)
    for signed in port_variants(url):
        pos("url", "form", url, params("plain", 0, 5), None, SHA1, what, signed_url=signed)

# --- JSON bodies, HMAC-SHA1 --------------------------------------------------

JSON_FIXED = ["{}", "", '{"a":"\\u00e9","b":"é"}', '[1, 2, 3]\n', '{"emoji":"🌵👨\u200d👩\u200d👧"}']
for i in range(35):
    body = JSON_FIXED[i] if i < len(JSON_FIXED) else json_body()
    url = with_body_hash(make_url() if i % 3 == 0 else plain_url(), body)
    pos("json", "json", url, [], body, SHA1, "JSON body: bodySHA256 in the query, signature over the URL only")

# --- SharedKey, HMAC-SHA256 --------------------------------------------------

for _ in range(20):
    pos("sk_form", "form", make_url(), params("mixed"), None, SHA256, "SharedKey HMAC-SHA256 form")
for _ in range(10):
    pos("sk_repeat", "form", plain_url(), repeat_params(), None, SHA256, "SharedKey HMAC-SHA256 repeated names")
for _ in range(15):
    body = json_body()
    pos("sk_json", "json", with_body_hash(make_url(), body), [], body, SHA256, "SharedKey HMAC-SHA256 JSON body")

# --- negatives -----------------------------------------------------------------

MUTATION_CHARS = list(ASCII) + ["%", "+", " ", "é", "🌵", "/", ":", "'"]


def mutate(s):
    if not s:
        return rng.choice(MUTATION_CHARS)
    i = rng.randrange(len(s))
    c = rng.choice([m for m in MUTATION_CHARS if m != s[i]])
    return s[:i] + c + s[i + 1:]


def neg(label, note, attempts=50, **kw):
    """Build a case from kw(); retry when the mutation accidentally yields a valid request."""
    for _ in range(attempts):
        args = kw["make"]()
        if add(label, want=False, **args, note=note):
            return
    sys.exit(f"FATAL {label}: could not build a negative case")


def base_form(algorithm=SHA1, style="mixed", url=None):
    url = url or make_url()
    pairs = params(style, 1)
    secret = token() if algorithm == SHA1 else shared_secret()
    return dict(kind="form", url=url, signed_url=rng.choice(port_variants(url)), pairs=pairs,
                body=None, secret=secret, algorithm=algorithm)


def base_json(algorithm=SHA1):
    body = json_body()
    url = with_body_hash(make_url(), body)
    secret = token() if algorithm == SHA1 else shared_secret()
    return dict(kind="json", url=url, signed_url=rng.choice(port_variants(url)), pairs=[],
                body=body, secret=secret, algorithm=algorithm)


def signed(args):
    return tw_sign(args["secret"], args["signed_url"], args["pairs"], args["algorithm"])


def m_url(algorithm=SHA1, kind="form"):
    a = base_form(algorithm) if kind == "form" else base_json(algorithm)
    sig = signed(a)
    received = a["url"]
    for _ in range(100):  # keep the bodySHA256 value intact: mutate before it
        cut = received.find("bodySHA256=")
        head = received if cut < 0 else received[:cut]
        i = rng.randrange(len(head))
        new = head[:i] + mutate(head[i]) + head[i + 1:] + ("" if cut < 0 else received[cut:])
        try:  # keep URLs that python's urlparse accepts, so validate() returns rather than raises
            split_authority(new)
            urlparse(new).port
        except ValueError:
            continue
        a["url"] = new
        break
    return dict(a, signature=sig)


def m_name(algorithm=SHA1):
    a = base_form(algorithm)
    sig = signed(a)
    i = rng.randrange(len(a["pairs"]))
    a["pairs"][i] = [mutate(a["pairs"][i][0]), a["pairs"][i][1]]
    return dict(a, signature=sig)


def m_value(algorithm=SHA1):
    a = base_form(algorithm)
    sig = signed(a)
    i = rng.randrange(len(a["pairs"]))
    a["pairs"][i] = [a["pairs"][i][0], mutate(a["pairs"][i][1])]
    return dict(a, signature=sig)


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def m_sig(algorithm=SHA1, kind="form"):
    a = base_form(algorithm) if kind == "form" else base_json(algorithm)
    sig = signed(a)
    i = rng.randrange(len(sig.rstrip("=")) - 1)  # not the last data char: see padding cases
    return dict(a, signature=sig[:i] + rng.choice([c for c in B64 if c != sig[i]]) + sig[i + 1:])


def m_body(algorithm=SHA1):
    a = base_json(algorithm)
    sig = signed(a)
    return dict(a, body=mutate(a["body"]), signature=sig)


def m_token(algorithm=SHA1, kind="form"):
    a = base_form(algorithm) if kind == "form" else base_json(algorithm)
    return dict(a, sign_secret=token() if algorithm == SHA1 else shared_secret())


def m_wrong_port():
    url = make_url(port=None, userinfo="", host=rng.choice(HOSTS[:2]))
    prefix, ui, host, _, rest = split_authority(url)
    wrong = rng.choice(["8443", "8080", "80" if prefix.startswith("https") else "443"])
    a = base_form(url=url)
    a["signed_url"] = prefix + ui + host + ":" + wrong + rest
    return a


def m_wrong_port_received():
    url = make_url(port=rng.choice(["8443", "3000"]), userinfo="", host=rng.choice(HOSTS[:2]))
    prefix, ui, host, _, rest = split_authority(url)
    a = base_form(url=url)
    a["signed_url"] = prefix + ui + host + ":" + rng.choice(["443", "80", "1"]) + rest
    return a


for _ in range(12):
    neg("neg_url", "URL mutated by one char after signing", make=m_url)
for _ in range(4):
    neg("neg_json_url", "JSON: URL (before bodySHA256) mutated after signing", make=lambda: m_url(kind="json"))
for _ in range(12):
    neg("neg_name", "param name mutated by one char after signing", make=m_name)
for _ in range(12):
    neg("neg_value", "param value mutated by one char after signing", make=m_value)
for _ in range(10):
    neg("neg_sig", "signature mutated by one base64 char", make=m_sig)
for _ in range(4):
    neg("neg_json_sig", "JSON: signature mutated by one base64 char", make=lambda: m_sig(kind="json"))
for _ in range(12):
    neg("neg_body", "JSON body mutated by one char after signing (bodySHA256 no longer matches)", make=m_body)
for _ in range(8):
    neg("neg_token", "signed with another Auth Token", make=m_token)
for _ in range(3):
    neg("neg_json_token", "JSON: signed with another Auth Token", make=lambda: m_token(kind="json"))
for _ in range(5):
    neg("neg_port", "signed with a port that is neither absent nor the scheme's default", make=m_wrong_port)
for _ in range(3):
    neg("neg_port_rx", "received with a port, signed with a different port", make=m_wrong_port_received)
for _ in range(3):
    neg("neg_sk_url", "SharedKey: URL mutated", make=lambda: m_url(SHA256))
for _ in range(3):
    neg("neg_sk_value", "SharedKey: param value mutated", make=lambda: m_value(SHA256))
for _ in range(3):
    neg("neg_sk_sig", "SharedKey: signature mutated", make=lambda: m_sig(SHA256))
for _ in range(3):
    neg("neg_sk_body", "SharedKey: JSON body mutated", make=lambda: m_body(SHA256))
for _ in range(3):
    neg("neg_sk_secret", "SharedKey: signed with another secret", make=lambda: m_token(SHA256))
for _ in range(2):
    neg("neg_sk_json_secret", "SharedKey JSON: signed with another secret", make=lambda: m_token(SHA256, "json"))


def algo_swap(claimed):
    a = base_form(claimed)
    other = SHA1 if claimed == SHA256 else SHA256
    return dict(a, signature=tw_sign(a["secret"], a["signed_url"], a["pairs"], other))


for _ in range(3):
    neg("neg_sk_algo", "header says HMAC_SHA256 but the signature is HMAC-SHA1 with the same secret",
        make=lambda: algo_swap(SHA256))
for _ in range(2):
    neg("neg_algo", "Auth Token HMAC_SHA1 expected, signature is HMAC-SHA256 with the same token",
        make=lambda: algo_swap(SHA1))


def signer_bug(bug):
    """A signer that got the canonical string wrong: the request must not verify."""
    a = base_form(url=plain_url())
    a["pairs"] = [["MediaUrl", "b"], ["MediaUrl", "a"], ["MediaUrl", "b"], ["\ue000", "1"], ["🌵", "2"], ["Body", "x"]]
    rng.shuffle(a["pairs"])
    if bug == "nodedup":
        order = sorted(a["pairs"], key=lambda p: (p[0].encode(), p[1].encode()))
    elif bug == "arrival":
        order = a["pairs"]
    else:  # sorted by UTF-16 code units, as a JS/Java/C# sort would
        order = sorted({tuple(p) for p in a["pairs"]}, key=lambda p: (p[0].encode("utf-16-be"), p[1].encode("utf-16-be")))
    data = a["signed_url"] + "".join(k + v for k, v in order)
    sig = base64.b64encode(hmac.new(a["secret"].encode(), data.encode(), hashlib.sha1).digest()).decode()
    return dict(a, signature=sig)


neg("neg_signer_nodedup", "signature over repeated values without dropping duplicates", make=lambda: signer_bug("nodedup"))
neg("neg_signer_arrival", "signature over params in arrival order, unsorted", make=lambda: signer_bug("arrival"))
neg("neg_signer_utf16", "signature over names sorted by UTF-16 code units (U+E000 after astral)", make=lambda: signer_bug("utf16"))


def sig_edit(edit):
    a = base_form()
    a["signed_url"] = a["url"]  # so compute_signature shows the canonical string next to the edited one
    sig = signed(a)
    if edit == "padbits":  # same decoded bytes in a lenient decoder: last char's unused low bits set
        last = B64.index(sig[26])
        sig = sig[:26] + B64[last ^ 1] + sig[27:]
        assert base64.b64decode(sig) == base64.b64decode(signed(a)) and sig != signed(a)
    elif edit == "nopad":
        sig = sig.rstrip("=")
    elif edit == "empty":
        sig = ""
    elif edit == "space":
        sig = sig + " "
    elif edit == "urlsafe":  # force a char that differs between the two alphabets
        a["secret"] = token()
        sig = signed(a)
        while "+" not in sig and "/" not in sig:
            a["secret"] = token()
            sig = signed(a)
        sig = sig.replace("+", "-").replace("/", "_")
    return dict(a, signature=sig)


neg("neg_sig_padbits", "non-canonical base64: last char differs only in its 2 unused bits (string is not what Twilio sends)",
    make=lambda: sig_edit("padbits"))
neg("neg_sig_nopad", "signature without its '=' padding", make=lambda: sig_edit("nopad"))
neg("neg_sig_empty", "empty signature header", make=lambda: sig_edit("empty"))
neg("neg_sig_space", "signature with a trailing space", make=lambda: sig_edit("space"))
neg("neg_sig_urlsafe", "signature in the URL-safe base64 alphabet", make=lambda: sig_edit("urlsafe"))


def scheme_case():
    url = "HTTPS://example.com/hook" + rng.choice(["", "?a=1"])
    a = base_form(url=url)
    a["signed_url"] = "https://" + url[len("HTTPS://"):]
    why = ("urlparse lower-cases the scheme and geturl() re-serialises it, so python checks"
           " a URL text the server never received")
    return dict(a, why=why)


for _ in range(2):
    neg("neg_scheme_case", "received with an upper-case scheme, signed with a lower-case one: the text differs",
        make=scheme_case)


# --- finish --------------------------------------------------------------------

names = [c["name"] for c in cases]
assert len(names) == len(set(names))
for c in cases:
    if c["python_validate"] != c["expected_valid"] and "python validate()" not in c["note"]:
        sys.exit(f"FATAL {c['name']}: disagreement without explanation")

doc = {
    "generator": "tests/differential/gen.py",
    "twilio_python_version": dist_version("twilio"),
    "seed": SEED,
    "cases": cases,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=True) + "\n")

by_label = {}
for c in cases:
    label = c["name"].rsplit("_", 1)[0]
    by_label[label] = by_label.get(label, 0) + 1
print(f"wrote {len(cases)} cases to {OUT}")
print(" ".join(f"{k}={v}" for k, v in by_label.items()))
print(f"valid={sum(c['expected_valid'] for c in cases)} invalid={sum(not c['expected_valid'] for c in cases)}"
      f" python_disagrees={sum(c['expected_valid'] != c['python_validate'] for c in cases)}")
