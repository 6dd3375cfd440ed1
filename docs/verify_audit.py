#!/usr/bin/env python3
"""Independent verifier of a Coffre audit log, written from docs/audit-format.md alone.

Usage: verify_audit.py VAULT_DIR [--since CHECKPOINT_FILE] [--genesis HEX]

Reads VAULT_DIR/audit.log, VAULT_DIR/checkpoints.log and VAULT_DIR/policy.toml and
applies every rule of the document's "Verification" section, in its order:
every line well formed (the canonical form of an entry, or a pruned line); the
hash chain from the genesis; each dossier's chain (`dprev`) and each actor's (`aprev`); every fact signed under the key the register gives
its signer at that point and allowed by the rights register and the policy (the
document's "The rights register"); the pruning rules; every checkpoint
(framing of checkpoints.log, origin, a signature by a key the facts introduced,
sizes never decreasing, the Merkle root at its size); with --since, that the log
extends that checkpoint; with --genesis (the hash `coffre init` printed and wrote
into the recovery key file), that line 1 is that vault's genesis. No key is ever
taken from anywhere but the log's own facts.

What the files cannot show (records in Coffre's store) is listed in the
document's "What a verifier cannot see"; `coffre audit verify` checks it.
Needs Python 3.11 (tomllib) and the `cryptography` package.
Exit status: 0 valid; 5 not valid (an alteration); 2 usage; 1 a file cannot be
read, or the log is of an earlier version of Coffre (line 1 carries no genesis).
"""
import base64
import binascii
import calendar
import hashlib
import json
import re
import sys
import tomllib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MAX_LINE = 65535  # bytes of a line, without its newline
PRUNED = re.compile(rb'\{"pruned":"([0-9a-f]{64})","prev":"([0-9a-f]{64})","by":([1-9][0-9]{0,18})\} *')
HEX64 = re.compile(r"[0-9a-f]{64}")
TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")
STAFF_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
ENTRY_MEMBERS = ["v", "seq", "prev", "time", "actor", "profession", "action", "dossier",
                 "entry", "target", "categories", "outcome", "break_glass", "detail",
                 "justification", "nonce"]
