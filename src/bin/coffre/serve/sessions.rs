//! Browser sessions: a 256-bit random id (the cookie) → the library session it
//! unlocked, kept in this process's memory only. A session ends at logout, after
//! the policy's idle time (`[web] idle_minutes`), after its absolute limit
//! (`[web] max_hours`) and at shutdown; ending it drops the library session,
//! which zeroizes its keys and signs a checkpoint of what it recorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coffre::{PersonSession, Session};
use ring::digest::{digest, SHA256};

use super::App;

/// Who is logged in.
pub enum Who {
    /// A staff member, through the library's `Session`.
    Staff(Box<Session<'static>>),
    /// The person supported, through their own access.
    Person(PersonSession<'static>),
    /// Nobody any more: the library session has been dropped (only while
    /// [`Live`] itself is dropped).
    Ended,
}

/// One browser session's state, used by one request at a time.
pub struct Live {
    /// The unlocked library session.
    pub who: Who,
}

impl Drop for Live {
    /// Drops the library session where blocking is allowed: its drop signs a
    /// checkpoint (file I/O and fsync, or a transaction in PostgreSQL, whose
    /// client panics on an async worker thread). The last reference to a
    /// session is not always the task that ends it: a request using it (the
    /// logout itself, a page still answering while another tab logs out)
    /// may hold it longer, and drops it on a worker thread.
    fn drop(&mut self) {
        let who = std::mem::replace(&mut self.who, Who::Ended);
        match tokio::runtime::Handle::try_current() {
            Ok(_) => tokio::task::block_in_place(move || drop(who)),
            Err(_) => drop(who),
        }
    }
}

/// A session as the handlers see it.
#[derive(Clone)]
pub struct Handle {
    /// The library session (locked for each library call).
    pub live: Arc<Mutex<Live>>,
    /// The CSRF token of this session's forms.
    pub csrf: String,
    /// The staff id, or the dossier id for the person (never a name).
    pub user: String,
    /// The profession (`person` for the person).
    pub profession: String,
}

struct Slot {
    handle: Handle,
    created: Instant,
    last: Instant,
}

/// Every open browser session, by the SHA-256 of its id (the id itself is
/// kept nowhere: a memory dump of the table does not give a usable cookie).
pub struct Sessions {
    slots: Mutex<HashMap<[u8; 32], Slot>>,
    idle: Duration,
    max: Duration,
}

fn key_of(id_hex: &str) -> Option<[u8; 32]> {
    let raw = hex::decode(id_hex).ok()?;
    if raw.len() != 32 {
        return None;
    }
    let d = digest(&SHA256, &raw);
    let mut k = [0u8; 32];
    k.copy_from_slice(d.as_ref());
    Some(k)
}

impl Sessions {
    /// An empty table with the policy's limits.
    pub fn new(rules: &coffre::policy::WebRules) -> Sessions {
        Sessions {
            slots: Mutex::new(HashMap::new()),
            idle: Duration::from_secs(u64::from(rules.idle_minutes) * 60),
            max: Duration::from_secs(u64::from(rules.max_hours) * 3600),
        }
    }

    /// Keeps `live` under a new random id; returns (id for the cookie, handle).
    pub fn open(
        &self,
        app: &App,
        live: Live,
        user: String,
        profession: String,
    ) -> Result<(String, Handle), coffre::Error> {
        let raw = coffre::crypto::key::random_bytes::<32>()?;
        let id = hex::encode(raw);
        let key =
            key_of(&id).ok_or_else(|| coffre::Error::Io(coffre::msg!("serve-no-randomness")))?;
        let tag = ring::hmac::sign(&app.csrf_key, &key);
        let handle = Handle {
            live: Arc::new(Mutex::new(live)),
            csrf: hex::encode(tag.as_ref()),
            user,
            profession,
        };
        let now = Instant::now();
        if let Ok(mut slots) = self.slots.lock() {
            slots.insert(
                key,
                Slot {
                    handle: handle.clone(),
                    created: now,
                    last: now,
                },
            );
        }
        Ok((id, handle))
    }

    /// The live session of cookie value `id`, if it is open and within its
    /// limits (a session past them is ended here); marks it used.
    pub fn get(&self, id: &str) -> Option<Handle> {
        let key = key_of(id)?;
        let mut slots = self.slots.lock().ok()?;
        let now = Instant::now();
        let expired = match slots.get(&key) {
            None => return None,
            Some(s) => {
                now.duration_since(s.last) > self.idle || now.duration_since(s.created) > self.max
            }
        };
        if expired {
            if let Some(s) = slots.remove(&key) {
                drop(slots);
                end(s.handle);
            }
            return None;
        }
        let slot = slots.get_mut(&key)?;
        slot.last = now;
        Some(slot.handle.clone())
    }

    /// Ends the session of cookie value `id` (logout).
    pub fn close(&self, id: &str) {
        let Some(key) = key_of(id) else { return };
        let removed = self.slots.lock().ok().and_then(|mut s| s.remove(&key));
        if let Some(s) = removed {
            end(s.handle);
        }
    }

    /// Ends every session past its limits.
    fn reap(&self) {
        let now = Instant::now();
        let gone: Vec<Slot> = match self.slots.lock() {
            Ok(mut slots) => {
                let keys: Vec<[u8; 32]> = slots
                    .iter()
                    .filter(|(_, s)| {
                        now.duration_since(s.last) > self.idle
                            || now.duration_since(s.created) > self.max
                    })
                    .map(|(k, _)| *k)
                    .collect();
                keys.iter().filter_map(|k| slots.remove(k)).collect()
            }
            Err(_) => Vec::new(),
        };
        for s in gone {
            end(s.handle);
        }
    }

    /// Ends every session (shutdown), waiting for their checkpoints.
    pub async fn end_all(&self) {
        let all: Vec<Slot> = match self.slots.lock() {
            Ok(mut slots) => slots.drain().map(|(_, s)| s).collect(),
            Err(_) => Vec::new(),
        };
        let _ = tokio::task::spawn_blocking(move || drop(all)).await;
    }

    /// How many sessions are open.
    #[allow(dead_code)]
    pub fn len(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// Drops a session's library state off the async threads (the drop signs a
/// checkpoint: file I/O). A request still using it drops it when it finishes
/// (where blocking is allowed: see [`Live`]'s `Drop`).
fn end(handle: Handle) {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn_blocking(move || drop(handle));
        }
        Err(_) => drop(handle),
    }
}

/// Every 30 seconds, ends the sessions past their limits.
pub async fn reaper(app: Arc<App>) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        app.sessions.reap();
    }
}
