#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A fake ESP8266HTTPUpdateServer /update page that takes its upload
slowly, for the integration tests (a push that stays in flight long enough
for the test to change the image file under it).

    slow-update-page.py ADDR PORT RATE OUT

Listens on ADDR:PORT (loopback only) with a small receive buffer, prints
"ready" on stdout, answers one multipart POST: reads the body at about RATE
bytes a second, writes "SIZE MD5" of the first part's content (the
firmware) to OUT, and answers 200 "Update Success! Rebooting...". Gives up
after 60 s. Exit status 0 after one upload, 1 otherwise.
"""
import hashlib
import socket
import sys
import time


def read_headers(conn, deadline):
    data = b""
    while b"\r\n\r\n" not in data:
        if time.monotonic() > deadline:
            raise TimeoutError("no request headers")
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the headers")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, rest


def first_part(body, content_type):
    boundary = None
    for item in content_type.split(";"):
        item = item.strip()
        if item.startswith("boundary="):
            boundary = item[len("boundary="):].strip('"')
    if boundary is None:
        raise ValueError("no multipart boundary")
    delim = b"--" + boundary.encode()
    start = body.index(delim) + len(delim)
    start = body.index(b"\r\n\r\n", start) + 4
    end = body.index(b"\r\n" + delim, start)
    return body[start:end]


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    addr, port, rate, out = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), sys.argv[4]
    if not addr.startswith("127."):
        print("loopback addresses only", file=sys.stderr)
        return 2
    deadline = time.monotonic() + 60
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # inherited by the accepted socket: little is ever in flight
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    srv.bind((addr, port))
    srv.listen(4)
    srv.settimeout(60)
    print("ready", flush=True)
    conn, _ = srv.accept()
    conn.settimeout(30)
    request, headers, body = read_headers(conn, deadline)
    if not request.startswith("POST "):
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        return 1
    if headers.get("expect", "").lower() == "100-continue":
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    length = int(headers["content-length"])
    step = max(1, rate // 20)
    while len(body) < length:
        if time.monotonic() > deadline:
            return 1
        chunk = conn.recv(min(step, length - len(body)))
        if not chunk:
            return 1
        body += chunk
        time.sleep(len(chunk) / rate)
    firmware = first_part(body, headers.get("content-type", ""))
    with open(out, "w") as f:
        f.write("%d %s\n" % (len(firmware), hashlib.md5(firmware).hexdigest()))
    page = b"Update Success! Rebooting..."
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                 b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
                 % (len(page), page))
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
