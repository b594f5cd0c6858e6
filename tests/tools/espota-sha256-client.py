#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small espota uploader that behaves like the ESP32 Arduino core's
espota.py from version 3.3.1 on, for the integration tests. Written from
docs/protocol.md sections 2-4 (espota invitation, PBKDF2-HMAC-SHA256
authentication of section 3.2 and its negotiation of section 3.3, the
stop-and-wait transfer of section 4.2); it contains no upstream code.

What it does, in the order of the protocol:
  * listens on a TCP port (-P, default: one the system picks);
  * sends the invitation "0 <port> <size> <md5>\\n" from a new UDP socket
    per try (up to 10 tries, -t seconds each) and reads the answer;
  * "OK" -> no password; "AUTH <nonce>": 64 hex characters -> PBKDF2 scheme
    with pw_key = SHA256(password) (on rejection: a fresh invitation and the
    MD5 pw_key, as the 3.3.1+ tool does; -m goes straight to the MD5 key);
    32 hex characters -> the legacy MD5 scheme;
  * sends "200 <cnonce> <response>\\n" from a NEW UDP socket and waits for
    the answer on that socket;
  * accepts the device's connection (10 s) and sends 1024-byte chunks, each
    followed by a wait (10 s) for the device's count;
  * succeeds only if the device says "OK"; error text or a closed
    connection without "OK" is a failure (unlike the upstream tool).
--cut-after N stops after the device counted the first N bytes and closes
the connection, as a link lost in the middle of an upload (exit status 1).
Exit status: 0 success, 1 failure, 2 usage error.
--self-test checks the auth formulas against docs/protocol.md's vectors.
"""
import argparse
import hashlib
import os
import socket
import sys

FLASH, SPIFFS, AUTH = 0, 100, 200
CHUNK = 1024
PBKDF2_ITERATIONS = 10000


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def sha256_hex(text):
    return hashlib.sha256(text.encode()).hexdigest()


def md5_hex(text):
    return hashlib.md5(text.encode()).hexdigest()


def pbkdf2_response(pw_key, nonce, cnonce):
    """docs/protocol.md 3.2: dk = PBKDF2-HMAC-SHA256(pw_key, nonce:cnonce,
    10000, 32); response = SHA256(hex(dk):nonce:cnonce)."""
    salt = (nonce + ":" + cnonce).encode()
    dk = hashlib.pbkdf2_hmac("sha256", pw_key.encode(), salt,
                             PBKDF2_ITERATIONS, 32).hex()
    return sha256_hex(dk + ":" + nonce + ":" + cnonce)


def legacy_response(password, nonce, cnonce):
    """docs/protocol.md 3.1: MD5(MD5(password):nonce:cnonce)."""
    return md5_hex(md5_hex(password) + ":" + nonce + ":" + cnonce)


def self_test():
    vectors = [
        ("a-real-password", "ab" * 32, "cd" * 32, "sha256",
         "4d63ba8b1efa8949a0c5caefe7e8bc77db582e5531bdf2667c663394b4551b93"),
        ("admin", "0123456789abcdef" * 4, "fedcba9876543210" * 4, "sha256",
         "f2c591596d5b9942c3f15cb8290866f4676fc5eec1bba3b040a91f92474fa114"),
        ("admin", "0123456789abcdef" * 4, "fedcba9876543210" * 4, "md5key",
         "506e9a94cc2374adf7c4f8480beb70ff1a7921bc09681d36b6280b41c004f4d7"),
        ("admin", "0123456789abcdef" * 2, "fedcba9876543210" * 2, "legacy",
         "199cd366606a4c7b55e82b1277ecd8ec"),
    ]
    bad = 0
    for password, nonce, cnonce, kind, want in vectors:
        if kind == "sha256":
            got = pbkdf2_response(sha256_hex(password), nonce, cnonce)
        elif kind == "md5key":
            got = pbkdf2_response(md5_hex(password), nonce, cnonce)
        else:
            got = legacy_response(password, nonce, cnonce)
        if got != want:
            log("self-test %s/%s: got %s, want %s" % (password, kind, got,
                                                       want))
            bad += 1
    log("self-test: %s" % ("FAILED" if bad else "ok"))
    return 1 if bad else 0


def udp_exchange(dest, message, timeout, size):
    """Send message from a new UDP socket, return its answer or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(message.encode(), dest)
        return s.recv(size).decode(errors="replace")
    except (socket.timeout, OSError):
        return None
    finally:
        s.close()


def invite(dest, message, timeout):
    for _ in range(10):
        answer = udp_exchange(dest, message, timeout, 69)
        if answer is not None:
            return answer
        sys.stderr.write(".")
    return None


