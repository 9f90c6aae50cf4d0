#!/usr/bin/env python3
"""Fault injection for tests: a gpg-agent stand-in on a GnuPG home's agent
socket that answers like gpg-agent (Assuan) but fails every PKDECRYPT with
the error it is given, as an agent killed mid-answer or one refusing a
session key does. Each PKDECRYPT is counted as a line in the count file.

usage: failing_gpg_agent.py SOCKET ERROR_CODE ERROR_TEXT COUNT_FILE
The socket is listened on before the script prints "ready" on stdout."""
import os
import socket
import sys
import threading


def serve(conn, code, text, count_file):
    conn.sendall(b"OK Pleased to meet you, process %d\n" % os.getpid())
    buf = b""
    while True:
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            cmd = line.split(b" ", 1)[0].upper()
            if cmd == b"BYE":
                conn.sendall(b"OK closing connection\n")
                return
            if cmd == b"GETINFO":
                what = line.split(b" ", 1)[1] if b" " in line else b""
                if what == b"version":
                    conn.sendall(b"D 2.2.40\nOK\n")
                elif what == b"pid":
                    conn.sendall(b"D %d\nOK\n" % os.getpid())
                else:
                    conn.sendall(b"OK\n")
            elif cmd == b"PKDECRYPT":
                with open(count_file, "a") as f:
                    f.write("PKDECRYPT\n")
                conn.sendall(b"ERR %d %s\n" % (code, text.encode()))
            else:
                conn.sendall(b"OK\n")


def main():
    path, code, text, count_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=lambda c=conn: (serve(c, code, text, count_file), c.close()),
                         daemon=True).start()


if __name__ == "__main__":
    main()
