#!/usr/bin/env python3
"""Generates the labelled de-duplication set tests/data/dedup/reports.jsonl.

Deterministic (fixed seed, no clock, no environment): running it again writes
the same bytes, so the committed file can be checked by regenerating it:

    python3 tests/data/dedup/generate.py > /tmp/r.jsonl && cmp /tmp/r.jsonl tests/data/dedup/reports.jsonl

The set holds
  * groups: an original report and variants of it that must join its case:
    re-sent (also what an encrypted copy is after decryption), forwarded with
    the headers of Thunderbird, Gmail, Apple Mail or Outlook, quoted in a
    reply, re-wrapped, HTML instead of text, a changed greeting, and mixes;
  * distinct reports that must each open a case of their own although they
    share the vocabulary: one product, the same components, vulnerability
    classes, templates (e-mail, bug-bounty form, structured form) and
    reporters; some are "siblings" (same reporter, component, class and
    template, different bug).
The lines are shuffled; for each report the test knows its group, so the
first report of a group must open a case and every later one must join it.
"""

import json
import random
import sys
import textwrap

RNG = random.Random(20261124)

PRODUCT = "Example Proxy"

COMPONENTS = [
    ("HTTP/1.1 header parser", "src/http/header_parser.c", "parse_header_line"),
    ("HTTP/2 frame decoder", "src/http2/frame.c", "h2_decode_frame"),
    ("HPACK decoder", "src/http2/hpack.c", "hpack_decode_int"),
    ("TLS handshake", "src/tls/handshake.c", "tls_process_client_hello"),
    ("DNS resolver", "src/dns/resolver.c", "dns_parse_answer"),
    ("access log writer", "src/log/access_log.c", "log_format_entry"),
    ("admin API", "src/admin/api.c", "admin_handle_request"),
    ("configuration loader", "src/config/loader.c", "config_parse_directive"),
    ("WebSocket upgrade handler", "src/ws/upgrade.c", "ws_check_upgrade"),
    ("gzip decompressor", "src/filters/gzip.c", "gzip_inflate_chunk"),
    ("rate limiter", "src/filters/ratelimit.c", "ratelimit_account"),
    ("response cache", "src/cache/store.c", "cache_lookup_key"),
    ("Lua filter", "src/filters/lua.c", "lua_call_hook"),
    ("OAuth2 filter", "src/filters/oauth2.c", "oauth2_validate_token"),
    ("router", "src/router/match.c", "route_match_prefix"),
    ("chunked encoding decoder", "src/http/chunked.c", "chunked_read_size"),
]

CLASSES = [
    "heap buffer overflow", "use after free", "integer overflow", "out-of-bounds read",
    "NULL pointer dereference", "request smuggling issue", "path traversal",
    "server-side request forgery", "authentication bypass", "unbounded memory allocation",
    "double free", "stack exhaustion", "cache poisoning issue", "timing side channel",
    "stored cross-site scripting issue", "infinite loop",
]

TRIGGERS = [
    "a request carries more than {n} header fields",
    "the {hdr} header is longer than {n} bytes",
    "a client sends a {frame} frame with a declared length of {n}",
    "the upstream closes the connection while the response body is still being read",
    "a chunk size of {hex} is announced and followed by less data",
    "two requests are pipelined on one connection and the first one is aborted",
    "the client renegotiates after sending {n} bytes of early data",
    "an answer record claims a name length of {n} octets",
    "the configuration contains an include directive nested {n} levels deep",
    "a header value contains a bare carriage return followed by {hdr}",
    "the Host header holds an IPv6 literal with a zone identifier",
    "an encoded path contains %2e%2e%2f sequences after a semicolon",
    "a compressed body expands to more than {n} megabytes",
    "the client sends {n} CONTINUATION frames without END_HEADERS",
    "a token with an empty signature segment is presented",
    "a route pattern ends with a wildcard and the request path is empty",
    "the hook script yields while a request is being finalised",
    "the cache key contains a header with mixed case and trailing blanks",
    "the connection is reset between the upgrade response and the first frame",
    "an integer prefix in the header block uses more than {n} continuation bytes",
]

