#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Misbehaving HTTP clients for the integration tests of espfleet serve,
from one loopback source address each.

    slow-clients.py idle SRC HOST PORT N SECONDS
        Open N connections from SRC to HOST:PORT and send nothing. Prints
        "open N" once all are connected, then after SECONDS (or when every
        one was closed) "closed C of N": how many the server closed.
    slow-clients.py slowloris SRC HOST PORT INTERVAL SECONDS
        One connection that sends a request line and headers one byte
        every INTERVAL seconds, never finishing. Prints "closed after T s"
        when the server closes it (exit 0), or "open after SECONDS s"
        (exit 1).

Loopback addresses only. Exit status 2 on a usage error.
"""
import resource
import select
import socket
import sys
import time


def connect(src, host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(10)
    s.connect((host, port))
    s.setblocking(False)
    return s


def closed_by_peer(s):
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except ConnectionError:
        return True


def idle(src, host, port, n, seconds):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    conns = [connect(src, host, port) for _ in range(n)]
    print("open %d" % n, flush=True)
    closed = set()
    deadline = time.monotonic() + seconds
    poller = select.poll()
    for s in conns:
        poller.register(s, select.POLLIN)
    by_fd = {s.fileno(): s for s in conns}
    while len(closed) < n and time.monotonic() < deadline:
        for fd, _ in poller.poll(200):
            if fd in closed:
                continue
            if closed_by_peer(by_fd[fd]):
                closed.add(fd)
                poller.unregister(fd)
    print("closed %d of %d" % (len(closed), n), flush=True)
    for s in conns:
        s.close()
    return 0


def slowloris(src, host, port, interval, seconds):
    request = (b"GET /fw.bin HTTP/1.1\r\nHost: %s\r\n"
               b"User-Agent: ESP8266-http-Update\r\n" % host.encode()) * 50
    s = connect(src, host, port)
    start = time.monotonic()
    for i in range(len(request)):
        try:
            s.send(request[i:i + 1])
        except (BrokenPipeError, ConnectionError):
            break
        until = time.monotonic() + interval
        while time.monotonic() < until:
            r, _, _ = select.select([s], [], [], until - time.monotonic())
            if r and closed_by_peer(s):
                print("closed after %.1f s" % (time.monotonic() - start),
                      flush=True)
                return 0
        if time.monotonic() - start > seconds:
            break
    if closed_by_peer(s):
        print("closed after %.1f s" % (time.monotonic() - start), flush=True)
        return 0
    print("open after %.0f s" % (time.monotonic() - start), flush=True)
    return 1


def main(argv):
    if len(argv) != 7 or argv[1] not in ("idle", "slowloris"):
        print(__doc__, file=sys.stderr)
        return 2
    src, host, port = argv[2], argv[3], int(argv[4])
    if not src.startswith("127.") or not host.startswith("127."):
        print("loopback addresses only", file=sys.stderr)
        return 2
    if argv[1] == "idle":
        return idle(src, host, port, int(argv[5]), float(argv[6]))
    return slowloris(src, host, port, float(argv[5]), float(argv[6]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
