//! Words that belong to no domain value: a duration. The words for a domain
//! value are that value's (`audit::words` for audited actions,
//! `WithheldReason::msg`, `Capability::msg`, `Warning::msg`,
//! `policy::period_msg`): this floor never reaches up into them.

use crate::error::Msg;

/// A duration in words (days and hours, or hours and minutes).
pub fn duration(secs: u64) -> Msg {
    msg!(
        "duration",
        days = secs / 86_400,
        hours = secs % 86_400 / 3600,
        minutes = secs % 3600 / 60
    )
}