CAUSES = [
    "the length is kept in a {type} and wraps around before the bounds check",
    "the buffer is released in {f2}() but {f1}() still holds a pointer to it",
    "the return value of {f2}() is not checked and a NULL result is used",
    "the loop in {f1}() trusts the count from the peer instead of the remaining input",
    "the error path frees the context twice, once in {f1}() and once in {f2}()",
    "the recursion in {f1}() has no depth limit",
    "the normalisation happens after the access check instead of before it",
    "the comparison in {f1}() returns early on the first differing byte",
    "the allocation size is computed from an attacker supplied field without a cap",
    "the state machine in {f1}() never leaves the waiting state when the input ends",
    "an off-by-one in {f1}() lets the copy run one element past the array",
    "the escaped value is written to the admin page without encoding",
    "the header is forwarded upstream verbatim while the proxy itself parsed it differently",
    "the timeout handler and {f2}() both own the request object",
]

OBSERVATIONS = [
    "AddressSanitizer reports a heap-buffer-overflow WRITE of size {n}",
    "the worker process crashes with SIGSEGV in {f1}()",
    "the worker keeps using 100% CPU and never answers again",
    "the resident memory of the worker grows by about {n} MB per request",
    "the upstream receives a second request that the proxy never logged",
    "a file outside of the document root is returned",
    "the admin page runs the injected script for every administrator who opens it",
    "Valgrind reports an invalid read of size {m} in {f1}()",
    "the response of one client is served to another client from the cache",
    "requests to internal addresses are made on behalf of the client",
    "the access check is skipped and the protected route answers 200",
]

IMPACTS = [
    "An unauthenticated remote attacker can crash every worker with a single request, so the whole service is down until it is restarted.",
    "Because the write is attacker controlled, I believe remote code execution is possible, although I have not built a full exploit.",
    "An attacker can read process memory, which may include TLS session keys and other clients' cookies.",
    "A single client can exhaust the memory of the host, so this is a highly asymmetric denial of service.",
    "Requests can be smuggled past the access rules of the proxy to internal upstream services.",
    "An attacker can make the proxy fetch arbitrary internal URLs, including the cloud metadata service.",
    "Anyone who can reach the admin port can act as an administrator without credentials.",
    "Other users receive poisoned responses for as long as the cache entry lives.",
    "The token check can be bypassed and any user can impersonate any other user.",
    "Administrators who look at the log page run attacker controlled script in their session.",
]

FIXES = [
    "check the length against the remaining input before the copy",
    "use a size_t and reject values above the configured limit",
    "clear the pointer in {f2}() and check it in {f1}()",
    "limit the recursion depth to a small constant",
    "normalise the path before the access check and reject encoded dot segments",
    "compare with a constant-time function",
    "cap the total decompressed size and abort the stream when it is exceeded",
    "reject bare carriage returns in header values as RFC 9112 requires",
    "encode the value before writing it to the page",
    "count CONTINUATION frames and reset the stream after a limit",
]

HEADERS = ["Transfer-Encoding", "X-Forwarded-For", "Cookie", "Authorization", "Content-Length",
           "Host", "Accept-Encoding", "Upgrade", "Referer", "Range"]
FRAMES = ["SETTINGS", "HEADERS", "DATA", "WINDOW_UPDATE", "PRIORITY", "GOAWAY"]
TYPES = ["uint16_t", "int", "uint8_t", "short", "int32_t"]
FUNCS_EXTRA = ["buf_append", "conn_release", "req_finalize", "pool_free", "str_dup_n",
               "ctx_destroy", "hdr_table_grow", "io_read_more", "timer_cancel", "stream_close"]
VERSIONS = ["1.13.0", "1.13.2", "1.13.4", "1.12.9", "1.14.0-rc1", "master at 3f2a9c1",
            "master at 8be0d47", "1.13.3"]
OSES = ["Debian 12", "Ubuntu 24.04", "Fedora 40", "Alpine 3.20", "FreeBSD 14.1", "Arch Linux"]
COMPILERS = ["GCC 12.2", "GCC 13.3", "Clang 16", "Clang 18"]

