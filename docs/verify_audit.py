#!/usr/bin/env python3
"""Independent verifier of a Coffre audit log, written from docs/audit-format.md.

Usage: verify_audit.py VAULT_DIR [--since CHECKPOINT_FILE] [--genesis HEX]

Checks every line (canonical prefix, sequence, link to the previous leaf), every
fact (format-3 entries: signature under the key the log itself introduced for its
signer, from the genesis on; staff keys introduced only by a member who manages
staff or by the recovery key; a revoked member never made active again; a new
identity only from the recovery key), every checkpoint (C2SP signed note: origin =
this vault's, signed by a key the facts introduced, sizes never decreasing, the
Merkle root at its size; or the earlier eight-line form) and, with --since, that
the log extends that checkpoint. A pruned line ({"pruned":"<leaf>","prev":"<prev>",
"by":N} and spaces) stands for its leaf, links to the line before by its prev like
any line, and is valid only where the prune fact at entry N covers it: that fact's
covered positions (pruned by it, or still a version-2 entry dated before its
cutoff), with each one's prev and leaf, must be exactly those it commits to, and once a
line follows the fact every one of them must be pruned. With --genesis (the hash `coffre init` printed and
wrote into the recovery key file), a log rebuilt from scratch is refused.

Keys are never taken from a checkpoint or from the store. Entitlements other than
staff management (care teams, break-glass, approvals, key generations) are checked
by coffre itself (`coffre audit verify`).
Needs Python 3.11 (tomllib) and the `cryptography` package.
Exit status: 0 valid, 5 invalid, 2 usage.
"""
import base64
import binascii
import datetime
import hashlib
import json
import re
import sys
import tomllib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PRUNED = re.compile(rb'^\{"pruned":"([0-9a-f]{64})","prev":"([0-9a-f]{64})","by":([1-9][0-9]*)\} *$')
PREFIX = re.compile(rb'^\{"v":([23]),"seq":(0|[1-9][0-9]*),"prev":"([0-9a-f]{64})"')
FACT_DOMAIN = b"coffre/fact/v1\n"
# The actions of the access trail: the only entries a prune may cover.
ACCESS_ACTIONS = {
    "access.export", "access.history", "access.view", "audit.history", "audit.read",
    "audit.report", "dossier.find", "dossier.list", "dossier.read", "entry.history",
    "entry.read", "retention.list", "staff.list", "unlock",
}
RFC3339 = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
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


