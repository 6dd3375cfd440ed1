//! Whether a line of the audit log is well formed (`docs/audit-format.md`,
//! "Well-formed lines"): the one rule every reader applies before it takes a
//! line in — `audit verify`, the read-only verify, the opening of a vault
//! (lines found beyond the recorded end), the catch-up of lines another
//! process committed (a vault in PostgreSQL) and the rights replay — and that
//! Coffre applies to every line it builds before writing it.
//!
//! A line (without its newline) is either a pruned line (see
//! [`super::prune::parse_pruned`]) or an entry in its one canonical form: the
//! compact JSON of its members in the order of the specification, strings
//! escaped only where JSON requires it, categories sorted and unique, a known
//! outcome, a nonce of 32 lower-case hex digits (padded with `0` digits in a
//! line without a fact), in a line of format 6 or 7 an `aprev` after `actor`
//! (a number from 0), in a line of format 4 to 7 a `dprev` after `dossier`
//! (a number from 0, `null` when `dossier` is), and — in a line of format 3,
//! 5 or 7 — a fact in the canonical form of its kind, a signer and a 128-digit
//! signature. A line that is not
//! well formed is an alteration, never an entry to adopt.

use super::merkle::Hash;
use super::prune::{parse_pruned, Pruned, PRUNED_PREFIX};
use crate::error::{Error, Msg, Result};

/// What a well-formed line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A pruned line.
    Pruned(Pruned),
    /// An entry: its format (2 to 7), number and `prev`, where its `actor`
    /// and `dossier` are in the line, its `aprev` (formats 6 and 7) and its
    /// `dprev` (formats 4 to 7).
    Entry {
        /// Entry format version.
        v: u32,
        /// Its `seq`.
        seq: u64,
        /// Its `prev`.
        prev: Hash,
        /// The bytes of `actor` between its quotes, as written (escapes left in).
        actor: Span,
        /// The number of the previous line naming the same actor (0 for
        /// none): `None` in formats 2 to 5.
        aprev: Option<u64>,
        /// The bytes of `dossier` between its quotes, as written; `None` for `null`.
        dossier: Option<Span>,
        /// The number of the previous line naming the same dossier (0 for
        /// none): `None` in formats 2 and 3 and when `dossier` is null.
        dprev: Option<u64>,
    },
}

/// Whether lines of format `v` carry a fact (`fact`, `signer`, `sig`).
pub fn carries_fact(v: u32) -> bool {
    v == 3 || v == 5 || v == 7
}

/// Whether `line` starts as a line of a format that carries a fact (3, 5 or 7).
pub fn starts_as_fact(line: &[u8]) -> bool {
    line.starts_with(b"{\"v\":3,")
        || line.starts_with(b"{\"v\":5,")
        || line.starts_with(b"{\"v\":7,")
}

/// Whether `line` starts as a line of a format without a fact (2, 4 or 6).
pub fn starts_without_fact(line: &[u8]) -> bool {
    line.starts_with(b"{\"v\":2,")
        || line.starts_with(b"{\"v\":4,")
        || line.starts_with(b"{\"v\":6,")
}

/// Whether lines of format `v` carry `dprev`.
pub fn chains_dossier(v: u32) -> bool {
    v >= 4
}

/// Whether lines of format `v` carry `aprev`.
pub fn chains_actor(v: u32) -> bool {
    v >= 6
}

/// Where a string member's text is in a line: bytes `start..end`, between the
/// quotes, as written. For the identifiers the store accepts (see
/// [`crate::store::layout::check_id`]), which never need an escape in
/// canonical JSON, these bytes are the value itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// First byte, from the line's start.
    pub start: usize,
    /// Byte after the last.
    pub end: usize,
}

impl Span {
    /// The bytes of the span in `line` (empty if `line` is not the one it was
    /// found in and is shorter).
    pub fn of<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        line.get(self.start..self.end).unwrap_or_default()
    }
}

/// Why a line is not well formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// 65,536 bytes or more.
    TooLong,
    /// Not UTF-8.
    NotUtf8,
    /// Starts like a pruned line but is not one.
    Pruned,
    /// Not the members of the specification, in its order, compact.
    Members,
    /// A format version other than 2 to 7.
    Version,
    /// `seq` not a decimal number from 1 without a leading zero.
    Number,
    /// `dprev` not a decimal number from 0 without a leading zero (or not
    /// `null` when `dossier` is).
    Dprev,
    /// `aprev` not a decimal number from 0 without a leading zero.
    Aprev,
    /// `prev` not 64 lower-case hex digits.
    Prev,
    /// `time` not `YYYY-MM-DDTHH:MM:SSZ`, a real UTC time from 1970 to 9999.
    Time,
    /// A string not in canonical JSON form.
    Text,
    /// Categories not sorted and unique.
    Categories,
    /// An outcome the specification does not name.
    Outcome,
    /// A `nonce` of the wrong form.
    Nonce,
    /// A `justification` that is not lower-case hex of whole bytes.
    Justification,
    /// A fact that is not one of the specification's, in canonical form.
    Fact,
    /// A `sig` that is not 128 lower-case hex digits closing the line.
    Signature,
}

