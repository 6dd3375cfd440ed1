//! What a web front-end needs from the library and the command line does not:
//! the data protection officer's dashboard (the series of its pictures, computed
//! from the same reading of the audit log as the DPO's report, and audited like
//! it) and those pictures as accessible SVG drawn by the server; the fields of an
//! entry kind as form inputs (labels from the policy), and the parsing of a
//! submitted form into the library's inputs; the pages of a long list. Nothing here decides who may read or
//! write what, and nothing writes to the audit log by itself: that stays in
//! [`crate::vault`]. See `docs/web.md`.

pub mod charts;
pub mod dashboard;
pub mod forms;
pub mod paging;