REPORTERS = [
    ("Eve Reporter", "eve@example.net", "Independent researcher"),
    ("José Müller", "jose@sec.example.com", "Example Security GmbH"),
    ("Priya Raman", "priya@research.example.edu", "Systems Security Lab"),
    ("Tomasz Nowak", "tnowak@example.pl", ""),
    ("Aiko Tanaka", "aiko@bughunt.example.jp", "Bughunt"),
    ("Sam Carter", "sam.carter@example.org", "Example Org infrastructure team"),
    ("Lena Fischer", "lena@fischer.example.de", ""),
    ("Omar Haddad", "omar@example.ae", "Red team, Example Bank"),
]

GREETINGS = ["Hi,", "Hello,", "Hi team,", "Hello security team,", "Dear Example Proxy security team,",
             "Hi all,", "Good morning,", "Dear maintainers,", "Hey folks,", "Greetings,"]
CLOSINGS = ["Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Thank you,", "Regards,",
            "Many thanks,", "Best,"]

FORWARD_COMMENTS = [
    "FYI, see the report below.",
    "Forwarding this in case it did not reach you, I did not get an acknowledgement.",
    "Our customer sent us this report and asked us to pass it on to the security team.",
    "Resending, the first attempt may have been caught by a spam filter.",
    "Forwarding from our support queue. We run Example Proxy in production and would appreciate a quick look.",
    "See below. I reported this a week ago to the wrong address, apologies for the noise.",
    "Please see the forwarded report. Let me know if you need anything from our side to reproduce it.",
]

FOLLOWUPS = [
    "Any news on this? I have not heard back yet.",
    "Hi again, just checking that this arrived.",
    "Is there an update on the report below? I would like to coordinate a disclosure date.",
    "Following up on my report from last week.",
    "Ping. Could you confirm that you received this?",
    "I can now also reproduce it on the latest release candidate.",
]

BOUNTY_BOILERPLATE = (
    "This report was submitted through the Example Bounty platform under the Example Proxy "
    "vulnerability disclosure policy. Please do not disclose the details publicly before the "
    "agreed date. Reply to this message to reach the researcher; the platform keeps a copy of "
    "the conversation for mediation."
)


def ident():
    verbs = ["parse", "read", "decode", "copy", "grow", "check", "free", "merge", "scan", "emit"]
    nouns = ["header", "frame", "chunk", "token", "name", "label", "entry", "buffer", "path", "key"]
    return RNG.choice(verbs) + "_" + RNG.choice(nouns) + RNG.choice(["", "_slow", "_v2", "_at", "_n"])


def fill(template, f1, f2):
    return template.format(
        n=RNG.choice([64, 100, 128, 255, 256, 1000, 4096, 8192, 65535, 65536, 70000, 1 << 20]),
        m=RNG.choice([1, 2, 4, 8]),
        hex=RNG.choice(["ffffffffffffffff", "7fffffff", "100000000", "fffffff0"]),
        hdr=RNG.choice(HEADERS), frame=RNG.choice(FRAMES), type=RNG.choice(TYPES), f1=f1, f2=f2)


def bug(component=None, klass=None):
    """A bug as a set of concrete facts; distinct bugs differ in most of them."""
    comp = component or RNG.choice(COMPONENTS)
    f1 = comp[2]
    f2 = RNG.choice(FUNCS_EXTRA + [ident()])
    return {
        "component": comp,
        "class": klass or RNG.choice(CLASSES),
        "trigger": fill(RNG.choice(TRIGGERS), f1, f2),
        "cause": fill(RNG.choice(CAUSES), f1, f2),
        "observation": fill(RNG.choice(OBSERVATIONS), f1, f2),
        "impact": RNG.choice(IMPACTS),
        "fix": fill(RNG.choice(FIXES), f1, f2),
        "version": RNG.choice(VERSIONS),
        "os": RNG.choice(OSES),
        "compiler": RNG.choice(COMPILERS),
        "line": RNG.randint(40, 2400),
        "port": RNG.randint(1024, 65000),
        "upstream": "10.%d.%d.%d:%d" % (RNG.randint(0, 255), RNG.randint(0, 255),
                                         RNG.randint(1, 254), RNG.randint(1024, 65000)),
        "payload_len": RNG.randint(100, 90000),
        "extra": fill(RNG.choice(TRIGGERS), f1, f2),
        "f2": f2,
    }