def signer_keys(vault_dir, lines):
    """Each staff member's Ed25519 keys, {staff id: [32-byte key]}, pinned by the
    log itself: replays every fact from the genesis (docs/audit-format.md,
    "Entries that carry a fact") and returns the keys they introduced, with the
    vault id the genesis names. Fails on a fact whose signature does not verify
    under the key its signer held at that point, or that its signer may not make.
    """
    with open(vault_dir + "/policy.toml", "rb") as f:
        policy_bytes = f.read()
    policy = tomllib.loads(policy_bytes.decode())
    profs = policy.get("professions", {})

    def manages_staff(prof):
        return "manage-staff" in profs.get(prof, {}).get("can", [])

    staff = {}          # id -> {"profession", "status", "recipient", "key", "keys": [..]}
    persons = {}        # dossier -> key
    recovery = None
    vault_id = None
    for n, line in enumerate(lines, start=1):
        if not line.startswith(b'{"v":3,'):
            if n == 1 and PRUNED.match(line):
                fail("entry 1 (the genesis) was pruned")
            if n == 1:
                fail("entry 1 carries no signed genesis (a vault of an earlier version, "
                     "whose rights are not signed)")
            continue
        try:
            e = json.loads(line)
        except ValueError:
            fail(f"entry {n} is not valid JSON")
        fact = e.get("fact")
        if not isinstance(fact, dict):
            fail(f"entry {n} has v 3 but no fact")
        kind = fact.get("kind")
        signer = e.get("signer")
        if signer is None:
            fail(f"entry {n}: a {kind} fact must be signed")
        if signer != e.get("actor") and signer != "~recovery" and not signer.startswith("person:"):
            fail(f"entry {n} is signed by '{signer}' but names '{e.get('actor')}' as its actor")
        if kind == "genesis":
            if n != 1 or signer != fact["admin"]["id"]:
                fail(f"entry {n}: a genesis must be entry 1, signed by its first member")
            key = bytes.fromhex(fact["admin"]["key"])
        elif signer == "~recovery":
            key = recovery
        elif signer.startswith("person:"):
            key = persons.get(signer[len("person:"):])
        else:
            m = staff.get(signer)
            key = m["key"] if m and m["status"] == "active" else None
        if key is None:
            fail(f"entry {n} is signed by '{signer}', who holds no key at that point")
        if not (line.endswith(b'"}') and line[-138:-130] == b',"sig":"'):
            fail(f"entry {n}: malformed signature member")
        sig = bytes.fromhex(line[-130:-2].decode())
        if not ed25519_ok(key, sig, FACT_DOMAIN + line[:-138] + b"}"):
            fail(f"entry {n}: the signature of its fact does not verify")
        if kind == "genesis":
            vault_id = fact["vault"]
            if hashlib.sha256(policy_bytes).hexdigest() != fact["policy_sha256"]:
                fail("policy.toml is not the policy the genesis names")
            recovery = bytes.fromhex(fact["recovery_key"])
            a = fact["admin"]
            if not manages_staff(a["profession"]):
                fail("entry 1: the first member must manage staff")
            staff[a["id"]] = {**a, "key": key, "keys": [[n, None, key]]}
        elif kind == "staff":
            m = fact["member"]
            new_key = bytes.fromhex(m["key"])
            old = staff.get(m["id"])
            if signer != "~recovery" and not manages_staff(staff[signer]["profession"]):
                fail(f"entry {n}: '{signer}' may not manage staff")
            if old is None:
                if m["status"] != "active":
                    fail(f"entry {n}: a new member must be active")
                staff[m["id"]] = {**m, "key": new_key, "keys": [[n, None, new_key]]}
                continue
            if old["status"] == "revoked":
                fail(f"entry {n}: '{m['id']}' was revoked, and a revocation is final")
            if (new_key != old["key"] or m["recipient"] != old["recipient"]) and signer != "~recovery":
                fail(f"entry {n}: only the recovery key gives '{m['id']}' a new identity")
            keys = old["keys"]
            if new_key != old["key"]:
                keys[-1][1] = n          # the old key signs nothing from here on
                keys = keys + [[n, None, new_key]]
            if m["status"] == "revoked":
                keys[-1][1] = n
            staff[m["id"]] = {**m, "key": new_key, "keys": keys}
        elif kind == "prune":
            if "prune-audit" not in profs.get(staff.get(signer, {}).get("profession"), {}).get("can", []):
                fail(f"entry {n}: '{signer}' may not prune the access trail")
            # The cutoff is at most the fact's own time minus the retention.
            when = datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
            if fact["cutoff"] > when - retention_secs(policy):
                fail(f"entry {n}: the prune's cutoff is later than its time minus the retention")
        elif kind == "export":
            if "prune-audit" not in profs.get(staff.get(signer, {}).get("profession"), {}).get("can", []):
                fail(f"entry {n}: '{signer}' may not record an exported checkpoint")
            if not isinstance(fact.get("size"), int) or not 1 <= fact["size"] < n:
                fail(f"entry {n}: an exported checkpoint must be one made before the fact")
        elif kind == "person":
            if fact.get("key"):
                persons[fact["dossier"]] = bytes.fromhex(fact["key"])
            else:
                persons.pop(fact["dossier"], None)
    # {staff id: [(from, until, key)]}: a key signs checkpoints of sizes from <= s < until.
    return {sid: [(f, u if u is not None else float("inf"), k) for f, u, k in m["keys"]]
            for sid, m in staff.items()}, vault_id


