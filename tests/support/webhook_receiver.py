#!/usr/bin/python3
"""Webhook receiver for embargo's tests (driven by tests/support/webhook_receiver.cpp).

An HTTP(S) server on 127.0.0.1:PORT (Python's http.server) that records every
POST it answers: DIR/NNNNNN.body holds the request body byte-exact and
DIR/NNNNNN.json the sidecar {"path", "content_type", "status"}; the sidecar
is renamed into place last, so a reader listing *.json never sees a partial
request. Requests refused on purpose are recorded too, with their status.

Faults for the client's error paths: --fail-code (e.g. 500 or 404) answers
the first --fail-count POSTs (0 = every one) with that status.
--tls-cert/--tls-key serve HTTPS with that certificate.

Prints "webhook_receiver listening" once the socket listens; runs until
SIGTERM or SIGINT.
"""

import argparse
import http.server
import json
import os
import signal
import ssl
import sys
import threading


class State:
    def __init__(self, directory, fail_code, fail_count):
        self.directory = directory
        self.fail_code = fail_code
        self.fail_count = fail_count
        self.posts = 0
        self.lock = threading.Lock()
        # A restarted receiver continues the numbering of what is there.
        self.counter = max([int(n[:6]) for n in os.listdir(directory)
                            if n.endswith(".json") and n[:6].isdigit()] + [0])

    def record(self, path, content_type, body):
        with self.lock:
            self.posts += 1
            faulty = self.fail_code and (self.fail_count == 0 or self.posts <= self.fail_count)
            status = self.fail_code if faulty else 200
            self.counter += 1
            base = os.path.join(self.directory, "%06d" % self.counter)
            with open(base + ".body.tmp", "wb") as f:
                f.write(body)
            os.rename(base + ".body.tmp", base + ".body")
            meta = {"path": path, "content_type": content_type, "status": status}
            with open(base + ".json.tmp", "w", encoding="ascii") as f:
                json.dump(meta, f)
            os.rename(base + ".json.tmp", base + ".json")
            return status


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status = state.record(self.path, self.headers.get("Content-Type") or "", body)
            reply = b"ok" if status == 200 else b"test receiver refuses this post"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, fmt, *args):
            sys.stderr.write("webhook_receiver: " + (fmt % args) + "\n")

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--fail-code", type=int, default=0)
    p.add_argument("--fail-count", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    state = State(a.dir, a.fail_code, a.fail_count)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(state))
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("webhook_receiver listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
