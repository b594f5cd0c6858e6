#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A fake espota device (no password) that misbehaves after the
connect-back, for the integration tests (docs/protocol.md sections 2-4).
It answers the invitation "OK", connects back to the port it names and
then, by --behaviour:

  ok         takes the image, a count per read, then "OK" (a good device;
             also over IPv6)
  dribble    takes and acknowledges the whole image, then never says OK:
             a line end every --every seconds
  recount    the same, repeating its last count instead
  trickle    takes one byte every --every seconds and acknowledges each
  early-ok   takes --early bytes, acknowledges them, says "OK", closes

It serves --uploads uploads (default 1), then exits 0; it prints "ready"
once listening and, per upload, "took N bytes" on stdout. It gives up
(exit 1) after --timeout seconds without an invitation; any upload ends
after --timeout seconds at most, or when the host closes.
"""
import argparse
import socket
import sys
import time


def log(msg):
    sys.stderr.write("fake device: " + msg + "\n")
    sys.stderr.flush()


def serve_one(a, dev, family):
    try:
        data, host = dev.recvfrom(512)
    except socket.timeout:
        log("no invitation")
        return False
    fields = data.decode().split()
    tcp_port, size = int(fields[1]), int(fields[2])
    log("invitation %r from %r" % (data, host))
    dev.sendto(b"OK", host)
    conn = socket.socket(family, socket.SOCK_STREAM)
    conn.settimeout(a.timeout)
    conn.bind((a.addr, 0))
    conn.connect((host[0], tcp_port))
    end = time.monotonic() + a.timeout
    got = 0
    try:
        want = size
        if a.behaviour == "early-ok":
            want = a.early
        while got < want:
            n = 1 if a.behaviour == "trickle" else min(4096, want - got)
            chunk = conn.recv(n)
            if not chunk:
                log("closed by the host after %d of %d bytes" % (got, size))
                break
            got += len(chunk)
            conn.sendall(str(len(chunk)).encode())
            if a.behaviour == "trickle":
                time.sleep(a.every)
                if time.monotonic() > end:
                    break
        else:
            if a.behaviour in ("ok", "early-ok"):
                time.sleep(0.1)
                conn.sendall(b"OK")
            elif a.behaviour in ("dribble", "recount"):
                last = str(len(chunk)).encode()
                while time.monotonic() < end:
                    time.sleep(a.every)
                    conn.sendall(b"\n" if a.behaviour == "dribble"
                                 else last)
    except OSError as e:
        log("connection ended: %s" % e)
    print("took %d bytes" % got, flush=True)
    conn.close()
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, default=8266)
    ap.add_argument("--behaviour", default="ok",
                    choices=["ok", "dribble", "recount", "trickle",
                             "early-ok"])
    ap.add_argument("--every", type=float, default=0.5)
    ap.add_argument("--early", type=int, default=1000)
    ap.add_argument("--uploads", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    dev = socket.socket(family, socket.SOCK_DGRAM)
    dev.bind((a.addr, a.port))
    dev.settimeout(a.timeout)
    print("ready", flush=True)
    for _ in range(a.uploads):
        if not serve_one(a, dev, family):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
