//! The solver: simulated annealing over blocks of activities.
//!
//! - Hard constraints on one activity alone (preferred or forbidden times, unavailable
//!   teachers and students, breaks, required rooms, room capacity) become the activity's
//!   domain of start slots and rooms, so no move ever breaks them. Activities that must
//!   start together (hard "same starting time") move as one block.
//! - Every other constraint is a *term* with a cached violation count. A move applies the
//!   change to the occupancy tables, recomputes only the terms the moved activities touch,
//!   and is taken back if refused.
//! - Each step picks a violated term (hard ones first), an activity it involves, and tries
//!   to move that activity's block to a random allowed slot, to swap it with a block that
//!   shares a teacher or subgroup, or to exchange a whole Kempe chain between two start
//!   times (the blocks that must trade places so that no teacher or subgroup is
//!   double-booked); the move is kept if not worse, or by chance at the current temperature.
//!   Hard violations weigh 1000 soft units, and hard terms that stay violated weigh more
//!   (breakout). Once none is left, the temperature drops to the soft scale and the search
//!   lowers the soft cost — Kempe chains do most of that work in full timetables, where no
//!   single move is free — until it stops improving.
//! - Both cores race with different seeds and tunings (a portfolio: one anneals with
//!   Kempe chains and breakout weights and low reheats, the other plainly with high
//!   reheats — timetables differ in which suits them); the first thread to reach no hard violation (by
//!   iteration count, then thread number) wins, so the result depends only on the seed
//!   unless the time limit cuts the search short.

#![allow(clippy::needless_range_loop)] // dense index loops read best as loops

use crate::problem::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How to solve.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub time_limit: Duration,
    /// Threads racing with different seeds (at least one).
    pub threads: usize,
    /// After the hard constraints hold, go on lowering the soft cost until this many
    /// iterations pass without improvement (at least; more on problems that took long).
    pub polish_iterations: u64,
    /// A portfolio: thread `t` searches with `tuning[t % len]` (at least one entry).
    pub tuning: Vec<Tuning>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            time_limit: Duration::from_secs(20),
            threads: 2,
            polish_iterations: 500_000,
            tuning: vec![Tuning::default(), Tuning::classic()],
        }
    }
}

/// The search's parameters; the defaults were chosen on samples of FET's examples
/// (`cargo xtask bench-fet`). Temperatures are in soft-cost units (a hard violation
/// weighs 1000).
#[derive(Clone, Debug)]
pub struct Tuning {
    /// Temperature at the start of the search for a feasible timetable.
    pub start_temperature: f64,
    /// Temperature the hard phase is reheated to when it has cooled down.
    pub reheat_temperature: f64,
    /// Factor applied to the temperature after each move.
    pub cooling: f64,
    /// Share of moves, per mille, that are Kempe-chain exchanges: before and after the hard
    /// constraints hold.
    pub kempe_hard: u64,
    pub kempe_polish: u64,
    /// Share of moves, per mille, that are ejection chains while hard violations remain,
    /// and how many rounds of pushed-out blocks they follow.
    pub eject_hard: u64,
    pub eject_depth: usize,
    /// Slots sampled for the block that starts an ejection chain, and for each block it
    /// pushes out.
    pub eject_tries: (usize, usize),
    /// Moves without improvement after which violated hard terms weigh one more unit.
    pub breakout_after: u64,
}

impl Tuning {
    /// Plain annealing: high reheats, single moves and swaps only in the hard phase, no
    /// breakout weights. Some timetables fall to it much faster than to the default, others
    /// not at all — so the default portfolio races both.
    pub fn classic() -> Self {
        Self {
            reheat_temperature: 1500.0,
            kempe_hard: 0,
            breakout_after: u64::MAX,
            ..Self::default()
        }
    }
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            start_temperature: 300.0,
            reheat_temperature: 300.0,
            cooling: 0.999_99,
            kempe_hard: 100,
            kempe_polish: 200,
            eject_hard: 100,
            eject_depth: 1,
            eject_tries: (8, 24),
            breakout_after: 20_000,
        }
    }
}

/// Where the search is, for a progress display.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub elapsed: Duration,
    pub iterations: u64,
    pub hard: u64,
    pub soft: f64,
    pub feasible: bool,
}

/// Why no placement could be found at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Infeasible {
    /// `act` indexes the problem's activities.
    #[error("activity #{act} has no start time allowed by its hard time constraints")]
    NoTime { act: usize },
    #[error("activity #{act} has no room allowed by its hard room constraints and its size ({students} students)")]
    NoRoom { act: usize, students: u32 },
}

/// The search's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub placement: Placement,
    /// Hard violations as the solver counts them (0: solved).
    pub hard: u64,
    pub soft: f64,
    pub iterations: u64,
    pub elapsed: Duration,
    /// When the hard constraints first held.
    pub feasible_after: Option<Duration>,
}

