#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A log store written from docs/logd.md alone, by an implementation that
shares no code with rempart-logd (Python hmac/hashlib and cryptography's
AESGCM): file 0 with three entries and a seal, sealed with K[0] = 00..1f.

Its output is committed as the fuzz seeds tests/fuzz/corpus/logd_file/
(sealed-store, plain-store, state; first byte = the fuzzer's mode), and
tests/host/logd.sh checks that rempart-logverify accepts the sealed one, so
the format and the sealing are checked against the documentation, not only
against themselves. Needs python3-cryptography.

Usage: tests/lib/logd-ref-store.py OUT_DIR   (prints the verification key)
"""
import hashlib
import hmac
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

STORE_ID = bytes.fromhex("c017265d30b0065ba0f7a71d6e7cb211")
MACHINE_ID = bytes.fromhex("0123456789abcdef0123456789abcdef")
K0 = bytes(range(32))
VKEY = "rlvk1-%s-%s-%s" % (STORE_ID.hex(), MACHINE_ID.hex(), K0.hex())


def mac_key(k, epoch):
    """M[i] = HMAC-SHA256(K[i], "rempart-logd gmac v2" || store_id || machine_id || le64(i))"""
    msg = b"rempart-logd gmac v2" + STORE_ID + MACHINE_ID + struct.pack("<Q", epoch)
    return hmac.new(k, msg, hashlib.sha256).digest()


def gmac(key, nonce, data):
    """AES-256-GCM, no plaintext, data as additional data, IV = le64(nonce) || le32(0)."""
    return AESGCM(key).encrypt(struct.pack("<Q", nonce) + bytes(4), b"", data)


def store(plain):
    m = mac_key(K0, 0)
    nonce = 0 if plain else 1
    head = b"RMPLOG\0\1" + struct.pack("<II", 2, 1 if plain else 0) + STORE_ID + MACHINE_ID
    head += struct.pack("<QQQQQQ", 0, 0, 1, 0, 0, 1700000000000000)  # file, epoch, first_seq, ...
    tip = bytes(16)
    head += tip + struct.pack("<QQ", nonce, 0)
    head += bytes(16) if plain else gmac(m, nonce, head)
    head += bytes(16)
    assert len(head) == 160
    out, seq = head, 0

    def record(rtype, payload, realtime):
        nonlocal out, tip, nonce
        if not plain:
            nonce += 1
        rec = struct.pack("<HHIQQQQ", rtype, 0, len(payload), seq, 0, realtime, nonce) + payload
        tag = bytes(16) if plain else gmac(m, nonce, tip + rec)
        out += rec + tag
        tip = tag

    for i, msg in enumerate([b"Accepted publickey for root", b"session opened", b"x" * 40]):
        seq += 1
        record(1, bytes([6, 4, 4, 0]) + struct.pack("<I", 1000 + i) + b"sshd" + msg, 1700000000000001 + i)
    record(2, struct.pack("<QQ", 1, seq), 1700000000000009)  # seal: next epoch 1, 3 entries
    return out


def state_slot(generation):
    sid = bytes.fromhex("ebae6a2579e6372de61d9e32dd3a0709")
    b = b"RMPLSTA1" + struct.pack("<II", 2, 0) + sid + MACHINE_ID + struct.pack("<Q", 3) + K0
    b += struct.pack("<QQQ", 0, 160, 0) + bytes(16)  # anchor: file, offset, seq, tip
    b += struct.pack("<QQQQQ", 1 << 24, 0, 0, generation, 0)  # nonce_limit, -, retained_from, generation, -
    assert len(b) == 168
    return b + hashlib.sha256(b).digest()[:8]


def main():
    out = sys.argv[1]
    with open(out + "/sealed-store", "wb") as f:
        f.write(b"\0" + store(False))
    with open(out + "/plain-store", "wb") as f:
        f.write(b"\1" + store(True))
    with open(out + "/state", "wb") as f:
        f.write(b"\0" + state_slot(2) + state_slot(1))
    print(VKEY)


if __name__ == "__main__":
    main()
