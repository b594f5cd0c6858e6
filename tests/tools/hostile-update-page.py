#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A fake ESP8266HTTPUpdateServer /update page that misbehaves, for the
integration tests (docs/protocol.md section 7.2).

    hostile-update-page.py ADDR PORT BEHAVIOUR

BEHAVIOUR:
  endless   reads the whole POST, then answers 200 with a chunked body
            that never ends (a chunk every 0.5 s)
  trickle   reads the body one byte every 0.5 s (small receive buffer)
  early     reads 1000 bytes of the body, answers 200 "Update Success!
            Rebooting..." and closes

Listens on ADDR:PORT (loopback only), prints "ready" on stdout, serves one
request, prints "read N bytes of body" and exits 0; gives up after 60 s.
"""
import socket
import sys
import time


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    addr, port, behaviour = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if not addr.startswith("127."):
        print("loopback addresses only", file=sys.stderr)
        return 2
    end = time.monotonic() + 60
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    srv.bind((addr, port))
    srv.listen(4)
    srv.settimeout(60)
    print("ready", flush=True)
    conn, _ = srv.accept()
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return 1
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    want = 1000 if behaviour == "early" else length
    got = len(body)
    try:
        while got < want and time.monotonic() < end:
            chunk = conn.recv(1 if behaviour == "trickle" else
                              min(4096, want - got))
            if not chunk:
                break
            got += len(chunk)
            if behaviour == "trickle":
                time.sleep(0.5)
        if behaviour == "endless":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            while time.monotonic() < end:
                conn.sendall(b"1\r\n.\r\n")
                time.sleep(0.5)
        elif behaviour == "early":
            page = b"Update Success! Rebooting..."
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                         b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(page), page))
    except OSError as e:
        sys.stderr.write("fake page: %s\n" % e)
    print("read %d bytes of body" % got, flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
