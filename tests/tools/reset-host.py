#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A host that invites an espota device and resets the connection in the
middle of the upload (as a killed push does), for the integration tests.

    reset-host.py DEVICE PORT SRC IMAGE

Sends the espota invitation for IMAGE (no password) to DEVICE:PORT from
SRC, accepts the device's connect-back, sends the image as fast as the
device takes it, and once the device has acknowledged its first bytes
(one count) and at least 64 KiB more are on their way, closes with
SO_LINGER 0: a TCP reset while the device is still receiving. Prints
"reset after N bytes sent, first count C" and exits 0, or 1 with a
reason. Loopback addresses only; every wait is bounded (10 s).
"""
import hashlib
import socket
import struct
import sys
import time


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    device, port, src, path = argv[1], int(argv[2]), argv[3], argv[4]
    if not device.startswith("127.") or not src.startswith("127."):
        print("loopback addresses only", file=sys.stderr)
        return 2
    image = open(path, "rb").read()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((src, 0))
    listener.listen(1)
    listener.settimeout(10)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((src, 0))
    udp.settimeout(2)
    invitation = "0 %d %d %s\n" % (listener.getsockname()[1], len(image),
                                   hashlib.md5(image).hexdigest())
    for _ in range(5):
        udp.sendto(invitation.encode(), (device, port))
        try:
            answer, _ = udp.recvfrom(256)
            break
        except socket.timeout:
            continue
    else:
        print("no answer to the invitation", file=sys.stderr)
        return 1
    if not answer.startswith(b"OK"):
        print("device answered %r" % answer, file=sys.stderr)
        return 1
    conn, _ = listener.accept()
    conn.settimeout(10)
    sent = 0
    first = b""
    deadline = time.monotonic() + 10
    conn.setblocking(False)
    while time.monotonic() < deadline:
        if sent < len(image):
            try:
                sent += conn.send(image[sent:sent + 16384])
            except BlockingIOError:
                pass
        try:
            first += conn.recv(64)
        except BlockingIOError:
            pass
        if first and sent - int(first.split(b"\n")[0][:5] or b"0") >= 65536:
            break
        if sent >= len(image) and first:
            break
        time.sleep(0.001)
    if not first:
        print("no count from the device after %d bytes" % sent,
              file=sys.stderr)
        return 1
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    conn.close()
    print("reset after %d bytes sent, first count %s" %
          (sent, first.decode(errors="replace")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