def retention_secs(policy):
    """The policy's [audit] trail_retention in seconds (default 1 year; a year is
    365.25 days, a month a twelfth of it), as docs/audit-format.md says."""
    text = str(policy.get("audit", {}).get("trail_retention", "1 year")).strip()
    m = re.fullmatch(r"([0-9]+)\s*(d|day|days|m|month|months|y|year|years)", text)
    if not m:
        fail(f"policy.toml: trail_retention '{text}' is not a period")
    year = 31_557_600
    unit = {"d": 86_400, "m": year // 12, "y": year}[m.group(2)[0]]
    return int(m.group(1)) * unit


def check_prunes(lines):
    """The rules of docs/audit-format.md, "Pruning the access trail"."""
    facts = {}
    for n, line in enumerate(lines, start=1):
        if line.startswith(b'{"v":3,') and b'"fact":{"kind":"prune"' in line:
            facts[n] = json.loads(line)["fact"]
    for n, line in enumerate(lines, start=1):
        m = PRUNED.match(line)
        if line.startswith(b'{"pruned"') and not m:
            fail(f"entry {n} is a damaged pruned line")
        if m:
            by = int(m.group(3))
            f = facts.get(by)
            if f is None or not (f["first"] <= n <= f["last"] < by):
                fail(f"entry {n} was pruned without a prune fact that covers it")
    for seq, f in facts.items():
        if not (1 <= f["first"] <= f["last"] < seq):
            fail(f"the prune fact at entry {seq} covers a range it may not cover")
        covered, done = [], 0  # covered: (seq, prev, leaf) as before the prune
        for p in range(f["first"], f["last"] + 1):
            line = lines[p - 1]
            m = PRUNED.match(line)
            if m:
                if int(m.group(3)) == seq:
                    covered.append((p, bytes.fromhex(m.group(2).decode()),
                                    bytes.fromhex(m.group(1).decode())))
                    done += 1
            elif line.startswith(b'{"v":2,'):
                e = json.loads(line)
                t = e["time"]
                if (e["action"] in ACCESS_ACTIONS and RFC3339.match(t)
                        and t < time_of(f["cutoff"])):
                    covered.append((p, bytes.fromhex(e["prev"]), leaf(line)))
        digest = hashlib.sha256(b"coffre/prune/v2\n" + b"".join(
            p.to_bytes(8, "big") + prev + lf for p, prev, lf in covered))
        if len(covered) != f["count"] or digest.hexdigest() != f["positions"]:
            fail(f"the prune fact at entry {seq} commits to other positions than the lines it covers")
        if seq != len(lines) and done != f["count"]:
            fail(f"the prune of entry {seq} completed but {f['count'] - done} covered entries hold their content")
    return sum(1 for l in lines if PRUNED.match(l))


def time_of(unix):
    """RFC 3339 UTC, seconds, Z: compares like the entries' times."""
    import datetime
    return datetime.datetime.fromtimestamp(unix, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ed25519_ok(public, sig, msg):
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def check_signatures(cp, windows, what):
    """signed-note rules: unknown keys ignored, a known key must verify, at least one.
    Only the keys the log let each member sign with at this checkpoint's size count."""
    keys = {sid: [k for f, u, k in ks if f <= cp["size"] < u] for sid, ks in windows.items()}
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
        if len(rest) < 2 or rest[0] not in ("--since", "--genesis"):
            print(__doc__)
            sys.exit(2)
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    since = parse_one(open(opts["--since"]).read()) if "--since" in opts else None
    with open(vault + "/checkpoints.log") as f:
        cps = parse_checkpoints(f.read())
    if not cps:
        fail("no checkpoint")
    with open(vault + "/audit.log", "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        fail("the last line is incomplete")
    lines = data.split(b"\n")[:-1]
    if not lines:
        fail("the log is empty")
    genesis = leaf(lines[0]).hex()
    if "--genesis" in opts and opts["--genesis"].lower() != genesis:
        fail("entry 1 is not this vault's genesis: the log was replaced or rebuilt")
    origin = "coffre/vault/" + genesis
    keys, vault_id = signer_keys(vault, lines)
    named = [(f"checkpoint #{i + 1}", c) for i, c in enumerate(cps)]
    if since:
        named.append(("the given checkpoint", since))
    for what, c in named:
        if c["form"] == "note" and c["origin"] != origin:
            fail(f"{what} is for another vault (or line 1 was altered)")
        if c["form"] == "legacy" and vault_id is not None and c["vault"] != vault_id:
            fail(f"{what} is for another vault")
        check_signatures(c, keys, what)
    sizes = [c["size"] for c in cps]
    if sizes != sorted(sizes):
        fail("checkpoint sizes go back")
    prev = hashlib.sha256(b"coffre/audit/genesis\n" + vault_id.encode()).digest()
    leaves = []
    for n, line in enumerate(lines, start=1):
        p = PRUNED.match(line)
        if p:
            # It keeps its prev (the prune fact's digest vouches for it and its leaf).
            if n == 1:
                fail("entry 1 (the genesis) was pruned")
            if bytes.fromhex(p.group(2).decode()) != prev:
                fail(f"entry {n} does not link to entry {n - 1}")
            prev = bytes.fromhex(p.group(1).decode())
            leaves.append(prev)
            continue
        m = PREFIX.match(line)
        if not m:
            fail(f"line {n} is not a version-2 or version-3 entry")
        if int(m.group(2)) != n:
            fail(f"line {n} has number {m.group(2).decode()}")
        if bytes.fromhex(m.group(3).decode()) != prev:
            fail(f"entry {n} does not link to entry {n - 1}" if n > 1
                 else "entry 1 does not start at this vault's genesis")
        prev = leaf(line)
        leaves.append(prev)
    pruned = check_prunes(lines)
    for i, c in enumerate(cps):
        if c["size"] > len(leaves):
            fail(f"checkpoint #{i + 1} covers {c['size']} entries, the log has {len(leaves)}")
        if root_of(leaves[:c["size"]]) != c["root"]:
            fail(f"entries up to {c['size']} do not match checkpoint #{i + 1}")
    if since:
        if since["size"] > len(leaves) or root_of(leaves[:since["size"]]) != since["root"]:
            fail("the log does not extend the given checkpoint")
    print(f"valid: {len(leaves)} entries, {len(cps)} checkpoints, root {root_of(leaves).hex()}")
    if pruned:
        print(f"{pruned} entries pruned, each covered by its prune fact")
    print(f"genesis {genesis}; signers pinned by the log: {', '.join(sorted(keys))}")


if __name__ == "__main__":
    main()
