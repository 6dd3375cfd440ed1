#!/usr/bin/env python3
"""Independent verifier of a Coffre audit log, written from docs/audit-format.md.

Usage: verify_audit.py VAULT_DIR [--since CHECKPOINT_FILE] [--keys KEYS_FILE]
                       [--vault-id ID]

Checks every line (canonical prefix, sequence, link to the previous leaf), every
checkpoint (C2SP signed note: origin = this vault's, sizes never decreasing, the
Merkle root at its size; or the earlier eight-line form) and, with --since, that the
log extends that checkpoint (Merkle root at its size).

Signatures are checked only with keys the verifier is GIVEN, never with a key found
in a checkpoint: see signer_keys(). KEYS_FILE holds one line per key,
"<staff id> <64 hex Ed25519 public key>" (a member may have several). Without it,
the signatures are not checked and the output says so. The vault id (for the link
of line 1) comes from --vault-id or an earlier-format checkpoint, else is not checked.
Needs Python 3 and the `cryptography` package.
Exit status: 0 valid, 5 invalid, 2 usage.
"""
import base64
import binascii
import hashlib
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PREFIX = re.compile(rb'^\{"v":2,"seq":(0|[1-9][0-9]*),"prev":"([0-9a-f]{64})"')
LEGACY = "coffre-checkpoint/v1"
LEGACY_FIELDS = ["vault", "size", "root", "time", "signer", "key", "sig"]
DASH = "\u2014 "


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


def fail(msg):
    print("INVALID: " + msg)
    sys.exit(5)


def key_id(name, public):
    """signed-note key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]


def parse_legacy(lines, what):
    if len(lines) != 8 or lines[0] != LEGACY or any(
        not lines[j + 1].startswith(f + " ") for j, f in enumerate(LEGACY_FIELDS)
    ):
        fail(f"{what} is malformed")
    f = {n: lines[j + 1][len(n) + 1:] for j, n in enumerate(LEGACY_FIELDS)}
    try:
        root = bytes.fromhex(f["root"])
        sig = bytes.fromhex(f["sig"])
        size = int(f["size"])
    except ValueError:
        fail(f"{what} is malformed")
    return {"form": "legacy", "vault": f["vault"], "size": size, "root": root,
            "signer": f["signer"], "time": f["time"],
            "text": "".join(l + "\n" for l in lines[:7]).encode(), "sig": sig}


def parse_note(note, what):
    """One C2SP signed note holding a tlog-checkpoint; `note` ends with its last
    signature line's newline."""
    if any(c < " " and c != "\n" for c in note):
        fail(f"{what} has control characters")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        fail(f"{what} is malformed (no signature lines)")
    body = text.split("\n")
    if len(body) < 3 or any(l == "" for l in body):
        fail(f"{what} is malformed (origin, size, root)")
    if not re.fullmatch(r"0|[1-9][0-9]*", body[1]):
        fail(f"{what} has a malformed tree size")
    try:
        root = base64.b64decode(body[2], validate=True)
    except binascii.Error:
        root = b""
    if len(root) != 32 or base64.b64encode(root).decode() != body[2]:
        fail(f"{what} has a malformed root hash")
    signatures = []
    for line in sigs[:-1].split("\n"):
        parts = line[len(DASH):].split(" ") if line.startswith(DASH) else []
        try:
            raw = base64.b64decode(parts[1], validate=True) if len(parts) == 2 else b""
        except binascii.Error:
            raw = b""
        if len(raw) < 5 or not parts[0] or "+" in parts[0]:
            fail(f"{what} has a malformed signature line")
        signatures.append((parts[0], raw[:4], raw[4:]))
    return {"form": "note", "origin": body[0], "size": int(body[1]), "root": root,
            "text": (text + "\n").encode(), "sigs": signatures}


def parse_checkpoints(text):
    """checkpoints.log: notes, each followed by an empty line, or eight-line
    checkpoints of the earlier format."""
    out = []
    rest = text
    while True:
        rest = rest.lstrip("\n")
        if not rest:
            return out
        what = f"checkpoint #{len(out) + 1}"
        if rest.startswith(LEGACY + "\n"):
            lines = rest.split("\n")
            out.append(parse_legacy(lines[:8], what))
            rest = "\n".join(lines[8:])
            continue
        end = rest.find("\n\n")
        if end < 0:
            fail("the checkpoint file is truncated or damaged")
        pos = end + 2
        while rest.startswith(DASH, pos):
            nl = rest.find("\n", pos)
            if nl < 0:
                fail("the checkpoint file is truncated or damaged")
            pos = nl + 1
        if pos == end + 2:
            fail(f"{what} has no signature lines")
        out.append(parse_note(rest[:pos], what))
        rest = rest[pos:]


