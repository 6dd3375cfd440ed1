#!/usr/bin/env python3
"""Independent verifier of a Coffre audit log, written from docs/audit-format.md.

Usage: verify_audit.py VAULT_DIR [--since CHECKPOINT_FILE]

Checks every line (canonical prefix, sequence, link to the previous leaf), every
checkpoint (signature with the key it carries, vault id, sizes never decreasing, the
Merkle root at its size) and, with --since, that the log extends that checkpoint.
It trusts the keys inside the checkpoints; Coffre itself also checks them against
its staff records. Needs Python 3 and the `cryptography` package.
Exit status: 0 valid, 5 invalid, 2 usage.
"""
import hashlib
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PREFIX = re.compile(rb'^\{"v":2,"seq":(0|[1-9][0-9]*),"prev":"([0-9a-f]{64})"')


def leaf(b):
    return hashlib.sha256(b"\x00" + b).digest()


def node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def root_of(leaves):
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node(root_of(leaves[:k]), root_of(leaves[k:]))


def parse_checkpoints(text):
    lines = [l for l in text.split("\n") if l.strip()]
    if len(lines) % 8:
        fail("checkpoint file truncated")
    out = []
    for i in range(0, len(lines), 8):
        c = lines[i:i + 8]
        names = ["coffre-checkpoint/v1", "vault", "size", "root", "time", "signer", "key", "sig"]
        if c[0] != names[0] or any(not c[j].startswith(names[j] + " ") for j in range(1, 8)):
            fail(f"checkpoint #{i // 8 + 1} is malformed")
        f = {names[j]: c[j][len(names[j]) + 1:] for j in range(1, 8)}
        body = "".join(l + "\n" for l in c[:7]).encode()
        out.append((f, body))
    return out


def fail(msg):
    print("INVALID: " + msg)
    sys.exit(5)


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        sys.exit(2)
    vault = args[0]
    since = None
    if len(args) == 3 and args[1] == "--since":
        since = parse_checkpoints(open(args[2]).read())[0]
    with open(vault + "/checkpoints.log") as f:
        cps = parse_checkpoints(f.read())
    if not cps:
        fail("no checkpoint")
    vault_id = cps[0][0]["vault"]
    for i, (f, body) in enumerate(cps + ([since] if since else [])):
        if f["vault"] != vault_id:
            fail(f"checkpoint #{i + 1} is for another vault")
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(f["key"])).verify(bytes.fromhex(f["sig"]), body)
        except (InvalidSignature, ValueError):
            fail(f"checkpoint #{i + 1} has an invalid signature")
    sizes = [int(f["size"]) for f, _ in cps]
    if sizes != sorted(sizes):
        fail("checkpoint sizes go back")
    prev = hashlib.sha256(b"coffre/audit/genesis\n" + vault_id.encode()).digest()
    leaves = []
    with open(vault + "/audit.log", "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        fail("the last line is incomplete")
    for n, line in enumerate(data.split(b"\n")[:-1], start=1):
        m = PREFIX.match(line)
        if not m:
            fail(f"line {n} is not a version-2 entry")
        if int(m.group(1)) != n:
            fail(f"line {n} has number {m.group(1).decode()}")
        if bytes.fromhex(m.group(2).decode()) != prev:
            fail(f"entry {n} does not link to entry {n - 1}")
        prev = leaf(line)
        leaves.append(prev)
    for i, (f, _) in enumerate(cps):
        size = int(f["size"])
        if size > len(leaves):
            fail(f"checkpoint #{i + 1} covers {size} entries, the log has {len(leaves)}")
        if root_of(leaves[:size]).hex() != f["root"]:
            fail(f"entries up to {size} do not match checkpoint #{i + 1}")
    if since:
        size = int(since[0]["size"])
        if size > len(leaves) or root_of(leaves[:size]).hex() != since[0]["root"]:
            fail("the log does not extend the given checkpoint")
    print(f"valid: {len(leaves)} entries, {len(cps)} checkpoints, root {root_of(leaves).hex()}")


if __name__ == "__main__":
    main()