def poc_lines(b):
    comp, path, f1 = b["component"]
    kind = RNG.randint(0, 2)
    if kind == 0:
        return [
            "python3 - <<'EOF'",
            "import socket",
            "s = socket.create_connection(('127.0.0.1', %d))" % b["port"],
            "s.sendall(b'GET / HTTP/1.1\\r\\nHost: a\\r\\n' + b'X: ' + b'A' * %d + b'\\r\\n\\r\\n')" % b["payload_len"],
            "print(s.recv(4096))",
            "EOF",
        ]
    if kind == 1:
        return [
            "curl -sk https://127.0.0.1:%d/ -H 'Host: test' --data-binary @payload.bin" % b["port"],
            "head -c %d /dev/urandom > payload.bin" % b["payload_len"],
        ]
    return [
        "#0 %s %s:%d" % (f1, path, b["line"]),
        "#1 %s src/core/%s.c:%d" % (b["f2"], b["f2"].split("_")[0], RNG.randint(10, 900)),
        "#2 worker_loop src/core/worker.c:%d" % RNG.randint(100, 700),
    ]


def sentences_email(b):
    comp, path, f1 = b["component"]
    return [
        "I found a %s in the %s of %s %s." % (b["class"], comp, PRODUCT, b["version"]),
        "It happens when %s, because %s." % (b["trigger"], b["cause"]),
        "The code in question is %s() in %s around line %d." % (f1, path, b["line"]),
        "Steps to reproduce:",
        "1. Build %s %s with -fsanitize=address on %s with %s." % (PRODUCT, b["version"], b["os"], b["compiler"]),
        "2. Start it with a listener on port %d and an upstream at %s." % (b["port"], b["upstream"]),
        "3. Run the following:",
    ] + ["   " + l for l in poc_lines(b)] + [
        "4. Observe that %s." % b["observation"],
        b["impact"],
        "It can also be triggered when %s." % b["extra"],
        "A possible fix would be to %s." % b["fix"],
    ]


def body_email(b, reporter, greeting, closing):
    s = sentences_email(b)
    paras = [[greeting], s[0:3], s[3:-3], [s[-3]], s[-2:], [closing, reporter[0]]]
    text = "\n\n".join("\n".join(p) if p is not paras[1] and p is not paras[4] else " ".join(p)
                       for p in paras)
    return text + signature(reporter)


def body_bounty(b, reporter, greeting, closing):
    comp, path, f1 = b["component"]
    lines = [
        greeting, "",
        "## Summary",
        "%s %s: %s in the %s (%s, %s())." % (PRODUCT, b["version"], b["class"], comp, path, f1),
        "It is reached when %s; %s." % (b["trigger"], b["cause"]),
        "",
        "## Steps To Reproduce",
        "1. Build %s %s on %s (%s, ASan enabled)." % (PRODUCT, b["version"], b["os"], b["compiler"]),
        "2. Configure a listener on %d proxying to %s." % (b["port"], b["upstream"]),
        "3. Send the request:",
    ] + ["    " + l for l in poc_lines(b)] + [
        "4. Result: %s." % b["observation"],
        "",
        "## Impact",
        b["impact"] + " Variant: it also triggers when %s." % b["extra"],
        "",
        "## Supporting Material",
        "Suggested remediation: %s." % b["fix"],
        "",
        closing, reporter[0], "",
        BOUNTY_BOILERPLATE,
    ]
    return "\n".join(lines) + signature(reporter)


def body_form(b, reporter, greeting, closing):
    comp, path, f1 = b["component"]
    lines = [
        greeting, "",
        "Product: %s" % PRODUCT,
        "Version: %s" % b["version"],
        "Component: %s (%s)" % (comp, path),
        "Type: %s" % b["class"],
        "Environment: %s, %s" % (b["os"], b["compiler"]),
        "",
        "Description:",
        "When %s, %s() misbehaves because %s. %s" % (b["trigger"], f1, b["cause"], b["impact"]),
        "",
        "Reproduction:",
        "Listener on port %d, upstream %s, then:" % (b["port"], b["upstream"]),
    ] + poc_lines(b) + [
        "Expected: a 400 response. Actual: %s." % b["observation"],
        "Also seen when %s." % b["extra"],
        "",
        "Suggested fix:",
        "%s (line %d)." % (b["fix"][0].upper() + b["fix"][1:], b["line"]),
        "",
        closing, reporter[0],
    ]
    return "\n".join(lines) + signature(reporter)


