//! The rights register: who may unlock, hold which key, sign, reach which
//! dossier — and which entries a dossier holds.
//!
//! Every fact that confers a right travels in a signed entry of the audit log
//! (format 3 or 5, [`fact`]), signed by an actor whose own key an earlier fact
//! introduced, back to the vault's genesis (its first entry). The register is
//! rebuilt from those facts ([`replay`]) with the rules of [`state`], never read
//! from the store: records in the store are a cache, checked against the
//! register where they are used. [`anchor`] lets a member's next unlock verify
//! only what was written since their last one. `docs/crypto.md` ("Trust model")
//! explains the design and its limits.

pub mod anchor;
pub mod fact;
pub mod replay;
pub mod state;

pub use anchor::AnchorKey;
pub use fact::{Fact, Member, Status, RECOVERY_SIGNER};
pub use replay::Verified;
pub use state::Register;
