#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Cross-host resumption through Python's ssl (OpenSSL): a session taken
from one host is offered to another.  Used by selftests/ktix_fleet.sh and
bench/fleet.sh.

crosshost.py --each [--port P] HOST...
    every ordered pair of hosts once, TLS 1.2 and TLS 1.3; a line per
    session not resumed; exit status 1 if any.
crosshost.py --seconds S [--port P] [--clients N] HOST...
    N clients (3) for S seconds, each taking a session from one host and
    offering it to the next in turn, TLS 1.2 and 1.3 alternately; a line
    per miss and per error, then "RESUMPTIONS MISSES ERRORS".

A page counts only if its body holds --marker (ktix-serve's page by
default).
"""
import argparse
import socket
import ssl
import sys
import threading
import time

REQ = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def context(tls12):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def get(args, ctx, host, session=None):
    """One page: (session, resumed, the page was right)."""
    with socket.create_connection((host, args.port), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost",
                             session=session) as s:
            s.sendall(REQ)
            body = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                body += d
            return s.session, s.session_reused, args.marker in body


def each(args):
    bad = 0
    for a in args.hosts:
        for b in args.hosts:
            if a == b:
                continue
            for tls12 in (True, False):
                ctx = context(tls12)
                sess, _, _ = get(args, ctx, a)
                _, reused, ok = get(args, ctx, b, sess)
                if not (reused and ok):
                    print("TLS %s session from %s not resumed on %s" %
                          ("1.2" if tls12 else "1.3", a, b))
                    bad += 1
    return 1 if bad else 0


def load(args):
    st = {"n": 0, "miss": 0, "err": 0}
    lock = threading.Lock()
    hosts = args.hosts

    def client(k):
        end, i = time.time() + args.seconds, k
        while time.time() < end:
            tls12 = i % 2 == 1
            ctx = context(tls12)
            a, b = hosts[i % len(hosts)], hosts[(i + 1) % len(hosts)]
            i += 1
            try:
                sess, _, ok1 = get(args, ctx, a)
                _, reused, ok2 = get(args, ctx, b, sess)
            except (OSError, ssl.SSLError) as e:
                with lock:
                    st["err"] += 1
                print("error %s -> %s: %s" % (a, b, e), flush=True)
                continue
            with lock:
                st["n"] += 1
                if not (reused and ok1 and ok2):
                    st["miss"] += 1
                    print("miss %s -> %s at %.1f (TLS %s)" %
                          (a, b, time.time(), "1.2" if tls12 else "1.3"),
                          flush=True)

    threads = [threading.Thread(target=client, args=(k,))
               for k in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("%d %d %d" % (st["n"], st["miss"], st["err"]))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--each", action="store_true")
    p.add_argument("--seconds", type=int)
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--clients", type=int, default=3)
    p.add_argument("--marker", default="hello from ktix-serve")
    p.add_argument("hosts", nargs="+")
    args = p.parse_args()
    args.marker = args.marker.encode()
    if args.each == (args.seconds is not None):
        p.error("one of --each and --seconds")
    return each(args) if args.each else load(args)


if __name__ == "__main__":
    sys.exit(main())
