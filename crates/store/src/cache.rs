//! What the store keeps in memory of the schools' data, at one data version.
//!
//! Every change to what pages show bumps a version in the database, by trigger (migrations
//! 0007 and 0010), so changes by other instances or by anything outside Ensemble count too. A request
//! reads the version in the same statement as its session or token ([`Fresh`]), and the store
//! answers the request's reads of structure, rosters and records from memory when they were
//! read at that version, and keeps what callers derive from that data ([`crate::Store::memo`]). A
//! newer version empties the cache; an older one is not served from it.

use crate::school::{BookingRow, TeamDetail};
use crate::students::StudentRecord;
use crate::Loaded;
use ensemble_domain::access::{Access, Principal, StudentFacts};
use ensemble_domain::*;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Proof that the data version was read during this request: reads made with it may be answered
/// from what the store read at that version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fresh(pub(crate) i64);

impl Fresh {
    pub fn version(self) -> i64 {
        self.0
    }
}

/// Above this many cached student records the cache starts again (a district's worth).
const MAX_RECORDS: usize = 100_000;

#[derive(Default)]
struct Inner {
    version: i64,
    principals: HashMap<UserId, Principal>,
    teams: HashMap<TeamId, Option<TeamDetail>>,
    grids: HashMap<SchoolId, Option<TimeGrid>>,
    roster_facts: HashMap<(TeamId, Option<EducatorId>), Vec<StudentFacts>>,
    bookings: HashMap<TeamId, Loaded<BookingRow>>,
    /// (student, access, with who serves them) → record.
    records: HashMap<(StudentId, Access, bool), StudentRecord>,
    /// What a caller derived from this version's data (see [`crate::Store::memo`]).
    memos: HashMap<(&'static str, i64), Arc<dyn Any + Send + Sync>>,
}

/// The cache, shared by every clone of a store.
#[derive(Default)]
pub(crate) struct Cache {
    inner: Mutex<Inner>,
    /// Set once an account is seen to exist: from then on the install is set up for good.
    pub(crate) accounts_exist: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cache")
    }
}

/// Which of the cache's maps a read goes to.
pub(crate) enum Slot {
    Principal(UserId),
    Team(TeamId),
    Grid(SchoolId),
    RosterFacts(TeamId, Option<EducatorId>),
    Bookings(TeamId),
}

/// A value of one of the maps.
pub(crate) enum Value {
    Principal(Principal),
    Team(Option<TeamDetail>),
    Grid(Option<TimeGrid>),
    RosterFacts(Vec<StudentFacts>),
    Bookings(Loaded<BookingRow>),
}

impl Cache {
    /// The cache's contents at `fresh`'s version: emptied when the version moved on; `None` when
    /// the request saw an older version than the cache holds (it is then not served from it).
    fn at(&self, fresh: Fresh) -> Option<std::sync::MutexGuard<'_, Inner>> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if fresh.0 > inner.version {
            *inner = Inner {
                version: fresh.0,
                ..Default::default()
            };
        }
        (inner.version == fresh.0).then_some(inner)
    }

    pub(crate) fn get(&self, fresh: Fresh, slot: &Slot) -> Option<Value> {
        let inner = self.at(fresh)?;
        match slot {
            Slot::Principal(u) => inner.principals.get(u).cloned().map(Value::Principal),
            Slot::Team(t) => inner.teams.get(t).cloned().map(Value::Team),
            Slot::Grid(s) => inner.grids.get(s).cloned().map(Value::Grid),
            Slot::RosterFacts(t, e) => inner
                .roster_facts
                .get(&(*t, *e))
                .cloned()
                .map(Value::RosterFacts),
            Slot::Bookings(t) => inner.bookings.get(t).cloned().map(Value::Bookings),
        }
    }

    pub(crate) fn put(&self, fresh: Fresh, slot: Slot, value: Value) {
        let Some(mut inner) = self.at(fresh) else {
            return;
        };
        match (slot, value) {
            (Slot::Principal(u), Value::Principal(p)) => {
                inner.principals.insert(u, p);
            }
            (Slot::Team(t), Value::Team(v)) => {
                inner.teams.insert(t, v);
            }
            (Slot::Grid(s), Value::Grid(v)) => {
                inner.grids.insert(s, v);
            }
            (Slot::RosterFacts(t, e), Value::RosterFacts(v)) => {
                inner.roster_facts.insert((t, e), v);
            }
            (Slot::Bookings(t), Value::Bookings(v)) => {
                inner.bookings.insert(t, v);
            }
            _ => {}
        }
    }

    pub(crate) fn memo(
        &self,
        fresh: Fresh,
        key: (&'static str, i64),
    ) -> Option<Arc<dyn Any + Send + Sync>> {
        self.at(fresh)?.memos.get(&key).cloned()
    }

    pub(crate) fn put_memo(
        &self,
        fresh: Fresh,
        key: (&'static str, i64),
        value: Arc<dyn Any + Send + Sync>,
    ) {
        if let Some(mut inner) = self.at(fresh) {
            inner.memos.insert(key, value);
        }
    }

    /// The cached records among `keys`, and the positions of those not cached.
    pub(crate) fn records(
        &self,
        fresh: Fresh,
        keys: &[(StudentId, Access, bool)],
    ) -> (Vec<Option<StudentRecord>>, Vec<usize>) {
        let Some(inner) = self.at(fresh) else {
            return (vec![None; keys.len()], (0..keys.len()).collect());
        };
        let found: Vec<Option<StudentRecord>> =
            keys.iter().map(|k| inner.records.get(k).cloned()).collect();
        let missing = found
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_none())
            .map(|(i, _)| i)
            .collect();
        (found, missing)
    }

    pub(crate) fn put_records(
        &self,
        fresh: Fresh,
        records: impl IntoIterator<Item = ((StudentId, Access, bool), StudentRecord)>,
    ) {
        let Some(mut inner) = self.at(fresh) else {
            return;
        };
        if inner.records.len() > MAX_RECORDS {
            inner.records.clear();
        }
        inner.records.extend(records);
    }
}