TEMPLATES = [body_email, body_bounty, body_form]


def signature(reporter):
    name, email, org = reporter
    if RNG.random() < 0.5:
        return ""
    sig = "\n\n-- \n" + name
    if org:
        sig += "\n" + org
    if RNG.random() < 0.5:
        sig += "\nPGP: %040X" % RNG.getrandbits(160)
    return sig


def wrap_paragraphs(text, width):
    """Re-flows prose paragraphs; indented (code) lines stay as they are."""
    out = []
    for para in text.split("\n\n"):
        lines = para.split("\n")
        if any(l.startswith(" ") or l.startswith("#") or l[:2] in ("1.", "2.", "3.", "4.", "##")
               or l == "-- " for l in lines):
            out.append(para)
        else:
            out.append(textwrap.fill(" ".join(lines), width=width, break_on_hyphens=False))
    return "\n\n".join(out)


def subject_of(b):
    return "%s in %s" % (b["class"][0].upper() + b["class"][1:], b["component"][0])


def date_line(style):
    day = RNG.randint(2, 27)
    hour = RNG.randint(0, 23)
    if style == "gmail":
        return "Mon, Nov %d, 2026 at %d:%02d PM" % (day, hour % 12 + 1, RNG.randint(0, 59))
    if style == "outlook":
        return "Monday, November %d, 2026 %d:%02d AM" % (day, hour % 12 + 1, RNG.randint(0, 59))
    return "Mon, %d Nov 2026 %02d:%02d:00 +0100" % (day, hour, RNG.randint(0, 59))


FORWARDERS = [("Bob Ops", "bob@customer.example"), ("Support Desk", "support@hosting.example"),
              ("Dana", "dana@partner.example")]


def forwarder_sig(fw):
    return RNG.choice(["", "\n\n-- \n%s\n%s" % (fw[0], fw[1].split("@")[1])])


def forward(orig, r, subj, style):
    fw = RNG.choice(FORWARDERS)
    comment = RNG.choice(FORWARD_COMMENTS) + forwarder_sig(fw)
    name, email, _ = r
    if style == "thunderbird":
        head = ("-------- Forwarded Message --------\nSubject: \t%s\nDate: \t%s\nFrom: \t%s <%s>\n"
                "To: \tsecalert@example.org\n\n\n\n" % (subj, date_line("rfc"), name, email))
        return comment + "\n\n\n" + head + orig
    if style == "gmail":
        head = ("---------- Forwarded message ---------\nFrom: %s <%s>\nDate: %s\nSubject: %s\n"
                "To: <secalert@example.org>\n\n\n" % (name, email, date_line("gmail"), subj))
        return comment + "\n\n" + head + orig
    if style == "apple":
        head = ("Begin forwarded message:\n\nFrom: %s <%s>\nSubject: %s\nDate: %s\n"
                "To: secalert@example.org\n\n" % (name, email, subj, date_line("rfc")))
        return comment + "\n\n" + head + orig
    head = ("________________________________\nFrom: %s <%s>\nSent: %s\nTo: secalert@example.org\n"
            "Subject: %s\n\n" % (name, email, date_line("outlook"), subj))
    return comment + "\n\n" + head + orig


def quote(text, prefix="> "):
    return "\n".join((prefix + l).rstrip() if l else prefix.rstrip() for l in text.split("\n"))


def quoted_reply(orig, r):
    name, email, _ = r
    follow = RNG.choice(FOLLOWUPS)
    if RNG.random() < 0.5:
        attribution = "On %s, %s <%s> wrote:" % (date_line("rfc"), name, email)
    else:  # a long attribution wrapped by the mail client
        attribution = "On %s, %s <%s>\nwrote:" % (date_line("rfc"), name, email)
    body = orig
    if RNG.random() < 0.4:  # the quoting client re-wraps at 72 columns
        body = wrap_paragraphs(orig, 70)
    reply = follow + "\n\n" + attribution + "\n" + quote(body)
    if RNG.random() < 0.3:  # quoted once more in a later reply
        reply = "Still waiting on this one.\n\nOn %s, %s <%s> wrote:\n%s" % (
            date_line("rfc"), name, email, quote(reply))
    return reply


