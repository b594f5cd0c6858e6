#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print the TXT record of one mDNS service instance, without avahi: for
tests that run a device in a network namespace of their own (only lo),
where no avahi-daemon runs.

  mdns-txt.py [-t SECONDS] INSTANCE [SERVICE]

asks for the TXT record of INSTANCE.SERVICE.local (SERVICE: _arduino._tcp)
as an mDNS querier does (RFC 6762: from port 5353 to 224.0.0.251, the
answer comes back by multicast), again every 0.5 s until an answer arrives
(a responder answers only once it has probed its names), and prints each
item of the first answer as a line "key=value". Written from RFC 1035 and
RFC 6762/6763; standard library only.
Exit status: 0 answered, 1 no answer in time, 2 usage error.
"""
import argparse
import socket
import struct
import sys
import time

MDNS_GROUP = "224.0.0.251"
MDNS_PORT = 5353
TYPE_TXT = 16
CLASS_IN = 1


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode()
        if not 0 < len(raw) < 64:
            raise ValueError("bad label in %r" % name)
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def read_name(msg, off):
    """The name at off (with compression); (name, offset after it)."""
    labels, end, hops = [], None, 0
    while True:
        if off >= len(msg):
            raise ValueError("name past the end")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg) or hops > 32:
                raise ValueError("bad compression pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            hops += 1
        elif n == 0:
            return ".".join(labels), (end if end is not None else off + 1)
        else:
            labels.append(msg[off + 1:off + 1 + n].decode(errors="replace"))
            off += 1 + n


def txt_items(msg, want):
    """The TXT strings for the name want in a response, or None."""
    if len(msg) < 12:
        return None
    _, flags, qd, an, ns, ar = struct.unpack(">6H", msg[:12])
    if not flags & 0x8000:
        return None  # a query, not a response
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    for _ in range(an + ns + ar):
        name, off = read_name(msg, off)
        if off + 10 > len(msg):
            raise ValueError("record past the end")
        rtype, rclass, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        off += rdlen
        if (rtype == TYPE_TXT and rclass & 0x7FFF == CLASS_IN and
                name.lower() == want.lower()):
            items, i = [], 0
            while i < len(rdata):
                n = rdata[i]
                items.append(rdata[i + 1:i + 1 + n].decode(errors="replace"))
                i += 1 + n
            return items
    return None


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-t", "--timeout", type=float, default=10)
    p.add_argument("instance")
    p.add_argument("service", nargs="?", default="_arduino._tcp")
    opts = p.parse_args(argv)
    want = "%s.%s.local" % (opts.instance, opts.service)
    try:
        query = (struct.pack(">6H", 0, 0, 1, 0, 0, 0) + encode_name(want) +
                 struct.pack(">HH", TYPE_TXT, CLASS_IN))
    except ValueError as e:
        sys.stderr.write("mdns-txt: %s\n" % e)
        return 2

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("", MDNS_PORT))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(MDNS_GROUP) + socket.inet_aton("0.0.0.0"))
    deadline = time.monotonic() + opts.timeout
    next_query = 0.0
    while True:
        now = time.monotonic()
        if now >= deadline:
            sys.stderr.write("mdns-txt: no TXT record of %s in %g s\n" %
                             (want, opts.timeout))
            return 1
        if now >= next_query:
            s.sendto(query, (MDNS_GROUP, MDNS_PORT))
            next_query = now + 0.5
        s.settimeout(max(0.01, min(deadline, next_query) - now))
        try:
            msg = s.recv(9000)
        except socket.timeout:
            continue
        try:
            items = txt_items(msg, want)
        except ValueError:
            continue  # someone else's malformed packet
        if items is not None:
            for item in items:
                print(item)
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