def authenticate(opts, dest, invitation, answer, size, file_md5):
    """Answer the device's challenge; True once it says OK."""
    md5_key = opts.md5_target
    while True:
        if answer == "OK":
            return True
        if not answer.startswith("AUTH "):
            log("Bad answer: %s" % answer)
            return False
        nonce = answer.split()[1]
        cnonce_text = "%s%u%s%s" % (opts.file, size, file_md5, opts.ip)
        if len(nonce) == 64:
            pw_key = (md5_hex if md5_key else sha256_hex)(opts.auth)
            cnonce = sha256_hex(cnonce_text)
            response = pbkdf2_response(pw_key, nonce, cnonce)
        elif len(nonce) == 32:
            cnonce = md5_hex(cnonce_text)
            response = legacy_response(opts.auth, nonce, cnonce)
        else:
            log("Unsupported nonce length %d" % len(nonce))
            return False
        sys.stderr.write("Authenticating...")
        reply = udp_exchange(dest, "%d %s %s\n" % (AUTH, cnonce, response),
                             10, 64)
        if reply == "OK":
            log("OK")
            return True
        log("FAIL (%s)" % ("no answer" if reply is None else reply))
        if len(nonce) != 64 or md5_key:
            return False
        # a 3.3.1+ device whose sketch stores an MD5 password hash: a new
        # invitation (the device is idle again) and the MD5 pw_key
        md5_key = True
        answer = invite(dest, invitation, opts.timeout)
        if answer is None:
            log("No answer to the second invitation")
            return False


def transfer(conn, data, cut_after=None):
    """Stop-and-wait: 1024 bytes, then the device's count. True on OK.
    With cut_after, False once that many bytes were counted."""
    replies = ""
    conn.settimeout(10)
    for off in range(0, len(data), CHUNK):
        if cut_after is not None and off >= cut_after:
            log("Cut the connection after %d bytes, as asked" % cut_after)
            return False
        end = off + CHUNK
        if cut_after is not None:
            end = min(end, cut_after)
        try:
            conn.sendall(data[off:end])
            got = conn.recv(10)
        except OSError as e:
            log("Error uploading: %s" % e)
            return False
        if not got:
            log("Connection closed after %d bytes: %s" % (off, replies))
            return False
        replies += got.decode(errors="replace")
        if "OK" in replies and off + CHUNK >= len(data):
            return True
        if any(c.isalpha() and c not in "OK" for c in replies):
            break  # error text
    conn.settimeout(60)
    while "OK" not in replies:
        if any(c.isalpha() and c not in "OK" for c in replies) and \
                replies.endswith("\n"):
            break
        try:
            got = conn.recv(64)
        except OSError as e:
            log("No result: %s" % e)
            return False
        if not got:
            break
        replies += got.decode(errors="replace")
    if "OK" in replies:
        return True
    log("Device reported: %s" % replies.lstrip("0123456789").strip())
    return False


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-i", "--ip")
    p.add_argument("-I", "--host_ip", default="0.0.0.0")
    p.add_argument("-p", "--port", type=int, default=3232)
    p.add_argument("-P", "--host_port", type=int, default=0)
    p.add_argument("-a", "--auth", default="")
    p.add_argument("-f", "--file")
    p.add_argument("-s", "--spiffs", action="store_true")
    p.add_argument("-m", "--md5-target", action="store_true")
    p.add_argument("-t", "--timeout", type=float, default=10)
    p.add_argument("--cut-after", type=int, metavar="N")
    p.add_argument("--self-test", action="store_true")
    opts = p.parse_args(argv)
    if opts.self_test:
        return self_test()
    if not opts.ip or not opts.file:
        log("Not enough arguments.")
        return 2
    if opts.cut_after is not None and opts.cut_after <= 0:
        log("--cut-after needs a positive byte count")
        return 2

    with open(opts.file, "rb") as f:
        data = f.read()
    size = len(data)
    file_md5 = hashlib.md5(data).hexdigest()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((opts.host_ip, opts.host_port))
        listener.listen(1)
    except OSError as e:
        log("Listen Failed: %s" % e)
        return 1
    host_port = listener.getsockname()[1]
    dest = (opts.ip, opts.port)
    invitation = "%d %d %d %s\n" % (SPIFFS if opts.spiffs else FLASH,
                                    host_port, size, file_md5)
    log("Sending invitation to %s" % opts.ip)
    answer = invite(dest, invitation, opts.timeout)
    if answer is None:
        log("No response from the ESP")
        return 1
    if not authenticate(opts, dest, invitation, answer, size, file_md5):
        return 1
    listener.settimeout(10)
    try:
        conn, _ = listener.accept()
    except OSError:
        log("No response from device")
        return 1
    finally:
        listener.close()
    try:
        ok = transfer(conn, data, opts.cut_after)
    finally:
        conn.close()
    log("Result: %s" % ("OK" if ok else "failed"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