def html_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def to_html(text):
    parts = []
    for para in text.split("\n\n"):
        lines = [html_escape(l) for l in para.split("\n")]
        if para.startswith("-- \n"):
            parts.append('<div class="moz-signature">' + "<br>\n".join(lines) + "</div>")
        elif any(l.startswith("    ") for l in para.split("\n")):
            parts.append("<pre>" + "\n".join(lines) + "</pre>")
        else:
            parts.append("<p>" + "<br>\n".join(lines) + "</p>")
    return ("<html>\n<head><meta http-equiv=\"content-type\" content=\"text/html; charset=UTF-8\">"
            "<style>p { margin: 0 }</style></head>\n<body>\n" + "\n".join(parts) +
            "\n</body>\n</html>\n")


def change_greeting(text, greeting, closing):
    g2 = RNG.choice([g for g in GREETINGS if g != greeting])
    c2 = RNG.choice([c for c in CLOSINGS if c != closing])
    return text.replace(greeting, g2, 1).replace("\n" + closing + "\n", "\n" + c2 + "\n", 1)


def resend(text):
    # Same text again; a re-sent copy often differs only in line endings and
    # trailing blanks (and an encrypted copy is the same text once decrypted).
    if RNG.random() < 0.5:
        return text.replace("\n", "\r\n")
    return "\n".join(l + (" " if RNG.random() < 0.2 else "") for l in text.split("\n")) + "\n\n"


def variant(kind, orig, r, subj, greeting, closing):
    if kind == "resent":
        return resend(orig)
    if kind.startswith("forward-"):
        return forward(orig, r, subj, kind.split("-", 1)[1])
    if kind == "quoted":
        return quoted_reply(orig, r)
    if kind == "rewrapped":
        return wrap_paragraphs(orig, RNG.choice([40, 55, 66, 100, 140]))
    if kind == "html":
        return to_html(orig)
    if kind == "greeting":
        return change_greeting(orig, greeting, closing)
    if kind == "greeting+rewrapped":
        return wrap_paragraphs(change_greeting(orig, greeting, closing), RNG.choice([50, 90]))
    if kind == "html+greeting":
        return to_html(change_greeting(orig, greeting, closing))
    if kind == "forward-of-quoted":
        return forward(quoted_reply(orig, r), r, "Re: " + subj, RNG.choice(["thunderbird", "gmail"]))
    raise ValueError(kind)


VARIANT_KINDS = ["resent", "forward-thunderbird", "forward-gmail", "forward-apple",
                 "forward-outlook", "quoted", "rewrapped", "html", "greeting",
                 "greeting+rewrapped", "html+greeting", "forward-of-quoted"]


def report(b, reporter=None, template=None):
    reporter = reporter or RNG.choice(REPORTERS)
    template = template or RNG.choice(TEMPLATES)
    greeting, closing = RNG.choice(GREETINGS), RNG.choice(CLOSINGS)
    return reporter, template, greeting, closing, template(b, reporter, greeting, closing)


def main():
    items = []
    # Groups of variants.
    for g in range(64):
        b = bug()
        reporter, template, greeting, closing, orig = report(b)
        subj = subject_of(b)
        kinds = RNG.sample(VARIANT_KINDS, RNG.randint(3, 6))
        members = [("original", orig)] + [(k, variant(k, orig, reporter, subj, greeting, closing))
                                          for k in kinds]
        for kind, text in members:
            items.append({"group": "g%03d" % g, "variant": kind, "text": text})
    # Distinct reports sharing the vocabulary; every fifth one has a sibling
    # from the same reporter about the same component and class.
    d = 0
    while d < 240:
        b = bug()
        reporter, template, _, _, text = report(b)
        items.append({"group": "d%03d" % d, "variant": "distinct", "text": text})
        d += 1
        if d % 5 == 0:
            sib = bug(b["component"], b["class"])
            _, _, _, _, text = report(sib, reporter, template)
            items.append({"group": "d%03d" % d, "variant": "sibling", "text": text})
            d += 1
    RNG.shuffle(items)
    out = sys.stdout
    for n, it in enumerate(items, 1):
        it["n"] = n
        out.write(json.dumps(it, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
