//! What any web front-end of Coffre needs and the command line does not: the
//! fields of an entry kind as form inputs (labels from the policy), and the
//! parsing of a submitted form into the library's inputs. Nothing here decides
//! who may read or write what, and nothing writes to the audit log: that stays in
//! [`crate::vault`]. `docs/web.md` describes the web application built on it.

pub mod forms;
