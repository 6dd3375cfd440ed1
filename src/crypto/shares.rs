//! Splitting the recovery key into k-of-n shares (Shamir's secret sharing over
//! GF(256), by the `blahaj` crate) and putting it back together.
//!
//! A share is one line of text a person can keep on paper:
//!
//! ```text
//! coffre-share/v1 <vault id> <k>of<n> <index> <share hex> <check>
//! ```
//!
//! `check` is the first 8 hex digits of SHA-256 of everything before it, so a
//! mistyped share is caught before it is used. Shares carry no authentication of
//! the secret: the reassembled key is accepted only if its public recipient is
//! the vault's recovery recipient.

use blahaj::{Share, Sharks};
use ring::digest::{digest, SHA256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

const TAG: &str = "coffre-share/v1";

fn check(body: &str) -> String {
    hex::encode(&digest(&SHA256, body.as_bytes()).as_ref()[..4])
}

/// Splits `secret` into `n` shares of which any `k` recover it.
pub fn split(secret: &[u8], k: u8, n: u8, vault_id: &str) -> Result<Vec<Zeroizing<String>>> {
    if k < 2 || n < k {
        return Err(Error::Usage(msg!("choose-2-threshold-shares-e-g")));
    }
    let shares: Vec<Share> = Sharks(k).dealer(secret).take(n as usize).collect();
    Ok(shares
        .iter()
        .map(|s| {
            let bytes = Zeroizing::new(Vec::from(s));
            let body = format!(
                "{TAG} {vault_id} {k}of{n} {} {}",
                bytes[0],
                hex::encode(&bytes[..])
            );
            let c = check(&body);
            Zeroizing::new(format!("{body} {c}"))
        })
        .collect())
}

/// Reassembles a secret from share lines (at least the threshold, all from the
/// same split). Errors say which share is wrong, never what it holds.
pub fn combine(lines: &[Zeroizing<String>], vault_id: &str) -> Result<Zeroizing<Vec<u8>>> {
    let mut shares = Vec::new();
    let mut threshold: Option<(u8, u8)> = None;
    let mut seen = std::collections::BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let bad = |what: &str| Error::Usage(msg!("share", n = n, what = what));
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [tag, vault, kn, idx, hexs, c] = parts.as_slice() else {
            return Err(bad("not a coffre recovery share"));
        };
        if *tag != TAG {
            return Err(bad("not a coffre recovery share"));
        }
        let body = parts[..5].join(" ");
        if check(&body) != *c {
            return Err(bad("its check digits do not match: it was copied wrongly"));
        }
        if *vault != vault_id {
            return Err(bad("it belongs to another vault"));
        }
        let (k, total) = kn
            .split_once("of")
            .and_then(|(a, b)| Some((a.parse::<u8>().ok()?, b.parse::<u8>().ok()?)))
            .ok_or_else(|| bad("malformed threshold"))?;
        if threshold.is_some_and(|t| t != (k, total)) {
            return Err(bad("it comes from a different split"));
        }
        threshold = Some((k, total));
        let bytes = Zeroizing::new(hex::decode(hexs).map_err(|_| bad("malformed"))?);
        if bytes.first().map(|b| b.to_string()) != Some(idx.to_string()) {
            return Err(bad("malformed"));
        }
        if !seen.insert(bytes[0]) {
            return Err(bad("given twice"));
        }
        shares.push(Share::try_from(&bytes[..]).map_err(|_| bad("malformed"))?);
    }
    let (k, _) = threshold.ok_or_else(|| Error::Usage(msg!("give-shares-share-file")))?;
    if shares.len() < k as usize {
        return Err(Error::Usage(msg!(
            "share-s-given-needed",
            shares_count = shares.len(),
            k = k
        )));
    }
    Sharks(k)
        .recover(&shares)
        .map(Zeroizing::new)
        .map_err(|_| Error::Usage(msg!("shares-do-combine")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn any_two_of_three_recover_and_one_does_not() {
        let secret = b"AGE-SECRET-KEY-1EXAMPLE";
        let s = split(secret, 2, 3, "v1").unwrap();
        for (a, b) in [(0, 1), (0, 2), (1, 2), (2, 0)] {
            let got = combine(&[s[a].clone(), s[b].clone()], "v1").unwrap();
            assert_eq!(&got[..], secret);
        }
        assert!(combine(&[s[0].clone()], "v1").is_err());
        assert!(combine(&[s[0].clone(), s[0].clone()], "v1").is_err());
        assert!(combine(&[s[0].clone(), s[1].clone()], "v2").is_err());
    }

    #[test]
    fn a_mistyped_share_is_caught() {
        let s = split(b"secret", 2, 3, "v").unwrap();
        let mut typo = s[1].to_string();
        let pos = typo.len() - 12;
        let c = typo.as_bytes()[pos];
        typo.replace_range(pos..pos + 1, if c == b'0' { "1" } else { "0" });
        let err = combine(&[s[0].clone(), Zeroizing::new(typo)], "v")
            .unwrap_err()
            .in_lang(crate::i18n::Lang::En);
        assert!(
            err.contains("share 2") && err.contains("copied wrongly"),
            "{err}"
        );
    }

    proptest! {
        #[test]
        fn prop_k_of_n(secret in proptest::collection::vec(any::<u8>(), 1..64), k in 2u8..5, extra in 0u8..3) {
            let n = k + extra;
            let s = split(&secret, k, n, "v").unwrap();
            let first: Vec<_> = s.iter().take(k as usize).cloned().collect();
            prop_assert_eq!(&combine(&first, "v").unwrap()[..], &secret[..]);
            let last: Vec<_> = s.iter().rev().take(k as usize).cloned().collect();
            prop_assert_eq!(&combine(&last, "v").unwrap()[..], &secret[..]);
        }
    }
}