impl Flaw {
    /// What is wrong, for messages.
    pub fn msg(self) -> Msg {
        match self {
            Flaw::TooLong => msg!("line-flaw-too-long"),
            Flaw::NotUtf8 => msg!("line-flaw-not-utf8"),
            Flaw::Pruned => msg!("line-flaw-pruned"),
            Flaw::Members => msg!("line-flaw-members"),
            Flaw::Version => msg!("line-flaw-version"),
            Flaw::Number => msg!("line-flaw-number"),
            Flaw::Dprev => msg!("line-flaw-dprev"),
            Flaw::Aprev => msg!("line-flaw-aprev"),
            Flaw::Prev => msg!("line-flaw-prev"),
            Flaw::Time => msg!("line-flaw-time"),
            Flaw::Text => msg!("line-flaw-text"),
            Flaw::Categories => msg!("line-flaw-categories"),
            Flaw::Outcome => msg!("line-flaw-outcome"),
            Flaw::Nonce => msg!("line-flaw-nonce"),
            Flaw::Justification => msg!("line-flaw-justification"),
            Flaw::Fact => msg!("line-flaw-fact"),
            Flaw::Signature => msg!("line-flaw-signature"),
        }
    }
}

/// Longest well-formed line, in bytes, without its newline.
pub const MAX_LINE_LEN: usize = super::log::MAX_LINE - 1;

/// Checks that `line` (without its newline) is well formed; `place` names it
/// in the error ("entry 12"), built only when needed.
///
/// Errors: [`Error::Integrity`] naming the line and what is wrong.
pub fn check_line(line: &[u8], place: &dyn Fn() -> String) -> Result<Shape> {
    check(line).map_err(|flaw| {
        Error::Integrity(msg!(
            "audit-line-malformed",
            place = place(),
            why = flaw.msg()
        ))
    })
}

/// [`check_line`] without the message.
pub fn check(line: &[u8]) -> std::result::Result<Shape, Flaw> {
    if line.len() > MAX_LINE_LEN {
        return Err(Flaw::TooLong);
    }
    if line.starts_with(PRUNED_PREFIX) {
        return parse_pruned(line).map(Shape::Pruned).ok_or(Flaw::Pruned);
    }
    if std::str::from_utf8(line).is_err() {
        return Err(Flaw::NotUtf8);
    }
    let mut c = Cursor { b: line, i: 0 };
    c.member(b"{\"v\":")?;
    let v = match c.byte() {
        Some(b'2') => 2,
        Some(b'3') => 3,
        Some(b'4') => 4,
        Some(b'5') => 5,
        Some(b'6') => 6,
        Some(b'7') => 7,
        _ => return Err(Flaw::Version),
    };
    c.member(b",\"seq\":")?;
    let seq = c.number().ok_or(Flaw::Number)?;
    c.member(b",\"prev\":")?;
    let prev = c.plain_string(64).ok_or(Flaw::Prev)?;
    let p = lower_hex_32(prev).ok_or(Flaw::Prev)?;
    c.member(b",\"time\":")?;
    let time = c.plain_string(20).ok_or(Flaw::Time)?;
    if !valid_time(time) {
        return Err(Flaw::Time);
    }
    c.member(b",\"actor\":")?;
    let actor = c.span(Cursor::string)?;
    let aprev = if chains_actor(v) {
        c.member(b",\"aprev\":")?;
        Some(c.number_from_zero().ok_or(Flaw::Aprev)?)
    } else {
        None
    };
    for name in [&b",\"profession\":"[..], b",\"action\":"] {
        c.member(name)?;
        c.string()?;
    }
    c.member(b",\"dossier\":")?;
    let dossier = if c.eat(b"null") {
        None
    } else {
        Some(c.span(Cursor::string)?)
    };
    let dprev = if chains_dossier(v) {
        c.member(b",\"dprev\":")?;
        match dossier {
            None if c.eat(b"null") => None,
            None => return Err(Flaw::Dprev),
            Some(_) => Some(c.number_from_zero().ok_or(Flaw::Dprev)?),
        }
    } else {
        None
    };
    for name in [&b",\"entry\":"[..], b",\"target\":"] {
        c.member(name)?;
        c.string_or_null()?;
    }
    c.member(b",\"categories\":")?;
    c.categories()?;
    c.member(b",\"outcome\":")?;
    let outcome = c.string()?;
    if !matches!(outcome, b"ok" | b"denied" | b"failed" | b"error") {
        return Err(Flaw::Outcome);
    }
    c.member(b",\"break_glass\":")?;
    if !(c.eat(b"true") || c.eat(b"false")) {
        return Err(Flaw::Members);
    }
    c.member(b",\"detail\":")?;
    c.string_or_null()?;
    c.member(b",\"justification\":")?;
    if !c.eat(b"null") {
        let j = c.string()?;
        if j.is_empty() || j.len() % 2 != 0 || !j.iter().all(|b| is_lower_hex(*b)) {
            return Err(Flaw::Justification);
        }
    }
    c.member(b",\"nonce\":")?;
    let nonce = c.string()?;
    let nonce_ok = nonce.len() >= 32
        && nonce[..32].iter().all(|b| is_lower_hex(*b))
        && (if !carries_fact(v) {
            nonce[32..].iter().all(|b| *b == b'0')
        } else {
            nonce.len() == 32
        });
    if !nonce_ok {
        return Err(Flaw::Nonce);
    }
    if carries_fact(v) {
        c.member(b",\"fact\":")?;
        c.fact(seq)?;
        c.member(b",\"signer\":")?;
        c.string()?;
        c.member(b",\"sig\":")?;
        c.hex_string(128).ok_or(Flaw::Signature)?;
    }
    c.member(b"}")?;
    if c.i != line.len() {
        return Err(Flaw::Members);
    }
    Ok(Shape::Entry {
        v,
        seq,
        prev: p,
        actor,
        aprev,
        dossier,
        dprev,
    })
}

