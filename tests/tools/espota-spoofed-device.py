#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A fake espota device (no password) with an attacker beside it, for the
integration tests: when the host's invitation comes, forged refusals
("ERR: ...") reach the host first, from the device's address but another
UDP port, and (with --spoof-addr) from another address with the device's
port; then the device answers "OK" from its own socket, connects back,
takes the image and says "OK" (docs/protocol.md sections 2 and 4).

A host that believes any forged datagram fails the upload; one that
checks the address and the port of every datagram updates the device.
One upload, then exit 0; exit 1 after --timeout seconds without one.
"""
import argparse
import socket
import sys
import time


def log(msg):
    sys.stderr.write("fake device: " + msg + "\n")
    sys.stderr.flush()


def udp_socket(family, addr, port):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, port))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, default=8266)
    ap.add_argument("--spoof-port", type=int, required=True,
                    help="another UDP port of the device's address")
    ap.add_argument("--spoof-addr",
                    help="another address, sending from --port")
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET

    dev = udp_socket(family, a.addr, a.port)
    spoofers = [udp_socket(family, a.addr, a.spoof_port)]
    if a.spoof_addr:
        spoofers.append(udp_socket(family, a.spoof_addr, a.port))
    dev.settimeout(a.timeout)
    print("ready", flush=True)
    try:
        data, host = dev.recvfrom(512)
    except socket.timeout:
        log("no invitation")
        return 1
    fields = data.decode().split()
    cmd, tcp_port, size = int(fields[0]), int(fields[1]), int(fields[2])
    log("invitation %r from %r" % (data, host))
    for s in spoofers:
        s.sendto(b"ERR: forged by %s:%d" % (s.getsockname()[0].encode(),
                                            s.getsockname()[1]), host)
    time.sleep(0.2)
    dev.sendto(b"OK", host)

    conn = socket.create_connection((host[0], tcp_port), timeout=a.timeout,
                                    source_address=(a.addr, 0))
    got = 0
    while got < size:
        chunk = conn.recv(min(4096, size - got))
        if not chunk:
            log("connection closed after %d of %d bytes" % (got, size))
            return 1
        got += len(chunk)
        conn.sendall(str(len(chunk)).encode())
    time.sleep(0.1)
    conn.sendall(b"OK")
    conn.close()
    log("took %d bytes (command %d)" % (got, cmd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
