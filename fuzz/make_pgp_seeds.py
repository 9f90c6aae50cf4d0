#!/usr/bin/env python3
"""Writes the seed corpus of the pgp_mime fuzz target (fuzz/corpus/pgp_mime):
real mails in every OpenPGP form crypto::open_message handles, encrypted to
the fuzzing team key and signed by the fuzzing member key of
fuzz/pgp_mime_keys.asc. Needs gpg. Run from anywhere; rewrites the seeds."""
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "pgp_mime")
TEAM = "DE527CF62443EE94366AA8FAE577C80C58573C25"
MEMBER = "4AEDBAE0AEAD940E7B35E6F3D516080CE6F75789"

HEAD = ("Message-ID: <{id}@fuzz.example>\r\nDate: Fri, 4 Dec 2026 12:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\nFrom: Fuzz Member <member@fuzz.example>\r\n"
        "To: team@fuzz.example\r\nSubject: {subject}\r\n")
TEXT = ("Confirmed, taking it.\r\n\r\n/lead me\r\n/cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\r\n"
        "Case EMST-2026-0001.\r\n-- \r\nMember\r\n")


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


class Gpg:
    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="ebseed-", dir="/tmp")
        with open(os.path.join(self.home, "gpg.conf"), "w") as f:
            f.write("pinentry-mode loopback\n")
        self.run(["--import", os.path.join(HERE, "pgp_mime_keys.asc")])
        out = self.run(["--status-fd", "1", "--passphrase", "", "--quick-gen-key",
                        "Stranger <stranger@elsewhere.example>", "future-default", "default", "never"])
        self.stranger = [l.split()[-1] for l in out.decode().splitlines() if "KEY_CREATED" in l][0]

    def run(self, args, data=b""):
        return subprocess.run(["gpg", "--batch", "--no-tty", "--homedir", self.home, "--trust-model",
                               "always"] + args, input=data, check=True,
                              capture_output=True).stdout

    def encrypt(self, text, to=TEAM, sign=True, armor=True):
        args = ["--encrypt", "-r", to] + (["--sign", "-u", MEMBER] if sign else [])
        return self.run(args + (["--armor"] if armor else []), text.encode()).decode("latin-1")

    def clearsign(self, text):
        return self.run(["--clearsign", "-u", MEMBER], text.encode()).decode()

    def sign_inline(self, text):
        return self.run(["--sign", "--armor", "-u", MEMBER], text.encode()).decode()

    def detach(self, data):
        return self.run(["--detach-sign", "--armor", "-u", MEMBER, "--digest-algo", "SHA256"],
                        data.encode()).decode()

    def export(self, fpr):
        return self.run(["--export", "--armor", fpr]).decode()

    def close(self):
        subprocess.run(["gpgconf", "--homedir", self.home, "--kill", "gpg-agent"])
        shutil.rmtree(self.home)


def encrypted_mime(g, inner, boundary="enc42"):
    body = g.encrypt(crlf(inner))
    return (f"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
            f" boundary=\"{boundary}\"\r\n\r\nThis is an OpenPGP/MIME encrypted message\r\n"
            f"--{boundary}\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
            f"--{boundary}\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
            f"Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n{crlf(body)}\r\n"
            f"--{boundary}--\r\n")