OUTCOMES = {"ok", "denied", "failed", "error"}
FACT_DOMAIN = b"coffre/fact/v1\n"
RECOVERY = "~recovery"
PERSON = "person:"
# The actions of the access trail: the only entries a prune may cover.
ACCESS_ACTIONS = {
    "access.export", "access.history", "access.view", "audit.history", "audit.read",
    "audit.report", "dossier.find", "dossier.list", "dossier.read", "entry.history",
    "entry.read", "retention.list", "staff.list", "unlock",
}
MAX_CONTENT_ADDED = 256
LEGACY = "coffre-checkpoint/v1"
DASH = "\u2014 "
MAX_NOTE = 64 * 1024
MAX_SIGNATURES = 100
# Characters with the Unicode White_Space property (never in a key name).
WHITE_SPACE = set("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)}
YEAR = 31_557_600
U64 = 1 << 64
U32 = 1 << 32


class Invalid(Exception):
    pass


class OldVault(Exception):
    pass


def fail(msg):
    raise Invalid(msg)


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


def ed25519_ok(public, sig, msg):
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


# ------------------------------------------------------------ well-formed lines

def is_int(x, limit=U64, low=0):
    return type(x) is int and low <= x < limit


def is_str(x):
    return type(x) is str


def is_hex(x, n):
    return is_str(x) and len(x) == n and re.fullmatch("[0-9a-f]*", x) is not None


def unix_time(t):
    """Seconds since 1970 of a time in the entries' form, None if it is not one."""
    m = TIME.fullmatch(t) if is_str(t) else None
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    if not (1970 <= y <= 9999 and 1 <= mo <= 12 and h <= 23 and mi <= 59 and s <= 59):
        return None
    if not 1 <= d <= calendar.monthrange(y, mo)[1]:
        return None
    return calendar.timegm((y, mo, d, h, mi, s))


def no_duplicates(pairs):
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("a member appears twice")
    return dict(pairs)


def member_ok(m):
    return (type(m) is dict and list(m) == ["id", "profession", "status", "recipient", "key"]
            and all(is_str(m[k]) for k in m) and m["status"] in ("active", "revoked"))


def str_list(x):
    return type(x) is list and all(is_str(s) for s in x)


def keys_map(x):
    return (type(x) is dict and all(is_str(v) for v in x.values())
            and list(x) == sorted(x))


def counts_ok(x):
    return type(x) is list and all(
        type(c) is dict and list(c) == ["month", "profession", "n"]
        and is_str(c["month"]) and is_str(c["profession"]) and is_int(c["n"]) for c in x)


STR = is_str
U64_T = is_int
BOOL = lambda x: type(x) is bool  # noqa: E731
NULL_STR = lambda x: x is None or is_str(x)  # noqa: E731
KDF = lambda x: (type(x) is dict and list(x) == ["m_kib", "t", "p"]  # noqa: E731
                 and all(is_int(v, U32) for v in x.values()))
# Each kind's members, in order, with their types (docs/audit-format.md, "The facts").
FACTS = {
    "genesis": [("vault", STR), ("policy_sha256", STR), ("kdf_floor", KDF),
                ("recovery_recipient", STR), ("recovery_key", STR), ("audit_recipient", STR),
                ("keys", keys_map), ("admin", member_ok)],
    "staff": [("member", member_ok)],
    "approve": [("member", STR), ("keys", str_list)],
    "key": [("key", STR), ("generation", lambda x: is_int(x, U32)), ("commitment", STR)],
    "audit-recipient": [("recipient", STR)],
    "dossier": [("dossier", STR)],
    "closed": [("dossier", STR), ("at", U64_T), ("rule", STR)],
    "erased": [("dossier", STR)],
    "team": [("dossier", STR), ("member", STR), ("present", BOOL)],
    "break-glass": [("dossier", STR), ("member", STR), ("until", U64_T)],
    "person": [("dossier", STR), ("recipient", NULL_STR), ("key", NULL_STR)],
    "objection": [("dossier", STR), ("category", STR), ("profession", STR), ("objects", BOOL)],
    "data-key": [("dossier", STR), ("key", STR), ("record", STR)],
    "content": [("dossier", STR), ("add", str_list), ("remove", str_list)],
    "prune": [("cutoff", U64_T), ("first", U64_T), ("last", U64_T), ("count", U64_T),
              ("positions", STR), ("counts", counts_ok)],
    "export": [("size", U64_T)],
    "release": [("dossier", STR), ("up_to", U64_T), ("record", STR)],
    "passphrase": [("member", STR), ("record", STR)],
    "person-keys": [("dossier", STR), ("wraps", STR), ("add", str_list)],
    "second-factor": [("member", STR), ("id", STR), ("factor", STR), ("commitment", STR)],
    "second-factor-removed": [("member", STR), ("id", STR)],
    "second-factor-reset": [("member", STR)],
}
SECOND_FACTOR_KINDS = {"totp", "passkey"}
# Members a fact of that kind may leave out (older facts were written without them).
OPTIONAL = {"closed": {"rule"}}


def well_formed(line, n):
    """A line's shape ("Well-formed lines"): ("pruned", leaf, prev, by) or
    ("entry", the parsed entry). Anything else is an alteration."""
    what = f"line {n} is not well formed"
    if len(line) > MAX_LINE:
        fail(f"{what}: longer than {MAX_LINE} bytes")
    if line.startswith(b'{"pruned":"'):
        m = PRUNED.fullmatch(line)
        if not m:
            fail(f"{what}: a damaged pruned line")
        return ("pruned", bytes.fromhex(m.group(1).decode()),
                bytes.fromhex(m.group(2).decode()), int(m.group(3)))
    try:
        e = json.loads(line.decode("utf-8"), object_pairs_hook=no_duplicates)
        canonical = json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        fail(f"{what}: not one JSON object in UTF-8")
    if canonical != line or type(e) is not dict:
        fail(f"{what}: not in canonical form (compact, strings escaped only where JSON must)")
    v = e.get("v")
    if not is_int(v) or v not in (2, 3, 4, 5, 6, 7):
        fail(f"{what}: unknown format version")
    members = ENTRY_MEMBERS + (["fact", "signer", "sig"] if v in (3, 5, 7) else [])
    if v in (4, 5, 6, 7):
        # "dprev" right after "dossier".
        members = members[:8] + ["dprev"] + members[8:]
    if v in (6, 7):
        # "aprev" right after "actor".
        members = members[:5] + ["aprev"] + members[5:]
    if list(e) != members:
        fail(f"{what}: not the members of a format-{v} entry in their order")
    if not is_int(e["seq"], low=1):
        fail(f"{what}: malformed number")
    if not is_hex(e["prev"], 64):
        fail(f"{what}: malformed prev")
    if unix_time(e["time"]) is None:
        fail(f"{what}: malformed time")
    if not all(is_str(e[k]) for k in ("actor", "profession", "action")):
        fail(f"{what}: actor, profession and action are strings")
    if not all(NULL_STR(e[k]) for k in ("dossier", "entry", "target", "detail")):
        fail(f"{what}: dossier, entry, target and detail are strings or null")
    if v in (4, 5, 6, 7) and not (is_int(e["dprev"]) if e["dossier"] is not None else e["dprev"] is None):
        fail(f"{what}: malformed dprev")
    if v in (6, 7) and not is_int(e["aprev"]):
        fail(f"{what}: malformed aprev")
    cats = e["categories"]
    if not str_list(cats) or any(a >= b for a, b in zip(cats, cats[1:])):
        fail(f"{what}: categories not sorted and unique")
    if e["outcome"] not in OUTCOMES:
        fail(f"{what}: unknown outcome")
    if type(e["break_glass"]) is not bool:
        fail(f"{what}: break_glass is a boolean")
    j = e["justification"]
    if j is not None and not (is_str(j) and re.fullmatch("(?:[0-9a-f]{2})+", j)):
        fail(f"{what}: malformed justification")
    nonce = e["nonce"]
    if not (is_str(nonce) and re.fullmatch("[0-9a-f]{32}0*" if v in (2, 4, 6) else "[0-9a-f]{32}", nonce)):
        fail(f"{what}: malformed nonce")
    if v in (3, 5, 7):
        fact = e["fact"]
        kind = fact.get("kind") if type(fact) is dict else None
        schema = FACTS.get(kind)
        if schema is not None:
            schema = [(k, ok) for k, ok in schema
                      if k in fact or k not in OPTIONAL.get(kind, set())]
        if schema is None or list(fact) != ["kind"] + [k for k, _ in schema] or not all(
                ok(fact[k]) for k, ok in schema):
            fail(f"{what}: its fact is not one of the known kinds, in canonical form")
        if not is_str(e["signer"]) or not is_hex(e["sig"], 128):
            fail(f"{what}: malformed signer or signature")
    return ("entry", e)


# ------------------------------------------------------------ the policy

class Policy:
    """What the rules read from the vault's policy ("The policy")."""

    def __init__(self, data):
        self.cats = data.get("categories", {})
        self.profs = data.get("professions", {})
        self.break_glass_hours = data["rules"]["break_glass_hours"]
        text = str(data.get("audit", {}).get("trail_retention", "1 year")).strip()
        m = re.fullmatch(r"([0-9]+)\s*(d|day|days|m|month|months|y|year|years)", text)
        if not m:
            fail(f"policy.toml: trail_retention '{text}' is not a period")
        self.retention = int(m.group(1)) * {"d": 86_400, "m": YEAR // 12, "y": YEAR}[m.group(2)[0]]

    def has(self, prof, cap):
        return cap in self.profs.get(prof, {}).get("can", [])

    def author_only(self, cat):
        return bool(self.cats.get(cat, {}).get("author_only", False))

    def can_read(self, prof, cat):
        p = self.profs.get(prof)
        if p is None or cat not in self.cats:
            return False
        if self.author_only(cat):
            return cat in p.get("write", [])
        return cat in p.get("read", []) or cat in p.get("write", [])

    def vault_keys(self):
        return [f"cat:{c}" for c in self.cats if not self.author_only(c)] + [
            "directory", "index", "audit"]

    def entitled(self, prof, key):
        if key.startswith("cat:"):
            return self.can_read(prof, key[4:])
        if key == "directory":
            return prof in self.profs
        if key == "index":
            return self.can_read(prof, "identity")
        if key == "audit":
            return self.has(prof, "read-audit")
        return False

    def restricted(self, key):
        return key.startswith("cat:") and bool(self.cats.get(key[4:], {}).get("approval", False))


# ------------------------------------------------------------ the rights register

def hex32(s, what, n):
    if not is_hex(s, 64):
        fail(f"entry {n}: {what} is not 64 lower-case hex digits")
    return bytes.fromhex(s)


class Register:
    def __init__(self, policy):
        self.policy = policy
        self.vault = None
        self.recovery = None
        self.staff = {}     # id -> {"m": member, "key", "keys": [[from, until, key]], "approved"}
        self.dossiers = {}  # id -> {"creator", "team", "person_key", "erased"}
        self.keys = {}      # key name -> number of generations
        self.prunes = {}    # entry -> prune fact

    def active(self, sid):
        s = self.staff.get(sid)
        return s if s and s["m"]["status"] == "active" else None

    def may_hold(self, sid, key):
        s = self.active(sid)
        return bool(s) and self.policy.entitled(s["m"]["profession"], key) and (
            not self.policy.restricted(key) or key in s["approved"])

    def signer_key(self, signer):
        if signer == RECOVERY:
            return self.recovery
        if signer.startswith(PERSON):
            d = self.dossiers.get(signer[len(PERSON):])
            return d["person_key"] if d else None
        s = self.active(signer)
        return s["key"] if s else None

    def windows(self):
        """{staff id: [(from, until, key)]}: a key signs checkpoints of sizes from <= s < until."""
        return {sid: [(f, u if u is not None else float("inf"), k) for f, u, k in s["keys"]]
                for sid, s in self.staff.items()}

    def take(self, n, e, line):
        """Verifies and applies the fact of entry n (a format-3 line)."""
        fact, signer, kind = e["fact"], e["signer"], e["fact"]["kind"]
        if n == 1 and kind != "genesis":
            fail("entry 1 carries no genesis fact")
        if signer != e["actor"] and signer != RECOVERY and not (
                signer.startswith(PERSON) and e["actor"] == "person." + signer[len(PERSON):]):
            fail(f"entry {n} is signed by '{signer}' but names '{e['actor']}' as its actor")
        if kind == "genesis" and n == 1:
            key = hex32(fact["admin"]["key"], "the first member's key", n)
        else:
            key = self.signer_key(signer) if self.vault is not None else None
        if key is None:
            fail(f"entry {n} is signed by '{signer}', who holds no key at that point")
        if not ed25519_ok(key, bytes.fromhex(e["sig"]), FACT_DOMAIN + line[:-138] + b"}"):
            fail(f"entry {n}: the signature of its fact does not verify")
        getattr(self, "fact_" + kind.replace("-", "_"))(n, fact, signer, unix_time(e["time"]))

    # A fact applies only if its signer may make it (docs/audit-format.md, "The facts").
    def refuse(self, n, why):
        fail(f"entry {n}: the fact is refused: {why}")

    def member_signer(self, n, signer, cap=None):
        s = self.active(signer)
        if s is None:
            self.refuse(n, f"'{signer}' is not an active member")
        if cap and not self.policy.has(s["m"]["profession"], cap):
            self.refuse(n, f"'{signer}''s profession may not {cap}")
        return s

    def dossier(self, n, d):
        x = self.dossiers.get(d)
        if x is None or x["erased"]:
            self.refuse(n, f"dossier {d} does not exist (or was erased)")
        return x

    def fact_genesis(self, n, f, signer, time):
        if n != 1 or self.vault is not None:
            self.refuse(n, "a genesis after the first entry")
        a = f["admin"]
        if signer != a["id"] or a["status"] != "active":
            self.refuse(n, "the genesis is signed by its first member, active")
        if not STAFF_ID.fullmatch(a["id"]):
            self.refuse(n, "the first member's id is not a staff id")
        if not self.policy.has(a["profession"], "manage-staff"):
            self.refuse(n, "the first member must manage staff")
        key = hex32(a["key"], "the first member's key", n)
        self.recovery = hex32(f["recovery_key"], "the recovery key", n)
        self.vault = f["vault"]
        self.policy_sha256 = f["policy_sha256"]
        self.keys = {k: 1 for k in f["keys"]}
        approved = {k for k in self.policy.vault_keys()
                    if self.policy.restricted(k) and self.policy.entitled(a["profession"], k)}
        self.staff[a["id"]] = {"m": a, "key": key, "keys": [[n, None, key]], "approved": approved,
                             "sf": set()}

    def fact_staff(self, n, f, signer, time):
        m = f["member"]
        key = hex32(m["key"], "a member's key", n)
        if not STAFF_ID.fullmatch(m["id"]):
            self.refuse(n, "not a staff id")
        if m["profession"] not in self.policy.profs:
            self.refuse(n, f"unknown profession {m['profession']}")
        old = self.staff.get(m["id"])
        if old is None:
            if signer != RECOVERY:
                self.member_signer(n, signer, "manage-staff")
            if m["status"] != "active":
                self.refuse(n, "a new member must be active")
            self.staff[m["id"]] = {"m": m, "key": key, "keys": [[n, None, key]], "approved": set(),
                                   "sf": set()}
            return
        if old["m"]["status"] == "revoked":
            self.refuse(n, f"'{m['id']}' was revoked, and a revocation is final")
        new_identity = m["recipient"] != old["m"]["recipient"] or key != old["key"]
        if new_identity and signer != RECOVERY:
            self.refuse(n, "only the recovery key gives a member a new identity")
        if signer != RECOVERY:
            self.member_signer(n, signer, "manage-staff")
        if m["profession"] != old["m"]["profession"]:
            old["approved"] = {k for k in old["approved"]
                               if k in self.policy.vault_keys()
                               and self.policy.entitled(m["profession"], k)}
        if new_identity:
            old["keys"][-1][1] = n  # the old key signs nothing from here on
            old["keys"].append([n, None, key])
            old["key"] = key
            old["sf"] = set()  # second factors sealed to the old identity
        if m["status"] == "revoked":
            old["keys"][-1][1] = n
        old["m"] = m

    def fact_approve(self, n, f, signer, time):
        target = self.active(f["member"])
        if target is None:
            self.refuse(n, f"'{f['member']}' is not an active member")
        s = None if signer == RECOVERY else self.member_signer(n, signer)
        for name in f["keys"]:
            if name not in self.policy.vault_keys():
                self.refuse(n, f"no key {name}")
            if not self.policy.entitled(target["m"]["profession"], name):
                self.refuse(n, f"'{f['member']}' is not entitled to {name}")
            if s is not None and not (self.policy.entitled(s["m"]["profession"], name) and (
                    not self.policy.restricted(name) or name in s["approved"])):
                self.refuse(n, f"the signer does not hold {name}")
        target["approved"] |= set(f["keys"])

    def fact_key(self, n, f, signer, time):
        if f["key"] not in self.policy.vault_keys():
            self.refuse(n, f"no key {f['key']}")
        if signer != RECOVERY:
            s = self.member_signer(n, signer)
            if not self.may_hold(s["m"]["id"], f["key"]):
                self.refuse(n, f"the signer may not hold {f['key']}")
        if f["generation"] != self.keys.get(f["key"], 0) + 1:
            self.refuse(n, "key generation out of order")
        hex32(f["commitment"], "a key commitment", n)
        self.keys[f["key"]] = f["generation"]

    def fact_audit_recipient(self, n, f, signer, time):
        if signer != RECOVERY:
            s = self.member_signer(n, signer)
            if not self.may_hold(s["m"]["id"], "audit"):
                self.refuse(n, "the signer may not hold the audit key")

    def fact_dossier(self, n, f, signer, time):
        s = self.member_signer(n, signer, "create-dossier")
        if f["dossier"] in self.dossiers:
            self.refuse(n, f"dossier {f['dossier']} exists already")
        self.dossiers[f["dossier"]] = {"creator": s["m"]["id"], "team": {s["m"]["id"]},
                                       "person_key": None, "erased": False}

    def fact_closed(self, n, f, signer, time):
        d = self.dossier(n, f["dossier"])
        s = self.member_signer(n, signer)
        p = s["m"]["profession"]
        if not (s["m"]["id"] == d["creator"] or self.policy.has(p, "manage-team")
                or self.policy.has(p, "erase")):
            self.refuse(n, "only its creator or a manager closes a dossier")

    def fact_erased(self, n, f, signer, time):
        if signer != RECOVERY:
            self.member_signer(n, signer, "erase")
        d = self.dossier(n, f["dossier"])
        d.update(erased=True, team=set(), person_key=None, person=None)

    def fact_team(self, n, f, signer, time):
        d = self.dossier(n, f["dossier"])
        s = self.member_signer(n, signer)
        if s["m"]["id"] != d["creator"] and not self.policy.has(s["m"]["profession"], "manage-team"):
            self.refuse(n, "only its creator or a member who manages teams changes a care team")
        if f["present"] and self.active(f["member"]) is None:
            self.refuse(n, f"'{f['member']}' is not an active member")
        if f["present"]:
            d["team"].add(f["member"])
        else:
            d["team"].discard(f["member"])

    def fact_break_glass(self, n, f, signer, time):
        s = self.member_signer(n, signer, "break-glass")
        if s["m"]["id"] != f["member"]:
            self.refuse(n, "a break-glass window is opened by its own member")
        if f["until"] > time + self.policy.break_glass_hours * 3600 + 60:
            self.refuse(n, "a break-glass window longer than the policy's")
        self.dossier(n, f["dossier"])

    def fact_person(self, n, f, signer, time):
        if signer != RECOVERY:
            self.member_signer(n, signer, "person-access")
        key = hex32(f["key"], "the person's key", n) if f["key"] is not None else None
        d = self.dossier(n, f["dossier"])
        d["person_key"] = key
        d["person"] = f["recipient"]
        d["sf"] = set()  # the person's second factors were sealed to the old credential

    def fact_objection(self, n, f, signer, time):
        if signer != PERSON + f["dossier"]:
            self.member_signer(n, signer, "person-access")
        self.dossier(n, f["dossier"])

    def fact_data_key(self, n, f, signer, time):
        hex32(f["record"], "a data-key record hash", n)
        if "/" not in f["key"]:
            self.refuse(n, "a data key is named category/label")
        cat, label = f["key"].split("/", 1)
        if signer != RECOVERY:
            s = self.member_signer(n, signer)
            if self.policy.author_only(cat):
                ok = s["m"]["id"] == label
            else:
                ok = label == "*" and self.may_hold(s["m"]["id"], "cat:" + cat)
            if not ok:
                self.refuse(n, f"the signer may not make the key {f['key']}")
        d = self.dossiers.get(f["dossier"])
        if d is not None and d["erased"]:
            self.refuse(n, f"dossier {f['dossier']} was erased")

    def fact_content(self, n, f, signer, time):
        for e in f["add"] + f["remove"]:
            hex32(e, "a content element", n)
        add, remove = len(f["add"]), len(f["remove"])
        if not ((remove == 0 and 1 <= add <= MAX_CONTENT_ADDED) or (remove == 1 and add == 1)):
            self.refuse(n, "a content change is entries written or one entry amended")
        if signer != PERSON + f["dossier"]:
            s = self.member_signer(n, signer)
            d = self.dossiers.get(f["dossier"])
            if d is None or s["m"]["id"] not in d["team"]:
                self.refuse(n, "the signer is not in the dossier's care team")
        self.dossier(n, f["dossier"])

    def fact_prune(self, n, f, signer, time):
        self.member_signer(n, signer, "prune-audit")
        if not (1 <= f["first"] <= f["last"] < n and f["count"] <= f["last"] - f["first"] + 1
                and len(f["positions"]) == 64):
            self.refuse(n, "a prune covers earlier entries")
        if f["cutoff"] + self.policy.retention > time:
            self.refuse(n, "a prune's cutoff is later than its time minus the retention")
        self.prunes[n] = f

    def fact_release(self, n, f, signer, time):
        self.member_signer(n, signer, "read-audit")
        hex32(f["record"], "a release record hash", n)
        if not f["up_to"] < n:
            self.refuse(n, "a release covers only entries before it")
        self.dossier(n, f["dossier"])

    def fact_passphrase(self, n, f, signer, time):
        s = self.member_signer(n, signer)
        hex32(f["record"], "a passphrase record hash", n)
        if s["m"]["id"] != f["member"]:
            self.refuse(n, "a passphrase is changed only by its own member")

    def fact_person_keys(self, n, f, signer, time):
        hex32(f["wraps"], "a person's wraps hash", n)
        add = f["add"]
        if any(a >= b for a, b in zip(add, add[1:])):
            self.refuse(n, "the categories a person-keys fact adds are sorted, each once")
        if signer != RECOVERY:
            s = self.member_signer(n, signer)
            if not self.policy.has(s["m"]["profession"], "person-access") and not all(
                    self.may_hold(signer, "cat:" + c) for c in add):
                self.refuse(n, "keys are wrapped to the person by a member who holds them")
        if self.dossier(n, f["dossier"]).get("person") is None:
            self.refuse(n, "keys are wrapped to the person only where they have their own access")

    def person_factor_owner(self, n, member):
        """The dossier of a person's second factor (`member` is `person:<dossier>`),
        whose credential the register holds; None for a staff member's."""
        if not member.startswith(PERSON):
            return None
        d = self.dossier(n, member[len(PERSON):])
        if d.get("person") is None:
            self.refuse(n, "a person's second factor needs their own access")
        d.setdefault("sf", set())
        return d

    def fact_second_factor(self, n, f, signer, time):
        hex32(f["commitment"], "a second-factor commitment", n)
        d = self.person_factor_owner(n, f["member"])
        if d is not None:
            if signer != f["member"]:
                self.refuse(n, "a second factor is enrolled only by its own person")
            if (not STAFF_ID.fullmatch(f["id"]) or f["factor"] != "totp"
                    or f["id"] in d["sf"]):
                self.refuse(n, "a second factor has a new id and a known kind")
            d["sf"].add(f["id"])
            return
        s = self.member_signer(n, signer)
        if s["m"]["id"] != f["member"]:
            self.refuse(n, "a second factor is enrolled only by its own member")
        if (not STAFF_ID.fullmatch(f["id"]) or f["factor"] not in SECOND_FACTOR_KINDS
                or f["id"] in s["sf"]):
            self.refuse(n, "a second factor has a new id and a known kind")
        s["sf"].add(f["id"])

    def fact_second_factor_removed(self, n, f, signer, time):
        d = self.person_factor_owner(n, f["member"])
        if d is not None:
            if signer != f["member"]:
                self.refuse(n, "a second factor is removed only by its own person")
            if f["id"] not in d["sf"]:
                self.refuse(n, f"no second factor {f['id']} is enrolled")
            d["sf"].discard(f["id"])
            return
        s = self.member_signer(n, signer)
        if s["m"]["id"] != f["member"]:
            self.refuse(n, "a second factor is removed only by its own member")
        if f["id"] not in s["sf"]:
            self.refuse(n, f"no second factor {f['id']} is enrolled")
        s["sf"].discard(f["id"])

    def fact_second_factor_reset(self, n, f, signer, time):
        d = self.person_factor_owner(n, f["member"])
        if d is not None:
            if signer != RECOVERY:
                self.member_signer(n, signer, "person-access")
            d["sf"] = set()
            return
        if signer != RECOVERY:
            self.member_signer(n, signer, "manage-staff")
        target = self.active(f["member"])
        if target is None:
            self.refuse(n, f"'{f['member']}' is not an active member")
        target["sf"] = set()

    def fact_export(self, n, f, signer, time):
        self.member_signer(n, signer, "prune-audit")
        if not 1 <= f["size"] < n:
            self.refuse(n, "an exported checkpoint is one made before the fact")


# ------------------------------------------------------------ pruning

def check_prunes(lines, shapes, facts):
    """The rules of "Pruning the access trail"; returns the number of pruned lines."""
    covered = {f: [] for f in facts}  # fact entry -> [(position, prev, leaf)]
    pruned = 0
    for n, shape in enumerate(shapes, start=1):
        if shape[0] == "pruned":
            pruned += 1
            by = shape[3]
            f = facts.get(by)
            if f is None or not (f["first"] <= n <= f["last"] < by):
                fail(f"entry {n} was pruned without a prune fact that covers it")
    for seq, f in facts.items():
        for p in range(f["first"], f["last"] + 1):
            shape = shapes[p - 1]
            if shape[0] == "pruned":
                if shape[3] == seq:
                    covered[seq].append((p, shape[2], shape[1], True))
            elif shape[1]["v"] in (2, 4, 6) and shape[1]["action"] in ACCESS_ACTIONS and \
                    unix_time(shape[1]["time"]) < f["cutoff"]:
                covered[seq].append((p, bytes.fromhex(shape[1]["prev"]), leaf(lines[p - 1]), False))
        digest = hashlib.sha256(b"coffre/prune/v2\n" + b"".join(
            p.to_bytes(8, "big") + prev + lf for p, prev, lf, _ in covered[seq]))
        if len(covered[seq]) != f["count"] or digest.hexdigest() != f["positions"]:
            fail(f"the prune fact at entry {seq} commits to other positions than the lines it covers")
        left = sum(1 for c in covered[seq] if not c[3])
        if seq != len(lines) and left:
            fail(f"the prune of entry {seq} completed but {left} covered entries hold their content")
    return pruned


# ------------------------------------------------------------ checkpoints

def b64_exact(s, size=None):
    """The bytes of canonical base64 (RFC 4648 §4, padded), or None."""
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(raw).decode() != s or (size is not None and len(raw) != size):
        return None
    return raw


def parse_note(note, what):
    """One signed note holding a tlog-checkpoint; `note` ends with its last
    signature line's newline."""
    if len(note.encode()) > MAX_NOTE:
        fail(f"{what} is longer than {MAX_NOTE} bytes")
    if any(c < " " and c != "\n" for c in note):
        fail(f"{what} has control characters")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        fail(f"{what} is malformed (no signature lines)")
    body = text.split("\n")
    if len(body) < 3 or any(line == "" for line in body):
        fail(f"{what} is malformed (origin, size, root)")
    if not re.fullmatch(r"0|[1-9][0-9]*", body[1]) or int(body[1]) >= U64:
        fail(f"{what} has a malformed tree size")
    root = b64_exact(body[2], 32)
    if root is None:
        fail(f"{what} has a malformed root hash")
    signatures = []
    for line in sigs[:-1].split("\n"):
        parts = line[len(DASH):].split(" ") if line.startswith(DASH) else []
        raw = b64_exact(parts[1]) if len(parts) == 2 else None
        if raw is None or len(raw) < 5 or not parts[0] or any(
                c == "+" or c in WHITE_SPACE for c in parts[0]):
            fail(f"{what} has a malformed signature line")
        signatures.append((parts[0], raw[:4], raw[4:]))
    if len(signatures) > MAX_SIGNATURES:
        fail(f"{what} has more than {MAX_SIGNATURES} signatures")
    return {"form": "note", "origin": body[0], "size": int(body[1]), "root": root,
            "text": (text + "\n").encode(), "sigs": signatures}


LEGACY_LINES = [
    ("vault", r"[^\x00-\x1f]+"), ("size", r"0|[1-9][0-9]*"), ("root", "[0-9a-f]{64}"),
    ("time", r"[^\x00-\x1f]+"), ("signer", r"[^\x00-\x1f]+"), ("key", "[0-9a-f]{64}"),
    ("sig", "(?:[0-9a-f]{2})*"),
]


def parse_legacy(lines, what):
    """The eight lines (without their newlines) of an earlier-format checkpoint."""
    if len(lines) != 8 or lines[0] != LEGACY:
        fail(f"{what} is malformed")
    f = {}
    for line, (name, pattern) in zip(lines[1:], LEGACY_LINES):
        m = re.fullmatch(f"{name} ({pattern})", line)
        if not m:
            fail(f"{what} is malformed ({name})")
        f[name] = m.group(1)
    if int(f["size"]) >= U64:
        fail(f"{what} is malformed (size)")
    return {"form": "legacy", "vault": f["vault"], "size": int(f["size"]),
            "root": bytes.fromhex(f["root"]), "signer": f["signer"],
            "text": "".join(line + "\n" for line in lines[:7]).encode(),
            "sig": bytes.fromhex(f["sig"])}


def parse_checkpoints(data):
    """checkpoints.log ("Framing of checkpoints.log"): records one after the other,
    nothing before, between or after them. A note is followed by exactly one empty
    line; an earlier-format checkpoint (eight lines) by at most one."""
    try:
        rest = data.decode("utf-8")
    except UnicodeDecodeError:
        fail("checkpoints.log is not UTF-8")
    out = []
    while rest:
        what = f"checkpoint #{len(out) + 1}"
        if rest.startswith(LEGACY + "\n"):
            lines = rest.split("\n", 8)
            if len(lines) < 9:
                fail("checkpoints.log ends inside a record (truncated or damaged)")
            out.append(parse_legacy(lines[:8], what))
            rest = lines[8]
            if rest.startswith("\n"):
                rest = rest[1:]
            continue
        end = rest.find("\n\n")
        if end < 0:
            fail(f"{what}: checkpoints.log ends inside a record (truncated or damaged)")
        pos = end + 2
        while rest.startswith(DASH, pos):
            nl = rest.find("\n", pos)
            if nl < 0:
                fail(f"{what}: checkpoints.log ends inside a record (truncated or damaged)")
            pos = nl + 1
        if pos == end + 2:
            fail(f"{what} has no signature lines (or checkpoints.log has an empty line out of place)")
        out.append(parse_note(rest[:pos], what))
        if not rest.startswith("\n", pos):
            fail(f"{what} is not followed by exactly one empty line")
        rest = rest[pos + 1:]
    return out


def parse_one(data):
    """A checkpoint kept in a file of its own (audit checkpoint --out): one record,
    empty lines before and after it ignored."""
    try:
        t = data.decode("utf-8").strip("\n")
    except UnicodeDecodeError:
        fail("the given checkpoint is not UTF-8")
    if t.startswith(LEGACY + "\n"):
        return parse_legacy(t.split("\n"), "the given checkpoint")
    return parse_note(t + "\n", "the given checkpoint")


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
            if hashlib.sha256(name.encode() + b"\n\x01" + k).digest()[:4] != kid:
                continue
            if not ed25519_ok(k, sig, cp["text"]):
                fail(f"{what}: the signature by {staff} is invalid")
            valid = True
    if not valid:
        fail(f"{what}: not signed by any key the log gives its members")


# ------------------------------------------------------------ verification

def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        print(f"cannot read {path}: {e}", file=sys.stderr)
        sys.exit(1)


def verify(vault, since_data, genesis_given):
    # 1. The inputs.
    log = read(vault + "/audit.log")
    cp_data = read(vault + "/checkpoints.log")
    policy_bytes = read(vault + "/policy.toml")
    # 2. Lines.
    if not log:
        fail("the log is empty")
    if not log.endswith(b"\n"):
        fail("the last line is incomplete")
    lines = log.split(b"\n")[:-1]
    shapes = [well_formed(line, n) for n, line in enumerate(lines, start=1)]
    # 3. The genesis.
    if shapes[0][0] == "pruned":
        fail("entry 1 (the genesis) was pruned")
    genesis = leaf(lines[0])
    if genesis_given is not None and genesis_given.strip().lower() != genesis.hex():
        fail("entry 1 is not this vault's genesis: the log was replaced or rebuilt")
    if shapes[0][1]["v"] not in (3, 5, 7):
        raise OldVault()
    # 4. The policy the genesis names.
    first = shapes[0][1]["fact"]
    if first["kind"] != "genesis":
        fail("entry 1 carries no genesis fact")
    if hashlib.sha256(policy_bytes).hexdigest() != first["policy_sha256"]:
        fail("policy.toml is not the policy the genesis names")
    try:
        policy = Policy(tomllib.loads(policy_bytes.decode("utf-8")))
    except (UnicodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as e:
        fail(f"policy.toml cannot be read ({e})")
    # 5-6. The chain and the register.
    register = Register(policy)
    prev = hashlib.sha256(b"coffre/audit/genesis\n" + first["vault"].encode()).digest()
    leaves = []
    # The dossier chain: dossier -> the last unpruned line naming it; the
    # actor chain: actor -> the same.
    last_about, pruned_at, chained = {}, set(), False
    last_by, actors_chained = {}, False
    for n, (line, shape) in enumerate(zip(lines, shapes), start=1):
        if shape[0] == "pruned":
            if n == 1:
                fail("entry 1 (the genesis) was pruned")
            if shape[2] != prev:
                fail(f"entry {n} does not link to entry {n - 1}")
            prev = shape[1]
            pruned_at.add(n)
        else:
            e = shape[1]
            if e["seq"] != n:
                fail(f"line {n} has number {e['seq']}")
            if bytes.fromhex(e["prev"]) != prev:
                fail(f"entry {n} does not link to entry {n - 1}" if n > 1
                     else "entry 1 does not start at the genesis of the vault it names")
            if e["v"] in (4, 5, 6, 7):
                chained = True
            elif chained:
                fail(f"entry {n} is of format {e['v']}, after entries of format 4 or 5")
            if e["v"] in (6, 7):
                actors_chained = True
            elif actors_chained:
                fail(f"entry {n} is of format {e['v']}, after entries of format 6 or 7")
            a = e["actor"]
            want = last_by.get(a, 0)
            got = e.get("aprev", want)
            # A pruned line lost its actor too: the same exception.
            if got != want and not (want < got < n and got in pruned_at):
                fail(f"entry {n} gives {got} as the previous entry by actor {a}; "
                     f"the log says {want}")
            last_by[a] = n
            d = e["dossier"]
            if d is not None:
                want = last_about.get(d, 0)
                got = e.get("dprev", want)
                # A pruned line lost its dossier: a dprev may name one after
                # the last line naming the dossier that is left.
                if got != want and not (want < got < n and got in pruned_at):
                    fail(f"entry {n} gives {got} as the previous entry about dossier {d}; "
                         f"the log says {want}")
                last_about[d] = n
            if e["v"] in (3, 5, 7):
                register.take(n, e, line)
            prev = leaf(line)
        leaves.append(prev)
    # 7. Pruning.
    pruned = check_prunes(lines, shapes, register.prunes)
    # 8. Checkpoints.
    cps = parse_checkpoints(cp_data)
    if not cps:
        fail("no checkpoint")
    since = parse_one(since_data) if since_data is not None else None
    origin = "coffre/vault/" + genesis.hex()
    windows = register.windows()
    named = [(f"checkpoint #{i + 1}", c) for i, c in enumerate(cps)]
    if since:
        named.append(("the given checkpoint", since))
    for what, c in named:
        if c["form"] == "note" and c["origin"] != origin:
            fail(f"{what} is for another vault (or line 1 was altered)")
        if c["form"] == "legacy" and c["vault"] != register.vault:
            fail(f"{what} is for another vault")
        check_signatures(c, windows, what)
    for i in range(1, len(cps)):
        if cps[i]["size"] < cps[i - 1]["size"]:
            fail(f"checkpoint #{i + 1} goes back")
    for i, c in enumerate(cps):
        if c["size"] > len(leaves):
            fail(f"checkpoint #{i + 1} covers {c['size']} entries, the log has {len(leaves)}")
        if root_of(leaves[:c["size"]]) != c["root"]:
            fail(f"entries up to {c['size']} do not match checkpoint #{i + 1}")
    # 9. The given checkpoint.
    if since:
        if since["size"] > len(leaves) or root_of(leaves[:since["size"]]) != since["root"]:
            fail("the log does not extend the given checkpoint")
    print(f"valid: {len(leaves)} entries, {len(cps)} checkpoints, root {root_of(leaves).hex()}")
    if pruned:
        print(f"{pruned} entries pruned, each covered by its prune fact")
    print(f"genesis {genesis.hex()}; signers pinned by the log: {', '.join(sorted(register.staff))}")


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        sys.exit(2)
    vault = args[0]
    opts = {}
    rest = args[1:]
    while rest:
        if len(rest) < 2 or rest[0] not in ("--since", "--genesis") or rest[0] in opts:
            print(__doc__)
            sys.exit(2)
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    if "--genesis" in opts and not re.fullmatch("[0-9a-fA-F]{64}", opts["--genesis"].strip()):
        print(f"'{opts['--genesis']}' is not a genesis hash (64 hexadecimal digits)", file=sys.stderr)
        sys.exit(2)
    since = read(opts["--since"]) if "--since" in opts else None
    try:
        verify(vault, since, opts.get("--genesis"))
    except Invalid as e:
        print("INVALID: " + str(e))
        sys.exit(5)
    except OldVault:
        print("entry 1 carries no genesis fact: a vault of an earlier version of Coffre, "
              "whose rights are not signed (not verified by this version)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