/// Solves `p`. `progress` is called from time to time from the first thread.
pub fn solve(
    p: &Problem,
    opts: &Options,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Outcome, Infeasible> {
    // The clock (time limit, time to feasibility) includes building the model.
    let started = Instant::now();
    let model = Model::new(p)?;
    let threads = opts.threads.max(1);
    let race = Race {
        first_feasible: AtomicU64::new(u64::MAX),
        stop: AtomicBool::new(false),
    };
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for t in 0..threads {
            let model = &model;
            let race = &race;
            let results = &results;
            scope.spawn(move || {
                let seed = opts.seed ^ (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let tuning = opts
                    .tuning
                    .get(t % opts.tuning.len().max(1))
                    .cloned()
                    .unwrap_or_default();
                let mut s = Search::new(model, seed, &tuning);
                let out = s.run(
                    opts,
                    &tuning,
                    started,
                    race,
                    t,
                    if t == 0 { Some(progress) } else { None },
                );
                if let Ok(mut r) = results.lock() {
                    r.push((t, out));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    // The winner: feasible first (fewest iterations to feasibility, then thread), else the
    // fewest hard violations.
    results.sort_by(|(ta, a), (tb, b)| {
        let ka = (a.hard, a.feasible_iter(), *ta);
        let kb = (b.hard, b.feasible_iter(), *tb);
        ka.cmp(&kb)
    });
    let (_, mut best) = results.swap_remove(0);
    best.elapsed = started.elapsed();
    Ok(best)
}

impl Outcome {
    fn feasible_iter(&self) -> u64 {
        if self.hard == 0 {
            self.iterations
        } else {
            u64::MAX
        }
    }
}

struct Race {
    first_feasible: AtomicU64,
    stop: AtomicBool,
}

// ---------------------------------------------------------------------------------------
// The static model: domains, blocks, profiles, terms.

/// A resource's busy-hour table: a teacher or subgroup, over all its activities or those
/// with one tag.
struct Profile {
    res: Res,
    tag: Option<usize>,
    acts: Vec<usize>,
    /// Off hours (unavailable or break) per day, as a mask.
    off: Vec<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TermKind {
    /// Two activities of a profile at the same hour.
    Clash(usize),
    /// Two activities in a room at the same hour.
    RoomClash(usize),
    /// A problem constraint (not a hard unary one: those are domains, nor a rule).
    Constraint(usize),
    /// A per-resource rule (constraint index) on its profile.
    Rule(usize, usize),
}

struct Term {
    kind: TermKind,
    hard: bool,
    /// Weight of a violation in the soft cost (FET weight / 100).
    soft_weight: f64,
    /// Activities whose move may change the term.
    scope: Vec<usize>,
}

struct Model<'p> {
    p: &'p Problem,
    /// Block of each activity, and each block's members.
    block_of: Vec<usize>,
    blocks: Vec<Vec<usize>>,
    /// Allowed start slots per block, as a list and as a table.
    domain: Vec<Vec<Slot>>,
    in_domain: Vec<Vec<bool>>,
    /// Allowed rooms per activity (empty when it needs none).
    room_domain: Vec<Vec<usize>>,
    /// Soft cost of each start slot per activity, from soft unary time constraints (empty
    /// when none).
    unary_time: Vec<Vec<f64>>,
    /// Soft cost of each room per activity (empty when none).
    unary_room: Vec<Vec<f64>>,
    profiles: Vec<Profile>,
    /// Profiles each activity is in.
    profiles_of: Vec<Vec<usize>>,
    terms: Vec<Term>,
    /// Terms each activity may change (room terms come from the rooms it uses).
    terms_of: Vec<Vec<usize>>,
    /// Per room, its clash term and room-unavailable terms.
    room_terms: Vec<Vec<usize>>,
    /// Profile of each (resource, tag).
    profile_key: std::collections::HashMap<(Res, Option<usize>), usize>,
    /// Real rooms an activity must take in its virtual room (hard [`Kind::RealRooms`]).
    real_pin: Vec<Option<Vec<usize>>>,
    /// Blocks of each hard same-starting-hour constraint over more than two activities (an
    /// exam session: the group keeps its hour, each on its own day).
    same_hour: Vec<Vec<usize>>,
    /// The same-hour group of each block, if any (the first, when several).
    same_hour_of: Vec<Option<usize>>,
}

fn day_masks(p: &Problem, slots: &[bool]) -> Vec<u64> {
    (0..p.days)
        .map(|d| {
            (0..p.hours)
                .filter(|&h| slots[p.slot(d, h)])
                .fold(0u64, |m, h| m | 1 << h)
        })
        .collect()
}

impl<'p> Model<'p> {
    fn new(p: &'p Problem) -> Result<Self, Infeasible> {
        let n = p.acts.len();
        let ns = p.slots();
        // Blocks: union-find over hard same-starting-time.
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for c in &p.constraints {
            if let (
                true,
                Kind::Same {
                    acts,
                    what: SameWhat::Time,
                },
            ) = (c.is_hard(), &c.kind)
            {
                for w in acts.windows(2) {
                    let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
        let mut block_of = vec![usize::MAX; n];
        let mut blocks: Vec<Vec<usize>> = Vec::new();
        for a in 0..n {
            let r = find(&mut parent, a);
            if block_of[r] == usize::MAX {
                block_of[r] = blocks.len();
                blocks.push(Vec::new());
            }
            block_of[a] = block_of[r];
            blocks[block_of[a]].push(a);
        }

        // Allowed starts per activity, from hard unary time constraints.
        let mut allowed: Vec<Vec<bool>> = (0..n)
            .map(|a| (0..ns).map(|s| p.fits(a, s)).collect())
            .collect();
        let mut unary_time: Vec<Vec<f64>> = vec![Vec::new(); n];
        let mut room_ok: Vec<Option<Vec<bool>>> = vec![None; n];
        let mut unary_room: Vec<Vec<f64>> = vec![Vec::new(); n];
        let occupied_ok = |a: usize, s: Slot, allowed: &[bool]| {
            let d = p.acts[a].duration as usize;
            p.hour_of(s) + d <= p.hours && (s..s + d).all(|x| allowed[x])
        };
        for c in &p.constraints {
            let w = c.weight / 100.0;
            match &c.kind {
                Kind::StartSlots { acts, allowed: ok } => {
                    for &a in acts {
                        if c.is_hard() {
                            for s in 0..ns {
                                allowed[a][s] &= ok[s];
                            }
                        } else {
                            let t = &mut unary_time[a];
                            t.resize(ns, 0.0);
                            for (s, x) in t.iter_mut().enumerate() {
                                if !ok[s] {
                                    *x += w;
                                }
                            }
                        }
                    }
                }
                Kind::OccupiedSlots { acts, allowed: ok } => {
                    for &a in acts {
                        let d = p.acts[a].duration as usize;
                        if c.is_hard() {
                            for s in 0..ns {
                                allowed[a][s] &= occupied_ok(a, s, ok);
                            }
                        } else {
                            let t = &mut unary_time[a];
                            t.resize(ns, 0.0);
                            for (s, x) in t.iter_mut().enumerate() {
                                if p.hour_of(s) + d <= p.hours {
                                    *x += w * (s..s + d).filter(|&y| !ok[y]).count() as f64;
                                }
                            }
                        }
                    }
                }
                Kind::Rooms { acts, rooms } => {
                    for &a in acts {
                        if c.is_hard() {
                            let ok = room_ok[a].get_or_insert_with(|| vec![true; p.rooms.len()]);
                            for (r, x) in ok.iter_mut().enumerate() {
                                *x &= rooms.contains(&r);
                            }
                        } else {
                            let t = &mut unary_room[a];
                            t.resize(p.rooms.len(), 0.0);
                            for (r, x) in t.iter_mut().enumerate() {
                                if !rooms.contains(&r) {
                                    *x += w;
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let mut domain = Vec::with_capacity(blocks.len());
        for b in &blocks {
            let d: Vec<Slot> = (0..ns)
                .filter(|&s| b.iter().all(|&a| allowed[a][s]))
                .collect();
            if d.is_empty() {
                let a = b[0];
                return Err(Infeasible::NoTime { act: a });
            }
            domain.push(d);
        }
        // A virtual room whose sets cannot each get a distinct real room holds nothing.
        let usable: Vec<bool> = p
            .rooms
            .iter()
            .map(|r| {
                let mut owner = Default::default();
                (0..r.real_sets.len())
                    .all(|set| augment(set, &r.real_sets, &|_| true, &mut owner, &mut Vec::new()))
            })
            .collect();
        let mut room_domain = vec![Vec::new(); n];
        for a in 0..n {
            if !p.acts[a].needs_room {
                unary_room[a].clear();
                continue;
            }
            let ok = room_ok[a].take();
            room_domain[a] = (0..p.rooms.len())
                .filter(|&r| ok.as_ref().is_none_or(|o| o[r]))
                .filter(|&r| p.rooms[r].capacity >= p.acts[a].n_students && usable[r])
                .collect();
            if room_domain[a].is_empty() {
                return Err(Infeasible::NoRoom {
                    act: a,
                    students: p.acts[a].n_students,
                });
            }
        }

        // Profiles: every teacher and subgroup with activities, plus tagged ones rules need.
        let mut key_index: std::collections::HashMap<(Res, Option<usize>), usize> =
            Default::default();
        let mut profiles: Vec<Profile> = Vec::new();
        let get_profile =
            |key_index: &mut std::collections::HashMap<(Res, Option<usize>), usize>,
             res: Res,
             tag: Option<usize>,
             profiles: &mut Vec<Profile>| {
                *key_index.entry((res, tag)).or_insert_with(|| {
                    let off = match res {
                        Res::Teacher(t) => day_masks(p, &p.teacher_off[t]),
                        Res::Subgroup(s) => day_masks(p, &p.subgroup_off[s]),
                    };
                    let acts = (0..n)
                        .filter(|&a| {
                            let act = &p.acts[a];
                            let has = match res {
                                Res::Teacher(t) => act.teachers.contains(&t),
                                Res::Subgroup(s) => act.subgroups.contains(&s),
                            };
                            has && tag.is_none_or(|g| act.tags.contains(&g))
                        })
                        .collect();
                    profiles.push(Profile {
                        res,
                        tag,
                        acts,
                        off,
                    });
                    profiles.len() - 1
                })
            };
        let mut terms: Vec<Term> = Vec::new();
        let mut terms_of_profile: Vec<Vec<usize>> = Vec::new();
        for a in 0..n {
            let act = &p.acts[a];
            for r in act
                .teachers
                .iter()
                .map(|&t| Res::Teacher(t))
                .chain(act.subgroups.iter().map(|&s| Res::Subgroup(s)))
            {
                let pi = get_profile(&mut key_index, r, None, &mut profiles);
                if pi == terms_of_profile.len() {
                    terms_of_profile.push(vec![terms.len()]);
                    terms.push(Term {
                        kind: TermKind::Clash(pi),
                        hard: true,
                        soft_weight: 1.0,
                        scope: Vec::new(),
                    });
                }
            }
        }
        let mut room_terms: Vec<Vec<usize>> = (0..p.rooms.len())
            .map(|r| {
                terms.push(Term {
                    kind: TermKind::RoomClash(r),
                    hard: true,
                    soft_weight: 1.0,
                    scope: Vec::new(),
                });
                vec![terms.len() - 1]
            })
            .collect();
        let mut terms_of: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut real_pin: Vec<Option<Vec<usize>>> = vec![None; n];
        for (ci, c) in p.constraints.iter().enumerate() {
            let term = |scope: Vec<usize>| Term {
                kind: TermKind::Constraint(ci),
                hard: c.is_hard(),
                soft_weight: c.weight / 100.0,
                scope,
            };
            match &c.kind {
                Kind::StartSlots { .. } | Kind::OccupiedSlots { .. } | Kind::Rooms { .. } => {}
                Kind::Same {
                    what: SameWhat::Time,
                    ..
                } if c.is_hard() => {}
                Kind::Resource { res, tag, .. } => {
                    let pi = get_profile(&mut key_index, *res, *tag, &mut profiles);
                    while terms_of_profile.len() <= pi {
                        terms_of_profile.push(Vec::new());
                    }
                    terms_of_profile[pi].push(terms.len());
                    terms.push(Term {
                        kind: TermKind::Rule(ci, pi),
                        ..term(profiles[pi].acts.clone())
                    });
                }
                Kind::RoomUnavailable { room, .. } => {
                    room_terms[*room].push(terms.len());
                    terms.push(term(Vec::new()));
                }
                Kind::OrderedTagGaps {
                    res, first, second, ..
                } => {
                    let scope = (0..n)
                        .filter(|&a| {
                            let x = &p.acts[a];
                            (x.tags.contains(first) || x.tags.contains(second))
                                && match *res {
                                    Res::Teacher(t) => x.teachers.contains(&t),
                                    Res::Subgroup(s) => x.subgroups.contains(&s),
                                }
                        })
                        .collect();
                    terms.push(term(scope));
                }
                Kind::EndsStudentsDay { act } => {
                    let mut scope = vec![*act];
                    for a in 0..n {
                        if a != *act
                            && p.acts[a]
                                .subgroups
                                .iter()
                                .any(|s| p.acts[*act].subgroups.contains(s))
                        {
                            scope.push(a);
                        }
                    }
                    terms.push(term(scope));
                }
                Kind::Same { acts, .. }
                | Kind::NotOverlapping { acts }
                | Kind::MinDaysBetween { acts, .. }
                | Kind::ConsecutiveIfSameDay { acts }
                | Kind::MaxDaysBetween { acts, .. }
                | Kind::MinGapsBetween { acts, .. }
                | Kind::Grouped { acts }
                | Kind::OccupyMaxSlots { acts, .. }
                | Kind::MaxSimultaneous { acts, .. }
                | Kind::MaxDifferentRooms { acts, .. }
                | Kind::SameRoomIfConsecutive { acts } => {
                    let mut scope = acts.clone();
                    scope.sort_unstable();
                    scope.dedup();
                    terms.push(term(scope));
                }
                Kind::Consecutive { first, second } | Kind::Ordered { first, second, .. } => {
                    terms.push(term(vec![*first, *second]));
                }
                Kind::RealRooms { act, rooms } => {
                    if c.is_hard() {
                        real_pin[*act] = Some(rooms.clone());
                    }
                    terms.push(term(vec![*act]));
                }
            }
        }
        while terms_of_profile.len() < profiles.len() {
            terms_of_profile.push(Vec::new());
        }
        let mut profiles_of: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (pi, pr) in profiles.iter().enumerate() {
            for &a in &pr.acts {
                profiles_of[a].push(pi);
            }
        }
        for (ti, t) in terms.iter().enumerate() {
            for &a in &t.scope {
                terms_of[a].push(ti);
            }
        }
        for a in 0..n {
            for &pi in &profiles_of[a] {
                if let Some(&first) = terms_of_profile[pi].first() {
                    if terms[first].kind == TermKind::Clash(pi) {
                        terms_of[a].push(first);
                    }
                }
            }
            terms_of[a].sort_unstable();
            terms_of[a].dedup();
        }
        let same_hour: Vec<Vec<usize>> = p
            .constraints
            .iter()
            .filter_map(|c| match &c.kind {
                Kind::Same {
                    acts,
                    what: SameWhat::Hour,
                } if c.is_hard() && acts.len() > 2 => {
                    let mut bs: Vec<usize> = acts.iter().map(|&a| block_of[a]).collect();
                    bs.sort_unstable();
                    bs.dedup();
                    Some(bs)
                }
                _ => None,
            })
            .collect();
        let mut same_hour_of = vec![None; blocks.len()];
        for (g, bs) in same_hour.iter().enumerate() {
            for &b in bs {
                same_hour_of[b].get_or_insert(g);
            }
        }
        let in_domain = domain
            .iter()
            .map(|d| {
                let mut t = vec![false; ns];
                for &s in d {
                    t[s] = true;
                }
                t
            })
            .collect();
        Ok(Model {
            p,
            block_of,
            blocks,
            domain,
            in_domain,
            room_domain,
            unary_time,
            unary_room,
            profiles,
            profiles_of,
            terms,
            terms_of,
            room_terms,
            profile_key: key_index,
            real_pin,
            same_hour_of,
            same_hour,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Rules on one resource's week, from its busy masks.

/// Kuhn's augmenting path for a matching of sets to distinct rooms: tries to give `set` a
/// room that `ok` allows, moving other sets to other rooms if need be. `owner[room]` is the
/// set holding it.
fn augment(
    set: usize,
    sets: &[Vec<usize>],
    ok: &dyn Fn(usize) -> bool,
    owner: &mut std::collections::HashMap<usize, usize>,
    seen: &mut Vec<usize>,
) -> bool {
    for &r in &sets[set] {
        if !ok(r) || seen.contains(&r) {
            continue;
        }
        seen.push(r);
        let free = match owner.get(&r) {
            None => true,
            Some(&other) => augment(other, sets, ok, owner, seen),
        };
        if free {
            owner.insert(r, set);
            return true;
        }
    }
    false
}

fn runs(mut m: u64) -> impl Iterator<Item = (u32, u32)> {
    // (start, length) of each run of set bits.
    std::iter::from_fn(move || {
        if m == 0 {
            return None;
        }
        let start = m.trailing_zeros();
        let len = (!(m >> start)).trailing_zeros();
        m &= !(((1u64 << len) - 1) << start);
        Some((start, len))
    })
}

fn gaps(m: u64, off: u64) -> u32 {
    if m == 0 {
        return 0;
    }
    let first = m.trailing_zeros();
    let last = 63 - m.leading_zeros();
    let span = (u64::MAX >> (63 - last)) & (u64::MAX << first);
    (span & !m & !off).count_ones()
}

struct DayView<'a> {
    masks: &'a [u64],
    off: &'a [u64],
    hours: u32,
}

fn rule_cost(rule: &Rule, v: &DayView, buildings: &mut dyn FnMut() -> u64) -> u64 {
    let sat = |x: i64| x.max(0) as u64;
    match *rule {
        Rule::MaxHoursDaily(n) => v
            .masks
            .iter()
            .map(|m| sat(m.count_ones() as i64 - n as i64))
            .sum(),
        Rule::MinHoursDaily {
            min,
            allow_empty_days,
        } => v
            .masks
            .iter()
            .map(|m| {
                let c = m.count_ones();
                if c == 0 && allow_empty_days {
                    0
                } else {
                    sat(min as i64 - c as i64)
                }
            })
            .sum(),
        Rule::MaxHoursContinuously(n) => v
            .masks
            .iter()
            .map(|&m| runs(m).map(|(_, l)| sat(l as i64 - n as i64)).sum::<u64>())
            .sum(),
        Rule::MaxDaysPerWeek(n) => {
            sat(v.masks.iter().filter(|&&m| m != 0).count() as i64 - n as i64)
        }
        Rule::MinDaysPerWeek(n) => {
            sat(n as i64 - v.masks.iter().filter(|&&m| m != 0).count() as i64)
        }
        Rule::IntervalMaxDaysPerWeek { start, end, max } => {
            let iv = (u64::MAX >> (64 - (end - start))) << start;
            sat(v.masks.iter().filter(|&&m| m & iv != 0).count() as i64 - max as i64)
        }
        Rule::MaxGapsPerWeek(n) => {
            let g: u64 = v
                .masks
                .iter()
                .zip(v.off)
                .map(|(&m, &o)| gaps(m, o) as u64)
                .sum();
            sat(g as i64 - n as i64)
        }
        Rule::MaxGapsPerDay(n) => v
            .masks
            .iter()
            .zip(v.off)
            .map(|(&m, &o)| sat(gaps(m, o) as i64 - n as i64))
            .sum(),
        Rule::EarlyMaxBeginningsAtSecondHour(n) => {
            let mut beginnings = 0i64;
            let mut bad = 0u64;
            for (&m, &o) in v.masks.iter().zip(v.off) {
                if m == 0 {
                    continue;
                }
                let first = m.trailing_zeros();
                let before = ((1u64 << first) - 1) & !o;
                let k = before.count_ones();
                if k >= 1 {
                    beginnings += 1;
                }
                if k >= 2 {
                    bad += (k - 1) as u64;
                }
            }
            bad + sat(beginnings - n as i64)
        }
        Rule::MaxSpanPerDay(n) => v
            .masks
            .iter()
            .map(|&m| {
                if m == 0 {
                    0
                } else {
                    let span = 64 - m.leading_zeros() - m.trailing_zeros();
                    sat(span as i64 - n as i64)
                }
            })
            .sum(),
        Rule::MinRestingHours { min, circular } => {
            let d = v.masks.len();
            let mut total = 0;
            let pairs = if circular { d } else { d.saturating_sub(1) };
            for i in 0..pairs {
                let (a, b) = (v.masks[i], v.masks[(i + 1) % d]);
                if a == 0 || b == 0 || (d == 1) {
                    continue;
                }
                let last = 63 - a.leading_zeros();
                let rest = (v.hours - 1 - last) + b.trailing_zeros();
                total += sat(min as i64 - rest as i64);
            }
            total
        }
        Rule::MaxBuildingChangesPerDay(_)
        | Rule::MaxBuildingChangesPerWeek(_)
        | Rule::MinGapsBetweenBuildingChanges(_) => buildings(),
    }
}

// ---------------------------------------------------------------------------------------
// The search state.

struct Rng(u64, u64, u64, u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Rng(next(), next(), next(), next())
    }
    fn next(&mut self) -> u64 {
        let r = self
            .0
            .wrapping_add(self.3)
            .rotate_left(23)
            .wrapping_add(self.0);
        let t = self.1 << 17;
        self.2 ^= self.0;
        self.3 ^= self.1;
        self.1 ^= self.2;
        self.0 ^= self.3;
        self.2 ^= t;
        self.3 = self.3.rotate_left(45);
        r
    }
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
}

/// A set of indices with O(1) insert, remove and random pick.
struct IndexSet {
    pos: Vec<usize>,
    items: Vec<usize>,
}

impl IndexSet {
    fn new(n: usize) -> Self {
        Self {
            pos: vec![usize::MAX; n],
            items: Vec::new(),
        }
    }
    fn set(&mut self, i: usize, on: bool) {
        let here = self.pos[i] != usize::MAX;
        if on && !here {
            self.pos[i] = self.items.len();
            self.items.push(i);
        } else if !on && here {
            let p = self.pos[i];
            let last = self.items.len() - 1;
            self.items.swap(p, last);
            self.pos[self.items[p]] = p;
            self.items.pop();
            self.pos[i] = usize::MAX;
        }
    }
}

const HARD_SCALE: f64 = 1000.0;

/// What [`Search::undo`] needs to take a move back.
struct Undo {
    /// Each moved activity's start, room and real rooms before the move.
    prev: Vec<(usize, Slot, Option<usize>, Vec<usize>)>,
    mark: usize,
}

struct Search<'m, 'p> {
    m: &'m Model<'p>,
    rng: Rng,
    start: Vec<Slot>,
    room: Vec<Option<usize>>,
    /// Real rooms of each activity in a virtual room (empty for the others).
    real: Vec<Vec<usize>>,
    /// Per profile: activities per slot, and busy mask per day.
    cnt: Vec<Vec<u16>>,
    mask: Vec<Vec<u64>>,
    clash: Vec<u64>,
    room_cnt: Vec<Vec<u16>>,
    room_clash: Vec<u64>,
    /// Cached violations per term.
    cost: Vec<u64>,
    /// Weight of each hard term in the search objective (grows while violated).
    weight: Vec<f64>,
    hard_total: u64,
    soft_total: f64,
    /// Soft cost from the unary tables.
    unary_total: f64,
    objective: f64,
    violated_hard: IndexSet,
    violated_soft: IndexSet,
    stamp: Vec<u64>,
    stamp_now: u64,
    affected: Vec<usize>,
    saved: Vec<(usize, u64)>,
    iterations: u64,
    /// Lowering the soft cost after the hard constraints hold.
    polishing: bool,
    /// Share of moves (per mille) that are Kempe-chain exchanges, in the current phase.
    kempe_per_mille: u64,
    cooling: f64,
    reheat: f64,
    eject_tries: (usize, usize),
}

impl<'m, 'p> Search<'m, 'p> {
    fn new(m: &'m Model<'p>, seed: u64, tuning: &Tuning) -> Self {
        let p = m.p;
        let n = p.acts.len();
        let ns = p.slots();
        let mut s = Search {
            m,
            rng: Rng::new(seed),
            start: vec![0; n],
            room: vec![None; n],
            real: vec![Vec::new(); n],
            cnt: vec![vec![0; ns]; m.profiles.len()],
            mask: vec![vec![0; p.days]; m.profiles.len()],
            clash: vec![0; m.profiles.len()],
            room_cnt: vec![vec![0; ns]; p.rooms.len()],
            room_clash: vec![0; p.rooms.len()],
            cost: vec![0; m.terms.len()],
            weight: vec![1.0; m.terms.len()],
            hard_total: 0,
            soft_total: 0.0,
            unary_total: 0.0,
            objective: 0.0,
            violated_hard: IndexSet::new(m.terms.len()),
            violated_soft: IndexSet::new(m.terms.len()),
            stamp: vec![0; m.terms.len()],
            stamp_now: 0,
            affected: Vec::new(),
            saved: Vec::new(),
            iterations: 0,
            polishing: false,
            kempe_per_mille: tuning.kempe_hard,
            cooling: tuning.cooling,
            reheat: tuning.reheat_temperature,
            eject_tries: tuning.eject_tries,
        };
        s.construct();
        s
    }

    fn place(&mut self, a: usize, slot: Slot, room: Option<usize>, add: bool) {
        let p = self.m.p;
        let d = p.acts[a].duration as usize;
        let day = p.day_of(slot);
        for &pi in &self.m.profiles_of[a] {
            let cnt = &mut self.cnt[pi];
            let clash_counted = self.m.profiles[pi].tag.is_none();
            for s in slot..slot + d {
                let h = s - day * p.hours;
                if add {
                    cnt[s] += 1;
                    if cnt[s] == 1 {
                        self.mask[pi][day] |= 1 << h;
                    } else if clash_counted {
                        self.clash[pi] += 1;
                    }
                } else {
                    cnt[s] -= 1;
                    if cnt[s] == 0 {
                        self.mask[pi][day] &= !(1 << h);
                    } else if clash_counted {
                        self.clash[pi] -= 1;
                    }
                }
            }
        }
        // A virtual room is used but never clashes; its real rooms do.
        let virtual_room = room.map(|r| (r, false));
        let real = self.real[a].iter().map(|&r| (r, true));
        for (r, clashes) in virtual_room.into_iter().chain(real) {
            let clashes = clashes || !p.rooms[r].is_virtual();
            let rc = &mut self.room_cnt[r];
            for s in slot..slot + d {
                if add {
                    rc[s] += 1;
                    if rc[s] > 1 && clashes {
                        self.room_clash[r] += 1;
                    }
                } else {
                    rc[s] -= 1;
                    if rc[s] > 0 && clashes {
                        self.room_clash[r] -= 1;
                    }
                }
            }
        }
        let mut u = 0.0;
        if let Some(t) = self.m.unary_time[a].get(slot) {
            u += t;
        }
        if let (Some(r), false) = (room, self.m.unary_room[a].is_empty()) {
            u += self.m.unary_room[a][r];
        }
        if add {
            self.unary_total += u;
        } else {
            self.unary_total -= u;
        }
    }

    /// Recomputes one term from the state.
    fn eval(&self, ti: usize) -> u64 {
        match self.m.terms[ti].kind {
            TermKind::Clash(pi) => self.clash[pi],
            TermKind::RoomClash(r) => self.room_clash[r],
            TermKind::Constraint(ci) => self.eval_constraint(ci, &self.m.terms[ti].scope),
            TermKind::Rule(ci, pi) => {
                let Kind::Resource { rule, .. } = &self.m.p.constraints[ci].kind else {
                    return 0;
                };
                let view = DayView {
                    masks: &self.mask[pi],
                    off: &self.m.profiles[pi].off,
                    hours: self.m.p.hours as u32,
                };
                rule_cost(rule, &view, &mut || self.building_cost(pi, rule))
            }
        }
    }

    /// `scope`: the term's activities (those that may change it).
    fn eval_constraint(&self, ci: usize, scope: &[usize]) -> u64 {
        let p = self.m.p;
        let hours = p.hours;
        let st = &self.start;
        let day = |a: usize| st[a] / hours;
        let hour = |a: usize| st[a] % hours;
        let end = |a: usize| st[a] % hours + p.acts[a].duration as usize;
        let pairs = |acts: &[usize], f: &dyn Fn(usize, usize) -> u64| -> u64 {
            let mut t = 0;
            for i in 0..acts.len() {
                for j in i + 1..acts.len() {
                    t += f(acts[i], acts[j]);
                }
            }
            t
        };
        match &p.constraints[ci].kind {
            Kind::Same { acts, what } => pairs(acts, &|a, b| {
                let same = match what {
                    SameWhat::Time => st[a] == st[b],
                    SameWhat::Day => day(a) == day(b),
                    SameWhat::Hour => hour(a) == hour(b),
                };
                u64::from(!same)
            }),
            Kind::NotOverlapping { acts } => pairs(acts, &|a, b| {
                if day(a) != day(b) {
                    0
                } else {
                    let lo = hour(a).max(hour(b));
                    let hi = end(a).min(end(b));
                    hi.saturating_sub(lo) as u64
                }
            }),
            Kind::MinDaysBetween { acts, min } => pairs(acts, &|a, b| {
                (*min as u64).saturating_sub(day(a).abs_diff(day(b)) as u64)
            }),
            Kind::ConsecutiveIfSameDay { acts } => pairs(acts, &|a, b| {
                u64::from(day(a) == day(b) && !(end(a) == hour(b) || end(b) == hour(a)))
            }),
            Kind::MaxDaysBetween { acts, max } => pairs(acts, &|a, b| {
                (day(a).abs_diff(day(b)) as u64).saturating_sub(*max as u64)
            }),
            Kind::MinGapsBetween { acts, min } => pairs(acts, &|a, b| {
                if day(a) != day(b) {
                    return 0;
                }
                let gap = if end(a) <= hour(b) {
                    hour(b) - end(a)
                } else if end(b) <= hour(a) {
                    hour(a) - end(b)
                } else {
                    0 // overlapping: no free hour between them
                };
                u64::from(gap < *min as usize)
            }),
            Kind::Consecutive { first, second } => {
                u64::from(!(day(*first) == day(*second) && end(*first) == hour(*second)))
            }
            Kind::Grouped { acts } => {
                let d0 = day(acts[0]);
                if acts.iter().any(|&a| day(a) != d0) {
                    return 1;
                }
                let lo = acts.iter().map(|&a| hour(a)).min().unwrap_or(0);
                let hi = acts.iter().map(|&a| end(a)).max().unwrap_or(0);
                let total: usize = acts.iter().map(|&a| p.acts[a].duration as usize).sum();
                // Unbroken and not overlapping: the span equals the summed durations and no
                // two overlap.
                let overlap = pairs(acts, &|a, b| {
                    u64::from(hour(a).max(hour(b)) < end(a).min(end(b)))
                });
                u64::from(hi - lo != total || overlap > 0)
            }
            Kind::Ordered {
                first,
                second,
                only_if_same_day,
            } => {
                let (a, b) = (*first, *second);
                if *only_if_same_day {
                    u64::from(day(a) == day(b) && end(a) > hour(b))
                } else {
                    u64::from(!(day(a) < day(b) || (day(a) == day(b) && end(a) <= hour(b))))
                }
            }
            Kind::OrderedTagGaps {
                first, second, min, ..
            } => {
                // Hours of first-tag and (only) second-tag activities per day, then a scan
                // of each day counting the hours since the last first-tag one.
                let mut marks = vec![(0u64, 0u64); p.days];
                for &a in scope {
                    let bits = ((1u64 << p.acts[a].duration) - 1) << hour(a);
                    if p.acts[a].tags.contains(first) {
                        marks[day(a)].0 |= bits;
                    } else if p.acts[a].tags.contains(second) {
                        marks[day(a)].1 |= bits;
                    }
                }
                let mut v = 0;
                for (f, s) in marks {
                    let mut since: Option<u32> = None;
                    for h in 0..p.hours {
                        if f >> h & 1 == 1 {
                            since = Some(0);
                        } else if s >> h & 1 == 0 {
                            since = since.map(|c| c + 1);
                        } else {
                            if since.is_some_and(|c| c < *min) {
                                v += 1;
                            }
                            since = None;
                        }
                    }
                }
                v
            }
            Kind::EndsStudentsDay { act } => {
                // Each later lesson of each of the activity's subgroups that day.
                let a = *act;
                let mut v = 0;
                for &s in &p.acts[a].subgroups {
                    if let Some(&pi) = self.m.profile_key.get(&(Res::Subgroup(s), None)) {
                        v += self.m.profiles[pi]
                            .acts
                            .iter()
                            .filter(|&&b| b != a && day(b) == day(a) && end(b) > end(a))
                            .count() as u64;
                    }
                }
                v
            }
            Kind::OccupyMaxSlots { acts, slots, max } => {
                let mut used = vec![false; p.slots()];
                for &a in acts {
                    for s in st[a]..st[a] + p.acts[a].duration as usize {
                        if slots[s] {
                            used[s] = true;
                        }
                    }
                }
                (used.iter().filter(|&&u| u).count() as u64).saturating_sub(*max as u64)
            }
            Kind::MaxSimultaneous { acts, slots, max } => {
                let mut c = vec![0u64; p.slots()];
                for &a in acts {
                    for s in st[a]..st[a] + p.acts[a].duration as usize {
                        if slots[s] {
                            c[s] += 1;
                        }
                    }
                }
                c.iter().map(|&x| x.saturating_sub(*max as u64)).sum()
            }
            Kind::MaxDifferentRooms { acts, max } => {
                let mut rooms: Vec<usize> = acts.iter().filter_map(|&a| self.room[a]).collect();
                rooms.sort_unstable();
                rooms.dedup();
                (rooms.len() as u64).saturating_sub(*max as u64)
            }
            Kind::SameRoomIfConsecutive { acts } => pairs(acts, &|a, b| {
                let consecutive = day(a) == day(b) && (end(a) == hour(b) || end(b) == hour(a));
                let differ = matches!((self.room[a], self.room[b]), (Some(x), Some(y)) if x != y);
                u64::from(consecutive && differ)
            }),
            Kind::RoomUnavailable { room, slots } => {
                let rc = &self.room_cnt[*room];
                slots
                    .iter()
                    .enumerate()
                    .filter(|(_, &x)| x)
                    .filter(|(s, _)| rc[*s] > 0)
                    .count() as u64
            }
            Kind::RealRooms { act, rooms } => {
                let mut have = self.real[*act].clone();
                have.sort_unstable();
                have.dedup();
                let mut want = rooms.clone();
                want.sort_unstable();
                want.dedup();
                u64::from(have != want)
            }
            // Unary ones are domains or tables; rules are `TermKind::Rule` terms.
            Kind::StartSlots { .. }
            | Kind::OccupiedSlots { .. }
            | Kind::Rooms { .. }
            | Kind::Resource { .. } => 0,
        }
    }

    fn building_cost(&self, pi: usize, rule: &Rule) -> u64 {
        let p = self.m.p;
        let hours = p.hours;
        // (start hour, activity, end hour, building): visits in order of start hour, ties by
        // activity index, as the verifier defines them (ties only arise when they clash).
        let mut per_day: Vec<Vec<(usize, usize, usize, usize)>> = vec![Vec::new(); p.days];
        for &a in &self.m.profiles[pi].acts {
            if let Some(b) = self.room[a].and_then(|r| p.rooms[r].building) {
                let s = self.start[a];
                per_day[s / hours].push((s % hours, a, s % hours + p.acts[a].duration as usize, b));
            }
        }
        let mut week = 0u64;
        let mut total = 0u64;
        for v in &mut per_day {
            v.sort_unstable();
            let mut changes = 0u64;
            for w in v.windows(2) {
                if w[0].3 != w[1].3 {
                    changes += 1;
                    if let Rule::MinGapsBetweenBuildingChanges(n) = rule {
                        if w[1].0.saturating_sub(w[0].2) < *n as usize {
                            total += 1;
                        }
                    }
                }
            }
            if let Rule::MaxBuildingChangesPerDay(n) = rule {
                total += changes.saturating_sub(*n as u64);
            }
            week += changes;
        }
        if let Rule::MaxBuildingChangesPerWeek(n) = rule {
            total += week.saturating_sub(*n as u64);
        }
        total
    }

    fn set_cost(&mut self, ti: usize, v: u64) {
        let old = self.cost[ti];
        if old == v {
            return;
        }
        let t = &self.m.terms[ti];
        self.cost[ti] = v;
        if t.hard {
            self.hard_total = self.hard_total + v - old;
            self.objective += HARD_SCALE * self.weight[ti] * (v as f64 - old as f64);
            self.violated_hard.set(ti, v > 0);
        } else {
            self.soft_total += t.soft_weight * (v as f64 - old as f64);
            self.objective += t.soft_weight * (v as f64 - old as f64);
            self.violated_soft.set(ti, v > 0);
        }
    }

    /// Greedy start: blocks in order of difficulty, each to its cheapest slot.
    fn construct(&mut self) {
        let m = self.m;
        let n = m.p.acts.len();
        // Every block at its first allowed slot, all placed at once (terms are defined on a full
        // timetable); then, hardest block first, each moves to its cheapest slot.
        for (b, members) in m.blocks.iter().enumerate() {
            let s = m.domain[b][0];
            for &a in members {
                let r = m.room_domain[a].first().copied();
                self.start[a] = s;
                self.room[a] = r;
                if let Some(v) = r.filter(|&r| m.p.rooms[r].is_virtual()) {
                    let d = m.p.acts[a].duration as usize;
                    self.real[a] = self.real_rooms(a, v, s, d).1;
                }
            }
        }
        let mut order: Vec<usize> = (0..m.blocks.len()).collect();
        let difficulty = |b: usize| {
            let dur: u32 = m.blocks[b].iter().map(|&a| m.p.acts[a].duration).sum();
            let res: usize = m.blocks[b]
                .iter()
                .map(|&a| m.p.acts[a].teachers.len() + m.p.acts[a].subgroups.len())
                .sum();
            (m.domain[b].len() as f64) / (1.0 + dur as f64 + res as f64)
        };
        let keys: Vec<f64> = order.iter().map(|&b| difficulty(b)).collect();
        order.sort_by(|&x, &y| keys[x].total_cmp(&keys[y]).then(x.cmp(&y)));
        for a in 0..n {
            self.place(a, self.start[a], self.room[a], true);
        }
        for ti in 0..m.terms.len() {
            let v = self.eval(ti);
            self.set_cost(ti, v);
        }
        self.objective = self.recompute_objective() - self.unary_total;
        for &b in &order {
            self.best_move(b);
        }
    }

    fn recompute_objective(&self) -> f64 {
        let mut o = self.unary_total;
        for (ti, t) in self.m.terms.iter().enumerate() {
            if t.hard {
                o += HARD_SCALE * self.weight[ti] * self.cost[ti] as f64;
            } else {
                o += t.soft_weight * self.cost[ti] as f64;
            }
        }
        o
    }

    fn total(&self) -> f64 {
        self.objective + self.unary_total
    }

    /// Moves block `b` to `slot`, rooms chosen greedily; returns nothing, state updated;
    /// `self.saved` holds the previous term costs for [`Self::undo`].
    fn apply(&mut self, b: usize, slot: Slot) -> Undo {
        self.apply_with(b, slot, None)
    }

    /// [`Self::apply`], with activity `force.0` put in room `force.1` (its real rooms, if
    /// virtual, chosen as usual) instead of the room it would choose.
    fn apply_with(&mut self, b: usize, slot: Slot, force: Option<(usize, usize)>) -> Undo {
        let m = self.m;
        let members = &m.blocks[b];
        let mut prev = Vec::with_capacity(members.len());
        self.stamp_now += 1;
        self.affected.clear();
        for &a in members {
            self.place(a, self.start[a], self.room[a], false);
            for &ti in &m.terms_of[a] {
                if self.stamp[ti] != self.stamp_now {
                    self.stamp[ti] = self.stamp_now;
                    self.affected.push(ti);
                }
            }
            self.mark_room_terms(a);
            prev.push((
                a,
                self.start[a],
                self.room[a],
                std::mem::take(&mut self.real[a]),
            ));
        }
        for &a in members {
            let (room, real) = match force {
                Some((fa, r)) if fa == a => {
                    let d = m.p.acts[a].duration as usize;
                    let real = if m.p.rooms[r].is_virtual() {
                        self.real_rooms(a, r, slot, d).1
                    } else {
                        Vec::new()
                    };
                    (Some(r), real)
                }
                _ => self.choose_room(a, slot),
            };
            self.start[a] = slot;
            self.room[a] = room;
            self.real[a] = real;
            self.place(a, slot, room, true);
            self.mark_room_terms(a);
        }
        let mark = self.saved.len();
        for i in 0..self.affected.len() {
            let ti = self.affected[i];
            let v = self.eval(ti);
            self.saved.push((ti, self.cost[ti]));
            self.set_cost(ti, v);
        }
        Undo { prev, mark }
    }

    fn placement(&self) -> Placement {
        Placement {
            start: self.start.clone(),
            room: self.room.clone(),
            real: if self.real.iter().all(Vec::is_empty) {
                Vec::new()
            } else {
                self.real.clone()
            },
        }
    }

    /// Marks as affected the terms of the rooms `a` uses (its room and real rooms).
    fn mark_room_terms(&mut self, a: usize) {
        let m = self.m;
        for r in self.room[a].into_iter().chain(self.real[a].iter().copied()) {
            for &ti in &m.room_terms[r] {
                if self.stamp[ti] != self.stamp_now {
                    self.stamp[ti] = self.stamp_now;
                    self.affected.push(ti);
                }
            }
        }
    }

    fn undo(&mut self, u: Undo) {
        for &(a, ..) in &u.prev {
            self.place(a, self.start[a], self.room[a], false);
        }
        for (a, s, r, real) in u.prev {
            self.start[a] = s;
            self.room[a] = r;
            self.real[a] = real;
            self.place(a, s, r, true);
        }
        while self.saved.len() > u.mark {
            if let Some((ti, v)) = self.saved.pop() {
                self.set_cost(ti, v);
            }
        }
    }

    /// The room for `a` at `slot` (with its real rooms when it is virtual): its current one
    /// if free there, else the cheapest.
    fn choose_room(&mut self, a: usize, slot: Slot) -> (Option<usize>, Vec<usize>) {
        let m = self.m;
        let p = m.p;
        let dom = &m.room_domain[a];
        if dom.is_empty() {
            return (None, Vec::new());
        }
        let d = p.acts[a].duration as usize;
        let unary = |r: usize| m.unary_room[a].get(r).copied().unwrap_or(0.0);
        if let Some(cur) = self.room[a] {
            if !p.rooms[cur].is_virtual()
                && self.room_busy(cur, slot, d) == 0
                && unary(cur) == 0.0
                && m.room_terms[cur].len() == 1
            {
                return (Some(cur), Vec::new());
            }
        }
        let mut best = None;
        let mut best_cost = f64::INFINITY;
        let k = self.rng.below(dom.len());
        for i in 0..dom.len() {
            let r = dom[(i + k) % dom.len()];
            let (mut c, real) = if p.rooms[r].is_virtual() {
                let (c, real) = self.real_rooms(a, r, slot, d);
                (c + self.room_unavailable_cost(r, slot, d), real)
            } else {
                (self.room_cost(r, slot, d), Vec::new())
            };
            c += unary(r);
            if c < best_cost {
                best_cost = c;
                best = Some((r, real));
                if c == 0.0 {
                    break;
                }
            }
        }
        match best {
            Some((r, real)) => (Some(r), real),
            None => (None, Vec::new()),
        }
    }

    /// Hours of `slot..slot + d` at which room `r` is taken.
    fn room_busy(&self, r: usize, slot: Slot, d: usize) -> usize {
        self.room_cnt[r][slot..slot + d]
            .iter()
            .filter(|&&c| c > 0)
            .count()
    }

    /// What using room `r` at `slot..slot + d` costs at its not-available hours.
    fn room_unavailable_cost(&self, r: usize, slot: Slot, d: usize) -> f64 {
        let m = self.m;
        let mut c = 0.0;
        for &ti in &m.room_terms[r][1..] {
            if let TermKind::Constraint(ci) = m.terms[ti].kind {
                if let Kind::RoomUnavailable { slots, .. } = &m.p.constraints[ci].kind {
                    let n = slots[slot..slot + d].iter().filter(|&&x| x).count() as f64;
                    c += n * if m.terms[ti].hard { HARD_SCALE } else { 1.0 };
                }
            }
        }
        c
    }

    /// What putting an activity in real room `r` at `slot..slot + d` costs: clashes and
    /// not-available hours.
    fn room_cost(&self, r: usize, slot: Slot, d: usize) -> f64 {
        self.room_busy(r, slot, d) as f64 * HARD_SCALE + self.room_unavailable_cost(r, slot, d)
    }

    /// Real rooms for activity `a` in virtual room `v` at `slot..slot + d`, one distinct room
    /// of each set, and their cost: its pinned ones if it has them, else a matching of sets
    /// to rooms that uses free rooms where it can (augmenting paths, free rooms first).
    fn real_rooms(&self, a: usize, v: usize, slot: Slot, d: usize) -> (f64, Vec<usize>) {
        let sets = &self.m.p.rooms[v].real_sets;
        if let Some(pin) = &self.m.real_pin[a] {
            // Pinned rooms, when they are one of each set (else the pin is broken anyway).
            let mut owner = Default::default();
            let fits = pin.len() == sets.len()
                && (0..sets.len()).all(|set| {
                    augment(
                        set,
                        sets,
                        &|r| pin.contains(&r),
                        &mut owner,
                        &mut Vec::new(),
                    )
                });
            if fits {
                let c = pin.iter().map(|&r| self.room_cost(r, slot, d)).sum();
                return (c, pin.clone());
            }
        }
        // Cheap rooms first, then any.
        let mut owner: std::collections::HashMap<usize, usize> = Default::default();
        let cheap = |r: usize| self.room_cost(r, slot, d) == 0.0;
        let mut unmatched = Vec::new();
        for set in 0..sets.len() {
            if !augment(set, sets, &cheap, &mut owner, &mut Vec::new()) {
                unmatched.push(set);
            }
        }
        for set in unmatched {
            // No free room for this set: take a taken one (it will clash).
            augment(set, sets, &|_| true, &mut owner, &mut Vec::new());
        }
        let mut chosen: Vec<Option<usize>> = vec![None; sets.len()];
        for (&r, &set) in &owner {
            chosen[set] = Some(r);
        }
        // A set left without a room (no distinct choice exists at all) takes its first one
        // again; the verifier reports it.
        let real: Vec<usize> = chosen
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.or(sets[i].first().copied()).unwrap_or(v))
            .collect();
        let c = real.iter().map(|&r| self.room_cost(r, slot, d)).sum();
        (c, real)
    }

    /// Moves block `b` to its best allowed slot (of up to 48 sampled), if that is better
    /// than where it is. Returns whether it moved.
    fn best_move(&mut self, b: usize) -> bool {
        let m = self.m;
        let cur_slot = self.start[m.blocks[b][0]];
        let keep_current =
            m.domain[b].len() <= 1 || m.blocks[b].iter().any(|&a| m.room_domain[a].len() > 1);
        let before = self.total();
        let skip = (!keep_current).then_some(cur_slot);
        let Some((after, slot)) = self.best_slot(b, skip, 48) else {
            return false;
        };
        if after >= before - 1e-9 {
            return false;
        }
        self.apply(b, slot);
        self.saved.clear();
        true
    }

    /// The best of up to `tries` allowed slots for block `b` (all of them when the domain is
    /// that small, else sampled) other than `skip`, with the objective there; the state is
    /// left as it was. Ties are broken at random.
    fn best_slot(&mut self, b: usize, skip: Option<Slot>, tries: usize) -> Option<(f64, Slot)> {
        let m = self.m;
        let dom = &m.domain[b];
        let mut best: Option<(f64, Slot)> = None;
        let mut ties = 0usize;
        let sample = dom.len() > tries;
        let tries = if sample { tries } else { dom.len() };
        let off = self.rng.below(dom.len());
        for i in 0..tries {
            let slot = if sample {
                dom[self.rng.below(dom.len())]
            } else {
                dom[(i + off) % dom.len()]
            };
            if Some(slot) == skip {
                continue;
            }
            let u = self.apply(b, slot);
            let after = self.total();
            self.undo(u);
            match best {
                Some((c, _)) if after > c + 1e-9 => {}
                Some((c, _)) if (after - c).abs() <= 1e-9 => {
                    ties += 1;
                    if self.rng.below(ties + 1) == 0 {
                        best = Some((after, slot));
                    }
                }
                _ => {
                    ties = 0;
                    best = Some((after, slot));
                }
            }
        }
        best
    }

    /// Blocks other than `b` that share a teacher or subgroup with one of its activities at
    /// an overlapping hour, each once, in random order.
    fn blocks_meeting(&mut self, b: usize) -> Vec<usize> {
        let m = self.m;
        let p = m.p;
        let mut out: Vec<usize> = Vec::new();
        for &a in &m.blocks[b] {
            let s = self.start[a];
            let d = p.acts[a].duration as usize;
            for &pi in &m.profiles_of[a] {
                let prof = &m.profiles[pi];
                if prof.tag.is_some() || self.cnt[pi][s..s + d].iter().all(|&c| c <= 1) {
                    continue;
                }
                for &c in &prof.acts {
                    let sc = self.start[c];
                    let bc = m.block_of[c];
                    if bc != b
                        && sc < s + d
                        && s < sc + p.acts[c].duration as usize
                        && !out.contains(&bc)
                    {
                        out.push(bc);
                    }
                }
            }
        }
        for i in (1..out.len()).rev() {
            let j = self.rng.below(i + 1);
            out.swap(i, j);
        }
        out
    }

    /// An ejection chain: block `b` leaves its slot for the best of a few others, the blocks
    /// it then meets on a teacher or subgroup are pushed out, each to its own best other
    /// slot, and so on for `depth` rounds; the whole is kept or taken back by the annealing
    /// rule. Unlike a Kempe chain it exchanges activities of any lengths.
    fn eject(&mut self, b: usize, depth: usize, temperature: f64) -> bool {
        let m = self.m;
        let before = self.total();
        let cur = self.start[m.blocks[b][0]];
        let Some((_, slot)) = self.best_slot(b, Some(cur), self.eject_tries.0) else {
            return false;
        };
        let mut undos = vec![self.apply(b, slot)];
        let mut moved = vec![b];
        let mut frontier = vec![b];
        for _ in 0..depth {
            let mut next = Vec::new();
            for x in frontier {
                for c in self.blocks_meeting(x) {
                    if moved.contains(&c) || moved.len() >= 8 {
                        continue;
                    }
                    let sc = self.start[m.blocks[c][0]];
                    if let Some((_, s)) = self.best_slot(c, Some(sc), self.eject_tries.1) {
                        undos.push(self.apply(c, s));
                        moved.push(c);
                        next.push(c);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        self.keep_or_undo(undos, before, temperature)
    }

    /// A Kempe chain: the blocks that must trade places between the start of `b` and `to`
    /// so that the exchange double-books no teacher or subgroup — `b` goes to `to`, what
    /// meets it there comes back, and so on. `None` when a member would leave its domain,
    /// an activity of another length or start overlaps, or the chain grows too long.
    fn kempe_chain(&self, b: usize, to: Slot) -> Option<Vec<(usize, Slot)>> {
        let m = self.m;
        let p = m.p;
        let first = m.blocks[b][0];
        let t1 = self.start[first];
        let d = p.acts[first].duration as usize;
        if t1 == to {
            return None;
        }
        let mut chain = vec![(b, to)];
        let mut i = 0;
        while i < chain.len() {
            let (x, dest) = chain[i];
            let back = if dest == to { t1 } else { to };
            if !m.in_domain[x][dest] {
                return None;
            }
            for &a in &m.blocks[x] {
                if p.acts[a].duration as usize != d {
                    return None;
                }
                for &pi in &m.profiles_of[a] {
                    let prof = &m.profiles[pi];
                    if prof.tag.is_some() || self.cnt[pi][dest..dest + d].iter().all(|&c| c == 0) {
                        continue;
                    }
                    for &c in &prof.acts {
                        let sc = self.start[c];
                        let dc = p.acts[c].duration as usize;
                        if sc + dc <= dest || dest + d <= sc {
                            continue;
                        }
                        if sc != dest || dc != d {
                            return None;
                        }
                        let bc = m.block_of[c];
                        if chain.iter().any(|&(y, _)| y == bc) {
                            continue;
                        }
                        if chain.len() >= 24 {
                            return None;
                        }
                        chain.push((bc, back));
                    }
                }
            }
            i += 1;
        }
        Some(chain)
    }

    /// Moves every block of profile `pi` off its lightest busy day, each to a random allowed
    /// slot on another day, as one move kept or taken back by the annealing rule.
    fn vacate_day(&mut self, pi: usize, temperature: f64) -> bool {
        let m = self.m;
        let p = m.p;
        let before = self.total();
        let Some(day) = (0..p.days)
            .filter(|&d| self.mask[pi][d] != 0)
            .min_by_key(|&d| self.mask[pi][d].count_ones())
        else {
            return false;
        };
        let mut blocks: Vec<usize> = m.profiles[pi]
            .acts
            .iter()
            .filter(|&&a| p.day_of(self.start[a]) == day)
            .map(|&a| m.block_of[a])
            .collect();
        blocks.sort_unstable();
        blocks.dedup();
        let mut undos: Vec<Undo> = Vec::with_capacity(blocks.len());
        for b in blocks {
            let dom = &m.domain[b];
            let target = (0..8)
                .map(|_| dom[self.rng.below(dom.len())])
                .find(|&s| p.day_of(s) != day);
            match target {
                Some(s) => undos.push(self.apply(b, s)),
                None => {
                    self.undo_all(undos);
                    return false;
                }
            }
        }
        self.keep_or_undo(undos, before, temperature)
    }

    /// Moves every block of a same-hour group to another hour, each on its own day (one at
    /// a time the group could never change hour: each move alone breaks the constraint with
    /// all the others); kept or taken back by the annealing rule.
    fn shift_hour(&mut self, g: usize, temperature: f64) -> bool {
        let m = self.m;
        let p = m.p;
        let before = self.total();
        let hour = p.hour_of(self.start[m.blocks[m.same_hour[g][0]][0]]);
        let to = self.rng.below(p.hours);
        if to == hour {
            return false;
        }
        let mut undos = Vec::with_capacity(m.same_hour[g].len());
        for i in 0..m.same_hour[g].len() {
            let b = m.same_hour[g][i];
            let slot = p.slot(p.day_of(self.start[m.blocks[b][0]]), to);
            if !m.in_domain[b][slot] {
                self.undo_all(undos);
                return false;
            }
            undos.push(self.apply(b, slot));
        }
        self.keep_or_undo(undos, before, temperature)
    }

    /// Takes back applied moves, the last first.
    fn undo_all(&mut self, mut undos: Vec<Undo>) {
        while let Some(u) = undos.pop() {
            self.undo(u);
        }
    }

    /// Keeps the applied moves by the annealing rule (the objective was `before` them), or
    /// takes them back.
    fn keep_or_undo(&mut self, undos: Vec<Undo>, before: f64, temperature: f64) -> bool {
        let delta = self.total() - before;
        if self.accept(delta, temperature) {
            self.saved.clear();
            return true;
        }
        self.undo_all(undos);
        false
    }

    /// The annealing rule: a move that is not worse is kept; a worse one by chance.
    fn accept(&mut self, delta: f64, temperature: f64) -> bool {
        delta <= 0.0 || {
            let r = (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64;
            r < (-delta / temperature).exp()
        }
    }

    /// One simulated-annealing step on block `b`: a random slot or a swap with a block that
    /// shares a resource, taken if not worse or by chance.
    fn sa_move(&mut self, b: usize, temperature: &mut f64) -> bool {
        let m = self.m;
        let before = self.total();
        let cur_slot = self.start[m.blocks[b][0]];
        let a = m.blocks[b][self.rng.below(m.blocks[b].len())];
        let rooms = &m.room_domain[a];
        if rooms.len() > 1 && self.rng.chance(100) {
            // Another room at the same time: rooms are otherwise chosen for clashes only,
            // and building and room-count constraints need this.
            let r = rooms[self.rng.below(rooms.len())];
            if Some(r) == self.room[a] {
                return false;
            }
            let u = self.apply_with(b, cur_slot, Some((a, r)));
            return self.keep_or_undo(vec![u], before, *temperature);
        }
        if self.rng.chance(self.kempe_per_mille) {
            let dom = &m.domain[b];
            let to = dom[self.rng.below(dom.len())];
            let Some(chain) = self.kempe_chain(b, to) else {
                return false;
            };
            let undos: Vec<Undo> = chain.iter().map(|&(x, slot)| self.apply(x, slot)).collect();
            return self.keep_or_undo(undos, before, *temperature);
        }
        let swap = self.rng.chance(500) && !m.profiles_of[a].is_empty();
        let (u1, u2) = if swap {
            let profiles = &m.profiles_of[a];
            let pi = profiles[self.rng.below(profiles.len())];
            let acts = &m.profiles[pi].acts;
            let c = acts[self.rng.below(acts.len())];
            let bc = m.block_of[c];
            let slot_c = self.start[c];
            if bc == b
                || slot_c == cur_slot
                || !m.in_domain[b][slot_c]
                || !m.in_domain[bc][cur_slot]
            {
                return false;
            }
            let u1 = self.apply(b, slot_c);
            let u2 = self.apply(bc, cur_slot);
            (u1, Some(u2))
        } else {
            let dom = &m.domain[b];
            let slot = dom[self.rng.below(dom.len())];
            (self.apply(b, slot), None)
        };
        let delta = self.total() - before;
        // Cool; reheat at the floor. While hard violations remain the scale is theirs
        // (HARD_SCALE per violation); once they are gone it is the soft weights'.
        *temperature *= self.cooling;
        // (The regime is the phase's, not the proposed move's: a move that breaks a hard
        // constraint while polishing must not reheat the search.)
        let (floor, reheat) = if self.polishing {
            (0.02, 0.5)
        } else {
            (5.0, self.reheat)
        };
        if *temperature < floor {
            *temperature = reheat;
        }
        if self.accept(delta, *temperature) {
            self.saved.clear();
            true
        } else {
            if let Some(u2) = u2 {
                self.undo(u2);
            }
            self.undo(u1);
            false
        }
    }

    fn run(
        &mut self,
        opts: &Options,
        tuning: &Tuning,
        started: Instant,
        race: &Race,
        thread: usize,
        progress: Option<&(dyn Fn(&Progress) + Sync)>,
    ) -> Outcome {
        let m = self.m;
        let deadline = started + opts.time_limit;
        let mut best_hard = self.hard_total;
        let mut best_state = (
            self.placement(),
            self.hard_total,
            self.soft_total + self.unary_total,
        );
        let mut feasible_at: Option<(u64, Duration)> = if self.hard_total == 0 {
            Some((0, started.elapsed()))
        } else {
            None
        };
        let mut since_improved = 0u64;
        let mut last_report = Instant::now();
        let mut polish_budget = opts.polish_iterations;
        let mut temperature = tuning.start_temperature;
        loop {
            self.iterations += 1;
            if self.iterations.is_multiple_of(64) {
                if Instant::now() >= deadline || race.stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(cb) = progress {
                    if last_report.elapsed() >= Duration::from_millis(100) {
                        last_report = Instant::now();
                        cb(&Progress {
                            elapsed: started.elapsed(),
                            iterations: self.iterations,
                            hard: best_state.1,
                            soft: best_state.2,
                            feasible: feasible_at.is_some(),
                        });
                    }
                }
            }
            if feasible_at.is_none()
                && self.iterations > race.first_feasible.load(Ordering::Relaxed)
            {
                // Another thread got there first.
                break;
            }
            let feasible = self.hard_total == 0;
            if feasible && feasible_at.is_none() {
                feasible_at = Some((self.iterations, started.elapsed()));
                self.polishing = true;
                temperature = 0.5;
                self.kempe_per_mille = tuning.kempe_polish;
                self.weight.iter_mut().for_each(|w| *w = 1.0);
                self.objective = self.recompute_objective() - self.unary_total;
                race.first_feasible
                    .fetch_min(self.iterations, Ordering::Relaxed);
                best_state = (self.placement(), 0, self.soft_total + self.unary_total);
                since_improved = 0;
                polish_budget = polish_budget.max(self.iterations);
            }
            // Pick what to repair.
            let term = if !self.violated_hard.items.is_empty() {
                let v = &self.violated_hard.items;
                v[self.rng.below(v.len())]
            } else if !self.violated_soft.items.is_empty() && self.rng.chance(800) {
                let v = &self.violated_soft.items;
                v[self.rng.below(v.len())]
            } else {
                usize::MAX
            };
            let a = if term == usize::MAX {
                self.rng.below(m.p.acts.len())
            } else {
                match self.term_scope_pick(term) {
                    Some(a) => a,
                    None => self.rng.below(m.p.acts.len()),
                }
            };
            let b = m.block_of[a];
            let before = self.total();
            // A resource over its days per week rarely loses a day one move at a time (the
            // count drops only with its day's last lesson): sometimes empty a day at once.
            let vacate = match m.terms.get(term).map(|t| t.kind) {
                Some(TermKind::Rule(ci, pi)) if m.terms[term].hard => matches!(
                    m.p.constraints[ci].kind,
                    Kind::Resource {
                        rule: Rule::MaxDaysPerWeek(_),
                        ..
                    }
                )
                .then_some(pi),
                _ => None,
            };
            let moved = match vacate {
                Some(pi) if self.rng.chance(300) => self.vacate_day(pi, temperature),
                // A block of a same-hour group in a broken hard constraint: sometimes the
                // whole group changes hour.
                _ if m.same_hour_of[b].is_some()
                    && !self.violated_hard.items.is_empty()
                    && self.rng.chance(50) =>
                {
                    let g = m.same_hour_of[b].unwrap_or(0);
                    self.shift_hour(g, temperature)
                }
                _ if !self.polishing && self.rng.chance(tuning.eject_hard) => {
                    self.eject(b, tuning.eject_depth, temperature)
                }
                _ => self.sa_move(b, &mut temperature),
            };
            let after = self.total();
            if !moved || after >= before - 1e-9 {
                since_improved += 1;
            }
            if self.hard_total < best_hard
                || (self.hard_total == best_hard
                    && self.hard_total == 0
                    && self.soft_total + self.unary_total < best_state.2 - 1e-9)
            {
                best_hard = self.hard_total;
                best_state = (
                    self.placement(),
                    self.hard_total,
                    self.soft_total + self.unary_total,
                );
                since_improved = 0;
            } else if self.hard_total > 0 && since_improved > tuning.breakout_after {
                // Breakout: violated hard terms weigh more.
                for i in 0..self.violated_hard.items.len() {
                    let ti = self.violated_hard.items[i];
                    self.weight[ti] += 1.0;
                }
                self.objective = self.recompute_objective() - self.unary_total;
                since_improved = 0;
            }
            if let Some((_, _)) = feasible_at {
                if since_improved > polish_budget
                    || (self.violated_soft.items.is_empty()
                        && self.unary_total == 0.0
                        && self.hard_total == 0)
                {
                    break;
                }
            }
        }
        if tracing::enabled!(tracing::Level::DEBUG) {
            let mut by: std::collections::BTreeMap<String, (u64, usize)> = Default::default();
            for &ti in &self.violated_hard.items {
                let k = match m.terms[ti].kind {
                    TermKind::Clash(pi) => format!("clash {:?}", m.profiles[pi].res)
                        .split('(')
                        .next()
                        .unwrap_or("")
                        .to_owned(),
                    TermKind::RoomClash(_) => "room clash".into(),
                    TermKind::Constraint(ci) | TermKind::Rule(ci, _) => {
                        m.p.constraints[ci].source.clone()
                    }
                };
                let e = by.entry(k).or_default();
                e.0 += self.cost[ti];
                e.1 += 1;
            }
            let stale = (0..m.terms.len())
                .filter(|&ti| self.eval(ti) != self.cost[ti])
                .count();
            let obj = self.recompute_objective() - self.unary_total;
            tracing::debug!(thread, iterations = self.iterations, stale, objective = self.objective, recomputed = obj, violated_hard = ?by, "search ended");
        }
        race.stop.store(feasible_at.is_some(), Ordering::Relaxed);
        let (placement, hard, soft) = best_state;
        Outcome {
            placement,
            hard,
            soft,
            iterations: feasible_at.map(|f| f.0).unwrap_or(self.iterations),
            elapsed: started.elapsed(),
            feasible_after: feasible_at.map(|f| f.1),
        }
    }

    fn term_scope_pick(&mut self, ti: usize) -> Option<usize> {
        let m = self.m;
        let t = &m.terms[ti];
        match t.kind {
            TermKind::Clash(pi) => {
                // An activity in a clashing slot.
                let acts = &m.profiles[pi].acts;
                let clashing: Vec<usize> = acts
                    .iter()
                    .copied()
                    .filter(|&a| {
                        let s = self.start[a];
                        (s..s + m.p.acts[a].duration as usize).any(|x| self.cnt[pi][x] > 1)
                    })
                    .collect();
                (!clashing.is_empty()).then(|| clashing[self.rng.below(clashing.len())])
            }
            TermKind::RoomClash(r) => {
                let clashing: Vec<usize> = (0..m.p.acts.len())
                    .filter(|&a| self.room[a] == Some(r) || self.real[a].contains(&r))
                    .filter(|&a| {
                        let s = self.start[a];
                        (s..s + m.p.acts[a].duration as usize).any(|x| self.room_cnt[r][x] > 1)
                    })
                    .collect();
                (!clashing.is_empty()).then(|| clashing[self.rng.below(clashing.len())])
            }
            TermKind::Constraint(ci) => {
                if let Kind::RoomUnavailable { room, slots } = &m.p.constraints[ci].kind {
                    let inside: Vec<usize> = (0..m.p.acts.len())
                        .filter(|&a| self.room[a] == Some(*room) || self.real[a].contains(room))
                        .filter(|&a| {
                            let s = self.start[a];
                            (s..s + m.p.acts[a].duration as usize).any(|x| slots[x])
                        })
                        .collect();
                    return (!inside.is_empty()).then(|| inside[self.rng.below(inside.len())]);
                }
                (!t.scope.is_empty()).then(|| t.scope[self.rng.below(t.scope.len())])
            }
            TermKind::Rule(..) => {
                (!t.scope.is_empty()).then(|| t.scope[self.rng.below(t.scope.len())])
            }
        }
    }
}

/// Random moves through the solver's incremental machinery — single moves, swaps, room
/// changes, Kempe chains and ejection chains, some taken back — from its greedy start; returns the placement with the hard
/// violations and soft cost the solver's bookkeeping claims for it. For tests against the
/// verifier.
pub fn random_walk(
    p: &Problem,
    seed: u64,
    moves: usize,
) -> Result<(Placement, u64, f64), Infeasible> {
    let model = Model::new(p)?;
    let mut s = Search::new(&model, seed, &Tuning::default());
    for i in 0..moves {
        let b = s.rng.below(model.blocks.len());
        let dom = &model.domain[b];
        let slot = dom[s.rng.below(dom.len())];
        let u = s.apply(b, slot);
        let mut kept_swap = false;
        if i % 3 == 0 {
            // Also a swap with another block, undone half the time.
            let c = s.rng.below(model.blocks.len());
            let cs = s.start[model.blocks[c][0]];
            if c != b && model.in_domain[b][cs] && model.in_domain[c][slot] {
                let u1 = s.apply(b, cs);
                let u2 = s.apply(c, slot);
                if s.rng.chance(500) {
                    s.undo(u2);
                    s.undo(u1);
                } else {
                    kept_swap = true;
                }
            }
        }
        if i % 2 == 1 && !kept_swap {
            s.undo(u);
        }
        if i % 5 == 2 {
            // A Kempe-chain exchange, undone one time in three.
            let to = dom[s.rng.below(dom.len())];
            if let Some(chain) = s.kempe_chain(b, to) {
                let undos: Vec<Undo> = chain.iter().map(|&(x, t)| s.apply(x, t)).collect();
                if s.rng.below(3) == 0 {
                    s.undo_all(undos);
                }
            }
        }
        if i % 4 == 1 {
            // Another room at the same time, undone half the time.
            let a = model.blocks[b][s.rng.below(model.blocks[b].len())];
            let rooms = &model.room_domain[a];
            if !rooms.is_empty() {
                let r = rooms[s.rng.below(rooms.len())];
                let u = s.apply_with(b, s.start[a], Some((a, r)));
                if s.rng.chance(500) {
                    s.undo(u);
                }
            }
        }
        if i % 9 == 4 && !model.same_hour.is_empty() {
            // A same-hour group to another hour, kept always or only when not worse.
            let g = s.rng.below(model.same_hour.len());
            let temperature = if s.rng.chance(500) { 1e12 } else { 1e-9 };
            s.shift_hour(g, temperature);
        }
        if i % 7 == 3 {
            // An ejection chain, kept always or only when not worse.
            let temperature = if s.rng.chance(500) { 1e12 } else { 1e-9 };
            s.eject(b, 1 + i % 2, temperature);
        }
        s.saved.clear();
    }
    Ok((s.placement(), s.hard_total, s.soft_total + s.unary_total))
}
