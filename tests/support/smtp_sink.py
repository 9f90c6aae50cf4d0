#!/usr/bin/python3
"""SMTP sink for embargo's tests (driven by tests/support/smtp_sink.cpp).

Listens on 127.0.0.1:PORT with aiosmtpd and stores every accepted message
byte-exact (envelope.original_content, dot-unstuffed) as DIR/NNNNNN.eml plus a
DIR/NNNNNN.json sidecar {"mail_from", "rcpt_tos", "peer_port"}. The sidecar is
renamed into place last, so a reader that lists *.json never sees a partial
message. Faults for the client's error paths: --auth-user/--auth-password
require AUTH, --refuse-code answers DATA with 451 or 550, --stall sleeps
before answering DATA, --fault-count limits refusals and stalls to the first
N transactions. --tls-cert/--tls-key make STARTTLS mandatory.

Runs until SIGTERM or SIGINT. Must run under Debian's /usr/bin/python3 (the
python3 on PATH may lack python3-aiosmtpd).
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class SinkHandler:
    def __init__(self, directory, refuse_code, stall_seconds, fault_count):
        self.directory = directory
        self.refuse_code = refuse_code
        self.stall_seconds = stall_seconds
        self.fault_count = fault_count
        self.transactions = 0
        # A restarted sink continues the numbering of the messages already there.
        self.counter = max([int(n[:6]) for n in os.listdir(directory)
                            if n.endswith(".json") and n[:6].isdigit()] + [0])

    def _faulty(self):
        # Counts every DATA so that "only the first N" is well defined.
        self.transactions += 1
        return self.fault_count == 0 or self.transactions <= self.fault_count

    async def handle_DATA(self, server, session, envelope):
        faulty = self._faulty()
        if faulty and self.stall_seconds > 0:
            await asyncio.sleep(self.stall_seconds)
        if faulty and self.refuse_code == 451:
            return "451 4.3.0 Test sink refuses this message for now"
        if faulty and self.refuse_code == 550:
            return "550 5.7.1 Test sink refuses this message for good"
        self.counter += 1
        base = os.path.join(self.directory, "%06d" % self.counter)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        meta = {
            # aiosmtpd keeps the null sender as "<>".
            "mail_from": "" if envelope.mail_from == "<>" else envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "peer_port": session.peer[1] if session.peer else 0,
        }
        with open(base + ".json.tmp", "w", encoding="ascii") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Message accepted for delivery"


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword)
                and auth_data.login == user.encode()
                and auth_data.password == password.encode()):
            return AuthResult(success=True)
        # handled=False lets aiosmtpd answer 535; handled=True would leave the
        # client waiting for a reply that never comes.
        return AuthResult(success=False, handled=False)

    return authenticator


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--auth-user", default="")
    p.add_argument("--auth-password", default="")
    p.add_argument("--refuse-code", type=int, default=0, choices=[0, 451, 550])
    p.add_argument("--stall", type=float, default=0)
    p.add_argument("--fault-count", type=int, default=0)
    p.add_argument("--tls-cert", default="")
    p.add_argument("--tls-key", default="")
    args = p.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    handler = SinkHandler(args.dir, args.refuse_code, args.stall, args.fault_count)
    kwargs = {}
    if args.auth_user:
        kwargs.update(authenticator=make_authenticator(args.auth_user, args.auth_password),
                      auth_required=True, auth_require_tls=False)
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    # server_hostname avoids socket.getfqdn(), which can stall on a machine
    # without working DNS.
    controller = Controller(handler, hostname="127.0.0.1", port=args.port,
                            server_hostname="sink.test", **kwargs)
    controller.start()
    print("smtp_sink listening on 127.0.0.1:%d" % args.port, flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(1.0):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