/// What the dossier and actor chains ([`super::chain`]) read of an entry line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Links<'a> {
    /// Its format.
    pub v: u32,
    /// Its `seq`.
    pub seq: u64,
    /// Its `actor`'s bytes between the quotes, as written.
    pub actor: &'a [u8],
    /// Its `aprev` (formats 6 and 7).
    pub aprev: Option<u64>,
    /// Its `dossier`'s bytes between the quotes, as written; `None` for `null`.
    pub dossier: Option<&'a [u8]>,
    /// Its `dprev` (formats 4 and 5, a dossier named).
    pub dprev: Option<u64>,
}

/// The format, number, actor, `aprev`, dossier and `dprev` of a line
/// [`check`] found to be an entry, read without checking the rest again:
/// `prev` and `time` have fixed lengths, so `actor` follows them at a known
/// place, and the first `,"dossier":` in such a line is its member (inside a
/// string a quote is escaped, and the members before it are strings and
/// numbers). `None` for any other line.
pub fn links(line: &[u8]) -> Option<Links<'_>> {
    let v = match line.get(..6)? {
        b"{\"v\":2" => 2,
        b"{\"v\":3" => 3,
        b"{\"v\":4" => 4,
        b"{\"v\":5" => 5,
        b"{\"v\":6" => 6,
        b"{\"v\":7" => 7,
        _ => return None,
    };
    let mut c = Cursor { b: line, i: 6 };
    c.member(b",\"seq\":").ok()?;
    let seq = c.number()?;
    // `,"prev":"<64>","time":"<20>","actor":` is 9 + 64 + 10 + 20 + 10 bytes.
    c.i += 9 + 64 + 10 + 20;
    if c.i > line.len() {
        return None;
    }
    c.member(b"\",\"actor\":").ok()?;
    let actor = c.string().ok()?;
    let aprev = if chains_actor(v) {
        c.member(b",\"aprev\":").ok()?;
        Some(c.number_from_zero()?)
    } else {
        None
    };
    let at = memchr::memmem::find(line, b",\"dossier\":")?;
    let mut c = Cursor {
        b: line,
        i: at + 11,
    };
    let dossier = if c.eat(b"null") {
        None
    } else {
        Some(c.string().ok()?)
    };
    let dprev = if chains_dossier(v) {
        c.member(b",\"dprev\":").ok()?;
        if c.eat(b"null") {
            None
        } else {
            Some(c.number_from_zero()?)
        }
    } else {
        None
    };
    Some(Links {
        v,
        seq,
        actor,
        aprev,
        dossier,
        dprev,
    })
}