def signed_mime(g, part, boundary="sig42", tamper=False):
    part = crlf(part)
    sig = g.detach(part)
    if tamper:
        part = part.replace("lead me", "lead mo")
    return (f"Content-Type: multipart/signed; micalg=pgp-sha256;\r\n"
            f" protocol=\"application/pgp-signature\"; boundary=\"{boundary}\"\r\n\r\n"
            f"This is an OpenPGP/MIME signed message\r\n--{boundary}\r\n{part}\r\n--{boundary}\r\n"
            f"Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
            f"Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n{crlf(sig)}\r\n"
            f"--{boundary}--\r\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    g = Gpg()
    seeds = {}
    plain = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + TEXT
    seeds["pgpmime_encrypted_signed.eml"] = HEAD.format(id=1, subject="...") + encrypted_mime(g, plain)

    protected = ("Content-Type: multipart/mixed; boundary=\"inner\"; protected-headers=\"v1\"\r\n"
                 "Subject: [EMST-2026-0001] Heap overflow in parser\r\nFrom: Fuzz Member <member@fuzz.example>\r\n\r\n"
                 "--inner\r\nContent-Type: text/rfc822-headers; protected-headers=\"v1\"\r\n"
                 "Content-Disposition: inline\r\n\r\nSubject: [EMST-2026-0001] Heap overflow in parser\r\n\r\n"
                 "--inner\r\n" + plain + "\r\n--inner\r\nContent-Type: text/x-python; name=\"poc.py\"\r\n"
                 "Content-Disposition: attachment; filename=\"poc.py\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                 "cHJpbnQoJ3BvYycpCg==\r\n--inner--\r\n")
    seeds["pgpmime_protected_headers.eml"] = HEAD.format(id=2, subject="...") + encrypted_mime(g, protected)

    signed_part = ("Content-Type: multipart/mixed; boundary=\"sp\"; protected-headers=\"v1\"\r\n"
                   "Subject: [EMST-2026-0002] signed subject\r\n\r\n--sp\r\n" + plain + "\r\n--sp--")
    seeds["pgpmime_signed.eml"] = HEAD.format(id=3, subject="[EMST-2026-0002] signed subject") + signed_mime(g, signed_part)
    seeds["pgpmime_signed_bad.eml"] = HEAD.format(id=4, subject="Re: [EMST-2026-0002] x") + signed_mime(g, plain, tamper=True)
    seeds["pgpmime_signed_in_encrypted.eml"] = HEAD.format(id=5, subject="...") + encrypted_mime(
        g, signed_mime(g, plain, boundary="in-sig"))

    seeds["inline_encrypted.eml"] = (HEAD.format(id=6, subject="Re: report") + "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
                                     "Hello,\r\n\r\n" + crlf(g.encrypt(TEXT)) + "\r\nBye\r\n")
    seeds["inline_clearsigned.eml"] = (HEAD.format(id=7, subject="Re: [EMST-2026-0001] x") +
                                       "Content-Type: text/plain; charset=utf-8\r\n\r\n" + crlf(g.clearsign("/fixed\n- dashed\n/pr https://x.example/1\n")))
    seeds["inline_signed_message.eml"] = (HEAD.format(id=8, subject="x") + "Content-Type: text/plain\r\n\r\n" +
                                          crlf(g.sign_inline("/organized\n")))
    html_block = g.encrypt(TEXT).replace("\n", "<br>\n&nbsp;")
    seeds["inline_html.eml"] = (HEAD.format(id=9, subject="html") + "Content-Type: text/html; charset=utf-8\r\n\r\n"
                                "<html><body><div>" + crlf(html_block) + "</div></body></html>\r\n")
    seeds["attachment_asc.eml"] = (HEAD.format(id=10, subject="report") + "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
                                   "--m\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--m\r\n"
                                   "Content-Type: application/octet-stream; name=\"report.txt.asc\"\r\n"
                                   "Content-Disposition: attachment; filename=\"report.txt.asc\"\r\n\r\n" +
                                   crlf(g.encrypt(TEXT)) + "\r\n--m--\r\n")
    import base64
    binary = g.run(["--encrypt", "-r", TEAM, "--sign", "-u", MEMBER], TEXT.encode())
    b64 = "\r\n".join(base64.b64encode(binary).decode()[i:i + 76] for i in range(0, len(base64.b64encode(binary)), 76))
    seeds["attachment_gpg_binary.eml"] = (HEAD.format(id=11, subject="report") + "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
                                          "--m\r\nContent-Type: application/pgp-encrypted; name=\"r.pgp\"\r\n"
                                          "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"r.pgp\"\r\n\r\n" +
                                          b64 + "\r\n--m--\r\n")
    seeds["exchange_mangled.eml"] = (HEAD.format(id=12, subject="...") + "Content-Type: multipart/mixed; boundary=x\r\n\r\n"
                                     "--x\r\nContent-Type: text/plain\r\n\r\n\r\n--x\r\nContent-Type: application/pgp-encrypted\r\n"
                                     "Content-Disposition: attachment\r\n\r\nVersion: 1\r\n--x\r\nContent-Type: application/octet-stream; name=encrypted.asc\r\n"
                                     "Content-Disposition: attachment; filename=encrypted.asc\r\n\r\n" + crlf(g.encrypt(plain)) + "\r\n--x--\r\n")
    seeds["pgp_keys_attached.eml"] = (HEAD.format(id=13, subject="my key") + "Content-Type: multipart/mixed; boundary=k\r\n\r\n"
                                      "--k\r\nContent-Type: text/plain\r\n\r\nmy key\r\n--k\r\nContent-Type: application/pgp-keys; name=\"key.asc\"\r\n"
                                      "Content-Disposition: attachment; filename=\"key.asc\"\r\n\r\n" + crlf(g.export(g.stranger)) +
                                      "\r\n--k--\r\n")
    seeds["undecryptable.eml"] = HEAD.format(id=14, subject="...") + (
        "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=u\r\n\r\n"
        "--u\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--u\r\n"
        "Content-Type: application/octet-stream\r\n\r\n" + crlf(g.encrypt(TEXT, to=g.stranger, sign=False)) +
        "\r\n--u--\r\n")
    seeds["nested_encrypted.eml"] = HEAD.format(id=15, subject="...") + encrypted_mime(
        g, HEAD.format(id=16, subject="inner") + encrypted_mime(g, plain, boundary="in"))
    for name, text in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(text.encode("latin-1") if isinstance(text, str) else text)
    g.close()
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