def parse_one(text):
    """A checkpoint kept in a file of its own (audit checkpoint --out)."""
    t = text.lstrip("\n")
    if t.startswith(LEGACY + "\n"):
        return parse_legacy([l for l in t.split("\n") if l.strip()], "the given checkpoint")
    return parse_note(t.rstrip("\n") + "\n", "the given checkpoint")


def signer_keys(vault_dir, keys_path):
    """Each staff member's allowed Ed25519 public keys: {staff id: [32-byte key]}.

    Never taken from a checkpoint. Today they come from a file the caller gives
    (--keys); replace this function to derive them from elsewhere. Returns None
    when no keys are given (signatures then go unchecked, and the output says so).
    """
    if keys_path is None:
        return None
    keys = {}
    with open(keys_path) as f:
        for n, line in enumerate(f, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split()
            try:
                key = bytes.fromhex(parts[1]) if len(parts) == 2 else b""
            except ValueError:
                key = b""
            if len(key) != 32:
                print(f"{keys_path} line {n}: expected '<staff id> <64 hex>'")
                sys.exit(2)
            keys.setdefault(parts[0], []).append(key)
    return keys


def ed25519_ok(public, sig, msg):
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def check_signatures(cp, keys, what):
    """signed-note rules: unknown keys ignored, a known key must verify, at least one."""
    if cp["form"] == "legacy":
        if not any(ed25519_ok(k, cp["sig"], cp["text"]) for k in keys.get(cp["signer"], [])):
            fail(f"{what}: not validly signed with a key of {cp['signer']}")
        return
    valid = False
    for name, kid, sig in cp["sigs"]:
        if not name.startswith(cp["origin"] + "/"):
            continue
        staff = name[len(cp["origin"]) + 1:]
        for k in keys.get(staff, []):
            if key_id(name, k) != kid:
                continue
            if not ed25519_ok(k, sig, cp["text"]):
                fail(f"{what}: the signature by {staff} is invalid")
            valid = True
    if not valid:
        fail(f"{what}: not signed by any given staff key")


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        sys.exit(2)
    vault = args[0]
    opts = {}
    rest = args[1:]
    while rest:
        if len(rest) < 2 or rest[0] not in ("--since", "--keys", "--vault-id"):
            print(__doc__)
            sys.exit(2)
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    since = parse_one(open(opts["--since"]).read()) if "--since" in opts else None
    with open(vault + "/checkpoints.log") as f:
        cps = parse_checkpoints(f.read())
    if not cps:
        fail("no checkpoint")
    keys = signer_keys(vault, opts.get("--keys"))
    with open(vault + "/audit.log", "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        fail("the last line is incomplete")
    lines = data.split(b"\n")[:-1]
    if not lines:
        fail("the log is empty")
    origin = "coffre/vault/" + leaf(lines[0]).hex()
    vault_id = opts.get("--vault-id") or next(
        (c["vault"] for c in cps if c["form"] == "legacy"), None)
    named = [(f"checkpoint #{i + 1}", c) for i, c in enumerate(cps)]
    if since:
        named.append(("the given checkpoint", since))
    for what, c in named:
        if c["form"] == "note" and c["origin"] != origin:
            fail(f"{what} is for another vault (or line 1 was altered)")
        if c["form"] == "legacy" and vault_id is not None and c["vault"] != vault_id:
            fail(f"{what} is for another vault")
        if keys is not None:
            check_signatures(c, keys, what)
    sizes = [c["size"] for c in cps]
    if sizes != sorted(sizes):
        fail("checkpoint sizes go back")
    prev = None
    if vault_id is not None:
        prev = hashlib.sha256(b"coffre/audit/genesis\n" + vault_id.encode()).digest()
    leaves = []
    for n, line in enumerate(lines, start=1):
        m = PREFIX.match(line)
        if not m:
            fail(f"line {n} is not a version-2 entry")
        if int(m.group(1)) != n:
            fail(f"line {n} has number {m.group(1).decode()}")
        if prev is not None and bytes.fromhex(m.group(2).decode()) != prev:
            fail(f"entry {n} does not link to entry {n - 1}" if n > 1
                 else "entry 1 does not start at this vault's genesis")
        prev = leaf(line)
        leaves.append(prev)
    for i, c in enumerate(cps):
        if c["size"] > len(leaves):
            fail(f"checkpoint #{i + 1} covers {c['size']} entries, the log has {len(leaves)}")
        if root_of(leaves[:c["size"]]) != c["root"]:
            fail(f"entries up to {c['size']} do not match checkpoint #{i + 1}")
    if since:
        if since["size"] > len(leaves) or root_of(leaves[:since["size"]]) != since["root"]:
            fail("the log does not extend the given checkpoint")
    print(f"valid: {len(leaves)} entries, {len(cps)} checkpoints, root {root_of(leaves).hex()}")
    if keys is None:
        print("note: signatures NOT checked: no staff keys given (--keys FILE)")
    if vault_id is None:
        print("note: the link of entry 1 to the vault id was not checked (--vault-id ID)")


if __name__ == "__main__":
    main()