/// The 32 bytes that 64 lower-case hex digits spell; `None` for any other
/// byte (upper-case digits included).
fn lower_hex_32(digits: &[u8]) -> Option<[u8; 32]> {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    let mut out = [0u8; 32];
    if digits.len() != 64 {
        return None;
    }
    for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *o = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// `YYYY-MM-DDTHH:MM:SSZ`: a real time of the proleptic Gregorian calendar,
/// years 1970 to 9999, seconds 00 to 59.
fn valid_time(t: &[u8]) -> bool {
    let shape = t.len() == 20
        && t.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            19 => *b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return false;
    }
    let n = |from: usize, to: usize| {
        t[from..to]
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let (year, month, day) = (n(0, 4), n(5, 7), n(8, 10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1970..=9999).contains(&year)
        && (1..=days).contains(&day)
        && n(11, 13) <= 23
        && n(14, 16) <= 59
        && n(17, 19) <= 59
}

/// Reads a line from its start, member by member.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.b.get(self.i)?;
        self.i += 1;
        Some(b)
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.b[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    /// The bytes that open a member (`,"name":`), exactly.
    fn member(&mut self, lit: &[u8]) -> std::result::Result<(), Flaw> {
        if self.eat(lit) {
            Ok(())
        } else {
            Err(Flaw::Members)
        }
    }

    /// A decimal number from 1, without a leading zero, that fits 64 bits.
    fn number(&mut self) -> Option<u64> {
        let rest = &self.b[self.i..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || rest[0] == b'0' {
            return None;
        }
        let n = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
        self.i += digits;
        Some(n)
    }

    /// A decimal number from 0, without a leading zero, that fits 64 bits.
    fn number_from_zero(&mut self) -> Option<u64> {
        if self.b.get(self.i) == Some(&b'0') {
            if self.b.get(self.i + 1).is_some_and(|b| b.is_ascii_digit()) {
                return None;
            }
            self.i += 1;
            return Some(0);
        }
        self.number()
    }

    /// A string of exactly `len` lower-case hex digits; returns them.
    fn hex_string(&mut self, len: usize) -> Option<&'a [u8]> {
        let s = self.plain_string(len)?;
        s.iter().all(|b| is_lower_hex(*b)).then_some(s)
    }

    /// A string of exactly `len` bytes, none of them a quote, a backslash or
    /// a control character; returns them.
    fn plain_string(&mut self, len: usize) -> Option<&'a [u8]> {
        let rest = &self.b[self.i..];
        if rest.len() < len + 2 || rest[0] != b'"' || rest[len + 1] != b'"' {
            return None;
        }
        let s = &rest[1..=len];
        if s.iter().any(|b| *b == b'"' || *b == b'\\' || *b < 0x20) {
            return None;
        }
        self.i += len + 2;
        Some(s)
    }

    /// A string in canonical JSON form: only `"`, `\` and the control
    /// characters U+0000 to U+001F are escaped — as `\"`, `\\`, `\b`, `\t`,
    /// `\n`, `\f`, `\r`, and `\u00xx` (lower-case hex) for the other control
    /// characters — and every other character is itself, in UTF-8 (the line
    /// was checked to be UTF-8). Returns the bytes between the quotes.
    fn string(&mut self) -> std::result::Result<&'a [u8], Flaw> {
        if self.b.get(self.i) != Some(&b'"') {
            return Err(Flaw::Members);
        }
        let start = self.i + 1;
        let mut j = start;
        loop {
            // Ordinary bytes up to the next quote or backslash, at once.
            if let Some(rest) = self.b.get(j..) {
                let run = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
                if rest[..run].iter().any(|b| *b < 0x20) {
                    return Err(Flaw::Text);
                }
                j += run;
            }
            match self.b.get(j) {
                None => return Err(Flaw::Text),
                Some(b'"') => break,
                Some(b'\\') => {
                    match self.b.get(j + 1) {
                        Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
                        Some(b'u') => {
                            let hex = self.b.get(j + 2..j + 6).ok_or(Flaw::Text)?;
                            let ok = hex[..2] == *b"00"
                                && hex[2..].iter().all(|b| is_lower_hex(*b))
                                && hex[2] <= b'1';
                            // Those with a short form use it.
                            let short = matches!(&hex[2..], b"08" | b"09" | b"0a" | b"0c" | b"0d");
                            if !ok || short {
                                return Err(Flaw::Text);
                            }
                            j += 6;
                        }
                        _ => return Err(Flaw::Text),
                    }
                }
                Some(b) if *b < 0x20 => return Err(Flaw::Text),
                Some(_) => j += 1,
            }
        }
        self.i = j + 1;
        Ok(&self.b[start..j])
    }

    /// Where the string `read` reads lies, between its quotes.
    fn span(
        &mut self,
        read: impl FnOnce(&mut Self) -> std::result::Result<&'a [u8], Flaw>,
    ) -> std::result::Result<Span, Flaw> {
        let start = self.i + 1;
        let text = read(self)?;
        Ok(Span {
            start,
            end: start + text.len(),
        })
    }

    fn string_or_null(&mut self) -> std::result::Result<(), Flaw> {
        if !self.eat(b"null") {
            self.string()?;
        }
        Ok(())
    }

    /// `[` canonical strings, strictly increasing by their values (UTF-8
    /// bytes, which is the order of code points), `]`.
    fn categories(&mut self) -> std::result::Result<(), Flaw> {
        if !self.eat(b"[") {
            return Err(Flaw::Members);
        }
        if self.eat(b"]") {
            return Ok(());
        }
        let mut last: Option<Vec<u8>> = None;
        loop {
            let value = unescape(self.string()?);
            if last.as_ref().is_some_and(|l| *l >= value) {
                return Err(Flaw::Categories);
            }
            last = Some(value);
            if self.eat(b"]") {
                return Ok(());
            }
            if !self.eat(b",") {
                return Err(Flaw::Members);
            }
        }
    }

    /// A fact: a JSON object that is one of the specification's kinds, with
    /// its members and nothing else, byte for byte in the canonical form
    /// Coffre writes ([`crate::rights::fact::Fact::to_json`]).
    fn fact(&mut self, seq: u64) -> std::result::Result<(), Flaw> {
        use serde::Deserialize as _;
        let rest = &self.b[self.i..];
        if rest.first() != Some(&b'{') {
            return Err(Flaw::Fact);
        }
        let mut de = serde_json::Deserializer::from_slice(rest);
        let raw = <&serde_json::value::RawValue>::deserialize(&mut de).map_err(|_| Flaw::Fact)?;
        let text = raw.get();
        let fact = crate::rights::fact::Fact::parse(text, seq).map_err(|_| Flaw::Fact)?;
        if fact.to_json().map_err(|_| Flaw::Fact)? != text {
            return Err(Flaw::Fact);
        }
        self.i += text.len();
        Ok(())
    }
}

/// The value of a canonical string's bytes (escapes resolved).
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut k = 0;
    while k < s.len() {
        if s[k] != b'\\' {
            out.push(s[k]);
            k += 1;
            continue;
        }
        let (b, n) = match s.get(k + 1) {
            Some(b'b') => (0x08, 2),
            Some(b'f') => (0x0c, 2),
            Some(b'n') => (b'\n', 2),
            Some(b'r') => (b'\r', 2),
            Some(b't') => (b'\t', 2),
            Some(b'u') => {
                let v = s
                    .get(k + 4..k + 6)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .unwrap_or(0);
                (v, 6)
            }
            Some(other) => (*other, 2),
            None => (b'\\', 1),
        };
        out.push(b);
        k += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREV: &str = "7777777777777777777777777777777777777777777777777777777777777777";

    fn line(middle: &str, nonce: &str) -> String {
        format!(
            "{{\"v\":2,\"seq\":5,\"prev\":\"{PREV}\",\"time\":\"2026-01-31T23:59:59Z\",{middle},\"detail\":null,\"justification\":null,\"nonce\":\"{nonce}\"}}"
        )
    }

    const OK_MIDDLE: &str = "\"actor\":\"a\",\"profession\":\"medecin\",\"action\":\"dossier.read\",\"dossier\":\"d-1\",\"entry\":null,\"target\":null,\"categories\":[\"identity\",\"medical\"],\"outcome\":\"ok\",\"break_glass\":false";
    const NONCE: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_line_coffre_writes_is_well_formed() {
        let l = line(OK_MIDDLE, NONCE);
        assert!(matches!(
            check(l.as_bytes()),
            Ok(Shape::Entry { v: 2, seq: 5, .. })
        ));
        // Padding of a line without a fact.
        let l = line(OK_MIDDLE, &format!("{NONCE}000000"));
        assert!(check(l.as_bytes()).is_ok());
        // Escapes where JSON needs them, other characters as themselves.
        let m = OK_MIDDLE.replace("\"a\"", "\"é\\\"\\\\\\n\\u001f\u{7f}\"");
        assert!(check(line(&m, NONCE).as_bytes()).is_ok(), "{m}");
    }

    /// The string reader as it was before the run of ordinary bytes was
    /// skipped at once: byte by byte. Returns the text and where it ends.
    fn string_byte_by_byte(b: &[u8]) -> std::result::Result<(&[u8], usize), Flaw> {
        if b.first() != Some(&b'"') {
            return Err(Flaw::Members);
        }
        let mut j = 1;
        loop {
            match b.get(j) {
                None => return Err(Flaw::Text),
                Some(b'"') => break,
                Some(b'\\') => match b.get(j + 1) {
                    Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
                    Some(b'u') => {
                        let hex = b.get(j + 2..j + 6).ok_or(Flaw::Text)?;
                        let ok = hex[..2] == *b"00"
                            && hex[2..].iter().all(|b| is_lower_hex(*b))
                            && hex[2] <= b'1';
                        let short = matches!(&hex[2..], b"08" | b"09" | b"0a" | b"0c" | b"0d");
                        if !ok || short {
                            return Err(Flaw::Text);
                        }
                        j += 6;
                    }
                    _ => return Err(Flaw::Text),
                },
                Some(c) if *c < 0x20 => return Err(Flaw::Text),
                Some(_) => j += 1,
            }
        }
        Ok((&b[1..j], j + 1))
    }

    /// The fast paths (a run of ordinary bytes skipped at once, 64 hex
    /// digits decoded by hand) accept and reject exactly what the canonical
    /// form's rules, applied byte by byte, do: over many strings made of the
    /// bytes that matter (quotes, backslashes, escape letters, hex digits of
    /// both cases, control characters, DEL, UTF-8 bytes).
    #[test]
    fn the_fast_paths_read_as_the_rules_do() {
        const BYTES: &[u8] = b"\"\\\\ubfnrt0123789aAfF/ x\x00\x01\x08\x1f\x7f\xc3\xa9\xe2\x80\xa8";
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for _ in 0..200_000 {
            let len = (next() % 24) as usize;
            let mut b = vec![b'"'];
            for _ in 0..len {
                let r = next();
                b.push(if r % 8 == 0 {
                    (r >> 8) as u8
                } else {
                    BYTES[(r >> 8) as usize % BYTES.len()]
                });
            }
            let mut c = Cursor { b: &b, i: 0 };
            let fast = c.string().map(|t| (t, c.i));
            assert_eq!(
                fast,
                string_byte_by_byte(&b),
                "{:?}",
                String::from_utf8_lossy(&b)
            );
        }
        const HEX: &[u8] = b"0123456789abcdefABCDEFgz\"\\";
        for _ in 0..50_000 {
            let digits: Vec<u8> = (0..64)
                .map(|_| {
                    let r = next();
                    if r % 64 == 0 {
                        HEX[(r >> 8) as usize % HEX.len()]
                    } else {
                        HEX[(r >> 8) as usize % 16]
                    }
                })
                .collect();
            let mut reference = [0u8; 32];
            let reference = (digits.iter().all(|b| is_lower_hex(*b))
                && hex::decode_to_slice(&digits, &mut reference).is_ok())
            .then_some(reference);
            assert_eq!(lower_hex_32(&digits), reference);
        }
        for bad in [&[b'0'; 63][..], &[b'0'; 65][..], b""] {
            assert_eq!(lower_hex_32(bad), None);
        }
    }

    #[test]
    fn the_actor_and_dossier_are_found_where_they_are_written() {
        let middle = OK_MIDDLE.replace("\"actor\":\"a\"", "\"actor\":\"edu.1\"");
        let l = line(&middle, NONCE)
            .replace("\"detail\":null", "\"detail\":\"say \\\"d-1\\\"\\n\"")
            .replace(PREV, &"0f".repeat(32));
        let Ok(Shape::Entry {
            actor,
            dossier,
            prev,
            ..
        }) = check(l.as_bytes())
        else {
            panic!("not well formed: {l}");
        };
        assert_eq!(actor.of(l.as_bytes()), b"edu.1");
        assert_eq!(dossier.map(|d| d.of(l.as_bytes())), Some(&b"d-1"[..]));
        assert_eq!(prev, [0x0f; 32]);
        let none = line(
            &OK_MIDDLE.replace("\"dossier\":\"d-1\"", "\"dossier\":null"),
            NONCE,
        );
        assert!(matches!(
            check(none.as_bytes()),
            Ok(Shape::Entry { dossier: None, .. })
        ));
        // A control character inside a long run of ordinary text is found.
        let raw = line(
            &OK_MIDDLE.replace(
                "\"actor\":\"a\"",
                &format!("\"actor\":\"{}\u{1}b\"", "a".repeat(300)),
            ),
            NONCE,
        );
        assert_eq!(check(raw.as_bytes()), Err(Flaw::Text));
    }

    #[test]
    fn every_departure_from_the_canonical_form_is_named() {
        let cases: Vec<(String, Flaw)> = vec![
            (line(OK_MIDDLE, "0123"), Flaw::Nonce),
            (line(OK_MIDDLE, &format!("{NONCE}01")), Flaw::Nonce),
            (line(OK_MIDDLE, &NONCE.to_uppercase()), Flaw::Nonce),
            (
                line(OK_MIDDLE, NONCE).replace(&format!(",\"nonce\":\"{NONCE}\""), ""),
                Flaw::Members,
            ),
            (
                line(
                    &OK_MIDDLE.replace(
                        "\"actor\":\"a\",\"profession\":\"medecin\"",
                        "\"profession\":\"medecin\",\"actor\":\"a\"",
                    ),
                    NONCE,
                ),
                Flaw::Members,
            ),
            (
                line(
                    &OK_MIDDLE.replace("[\"identity\",\"medical\"]", "[\"medical\",\"identity\"]"),
                    NONCE,
                ),
                Flaw::Categories,
            ),
            (
                line(
                    &OK_MIDDLE.replace("[\"identity\",\"medical\"]", "[\"medical\",\"medical\"]"),
                    NONCE,
                ),
                Flaw::Categories,
            ),
            (
                line(&OK_MIDDLE.replace("\"ok\"", "\"maybe\""), NONCE),
                Flaw::Outcome,
            ),
            (
                line(&OK_MIDDLE.replace("\"a\"", "\"\\u0041\""), NONCE),
                Flaw::Text,
            ),
            (
                line(&OK_MIDDLE.replace("\"a\"", "\"\\/\""), NONCE),
                Flaw::Text,
            ),
            (
                line(&OK_MIDDLE.replace("\"a\"", "\"\\u000a\""), NONCE),
                Flaw::Text,
            ),
            (
                line(&OK_MIDDLE.replace("\"a\"", "\"\t\""), NONCE),
                Flaw::Text,
            ),
            (
                line(OK_MIDDLE, NONCE).replace("2026-01-31", "2026-02-30"),
                Flaw::Time,
            ),
            (
                line(OK_MIDDLE, NONCE).replace("23:59:59Z", "23:59:60Z"),
                Flaw::Time,
            ),
            (
                line(OK_MIDDLE, NONCE).replace("Z\"", "+00:00\""),
                Flaw::Time,
            ),
            (
                line(OK_MIDDLE, NONCE).replace("\"seq\":5", "\"seq\":05"),
                Flaw::Number,
            ),
            (
                line(OK_MIDDLE, NONCE).replace(PREV, &PREV.to_uppercase().replace('7', "A")),
                Flaw::Prev,
            ),
            (
                line(OK_MIDDLE, NONCE).replace("\"v\":2", "\"v\":8"),
                Flaw::Version,
            ),
            (
                line(OK_MIDDLE, NONCE).replace(",\"seq\"", ", \"seq\""),
                Flaw::Members,
            ),
            (
                line(OK_MIDDLE, NONCE)
                    .replace("\"justification\":null", "\"justification\":\"ABCD\""),
                Flaw::Justification,
            ),
            (line(OK_MIDDLE, NONCE) + " ", Flaw::Members),
            (
                line(OK_MIDDLE, NONCE).replace("}", ",\"extra\":1}"),
                Flaw::Members,
            ),
            (
                line(OK_MIDDLE, NONCE).replace("\"v\":2", "\"v\":3"),
                Flaw::Members,
            ),
        ];
        for (l, want) in cases {
            assert_eq!(check(l.as_bytes()).err(), Some(want), "{l}");
        }
        let mut bad = line(OK_MIDDLE, NONCE).into_bytes();
        bad[100] = 0xff;
        assert_eq!(check(&bad).err(), Some(Flaw::NotUtf8));
        let long = line(
            &OK_MIDDLE.replace("\"a\"", &format!("\"{}\"", "a".repeat(70_000))),
            NONCE,
        );
        assert_eq!(check(long.as_bytes()).err(), Some(Flaw::TooLong));
        let pruned = format!("{{\"pruned\":\"{PREV}\",\"prev\":\"{PREV}\",\"by\":7}}   ");
        assert!(matches!(check(pruned.as_bytes()), Ok(Shape::Pruned(_))));
        assert_eq!(
            check(pruned.replace("\"by\":7", "\"by\":07").as_bytes()).err(),
            Some(Flaw::Pruned)
        );
    }

    /// Format 4: format 2 with `dprev` right after `dossier`.
    fn line4(dossier: &str, dprev: &str) -> String {
        line(
            &OK_MIDDLE.replace(
                "\"dossier\":\"d-1\"",
                &format!("\"dossier\":{dossier},\"dprev\":{dprev}"),
            ),
            NONCE,
        )
        .replace("\"v\":2", "\"v\":4")
    }

    #[test]
    fn format_4_carries_dprev_right_after_dossier() {
        for (dossier, dprev, want) in [
            ("\"d-1\"", "0", Some(0)),
            ("\"d-1\"", "4", Some(4)),
            ("\"d-1\"", "18446744073709551615", Some(u64::MAX)),
            ("null", "null", None),
        ] {
            let l = line4(dossier, dprev);
            let Ok(Shape::Entry {
                v: 4, dprev: got, ..
            }) = check(l.as_bytes())
            else {
                panic!("not well formed: {l}");
            };
            assert_eq!(got, want, "{l}");
            let links = links(l.as_bytes()).unwrap();
            assert_eq!((links.v, links.seq, links.dprev), (4, 5, want));
            assert_eq!(links.dossier.is_some(), dossier != "null");
        }
        for (dossier, dprev) in [
            ("\"d-1\"", "null"),
            ("\"d-1\"", "00"),
            ("\"d-1\"", "01"),
            ("\"d-1\"", "-1"),
            ("\"d-1\"", "1.0"),
            ("\"d-1\"", "\"3\""),
            ("\"d-1\"", "18446744073709551616"),
            ("null", "0"),
            ("null", "3"),
        ] {
            let l = line4(dossier, dprev);
            assert!(
                matches!(check(l.as_bytes()), Err(Flaw::Dprev | Flaw::Members)),
                "{l}"
            );
        }
        // Format 4 without dprev, format 2 with it, dprev elsewhere.
        let without = line(OK_MIDDLE, NONCE).replace("\"v\":2", "\"v\":4");
        assert_eq!(check(without.as_bytes()).err(), Some(Flaw::Members));
        let with = line4("\"d-1\"", "3").replace("\"v\":4", "\"v\":2");
        assert_eq!(check(with.as_bytes()).err(), Some(Flaw::Members));
        let moved = line4("\"d-1\"", "3")
            .replace(",\"dprev\":3", "")
            .replace("\"entry\":null", "\"entry\":null,\"dprev\":3");
        assert_eq!(check(moved.as_bytes()).err(), Some(Flaw::Members));
        // Padded like format 2.
        let padded = line4("\"d-1\"", "3").replace(NONCE, &format!("{NONCE}0000"));
        assert!(check(padded.as_bytes()).is_ok());
    }

    #[test]
    fn a_fact_must_be_in_the_canonical_form_of_its_kind() {
        let fact_line = |fact: &str, nonce: &str| {
            line(OK_MIDDLE, nonce)
                .replace("\"v\":2", "\"v\":3")
                .replace(
                    &format!("\"nonce\":\"{nonce}\"}}"),
                    &format!(
                        "\"nonce\":\"{nonce}\",\"fact\":{fact},\"signer\":\"a\",\"sig\":\"{}\"}}",
                        "ab".repeat(64)
                    ),
                )
        };
        let good = r#"{"kind":"team","dossier":"d-1","member":"a","present":true}"#;
        assert!(check(fact_line(good, NONCE).as_bytes()).is_ok());
        for bad in [
            r#"{"dossier":"d-1","kind":"team","member":"a","present":true}"#,
            r#"{"kind":"team","dossier":"d-1","member":"a","present":true,"x":1}"#,
            r#"{"kind":"team","dossier":"d-1","member":"a"}"#,
            r#"{"kind":"team", "dossier":"d-1","member":"a","present":true}"#,
            r#"{"kind":"nope"}"#,
        ] {
            assert_eq!(
                check(fact_line(bad, NONCE).as_bytes()).err(),
                Some(Flaw::Fact),
                "{bad}"
            );
        }
        // A fact line is never padded; its signature is 128 lower-case digits.
        assert_eq!(
            check(fact_line(good, &format!("{NONCE}00")).as_bytes()).err(),
            Some(Flaw::Nonce)
        );
        let upper = fact_line(good, NONCE).replace(&"ab".repeat(64), &"AB".repeat(64));
        assert_eq!(check(upper.as_bytes()).err(), Some(Flaw::Signature));
    }
}
