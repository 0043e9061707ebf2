//! The independent verifier: counts every violation of a [`Placement`] of a [`Problem`],
//! straight from the definitions in [`crate::problem`], with nothing incremental and nothing
//! shared with the solver. It is the reference the solver's bookkeeping is tested against.
//!
//! It first builds, once, each activity's day and hours and, per teacher, subgroup and room,
//! how many activities occupy each slot; then it evaluates each constraint on its own.
//!
//! Conventions where the definitions leave a choice (each one also said where it is used):
//!
//! * An activity occupies the hours `hour..hour + duration` of its day, cut at the end of the
//!   day: an activity that does not fit counts once under the basic rules, and only its hours
//!   inside the day count for everything else.
//! * An activity list is a set: an activity named twice in one constraint counts once, and
//!   "each pair" means each pair of two different activities.
//! * A resource's busy hour is an hour at least one of its activities occupies (two clashing
//!   activities make one busy hour; the clash is counted by the basic rules). The same goes
//!   for a room's busy hours ([`Kind::RoomUnavailable`]).
//! * "Free hours between" two activities ([`Kind::MinGapsBetween`], building changes) are
//!   all the hours from the end of the earlier to the start of the later, off or not; two
//!   overlapping activities have none (so a minimum of 0 is never broken).
//! * [`Kind::EndsStudentsDay`]: a later lesson is another activity sharing a subgroup with
//!   the activity, on its day, occupying an hour at or after its end (one that starts with
//!   it and runs on counts); it counts once per shared subgroup.
//! * [`Kind::Rooms`]: an activity without a room is not in one of the rooms and counts (as
//!   well as under the basic rule if it needs a room). [`Kind::SameRoomIfConsecutive`]: a
//!   pair counts only when both have a room and the rooms differ.
//! * [`Kind::Consecutive`] / [`Kind::Ordered`] naming one activity twice count as written
//!   (an activity of positive duration does not follow nor precede itself).
//! * Building changes: a resource's activities of the day with a room in a building, ordered
//!   by start hour, ties (only possible in a clash) by activity index.
//! * [`Rule::MinRestingHours`] with `circular` also checks the last day → the first, even
//!   with a one-day week (that day → itself).
//! * [`Rule::MinHoursDaily`] without empty days checks every day, also for a resource with
//!   no (tagged) activity at all.
//! * [`Rule::IntervalMaxDaysPerWeek`]: `start` and `end` are cut to the day's hours.
//! * `teacher_off` / `subgroup_off` may be missing or short: a missing entry is available.
//!   Any other index out of range in the problem is a [`ShapeError::Problem`].

use crate::problem::{Kind, Placement, Problem, Res, Rule, SameWhat};
use std::borrow::Cow;

/// One violated constraint or basic rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// Index in [`Problem::constraints`]; `None` for the basic rules.
    pub constraint: Option<usize>,
    /// What is violated: the basic rule and where, or the constraint's FET source and line.
    pub what: String,
    pub count: u64,
}

/// Everything wrong with a placement.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Violations of the basic rules and of the hard (weight 100) constraints.
    pub hard: u64,
    /// Σ weight / 100 × violations over the soft constraints.
    pub soft: f64,
    /// Violations per constraint, indexed as [`Problem::constraints`].
    pub per_constraint: Vec<u64>,
    /// Each basic-rule violation, then each constraint with violations, in index order.
    pub violations: Vec<Violation>,
}

/// A placement (or a problem) whose shape does not allow it to be checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("the placement has {got} start slots for {expected} activities")]
    StartCount { expected: usize, got: usize },
    #[error("the placement has {got} rooms for {expected} activities")]
    RoomCount { expected: usize, got: usize },
    #[error("activity {act} starts at slot {slot}, but the week has {slots} slots")]
    StartOutOfRange {
        act: usize,
        slot: usize,
        slots: usize,
    },
    #[error("the placement has real rooms for {got} activities, not {expected}")]
    RealCount { expected: usize, got: usize },
    #[error("activity {act} is in room {room}, but there are {rooms} rooms")]
    RoomOutOfRange {
        act: usize,
        room: usize,
        rooms: usize,
    },
    /// The problem itself names something that does not exist (an index out of range, a slot
    /// mask of the wrong length).
    #[error("the problem is inconsistent: {0}")]
    Problem(String),
}

/// Checks a placement against every basic rule and constraint of the problem.
pub fn verify(p: &Problem, pl: &Placement) -> Result<Verdict, ShapeError> {
    check_problem(p)?;
    check_placement(p, pl)?;
    let w = Week::new(p, pl);

    let mut violations = w.basic_violations();
    let mut hard: u64 = violations.iter().map(|v| v.count).sum();
    let mut soft = 0.0;
    let mut per_constraint = Vec::with_capacity(p.constraints.len());
    for (i, c) in p.constraints.iter().enumerate() {
        let n = w.count(&c.kind);
        per_constraint.push(n);
        if n == 0 {
            continue;
        }
        if c.is_hard() {
            hard += n;
        } else {
            soft += c.weight / 100.0 * n as f64;
        }
        violations.push(Violation {
            constraint: Some(i),
            what: format!("{} at line {}: {}", c.source, c.line, describe(&c.kind)),
            count: n,
        });
    }
    Ok(Verdict {
        hard,
        soft,
        per_constraint,
        violations,
    })
}

// ----- shape checks: after these, every index used below is in range -----

fn check_placement(p: &Problem, pl: &Placement) -> Result<(), ShapeError> {
    let n = p.acts.len();
    if pl.start.len() != n {
        return Err(ShapeError::StartCount {
            expected: n,
            got: pl.start.len(),
        });
    }
    if pl.room.len() != n {
        return Err(ShapeError::RoomCount {
            expected: n,
            got: pl.room.len(),
        });
    }
    if !pl.real.is_empty() && pl.real.len() != n {
        return Err(ShapeError::RealCount {
            expected: n,
            got: pl.real.len(),
        });
    }
    let slots = n_slots(p)?;
    for (act, &slot) in pl.start.iter().enumerate() {
        if slot >= slots {
            return Err(ShapeError::StartOutOfRange { act, slot, slots });
        }
    }
    let real = pl
        .real
        .iter()
        .enumerate()
        .flat_map(|(a, rs)| rs.iter().map(move |&r| (a, r)));
    for (act, room) in pl
        .room
        .iter()
        .enumerate()
        .filter_map(|(a, r)| Some((a, (*r)?)))
        .chain(real)
    {
        {
            if room >= p.rooms.len() {
                return Err(ShapeError::RoomOutOfRange {
                    act,
                    room,
                    rooms: p.rooms.len(),
                });
            }
        }
    }
    Ok(())
}

fn n_slots(p: &Problem) -> Result<usize, ShapeError> {
    p.days
        .checked_mul(p.hours)
        .ok_or_else(|| ShapeError::Problem(format!("{} days × {} hours", p.days, p.hours)))
}

/// Every index the problem holds is in range and every slot mask has one entry per slot.
/// (`teacher_off` / `subgroup_off` may be short: a missing entry means available.)
fn check_problem(p: &Problem) -> Result<(), ShapeError> {
    let slots = n_slots(p)?;
    let bad = |what: String| Err(ShapeError::Problem(what));
    for (a, act) in p.acts.iter().enumerate() {
        if let Some(t) = act.teachers.iter().find(|&&t| t >= p.n_teachers) {
            return bad(format!("activity {a} has teacher {t} of {}", p.n_teachers));
        }
        if let Some(s) = act.subgroups.iter().find(|&&s| s >= p.n_subgroups_and_sets) {
            return bad(format!(
                "activity {a} has subgroup {s} of {}",
                p.n_subgroups_and_sets
            ));
        }
    }
    for (r, room) in p.rooms.iter().enumerate() {
        if room.real_sets.iter().flatten().any(|&x| x >= p.rooms.len()) {
            return bad(format!(
                "virtual room {r} names a real room that does not exist"
            ));
        }
    }
    for (i, c) in p.constraints.iter().enumerate() {
        let acts_ok = |acts: &[usize]| acts.iter().all(|&a| a < p.acts.len());
        let mask_ok = |m: &[bool]| m.len() == slots;
        let ok = match &c.kind {
            Kind::StartSlots { acts, allowed } | Kind::OccupiedSlots { acts, allowed } => {
                acts_ok(acts) && mask_ok(allowed)
            }
            Kind::OccupyMaxSlots { acts, slots, .. }
            | Kind::MaxSimultaneous { acts, slots, .. } => acts_ok(acts) && mask_ok(slots),
            Kind::Same { acts, .. }
            | Kind::NotOverlapping { acts }
            | Kind::MinDaysBetween { acts, .. }
            | Kind::ConsecutiveIfSameDay { acts }
            | Kind::MaxDaysBetween { acts, .. }
            | Kind::MinGapsBetween { acts, .. }
            | Kind::Grouped { acts }
            | Kind::MaxDifferentRooms { acts, .. }
            | Kind::SameRoomIfConsecutive { acts } => acts_ok(acts),
            Kind::Consecutive { first, second } | Kind::Ordered { first, second, .. } => {
                acts_ok(&[*first, *second])
            }
            Kind::EndsStudentsDay { act } => acts_ok(&[*act]),
            Kind::Resource { res, .. } | Kind::OrderedTagGaps { res, .. } => match *res {
                Res::Teacher(t) => t < p.n_teachers,
                Res::Subgroup(s) => s < p.n_subgroups_and_sets,
            },
            Kind::Rooms { acts, rooms } => {
                acts_ok(acts) && rooms.iter().all(|&r| r < p.rooms.len())
            }
            Kind::RealRooms { act, rooms } => {
                acts_ok(&[*act]) && rooms.iter().all(|&r| r < p.rooms.len())
            }
            Kind::RoomUnavailable { room, slots } => *room < p.rooms.len() && mask_ok(slots),
        };
        if !ok {
            return bad(format!(
                "constraint {i} ({} at line {}) names an activity, resource or room that does \
                 not exist, or has a slot list of the wrong length",
                c.source, c.line
            ));
        }
    }
    Ok(())
}

// ----- the placement, laid out once -----

/// Where one activity is: its day, its first hour, and the end of its hours inside the day
/// (exclusive: it occupies `hour..end`).
#[derive(Clone, Copy, Debug)]
struct Time {
    start: usize,
    day: usize,
    hour: usize,
    end: usize,
    fits: bool,
}

/// A per-resource table of busy hours: `week[day][hour]`.
type BusyWeek = Vec<Vec<bool>>;

struct Week<'a> {
    p: &'a Problem,
    pl: &'a Placement,
    times: Vec<Time>,
    /// Per teacher / subgroup, its activities (each once).
    teacher_acts: Vec<Vec<usize>>,
    subgroup_acts: Vec<Vec<usize>>,
    /// Per teacher / subgroup / room and slot, how many activities occupy it.
    teacher_load: Vec<Vec<u32>>,
    subgroup_load: Vec<Vec<u32>>,
    room_load: Vec<Vec<u32>>,
    /// Busy hours of every teacher / subgroup over all its activities.
    teacher_busy: Vec<BusyWeek>,
    subgroup_busy: Vec<BusyWeek>,
}

/// The list without repeats, in first-seen order.
/// Whether `real` are distinct rooms, as many as `sets`, that can be given one to each set
/// (tried every way: virtual rooms have a handful of sets).
fn one_of_each(real: &[usize], sets: &[Vec<usize>]) -> bool {
    fn fill(real: &[usize], sets: &[Vec<usize>], used: &mut Vec<bool>) -> bool {
        let Some((&r, rest)) = real.split_first() else {
            return true;
        };
        for (i, set) in sets.iter().enumerate() {
            if !used[i] && set.contains(&r) {
                used[i] = true;
                if fill(rest, sets, used) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    real.len() == sets.len()
        && distinct(real).len() == real.len()
        && fill(real, sets, &mut vec![false; sets.len()])
}

fn distinct(list: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(list.len());
    let mut seen = std::collections::HashSet::with_capacity(list.len());
    for &x in list {
        if seen.insert(x) {
            out.push(x);
        }
    }
    out
}

/// Each unordered pair of two different activities of the list.
fn pairs(acts: &[usize]) -> Vec<(usize, usize)> {
    let acts = distinct(acts);
    let mut out = Vec::new();
    for i in 0..acts.len() {
        for j in i + 1..acts.len() {
            out.push((acts[i], acts[j]));
        }
    }
    out
}

/// `x - max` if positive, else 0.
fn over(x: u64, max: u32) -> u64 {
    x.saturating_sub(u64::from(max))
}

/// `min - x` if positive, else 0.
fn short(x: u64, min: u32) -> u64 {
    u64::from(min).saturating_sub(x)
}

fn count_true(v: &[bool]) -> u64 {
    v.iter().filter(|&&b| b).count() as u64
}

/// First and last busy hour of a day, if any.
fn first_last(day: &[bool]) -> Option<(usize, usize)> {
    let first = day.iter().position(|&b| b)?;
    let last = day.iter().rposition(|&b| b)?;
    Some((first, last))
}

/// Lengths of the maximal runs of consecutive busy hours of a day.
fn runs(day: &[bool]) -> Vec<u64> {
    let mut out = Vec::new();
    let mut run = 0;
    for &b in day {
        if b {
            run += 1;
        } else if run > 0 {
            out.push(run);
            run = 0;
        }
    }
    if run > 0 {
        out.push(run);
    }
    out
}

/// Free hours between the first and last busy hour that are not off.
fn gaps(day: &[bool], off: &[bool]) -> u64 {
    match first_last(day) {
        None => 0,
        Some((first, last)) => (first..=last).filter(|&h| !day[h] && !off[h]).count() as u64,
    }
}

impl<'a> Week<'a> {
    fn new(p: &'a Problem, pl: &'a Placement) -> Self {
        let slots = p.days * p.hours;
        let times: Vec<Time> = pl
            .start
            .iter()
            .zip(&p.acts)
            .map(|(&start, act)| {
                // check_placement: start < days * hours, so hours > 0 here.
                let day = start / p.hours;
                let hour = start % p.hours;
                let raw_end = hour.saturating_add(act.duration as usize);
                Time {
                    start,
                    day,
                    hour,
                    end: raw_end.min(p.hours),
                    fits: raw_end <= p.hours,
                }
            })
            .collect();

        let mut teacher_acts = vec![Vec::new(); p.n_teachers];
        let mut subgroup_acts = vec![Vec::new(); p.n_subgroups_and_sets];
        for (a, act) in p.acts.iter().enumerate() {
            for t in distinct(&act.teachers) {
                teacher_acts[t].push(a);
            }
            for s in distinct(&act.subgroups) {
                subgroup_acts[s].push(a);
            }
        }
        let load = |lists: &[Vec<usize>]| -> Vec<Vec<u32>> {
            lists
                .iter()
                .map(|acts| {
                    let mut row = vec![0u32; slots];
                    for &a in acts {
                        let t = times[a];
                        for h in t.hour..t.end {
                            row[t.day * p.hours + h] += 1;
                        }
                    }
                    row
                })
                .collect()
        };
        let teacher_load = load(&teacher_acts);
        let subgroup_load = load(&subgroup_acts);
        // An activity in a virtual room uses it and each of its real rooms.
        let mut room_acts = vec![Vec::new(); p.rooms.len()];
        for (a, room) in pl.room.iter().enumerate() {
            if let Some(r) = *room {
                room_acts[r].push(a);
            }
            for &r in pl.real.get(a).map(Vec::as_slice).unwrap_or_default() {
                room_acts[r].push(a);
            }
        }
        let room_load = load(&room_acts);

        let mut w = Week {
            p,
            pl,
            times,
            teacher_acts,
            subgroup_acts,
            teacher_load,
            subgroup_load,
            room_load,
            teacher_busy: Vec::new(),
            subgroup_busy: Vec::new(),
        };
        w.teacher_busy = (0..p.n_teachers)
            .map(|t| w.busy_week(Res::Teacher(t), None))
            .collect();
        w.subgroup_busy = (0..p.n_subgroups_and_sets)
            .map(|s| w.busy_week(Res::Subgroup(s), None))
            .collect();
        w
    }

    fn acts_of(&self, res: Res) -> &[usize] {
        match res {
            Res::Teacher(t) => &self.teacher_acts[t],
            Res::Subgroup(s) => &self.subgroup_acts[s],
        }
    }

    fn has_tag(&self, a: usize, tag: Option<usize>) -> bool {
        tag.is_none_or(|t| self.p.acts[a].tags.contains(&t))
    }

    /// The hours the resource's activities (those with `tag`, if given) occupy.
    fn busy_week(&self, res: Res, tag: Option<usize>) -> BusyWeek {
        let mut week = vec![vec![false; self.p.hours]; self.p.days];
        for &a in self.acts_of(res) {
            if self.has_tag(a, tag) {
                let t = self.times[a];
                week[t.day][t.hour..t.end].fill(true);
            }
        }
        week
    }

    fn busy(&self, res: Res, tag: Option<usize>) -> Cow<'_, [Vec<bool>]> {
        match (tag, res) {
            (None, Res::Teacher(t)) => Cow::Borrowed(&self.teacher_busy[t]),
            (None, Res::Subgroup(s)) => Cow::Borrowed(&self.subgroup_busy[s]),
            (Some(_), _) => Cow::Owned(self.busy_week(res, tag)),
        }
    }

    /// The hours the resource is unavailable or on a break: `off[day][hour]`.
    fn off_week(&self, res: Res) -> Vec<Vec<bool>> {
        let row = match res {
            Res::Teacher(t) => self.p.teacher_off.get(t),
            Res::Subgroup(s) => self.p.subgroup_off.get(s),
        };
        (0..self.p.days)
            .map(|d| {
                (0..self.p.hours)
                    .map(|h| {
                        row.and_then(|r| r.get(d * self.p.hours + h))
                            .copied()
                            .unwrap_or(false)
                    })
                    .collect()
            })
            .collect()
    }

    // ----- basic rules -----

    fn basic_violations(&self) -> Vec<Violation> {
        let p = self.p;
        let mut out = Vec::new();
        let mut basic = |what: String, count: u64| {
            out.push(Violation {
                constraint: None,
                what,
                count,
            })
        };
        for (a, t) in self.times.iter().enumerate() {
            if !t.fits {
                basic(
                    format!(
                        "activity {a} of duration {} starts at day {} hour {} and does not fit \
                         in the day",
                        p.acts[a].duration, t.day, t.hour
                    ),
                    1,
                );
            }
        }
        for (name, loads) in [
            ("teacher", &self.teacher_load),
            ("subgroup", &self.subgroup_load),
            ("room", &self.room_load),
        ] {
            for (r, row) in loads.iter().enumerate() {
                if name == "room" && p.rooms[r].is_virtual() {
                    // A virtual room never clashes: its real rooms do.
                    continue;
                }
                for (slot, &n) in row.iter().enumerate() {
                    if n >= 2 {
                        basic(
                            format!(
                                "{name} {r} has {n} activities at day {} hour {}",
                                slot / p.hours,
                                slot % p.hours
                            ),
                            u64::from(n) - 1,
                        );
                    }
                }
            }
        }
        for (a, act) in p.acts.iter().enumerate() {
            match self.pl.room[a] {
                None if act.needs_room => {
                    basic(format!("activity {a} needs a room and has none"), 1)
                }
                Some(r) if p.rooms[r].capacity < act.n_students => basic(
                    format!(
                        "activity {a} has {} students in room {r} of capacity {}",
                        act.n_students, p.rooms[r].capacity
                    ),
                    1,
                ),
                _ => {}
            }
            let real = self.pl.real.get(a).map(Vec::as_slice).unwrap_or_default();
            let sets: &[Vec<usize>] = match self.pl.room[a] {
                Some(r) => &p.rooms[r].real_sets,
                None => &[],
            };
            if !one_of_each(real, sets) {
                basic(
                    format!(
                        "activity {a} takes real rooms {real:?}, not one distinct room of each \
                         of the sets {sets:?}"
                    ),
                    1,
                );
            }
        }
        out
    }

    // ----- constraints -----

    fn count(&self, kind: &Kind) -> u64 {
        let p = self.p;
        let t = |a: usize| self.times[a];
        let same_day = |a: usize, b: usize| t(a).day == t(b).day;
        // One ends where the other starts (an end cut at the end of the day is no start).
        let back_to_back =
            |a: usize, b: usize| same_day(a, b) && (t(a).end == t(b).hour || t(b).end == t(a).hour);
        let day_distance = |a: usize, b: usize| t(a).day.abs_diff(t(b).day) as u64;
        let slot = |day: usize, hour: usize| day * p.hours + hour;
        match kind {
            Kind::StartSlots { acts, allowed } => distinct(acts)
                .into_iter()
                .filter(|&a| !allowed[t(a).start])
                .count() as u64,
            Kind::OccupiedSlots { acts, allowed } => distinct(acts)
                .into_iter()
                .map(|a| {
                    (t(a).hour..t(a).end)
                        .filter(|&h| !allowed[slot(t(a).day, h)])
                        .count() as u64
                })
                .sum(),
            Kind::Same { acts, what } => pairs(acts)
                .into_iter()
                .filter(|&(a, b)| match what {
                    SameWhat::Time => t(a).start != t(b).start,
                    SameWhat::Day => t(a).day != t(b).day,
                    SameWhat::Hour => t(a).hour != t(b).hour,
                })
                .count() as u64,
            Kind::NotOverlapping { acts } => pairs(acts)
                .into_iter()
                .filter(|&(a, b)| same_day(a, b))
                .map(|(a, b)| {
                    let from = t(a).hour.max(t(b).hour);
                    let to = t(a).end.min(t(b).end);
                    to.saturating_sub(from) as u64
                })
                .sum(),
            Kind::MinDaysBetween { acts, min } => pairs(acts)
                .into_iter()
                .map(|(a, b)| short(day_distance(a, b), *min))
                .sum(),
            Kind::ConsecutiveIfSameDay { acts } => pairs(acts)
                .into_iter()
                .filter(|&(a, b)| same_day(a, b) && !back_to_back(a, b))
                .count() as u64,
            Kind::MaxDaysBetween { acts, max } => pairs(acts)
                .into_iter()
                .map(|(a, b)| over(day_distance(a, b), *max))
                .sum(),
            Kind::MinGapsBetween { acts, min } => pairs(acts)
                .into_iter()
                .filter(|&(a, b)| same_day(a, b))
                .filter(|&(a, b)| {
                    // Order the pair by start hour; overlapping ones have no free hour.
                    let (x, y) = if t(a).hour <= t(b).hour {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    let free = t(y).hour.saturating_sub(t(x).end) as u64;
                    free < u64::from(*min)
                })
                .count() as u64,
            Kind::Consecutive { first, second } => {
                let ok = same_day(*first, *second) && t(*first).end == t(*second).hour;
                u64::from(!ok)
            }
            Kind::Grouped { acts } => u64::from(!self.one_block(&distinct(acts))),
            Kind::Ordered {
                first,
                second,
                only_if_same_day,
            } => {
                let (f, s) = (t(*first), t(*second));
                let before_on_same_day = f.day == s.day && f.end <= s.hour;
                let ok = if *only_if_same_day {
                    f.day != s.day || before_on_same_day
                } else {
                    f.day < s.day || before_on_same_day
                };
                u64::from(!ok)
            }
            Kind::EndsStudentsDay { act } => {
                // Each (activity, subgroup of `act`) with an hour at or after `act`'s end.
                let end = t(*act);
                let mut n = 0;
                for s in distinct(&p.acts[*act].subgroups) {
                    for &b in &self.subgroup_acts[s] {
                        let tb = t(b);
                        if b != *act && tb.day == end.day && tb.hour.max(end.end) < tb.end {
                            n += 1;
                        }
                    }
                }
                n
            }
            Kind::OccupyMaxSlots { acts, slots, max } => {
                let mut used = vec![false; slots.len()];
                for a in distinct(acts) {
                    for h in t(a).hour..t(a).end {
                        let s = slot(t(a).day, h);
                        used[s] |= slots[s];
                    }
                }
                over(count_true(&used), *max)
            }
            Kind::MaxSimultaneous { acts, slots, max } => {
                let mut under_way = vec![0u64; slots.len()];
                for a in distinct(acts) {
                    for h in t(a).hour..t(a).end {
                        under_way[slot(t(a).day, h)] += 1;
                    }
                }
                (0..slots.len())
                    .filter(|&s| slots[s])
                    .map(|s| over(under_way[s], *max))
                    .sum()
            }
            Kind::Resource { res, tag, rule } => self.resource(*res, *tag, rule),
            Kind::OrderedTagGaps {
                res,
                first,
                second,
                min,
            } => {
                // The resource's day as a row of cells: 'F' an hour of a first-tag
                // activity, else 'S' of a second-tag one, else '.'; then each run of 'S'
                // whose distance back to the last 'F' that day is under `min` counts.
                let acts = match *res {
                    Res::Teacher(x) => &self.teacher_acts[x],
                    Res::Subgroup(x) => &self.subgroup_acts[x],
                };
                let mut n = 0;
                for d in 0..p.days {
                    let mut row = vec!['.'; p.hours];
                    for &a in acts {
                        let ta = t(a);
                        if ta.day != d {
                            continue;
                        }
                        for cell in &mut row[ta.hour..ta.end] {
                            if p.acts[a].tags.contains(first) {
                                *cell = 'F';
                            } else if p.acts[a].tags.contains(second) && *cell != 'F' {
                                *cell = 'S';
                            }
                        }
                    }
                    for h in 0..p.hours {
                        let run_starts = row[h] == 'S' && (h == 0 || row[h - 1] != 'S');
                        if !run_starts {
                            continue;
                        }
                        if let Some(last_f) = (0..h).rev().find(|&k| row[k] == 'F') {
                            let between = h - last_f - 1;
                            // Only the first 'S' run after that 'F' is checked.
                            let first_run_after = !(last_f + 1..h).any(|k| row[k] == 'S');
                            if first_run_after && (between as u32) < *min {
                                n += 1;
                            }
                        }
                    }
                }
                n
            }
            Kind::Rooms { acts, rooms } => distinct(acts)
                .into_iter()
                .filter(|&a| !self.pl.room[a].is_some_and(|r| rooms.contains(&r)))
                .count() as u64,
            Kind::RealRooms { act, rooms } => {
                let real = self
                    .pl
                    .real
                    .get(*act)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let set = |l: &[usize]| {
                    let mut v = distinct(l);
                    v.sort_unstable();
                    v
                };
                u64::from(set(real) != set(rooms))
            }
            Kind::RoomUnavailable { room, slots } => (0..slots.len())
                .filter(|&s| slots[s] && self.room_load[*room][s] > 0)
                .count() as u64,
            Kind::MaxDifferentRooms { acts, max } => {
                let rooms: Vec<usize> = distinct(acts)
                    .into_iter()
                    .filter_map(|a| self.pl.room[a])
                    .collect();
                over(distinct(&rooms).len() as u64, *max)
            }
            Kind::SameRoomIfConsecutive { acts } => pairs(acts)
                .into_iter()
                .filter(|&(a, b)| back_to_back(a, b))
                .filter(|&(a, b)| match (self.pl.room[a], self.pl.room[b]) {
                    (Some(x), Some(y)) => x != y,
                    _ => false,
                })
                .count() as u64,
        }
    }

    /// Whether the activities, in some order, follow each other without a break in one day.
    /// Sorted by start hour (then duration, so that zero-length ones come first), each must
    /// start where the one before ends: any unbroken order is this one.
    fn one_block(&self, acts: &[usize]) -> bool {
        let mut order: Vec<usize> = acts.to_vec();
        order.sort_by_key(|&a| (self.times[a].start, self.p.acts[a].duration, a));
        order.windows(2).all(|w| {
            let (x, y) = (self.times[w[0]], self.times[w[1]]);
            x.day == y.day && x.end == y.hour
        })
    }

    /// The resource's activities on a day that have a room in a building, in order of start
    /// hour (ties by activity index): `(start hour, end hour, building)`.
    fn building_visits(
        &self,
        res: Res,
        tag: Option<usize>,
        day: usize,
    ) -> Vec<(usize, usize, usize)> {
        let mut acts: Vec<usize> = self
            .acts_of(res)
            .iter()
            .copied()
            .filter(|&a| self.has_tag(a, tag) && self.times[a].day == day)
            .collect();
        acts.sort_by_key(|&a| (self.times[a].hour, a));
        acts.into_iter()
            .filter_map(|a| {
                let r = self.pl.room[a]?;
                let b = self.p.rooms[r].building?;
                Some((self.times[a].hour, self.times[a].end, b))
            })
            .collect()
    }

    fn building_changes(&self, res: Res, tag: Option<usize>, day: usize) -> u64 {
        self.building_visits(res, tag, day)
            .windows(2)
            .filter(|w| w[0].2 != w[1].2)
            .count() as u64
    }

    fn resource(&self, res: Res, tag: Option<usize>, rule: &Rule) -> u64 {
        let p = self.p;
        let week = self.busy(res, tag);
        let days_with_lessons = week.iter().filter(|d| d.contains(&true)).count() as u64;
        match *rule {
            Rule::MaxHoursDaily(n) => week.iter().map(|d| over(count_true(d), n)).sum(),
            Rule::MinHoursDaily {
                min,
                allow_empty_days,
            } => week
                .iter()
                .filter(|d| !allow_empty_days || d.contains(&true))
                .map(|d| short(count_true(d), min))
                .sum(),
            Rule::MaxHoursContinuously(n) => week
                .iter()
                .flat_map(|d| runs(d))
                .map(|len| over(len, n))
                .sum(),
            Rule::MaxDaysPerWeek(n) => over(days_with_lessons, n),
            Rule::MinDaysPerWeek(n) => short(days_with_lessons, n),
            Rule::IntervalMaxDaysPerWeek { start, end, max } => {
                let end = (end as usize).min(p.hours);
                let start = (start as usize).min(end);
                let days = week
                    .iter()
                    .filter(|d| d[start..end].contains(&true))
                    .count();
                over(days as u64, max)
            }
            Rule::MaxGapsPerWeek(n) => {
                let off = self.off_week(res);
                over(week.iter().zip(&off).map(|(d, o)| gaps(d, o)).sum(), n)
            }
            Rule::MaxGapsPerDay(n) => {
                let off = self.off_week(res);
                week.iter()
                    .zip(&off)
                    .map(|(d, o)| over(gaps(d, o), n))
                    .sum()
            }
            Rule::EarlyMaxBeginningsAtSecondHour(n) => {
                let off = self.off_week(res);
                let mut beginnings = 0;
                let mut late = 0;
                for (d, o) in week.iter().zip(&off) {
                    if let Some((first, _)) = first_last(d) {
                        let free_before = (0..first).filter(|&h| !o[h]).count() as u64;
                        if free_before >= 1 {
                            beginnings += 1;
                        }
                        if free_before >= 2 {
                            late += free_before - 1;
                        }
                    }
                }
                late + over(beginnings, n)
            }
            Rule::MaxSpanPerDay(n) => week
                .iter()
                .filter_map(|d| first_last(d))
                .map(|(first, last)| over((last - first + 1) as u64, n))
                .sum(),
            Rule::MinRestingHours { min, circular } => {
                let mut day_pairs: Vec<(usize, usize)> = (1..p.days).map(|d| (d - 1, d)).collect();
                if circular && p.days > 0 {
                    day_pairs.push((p.days - 1, 0));
                }
                day_pairs
                    .into_iter()
                    .filter_map(|(d, e)| Some((first_last(&week[d])?, first_last(&week[e])?)))
                    .map(|((_, last), (first, _))| {
                        let resting = (p.hours - 1 - last) + first;
                        short(resting as u64, min)
                    })
                    .sum()
            }
            Rule::MaxBuildingChangesPerDay(n) => (0..p.days)
                .map(|d| over(self.building_changes(res, tag, d), n))
                .sum(),
            Rule::MaxBuildingChangesPerWeek(n) => over(
                (0..p.days)
                    .map(|d| self.building_changes(res, tag, d))
                    .sum(),
                n,
            ),
            Rule::MinGapsBetweenBuildingChanges(n) => (0..p.days)
                .map(|d| {
                    self.building_visits(res, tag, d)
                        .windows(2)
                        .filter(|w| w[0].2 != w[1].2)
                        .filter(|w| (w[1].0.saturating_sub(w[0].1) as u64) < u64::from(n))
                        .count() as u64
                })
                .sum(),
        }
    }
}

/// A short description of a constraint for [`Violation::what`].
fn describe(kind: &Kind) -> String {
    let list = |acts: &[usize]| {
        if acts.len() <= 8 {
            format!("activities {acts:?}")
        } else {
            format!("{} activities from {:?}…", acts.len(), &acts[..8])
        }
    };
    match kind {
        Kind::StartSlots { acts, .. } => format!("start slots of {}", list(acts)),
        Kind::OccupiedSlots { acts, .. } => format!("occupied slots of {}", list(acts)),
        Kind::Same { acts, what } => format!("same {what:?} for {}", list(acts)),
        Kind::NotOverlapping { acts } => format!("not overlapping: {}", list(acts)),
        Kind::MinDaysBetween { acts, min } => format!("min {min} days between {}", list(acts)),
        Kind::ConsecutiveIfSameDay { acts } => format!("consecutive if same day: {}", list(acts)),
        Kind::MaxDaysBetween { acts, max } => format!("max {max} days between {}", list(acts)),
        Kind::MinGapsBetween { acts, min } => format!("min {min} gaps between {}", list(acts)),
        Kind::Consecutive { first, second } => {
            format!("activity {second} right after activity {first}")
        }
        Kind::Grouped { acts } => format!("grouped: {}", list(acts)),
        Kind::Ordered {
            first,
            second,
            only_if_same_day,
        } => format!(
            "activity {first} before activity {second}{}",
            if *only_if_same_day {
                " if same day"
            } else {
                ""
            }
        ),
        Kind::EndsStudentsDay { act } => format!("activity {act} ends the students' day"),
        Kind::OccupyMaxSlots { acts, max, .. } => {
            format!("at most {max} selected slots for {}", list(acts))
        }
        Kind::MaxSimultaneous { acts, max, .. } => {
            format!("at most {max} at once of {}", list(acts))
        }
        Kind::Resource { res, tag, rule } => {
            let who = match res {
                Res::Teacher(t) => format!("teacher {t}"),
                Res::Subgroup(s) => format!("subgroup {s}"),
            };
            match tag {
                Some(tag) => format!("{rule:?} for {who}, activity tag {tag}"),
                None => format!("{rule:?} for {who}"),
            }
        }
        Kind::OrderedTagGaps {
            res,
            first,
            second,
            min,
        } => format!("{res:?}: at least {min} hours from activity tag {first} to tag {second}"),
        Kind::Rooms { acts, rooms } => format!("{} in rooms {rooms:?}", list(acts)),
        Kind::RealRooms { act, rooms } => format!("activity {act} in real rooms {rooms:?}"),
        Kind::RoomUnavailable { room, .. } => format!("room {room} unavailable"),
        Kind::MaxDifferentRooms { acts, max } => {
            format!("at most {max} rooms for {}", list(acts))
        }
        Kind::SameRoomIfConsecutive { acts } => {
            format!("same room if consecutive: {}", list(acts))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::problem::{Act, Constraint, ProblemRoom, Slot};
    use proptest::prelude::*;

    /// An activity of `duration` hours with these teachers and subgroups.
    fn act(duration: u32, teachers: &[usize], subgroups: &[usize]) -> Act {
        Act {
            source: 0,
            duration,
            teachers: teachers.to_vec(),
            subgroups: subgroups.to_vec(),
            tags: vec![],
            n_students: 0,
            needs_room: false,
        }
    }

    /// `days × hours`, two teachers, two subgroups, three rooms (buildings 0, 1, none; capacity
    /// 30), nothing off, no constraints.
    fn problem(days: usize, hours: usize, acts: Vec<Act>) -> Problem {
        let slots = days * hours;
        Problem {
            days,
            hours,
            n_teachers: 2,
            n_subgroups_and_sets: 2,
            rooms: [Some(0), Some(1), None]
                .into_iter()
                .map(|building| ProblemRoom {
                    capacity: 30,
                    building,
                    real_sets: Vec::new(),
                })
                .collect(),
            acts,
            constraints: vec![],
            teacher_off: vec![vec![false; slots]; 2],
            subgroup_off: vec![vec![false; slots]; 2],
        }
    }

    /// The problem with one hard constraint.
    fn with(mut p: Problem, kind: Kind) -> Problem {
        p.constraints.push(Constraint {
            weight: 100.0,
            source: "ConstraintTest".into(),
            line: 7,
            kind,
        });
        p
    }

    /// Activity `i` starts at `at[i] = (day, hour)`, no rooms.
    fn place(p: &Problem, at: &[(usize, usize)]) -> Placement {
        Placement {
            start: at.iter().map(|&(d, h)| p.slot(d, h)).collect(),
            room: vec![None; at.len()],
            real: Vec::new(),
        }
    }

    /// With rooms: `at[i] = (day, hour, room)`.
    fn place_in(p: &Problem, at: &[(usize, usize, Option<usize>)]) -> Placement {
        Placement {
            start: at.iter().map(|&(d, h, _)| p.slot(d, h)).collect(),
            room: at.iter().map(|&(_, _, r)| r).collect(),
            real: Vec::new(),
        }
    }

    fn run(p: &Problem, pl: &Placement) -> Verdict {
        verify(p, pl).expect("well-formed placement")
    }

    /// Violations of the only constraint, after checking the basic rules hold.
    fn count(p: &Problem, pl: &Placement) -> u64 {
        let v = run(p, pl);
        let basic: u64 = v
            .violations
            .iter()
            .filter(|x| x.constraint.is_none())
            .map(|x| x.count)
            .sum();
        assert_eq!(basic, 0, "the test placement breaks a basic rule: {v:?}");
        assert_eq!(v.hard, v.per_constraint[0]);
        v.per_constraint[0]
    }

    /// Violations of the basic rules (a problem without constraints).
    fn basic(p: &Problem, pl: &Placement) -> u64 {
        let v = run(p, pl);
        assert!(v.violations.iter().all(|x| x.constraint.is_none()));
        assert_eq!(v.hard, v.violations.iter().map(|x| x.count).sum::<u64>());
        v.hard
    }

    fn mask(p: &Problem, on: &[(usize, usize)]) -> Vec<bool> {
        let on: Vec<Slot> = on.iter().map(|&(d, h)| p.slot(d, h)).collect();
        (0..p.slots()).map(|s| on.contains(&s)).collect()
    }

    fn teacher0(rule: Rule) -> Kind {
        Kind::Resource {
            res: Res::Teacher(0),
            tag: None,
            rule,
        }
    }

    // ----- basic rules -----

    #[test]
    fn fits_in_the_day() {
        let p = problem(2, 4, vec![act(2, &[], &[])]);
        assert_eq!(basic(&p, &place(&p, &[(0, 2)])), 0); // hours 2, 3
        assert_eq!(basic(&p, &place(&p, &[(0, 3)])), 1); // 3 + 2 > 4: one activity
    }

    #[test]
    fn only_hours_inside_the_day_count() {
        // Activity 0 (teacher 0, 3 hours) at day 0 hour 2 of 4 runs into hours 4, 5, which
        // are not day 1 hours 0, 1: activity 1 (teacher 0) there is no clash. Only the fit
        // counts: 1.
        let p = problem(2, 4, vec![act(3, &[0], &[]), act(2, &[0], &[])]);
        assert_eq!(basic(&p, &place(&p, &[(0, 2), (1, 0)])), 1);
        // Inside the day it clashes: activity 1 at day 0 hour 3 shares hour 3 → 1 + 1 = 2.
        let p = problem(2, 5, vec![act(3, &[0], &[]), act(1, &[0], &[])]);
        assert_eq!(basic(&p, &place(&p, &[(0, 3), (0, 3)])), 1 + 1);
    }

    #[test]
    fn teacher_clash() {
        let acts = vec![act(2, &[0], &[]), act(1, &[0], &[]), act(1, &[0, 1], &[])];
        let p = problem(2, 4, acts);
        // 0 at hours 0–1, 1 at 2, 2 at day 1: no clash.
        assert_eq!(basic(&p, &place(&p, &[(0, 0), (0, 2), (1, 0)])), 0);
        // All three at day 0 hour 1 (0 covers 0–1): teacher 0 has 3 there → 2; teacher 1
        // has 1 → 0. Total 2.
        assert_eq!(basic(&p, &place(&p, &[(0, 0), (0, 1), (0, 1)])), 2);
    }

    #[test]
    fn subgroup_clash() {
        let acts = vec![act(1, &[], &[1]), act(2, &[], &[0, 1]), act(1, &[], &[0])];
        let p = problem(1, 4, acts);
        assert_eq!(basic(&p, &place(&p, &[(0, 0), (0, 1), (0, 3)])), 0);
        // 1 covers hours 1–2; 0 at hour 1 (subgroup 1: 2 there → 1); 2 at hour 2
        // (subgroup 0: 2 there → 1). Total 2.
        assert_eq!(basic(&p, &place(&p, &[(0, 1), (0, 1), (0, 2)])), 2);
    }

    #[test]
    fn room_clash() {
        let acts = vec![
            act(2, &[], &[]),
            act(1, &[], &[]),
            act(1, &[], &[]),
            act(1, &[], &[]),
        ];
        let p = problem(1, 4, acts);
        let ok = [
            (0, 0, Some(0)),
            (0, 2, Some(0)),
            (0, 0, Some(1)),
            (0, 0, None),
        ];
        assert_eq!(basic(&p, &place_in(&p, &ok)), 0);
        // Room 0: 0 at hours 0–1, 1 and 2 at hour 1 → hour 1 has 3 → 2. Activity 3 has no
        // room and does not count. Total 2.
        let bad = [
            (0, 0, Some(0)),
            (0, 1, Some(0)),
            (0, 1, Some(0)),
            (0, 1, None),
        ];
        assert_eq!(basic(&p, &place_in(&p, &bad)), 2);
    }

    #[test]
    fn virtual_rooms() {
        // Room 3 is virtual with sets {0, 1} and {1, 2}.
        let acts = vec![act(1, &[], &[]), act(1, &[], &[]), act(1, &[], &[])];
        let mut p = problem(1, 4, acts);
        p.rooms.push(ProblemRoom {
            capacity: 30,
            building: None,
            real_sets: vec![vec![0, 1], vec![1, 2]],
        });
        let at = |real: Vec<Vec<usize>>, third: Option<usize>| {
            let mut pl = place_in(&p, &[(0, 0, Some(3)), (0, 0, Some(3)), (0, 0, third)]);
            pl.real = real;
            pl
        };
        // One distinct real room of each set; at different hours the two may share them.
        let pl = place_in(&p, &[(0, 0, Some(3)), (0, 1, Some(3)), (0, 0, None)]);
        let pl = Placement {
            real: vec![vec![2, 0], vec![1, 2], vec![]],
            ..pl
        };
        assert_eq!(basic(&p, &pl), 0);
        // Same hour: 0+2 and 1+2 share room 2 → one clash; the virtual room itself never
        // clashes.
        assert_eq!(
            basic(&p, &at(vec![vec![0, 2], vec![1, 2], vec![]], None)),
            1
        );
        // A real room taken through the virtual room clashes with a direct booking.
        assert_eq!(
            basic(&p, &at(vec![vec![0, 2], vec![1, 2], vec![]], Some(0))),
            2
        );
        // Not one of each set: {0, 0} (not distinct, and room 0 clashes with itself), {0}
        // (too few), real rooms for an activity in no virtual room: 2 + 1 + 1.
        let mut pl = at(vec![vec![0, 0], vec![0], vec![2]], None);
        pl.start = vec![0, 1, 2];
        assert_eq!(basic(&p, &pl), 4);
        // {2, 1} is one of each ({0, 1} → 1, {1, 2} → 2) in any order; {3, 0} is not: 3 is
        // the virtual room itself, in no set.
        pl.real = vec![vec![2, 1], vec![3, 0], vec![]];
        assert_eq!(basic(&p, &pl), 1);
        // Locked real rooms compare as sets.
        let p = with(
            p,
            Kind::RealRooms {
                act: 0,
                rooms: vec![1, 0],
            },
        );
        let mut pl = place_in(&p, &[(0, 0, Some(3)), (0, 1, None), (0, 2, None)]);
        pl.real = vec![vec![0, 1], vec![], vec![]];
        assert_eq!(count(&p, &pl), 0);
        pl.real[0] = vec![2, 0];
        assert_eq!(count(&p, &pl), 1);
    }

    #[test]
    fn needs_a_room() {
        let mut acts = vec![act(1, &[], &[]), act(1, &[], &[])];
        acts[0].needs_room = true;
        let p = problem(1, 4, acts);
        assert_eq!(
            basic(&p, &place_in(&p, &[(0, 0, Some(2)), (0, 1, None)])),
            0
        );
        // Activity 0 without a room: 1.
        assert_eq!(basic(&p, &place_in(&p, &[(0, 0, None), (0, 1, None)])), 1);
    }

    #[test]
    fn room_capacity() {
        let mut acts = vec![act(1, &[], &[]), act(1, &[], &[])];
        acts[0].n_students = 30;
        acts[1].n_students = 31;
        let p = problem(1, 4, acts);
        // 30 students in capacity 30 fits; 1 has no room.
        assert_eq!(
            basic(&p, &place_in(&p, &[(0, 0, Some(0)), (0, 1, None)])),
            0
        );
        // 31 students in capacity 30: 1.
        assert_eq!(
            basic(&p, &place_in(&p, &[(0, 0, Some(0)), (0, 1, Some(1))])),
            1
        );
    }

    // ----- activity constraints -----

    #[test]
    fn start_slots() {
        let p = problem(2, 3, vec![act(1, &[], &[]), act(1, &[], &[])]);
        let allowed = mask(&p, &[(0, 0), (1, 0)]);
        let p = with(
            p,
            Kind::StartSlots {
                acts: vec![0, 1],
                allowed,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 0)])), 0);
        // Both start outside: 2.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (1, 2)])), 2);
    }

    #[test]
    fn occupied_slots() {
        let p = problem(2, 4, vec![act(2, &[], &[]), act(1, &[], &[])]);
        let allowed = (0..p.slots())
            .map(|s| s != p.slot(0, 1) && s != p.slot(0, 2))
            .collect();
        let p = with(
            p,
            Kind::OccupiedSlots {
                acts: vec![0, 1],
                allowed,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(1, 0), (0, 0)])), 0);
        // 0 covers day 0 hours 1, 2: both forbidden → 2; 1 at hour 2 → 1. Total 3.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 2)])), 3);
    }

    fn three(days: usize, hours: usize) -> Problem {
        problem(days, hours, vec![act(1, &[], &[]); 3])
    }

    #[test]
    fn same_starting_time() {
        let p = with(
            three(3, 3),
            Kind::Same {
                acts: vec![0, 1, 2],
                what: SameWhat::Time,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 1), (0, 1)])), 0);
        // 0 and 1 agree; (0, 2) and (1, 2) differ: 2.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 1), (1, 1)])), 2);
    }

    #[test]
    fn same_starting_day() {
        let p = with(
            three(3, 3),
            Kind::Same {
                acts: vec![0, 1, 2],
                what: SameWhat::Day,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2), (0, 1)])), 0);
        // (0, 2) and (1, 2) on different days: 2.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2), (1, 0)])), 2);
    }

    #[test]
    fn same_starting_hour() {
        let p = with(
            three(3, 3),
            Kind::Same {
                acts: vec![0, 1, 2],
                what: SameWhat::Hour,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 1), (1, 1), (2, 1)])), 0);
        // (0, 2) and (1, 2) at different hours: 2.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 0), (1, 2)])), 2);
    }

    #[test]
    fn not_overlapping() {
        let acts = vec![act(2, &[], &[]), act(2, &[], &[]), act(1, &[], &[])];
        let p = with(
            problem(2, 6, acts),
            Kind::NotOverlapping {
                acts: vec![0, 1, 2],
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2), (0, 4)])), 0);
        // Same hours on different days do not overlap.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 0), (1, 2)])), 0);
        // 0: hours 0–1, 1: 1–2, 2: 1. (0,1) share hour 1 → 1, (0,2) → 1, (1,2) → 1. Total 3.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 1), (0, 1)])), 3);
    }

    #[test]
    fn min_days_between() {
        let p = with(
            three(5, 2),
            Kind::MinDaysBetween {
                acts: vec![0, 1, 2],
                min: 2,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 0), (2, 0), (4, 0)])), 0);
        // Days 0, 1, 1: (0,1) distance 1 → 1, (0,2) → 1, (1,2) distance 0 → 2. Total 4.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 0), (1, 1)])), 4);
    }

    #[test]
    fn consecutive_if_same_day() {
        let acts = vec![act(2, &[], &[]), act(1, &[], &[]), act(1, &[], &[])];
        let p = with(
            problem(2, 6, acts),
            Kind::ConsecutiveIfSameDay {
                acts: vec![0, 1, 2],
            },
        );
        // 0 at 0–1 then 1 at 2; 2 on another day.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2), (1, 4)])), 0);
        // 0 at 0–1, 2 at 2, 1 at 3: (0,2) and (2,1) touch, (0,1) does not → 1.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 3), (0, 2)])), 1);
    }

    #[test]
    fn max_days_between() {
        let p = with(
            three(5, 2),
            Kind::MaxDaysBetween {
                acts: vec![0, 1, 2],
                max: 1,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 0), (1, 1)])), 0);
        // Days 0, 3, 1: (0,1) 3 → 2, (0,2) 1 → 0, (1,2) 2 → 1. Total 3.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (3, 0), (1, 0)])), 3);
    }

    #[test]
    fn min_gaps_between() {
        let acts = vec![act(2, &[], &[]), act(1, &[], &[]), act(1, &[], &[])];
        let p = with(
            problem(2, 8, acts),
            Kind::MinGapsBetween {
                acts: vec![0, 1, 2],
                min: 2,
            },
        );
        // 0 at 0–1, 1 at 4 (free 2, 3); 2 on another day.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 4), (1, 0)])), 0);
        // 0 at 0–1, 1 at 3, 2 at 1: (0,1) one free hour → 1; (0,2) overlap, none → 1;
        // (2,1) 2 ends at 2, 1 starts at 3, one free → 1. Total 3.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 3), (0, 1)])), 3);
    }

    #[test]
    fn consecutive() {
        let acts = vec![act(2, &[], &[]), act(1, &[], &[])];
        let p = with(
            problem(2, 6, acts),
            Kind::Consecutive {
                first: 0,
                second: 1,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 3)])), 0);
        // One hour between: 1.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 4)])), 1);
        // Right before instead of after: 1.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 0)])), 1);
        // Right when it ends, but the next day: 1.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (1, 3)])), 1);
    }

    #[test]
    fn grouped() {
        let acts = vec![act(1, &[], &[]), act(2, &[], &[]), act(1, &[], &[])];
        let p = with(
            problem(2, 6, acts),
            Kind::Grouped {
                acts: vec![0, 1, 2],
            },
        );
        // In the order 1 (0–1), 0 (2), 2 (3): one block.
        assert_eq!(count(&p, &place(&p, &[(0, 2), (0, 0), (0, 3)])), 0);
        // A free hour before 2: 1.
        assert_eq!(count(&p, &place(&p, &[(0, 2), (0, 0), (0, 4)])), 1);
        // Back to back across days is not a block: 1.
        assert_eq!(count(&p, &place(&p, &[(0, 2), (0, 0), (1, 3)])), 1);
    }

    #[test]
    fn ordered() {
        let acts = vec![act(2, &[], &[]), act(1, &[], &[])];
        let p = problem(2, 6, acts);
        let p = with(
            p,
            Kind::Ordered {
                first: 0,
                second: 1,
                only_if_same_day: false,
            },
        );
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2)])), 0);
        assert_eq!(count(&p, &place(&p, &[(0, 4), (1, 0)])), 0);
        // Second on an earlier day: 1.
        assert_eq!(count(&p, &place(&p, &[(1, 0), (0, 3)])), 1);
        // Second starts before first ends: 1.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 1)])), 1);
    }

    #[test]
    fn ordered_tag_gaps() {
        // Subgroup 0: activity 0 tagged first (tag 0), 1 and 2 tagged second (tag 1), 3
        // untagged; one day of 8 hours; at least 2 hours from a first to the next second.
        let tagged = |d, tag: Option<usize>| Act {
            tags: tag.into_iter().collect(),
            ..act(d, &[], &[0])
        };
        let acts = vec![
            tagged(2, Some(0)),
            tagged(1, Some(1)),
            tagged(1, Some(1)),
            tagged(1, None),
        ];
        let p = with(
            problem(1, 8, acts),
            Kind::OrderedTagGaps {
                res: Res::Subgroup(0),
                first: 0,
                second: 1,
                min: 2,
            },
        );
        // First at 0–1, second at 2: no gap, 1; the second second at 3 is the same run.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2), (0, 3), (0, 6)])), 1);
        // The untagged lesson at 2 counts as a gap hour: second at 4 is 2 hours on, fine.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 4), (0, 7), (0, 2)])), 0);
        // Second before first: the order matters, 0.
        assert_eq!(count(&p, &place(&p, &[(0, 5), (0, 0), (0, 1), (0, 3)])), 0);
        // Only the next second run after a first is checked: 3 (gap 1) counts, 5 does not.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 3), (0, 5), (0, 7)])), 1);
        // Another subgroup's constraint sees none of these.
        let mut q = p.clone();
        q.constraints[0].kind = Kind::OrderedTagGaps {
            res: Res::Subgroup(1),
            first: 0,
            second: 1,
            min: 2,
        };
        assert_eq!(count(&q, &place(&q, &[(0, 0), (0, 2), (0, 3), (0, 6)])), 0);
    }

    #[test]
    fn ordered_if_same_day() {
        let acts = vec![act(2, &[], &[]), act(1, &[], &[])];
        let p = problem(2, 6, acts);
        let p = with(
            p,
            Kind::Ordered {
                first: 0,
                second: 1,
                only_if_same_day: true,
            },
        );
        // Different days: nothing to order.
        assert_eq!(count(&p, &place(&p, &[(1, 0), (0, 3)])), 0);
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 3)])), 0);
        // Second before first on the same day: 1.
        assert_eq!(count(&p, &place(&p, &[(0, 2), (0, 0)])), 1);
    }

    #[test]
    fn ends_students_day() {
        let acts = vec![
            act(1, &[], &[0, 1]),
            act(1, &[], &[0]),
            act(1, &[], &[0, 1]),
            act(1, &[], &[1]),
        ];
        let p = with(problem(2, 6, acts), Kind::EndsStudentsDay { act: 0 });
        // 0 at 3; 1 at 1 and 3 at 0 are before it; 2 is on another day.
        assert_eq!(count(&p, &place(&p, &[(0, 3), (0, 1), (1, 4), (0, 0)])), 0);
        // 0 at 2: 1 at 4 (subgroup 0) → 1; 2 at 3 (subgroups 0 and 1) → 2; 3 at 0 is
        // before. Total 3.
        assert_eq!(count(&p, &place(&p, &[(0, 2), (0, 4), (0, 3), (0, 0)])), 3);
        // An activity that starts with 0 but runs on after it is a later lesson: 0 at 2, 1
        // (2 hours) at 2 shares subgroup 0 → 1 (plus the basic clash, checked apart).
        let mut p2 = p.clone();
        p2.acts[1].duration = 2;
        let v = run(&p2, &place(&p2, &[(0, 2), (0, 2), (1, 0), (0, 0)]));
        assert_eq!(v.per_constraint[0], 1);
    }

    #[test]
    fn occupy_max_slots() {
        let acts = vec![act(2, &[], &[]), act(1, &[], &[])];
        let p = problem(2, 4, acts);
        let slots = mask(&p, &[(0, 0), (0, 1), (0, 2)]);
        let p = with(
            p,
            Kind::OccupyMaxSlots {
                acts: vec![0, 1],
                slots,
                max: 2,
            },
        );
        // 0 takes (0,0) and (0,1); 1 takes (0,1) again, the same slot: 2 in all.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 1)])), 0);
        // 0 takes (0,0), (0,1); 1 takes (0,2): 3 → 1.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2)])), 1);
    }

    #[test]
    fn max_simultaneous() {
        let acts = vec![act(2, &[], &[]), act(1, &[], &[]), act(1, &[], &[])];
        let p = problem(2, 4, acts);
        let slots = mask(&p, &[(0, 0), (0, 1)]);
        let p = with(
            p,
            Kind::MaxSimultaneous {
                acts: vec![0, 1, 2],
                slots,
                max: 1,
            },
        );
        // 0 at (0,0); 1 at (0,2), unselected, with 2 at (0,2).
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 2), (0, 2)])), 0);
        // 0 covers (0,0), (0,1); 1 at (0,1), 2 at (0,0): 2 in each selected slot → 1 + 1.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 1), (0, 0)])), 2);
    }

    #[test]
    fn rooms() {
        let p = problem(1, 4, vec![act(1, &[], &[]), act(1, &[], &[])]);
        let p = with(
            p,
            Kind::Rooms {
                acts: vec![0, 1],
                rooms: vec![0, 1],
            },
        );
        assert_eq!(
            count(&p, &place_in(&p, &[(0, 0, Some(0)), (0, 0, Some(1))])),
            0
        );
        // 0 in room 2, not listed → 1; 1 in no room → 1. Total 2.
        assert_eq!(
            count(&p, &place_in(&p, &[(0, 0, Some(2)), (0, 0, None)])),
            2
        );
    }

    #[test]
    fn room_unavailable() {
        let p = problem(1, 4, vec![act(2, &[], &[]), act(1, &[], &[])]);
        let slots = mask(&p, &[(0, 1), (0, 2)]);
        let p = with(p, Kind::RoomUnavailable { room: 0, slots });
        // 0 in room 0 at 3? It does not fit; use 0 in room 1 instead, 1 in room 0 at 0.
        assert_eq!(
            count(&p, &place_in(&p, &[(0, 1, Some(1)), (0, 0, Some(0))])),
            0
        );
        // 0 in room 0 at 0–1: hour 1 busy → 1; 1 in room 0 at 2 → 1. Total 2.
        assert_eq!(
            count(&p, &place_in(&p, &[(0, 0, Some(0)), (0, 2, Some(0))])),
            2
        );
    }

    #[test]
    fn max_different_rooms() {
        let p = with(
            three(1, 4),
            Kind::MaxDifferentRooms {
                acts: vec![0, 1, 2],
                max: 1,
            },
        );
        let ok = [(0, 0, Some(0)), (0, 1, Some(0)), (0, 2, None)];
        assert_eq!(count(&p, &place_in(&p, &ok)), 0);
        // Rooms 0, 1, 2: 3 → 2.
        let bad = [(0, 0, Some(0)), (0, 1, Some(1)), (0, 2, Some(2))];
        assert_eq!(count(&p, &place_in(&p, &bad)), 2);
    }

    #[test]
    fn same_room_if_consecutive() {
        let p = with(
            three(1, 4),
            Kind::SameRoomIfConsecutive {
                acts: vec![0, 1, 2],
            },
        );
        let ok = [(0, 0, Some(0)), (0, 1, Some(0)), (0, 2, Some(0))];
        assert_eq!(count(&p, &place_in(&p, &ok)), 0);
        // Not consecutive, other rooms: fine.
        let ok = [(0, 0, Some(0)), (0, 2, Some(1)), (0, 0, Some(2))];
        assert_eq!(count(&p, &place_in(&p, &ok)), 0);
        // (0,1) back to back in rooms 0, 1 → 1; (1,2) in rooms 1, 0 → 1; (0,2) not back to
        // back. Total 2.
        let bad = [(0, 0, Some(0)), (0, 1, Some(1)), (0, 2, Some(0))];
        assert_eq!(count(&p, &place_in(&p, &bad)), 2);
    }

    // ----- resource rules -----

    #[test]
    fn max_hours_daily() {
        let acts = vec![act(2, &[0], &[]), act(1, &[0], &[]), act(1, &[0], &[])];
        let p = with(problem(2, 6, acts), teacher0(Rule::MaxHoursDaily(2)));
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 0), (1, 3)])), 0);
        // Day 0: 2 + 1 + 1 = 4 hours → 2.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2), (0, 4)])), 2);
    }

    #[test]
    fn tagged_rules_see_only_tagged_activities() {
        let mut acts = vec![act(2, &[0], &[]), act(1, &[0], &[]), act(1, &[0], &[])];
        acts[0].tags = vec![5];
        acts[2].tags = vec![5];
        let p = problem(1, 6, acts);
        let daily = |rule| Kind::Resource {
            res: Res::Teacher(0),
            tag: Some(5),
            rule,
        };
        let p1 = with(p.clone(), daily(Rule::MaxHoursDaily(2)));
        // Tagged hours: 2 + 1 = 3 → 1 (activity 1 is not tagged).
        assert_eq!(count(&p1, &place(&p1, &[(0, 0), (0, 2), (0, 3)])), 1);
        let p2 = with(p, daily(Rule::MaxHoursContinuously(2)));
        // 0 at 0–1, 1 at 2 (untagged, breaks the run), 2 at 3: runs 2 and 1 → 0.
        assert_eq!(count(&p2, &place(&p2, &[(0, 0), (0, 2), (0, 3)])), 0);
        // 0 at 0–1, 2 at 2: run of 3 → 1.
        assert_eq!(count(&p2, &place(&p2, &[(0, 0), (0, 3), (0, 2)])), 1);
    }

    #[test]
    fn min_hours_daily_with_empty_days() {
        let acts = vec![act(2, &[0], &[]), act(1, &[0], &[])];
        let rule = Rule::MinHoursDaily {
            min: 3,
            allow_empty_days: true,
        };
        let p = with(problem(3, 6, acts), teacher0(rule));
        // Day 0: 3 hours; days 1, 2 empty and allowed.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 4)])), 0);
        // Day 0: 2 hours → 1; day 1: 1 hour → 2. Total 3.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 0)])), 3);
    }

    #[test]
    fn min_hours_daily_without_empty_days() {
        let acts = vec![act(3, &[0], &[]), act(3, &[0], &[])];
        let rule = Rule::MinHoursDaily {
            min: 3,
            allow_empty_days: false,
        };
        let p = with(problem(2, 6, acts), teacher0(rule));
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 3)])), 0);
        // Day 0: 6 hours; day 1 empty: 0 → 3.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 3)])), 3);
    }

    #[test]
    fn max_hours_continuously() {
        let acts = vec![act(2, &[0], &[]), act(1, &[0], &[]), act(1, &[0], &[])];
        let p = with(problem(1, 6, acts), teacher0(Rule::MaxHoursContinuously(2)));
        // Busy 0, 1 and 3, 4: runs of 2.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 3), (0, 4)])), 0);
        // Busy 0, 1, 2, 3: one run of 4 → 2.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 2), (0, 3)])), 2);
    }

    #[test]
    fn max_days_per_week() {
        let p = with(
            problem(3, 4, vec![act(1, &[0], &[]); 2]),
            teacher0(Rule::MaxDaysPerWeek(1)),
        );
        assert_eq!(count(&p, &place(&p, &[(1, 0), (1, 3)])), 0);
        // Days 0 and 2: 2 → 1.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (2, 0)])), 1);
    }

    #[test]
    fn min_days_per_week() {
        let p = with(
            problem(3, 4, vec![act(1, &[0], &[]); 3]),
            teacher0(Rule::MinDaysPerWeek(3)),
        );
        assert_eq!(count(&p, &place(&p, &[(0, 0), (1, 0), (2, 0)])), 0);
        // All on day 1: 1 day → 2.
        assert_eq!(count(&p, &place(&p, &[(1, 0), (1, 1), (1, 2)])), 2);
    }

    #[test]
    fn interval_max_days_per_week() {
        let acts = vec![act(1, &[0], &[]), act(1, &[0], &[]), act(2, &[0], &[])];
        let rule = Rule::IntervalMaxDaysPerWeek {
            start: 4,
            end: 6,
            max: 1,
        };
        let p = with(problem(3, 6, acts), teacher0(rule));
        // Only day 0 has a busy hour in 4..6 (2 covers hours 2, 3 of day 2).
        assert_eq!(count(&p, &place(&p, &[(0, 4), (1, 0), (2, 2)])), 0);
        // Day 0 (hour 4), day 1 (hour 5), day 2 (2 covers 3, 4): 3 → 2.
        assert_eq!(count(&p, &place(&p, &[(0, 4), (1, 5), (2, 3)])), 2);
    }

    /// Four one-hour activities of teacher 0; teacher 0 is off at day 0 hour 2.
    fn gappy(rule: Rule) -> Problem {
        let mut p = problem(2, 6, vec![act(1, &[0], &[]); 4]);
        let s = p.slot(0, 2);
        p.teacher_off[0][s] = true;
        with(p, teacher0(rule))
    }

    #[test]
    fn max_gaps_per_week() {
        let p = gappy(Rule::MaxGapsPerWeek(1));
        // Day 0: 1, 3 (hour 2 off: no gap); day 1: 0, 2 (gap 1). 1 gap in all.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 3), (1, 0), (1, 2)])), 0);
        // Day 0: 0, 3 → gap at 1 (2 is off) = 1; day 1: 0, 3 → gaps 1, 2 = 2. 3 → 2.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 3), (1, 0), (1, 3)])), 2);
    }

    #[test]
    fn max_gaps_per_day() {
        let p = gappy(Rule::MaxGapsPerDay(1));
        // Day 0: 0 gaps; day 1: 1 gap.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 3), (1, 0), (1, 2)])), 0);
        // Day 0: 1 gap → 0; day 1: 2 gaps → 1. Total 1.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 3), (1, 0), (1, 3)])), 1);
    }

    #[test]
    fn early_max_beginnings_at_second_hour() {
        let mut p = problem(3, 6, vec![act(1, &[], &[0]); 3]);
        let s = p.slot(0, 0);
        p.subgroup_off[0][s] = true;
        let p = with(
            p,
            Kind::Resource {
                res: Res::Subgroup(0),
                tag: None,
                rule: Rule::EarlyMaxBeginningsAtSecondHour(1),
            },
        );
        // Day 0 starts at 1 (hour 0 off: 0 free before); day 1 at 1 (1 free: a beginning
        // at the second hour); day 2 at 0. 1 beginning ≤ 1.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (1, 1), (2, 0)])), 0);
        // Day 0 at 2: hour 1 free (0 off) → k = 1, a beginning. Day 1 at 3: k = 3 → 2, and a
        // beginning. Day 2 at 1: k = 1, a beginning. 2 + (3 beginnings − 1) = 4.
        assert_eq!(count(&p, &place(&p, &[(0, 2), (1, 3), (2, 1)])), 4);
    }

    #[test]
    fn max_span_per_day() {
        let p = with(
            problem(2, 6, vec![act(1, &[0], &[]); 3]),
            teacher0(Rule::MaxSpanPerDay(3)),
        );
        // Day 0: 1..=3 spans 3; day 1: one hour.
        assert_eq!(count(&p, &place(&p, &[(0, 1), (0, 3), (1, 5)])), 0);
        // Day 0: 0..=4 spans 5 → 2.
        assert_eq!(count(&p, &place(&p, &[(0, 0), (0, 4), (1, 5)])), 2);
    }

    #[test]
    fn min_resting_hours() {
        let acts = vec![act(1, &[0], &[]); 3];
        let rule = Rule::MinRestingHours {
            min: 3,
            circular: false,
        };
        let p = with(problem(3, 6, acts), teacher0(rule));
        // Day 0 last 3, day 1 first 2: (5 − 3) + 2 = 4. Day 1 last 2, day 2 first 0:
        // 3 + 0 = 3.
        assert_eq!(count(&p, &place(&p, &[(0, 3), (1, 2), (2, 0)])), 0);
        // Day 0 last 5, day 1 first 1: 0 + 1 = 1 → 2. Day 1 → day 2: 4 + 0 → 0. Total 2.
        assert_eq!(count(&p, &place(&p, &[(0, 5), (1, 1), (2, 0)])), 2);
        // Day 0 last 5, day 2 first 0: day 1 is empty, no consecutive pair → 0.
        assert_eq!(count(&p, &place(&p, &[(0, 5), (0, 4), (2, 0)])), 0);
    }

    #[test]
    fn min_resting_hours_circular() {
        let acts = vec![act(1, &[0], &[]); 3];
        let at = [(0, 0), (1, 3), (2, 5)];
        // 0 → 1: 5 + 3 = 8; 1 → 2: 2 + 5 = 7: fine without the wrap.
        let linear = Rule::MinRestingHours {
            min: 3,
            circular: false,
        };
        let p = with(problem(3, 6, acts.clone()), teacher0(linear));
        assert_eq!(count(&p, &place(&p, &at)), 0);
        // Day 2 last 5 → day 0 first 0: 0 + 0 = 0 → 3.
        let circular = Rule::MinRestingHours {
            min: 3,
            circular: true,
        };
        let p = with(problem(3, 6, acts), teacher0(circular));
        assert_eq!(count(&p, &place(&p, &at)), 3);
        assert_eq!(count(&p, &place(&p, &[(0, 3), (1, 3), (2, 3)])), 0);
    }

    #[test]
    fn max_building_changes_per_day() {
        let p = with(
            problem(2, 6, vec![act(1, &[0], &[]); 4]),
            teacher0(Rule::MaxBuildingChangesPerDay(1)),
        );
        // In hour order: building 0, 1, 1 (3 is in room 2, no building): 1 change.
        let ok = [
            (0, 0, Some(0)),
            (0, 1, Some(1)),
            (0, 2, Some(1)),
            (0, 3, Some(2)),
        ];
        assert_eq!(count(&p, &place_in(&p, &ok)), 0);
        // In hour order: 3 (b 0), 1 (b 1), 2 (no building, skipped), 0 (b 0): 2 changes → 1.
        let bad = [
            (0, 4, Some(0)),
            (0, 1, Some(1)),
            (0, 2, Some(2)),
            (0, 0, Some(0)),
        ];
        assert_eq!(count(&p, &place_in(&p, &bad)), 1);
    }

    #[test]
    fn max_building_changes_per_week() {
        let p = with(
            problem(2, 6, vec![act(1, &[0], &[]); 4]),
            teacher0(Rule::MaxBuildingChangesPerWeek(1)),
        );
        // Day 0: 0 → 1 (1 change); day 1: 1, 1. Day to day does not count. 1 change.
        let ok = [
            (0, 0, Some(0)),
            (0, 1, Some(1)),
            (1, 0, Some(1)),
            (1, 1, Some(1)),
        ];
        assert_eq!(count(&p, &place_in(&p, &ok)), 0);
        // Day 0: 0 → 1; day 1: 0 → 1. 2 → 1.
        let bad = [
            (0, 0, Some(0)),
            (0, 1, Some(1)),
            (1, 0, Some(0)),
            (1, 1, Some(1)),
        ];
        assert_eq!(count(&p, &place_in(&p, &bad)), 1);
    }

    #[test]
    fn min_gaps_between_building_changes() {
        let p = with(
            problem(1, 6, vec![act(1, &[0], &[]); 3]),
            teacher0(Rule::MinGapsBetweenBuildingChanges(1)),
        );
        // 0 (b 0) ends at 1, 1 (b 1) starts at 2: one free hour; 2 (b 1) right after: no
        // change.
        let ok = [(0, 0, Some(0)), (0, 2, Some(1)), (0, 3, Some(1))];
        assert_eq!(count(&p, &place_in(&p, &ok)), 0);
        // 0 (b 0) at 0, 1 (b 1) at 1: no free hour → 1; 2 (b 0) at 3: one free hour → 0.
        let bad = [(0, 0, Some(0)), (0, 1, Some(1)), (0, 3, Some(0))];
        assert_eq!(count(&p, &place_in(&p, &bad)), 1);
    }

    // ----- totals and shapes -----

    #[test]
    fn hard_and_soft_totals() {
        let acts = vec![act(1, &[0], &[]), act(1, &[0], &[])];
        let mut p = problem(2, 4, acts);
        let kind = Kind::Same {
            acts: vec![0, 1],
            what: SameWhat::Day,
        };
        for weight in [100.0, 50.0, 25.0] {
            p.constraints.push(Constraint {
                weight,
                source: "ConstraintActivitiesSameStartingDay".into(),
                line: 3,
                kind: kind.clone(),
            });
        }
        // Both at day 0 hour 0: the teacher clash counts 1 (basic), the same day holds.
        let v = run(&p, &place(&p, &[(0, 0), (0, 0)]));
        assert_eq!((v.hard, v.soft), (1, 0.0));
        assert_eq!(v.violations[0].constraint, None);
        // Different days: each constraint counts 1: hard 1, soft 0.5 + 0.25.
        let v = run(&p, &place(&p, &[(0, 0), (1, 0)]));
        assert_eq!(v.per_constraint, vec![1, 1, 1]);
        assert_eq!(v.hard, 1);
        assert!((v.soft - 0.75).abs() < 1e-12);
        assert_eq!(v.violations.len(), 3);
        assert!(v.violations[0]
            .what
            .contains("ConstraintActivitiesSameStartingDay at line 3"));
    }

    #[test]
    fn shapes_are_checked() {
        let p = problem(2, 3, vec![act(1, &[], &[]), act(1, &[], &[])]);
        let good = place(&p, &[(0, 0), (1, 2)]);
        assert!(verify(&p, &good).is_ok());
        let mut pl = good.clone();
        pl.start.pop();
        assert_eq!(
            verify(&p, &pl),
            Err(ShapeError::StartCount {
                expected: 2,
                got: 1
            })
        );
        let mut pl = good.clone();
        pl.room.push(None);
        assert_eq!(
            verify(&p, &pl),
            Err(ShapeError::RoomCount {
                expected: 2,
                got: 3
            })
        );
        let mut pl = good.clone();
        pl.start[1] = 6;
        assert_eq!(
            verify(&p, &pl),
            Err(ShapeError::StartOutOfRange {
                act: 1,
                slot: 6,
                slots: 6
            })
        );
        let mut pl = good.clone();
        pl.room[0] = Some(3);
        assert_eq!(
            verify(&p, &pl),
            Err(ShapeError::RoomOutOfRange {
                act: 0,
                room: 3,
                rooms: 3
            })
        );
        let bad = with(
            p.clone(),
            Kind::Consecutive {
                first: 0,
                second: 2,
            },
        );
        assert!(matches!(verify(&bad, &good), Err(ShapeError::Problem(_))));
        let bad = with(
            p.clone(),
            Kind::StartSlots {
                acts: vec![0],
                allowed: vec![true; 5],
            },
        );
        assert!(matches!(verify(&bad, &good), Err(ShapeError::Problem(_))));
        let mut bad = p.clone();
        bad.acts[0].teachers = vec![2];
        assert!(matches!(verify(&bad, &good), Err(ShapeError::Problem(_))));
        // An empty week with no activities is fine.
        let empty = problem(0, 0, vec![]);
        assert!(verify(&empty, &place(&empty, &[])).is_ok());
    }

    // ----- random problems -----

    /// One constraint from raw numbers, every index reduced into range (`None` when the
    /// problem has nothing it could name).
    fn arb_kind(p: &Problem, v: u8, list: &[usize], bits: &[bool], x: u32, y: u32) -> Option<Kind> {
        let n = p.acts.len();
        let acts: Vec<usize> = list
            .iter()
            .map(|a| a % n.max(1))
            .filter(|_| n > 0)
            .collect();
        let a0 = *acts.first()?;
        let a1 = *acts.get(1).unwrap_or(&a0);
        let mask: Vec<bool> = (0..p.slots()).map(|s| bits[s % bits.len()]).collect();
        let hours = p.hours as u32;
        let rule = |k: u8| match k % 14 {
            0 => Rule::MaxHoursDaily(x),
            1 => Rule::MinHoursDaily {
                min: x,
                allow_empty_days: y.is_multiple_of(2),
            },
            2 => Rule::MaxHoursContinuously(x),
            3 => Rule::MaxDaysPerWeek(x),
            4 => Rule::MinDaysPerWeek(x),
            5 => Rule::IntervalMaxDaysPerWeek {
                start: y % (hours + 2),
                end: x + y,
                max: x % 3,
            },
            6 => Rule::MaxGapsPerWeek(x),
            7 => Rule::MaxGapsPerDay(x % 2),
            8 => Rule::EarlyMaxBeginningsAtSecondHour(x % 3),
            9 => Rule::MaxSpanPerDay(x),
            10 => Rule::MinRestingHours {
                min: x,
                circular: y.is_multiple_of(2),
            },
            11 => Rule::MaxBuildingChangesPerDay(x % 2),
            12 => Rule::MaxBuildingChangesPerWeek(x),
            _ => Rule::MinGapsBetweenBuildingChanges(x),
        };
        let res = if y.is_multiple_of(2) {
            Res::Teacher(y as usize % p.n_teachers.max(1))
        } else {
            Res::Subgroup(y as usize % p.n_subgroups_and_sets.max(1))
        };
        let res_ok = match res {
            Res::Teacher(_) => p.n_teachers > 0,
            Res::Subgroup(_) => p.n_subgroups_and_sets > 0,
        };
        let what = [SameWhat::Time, SameWhat::Day, SameWhat::Hour][y as usize % 3];
        Some(match v % 21 {
            0 => Kind::StartSlots {
                acts,
                allowed: mask,
            },
            1 => Kind::OccupiedSlots {
                acts,
                allowed: mask,
            },
            2 => Kind::Same { acts, what },
            3 => Kind::NotOverlapping { acts },
            4 => Kind::MinDaysBetween { acts, min: x },
            5 => Kind::ConsecutiveIfSameDay { acts },
            6 => Kind::MaxDaysBetween { acts, max: x },
            7 => Kind::MinGapsBetween { acts, min: x },
            8 => Kind::Consecutive {
                first: a0,
                second: a1,
            },
            9 => Kind::Grouped { acts },
            10 => Kind::Ordered {
                first: a0,
                second: a1,
                only_if_same_day: y.is_multiple_of(2),
            },
            11 => Kind::EndsStudentsDay { act: a0 },
            12 => Kind::OccupyMaxSlots {
                acts,
                slots: mask,
                max: x,
            },
            13 => Kind::MaxSimultaneous {
                acts,
                slots: mask,
                max: x % 2,
            },
            14 => Kind::Rooms {
                acts,
                rooms: (0..p.rooms.len())
                    .filter(|r| bits[r % bits.len()])
                    .collect(),
            },
            15 if p.rooms.is_empty() => return None,
            15 => Kind::RoomUnavailable {
                room: y as usize % p.rooms.len(),
                slots: mask,
            },
            16 => Kind::MaxDifferentRooms { acts, max: x % 3 },
            17 => Kind::SameRoomIfConsecutive { acts },
            _ if !res_ok => return None,
            k => Kind::Resource {
                res,
                tag: y.is_multiple_of(3).then_some(0),
                rule: rule(k.wrapping_add(x as u8)),
            },
        })
    }

    type RawAct = (u32, Vec<usize>, Vec<usize>, bool, u32, bool);
    type RawCon = (u8, Vec<usize>, u32, u32, bool, u8);

    #[allow(clippy::too_many_arguments)]
    fn arb_problem(
        days: usize,
        hours: usize,
        nt: usize,
        ns: usize,
        nr: usize,
        acts: Vec<RawAct>,
        cons: Vec<RawCon>,
        bits: Vec<bool>,
    ) -> Problem {
        let acts = acts
            .into_iter()
            .map(|(duration, t, s, tagged, n_students, needs_room)| Act {
                source: 0,
                duration,
                teachers: t
                    .into_iter()
                    .filter(|_| nt > 0)
                    .map(|t| t % nt.max(1))
                    .collect(),
                subgroups: s
                    .into_iter()
                    .filter(|_| ns > 0)
                    .map(|s| s % ns.max(1))
                    .collect(),
                tags: if tagged { vec![0] } else { vec![1] },
                n_students,
                needs_room,
            })
            .collect();
        let slots = days * hours;
        let mut p = Problem {
            days,
            hours,
            n_teachers: nt,
            n_subgroups_and_sets: ns,
            rooms: (0..nr)
                .map(|r| ProblemRoom {
                    capacity: 10 * r as u32,
                    building: [Some(0), Some(1), None][r % 3],
                    // The last of three or more rooms is virtual.
                    real_sets: if r + 1 == nr && nr >= 3 {
                        vec![vec![0], vec![0, 1]]
                    } else {
                        Vec::new()
                    },
                })
                .collect(),
            acts,
            constraints: vec![],
            teacher_off: (0..nt)
                .map(|t| (0..slots).map(|s| bits[(s + t) % bits.len()]).collect())
                .collect(),
            // Deliberately short rows: a missing entry means available.
            subgroup_off: (0..ns)
                .map(|g| {
                    (0..slots / 2)
                        .map(|s| bits[(s * 3 + g) % bits.len()])
                        .collect()
                })
                .collect(),
        };
        for (v, list, x, y, hard, w) in cons {
            if let Some(kind) = arb_kind(&p, v, &list, &bits, x, y) {
                p.constraints.push(Constraint {
                    weight: if hard { 100.0 } else { f64::from(w % 100) },
                    source: format!("Constraint{v}"),
                    line: 1,
                    kind,
                });
            }
        }
        p
    }

    fn arb_case() -> impl Strategy<Value = (Problem, Placement, bool)> {
        let problem = (
            (1usize..4, 1usize..6, 0usize..3, 0usize..3, 0usize..4),
            prop::collection::vec(
                (
                    0u32..5,
                    prop::collection::vec(0usize..4, 0..3),
                    prop::collection::vec(0usize..4, 0..3),
                    any::<bool>(),
                    0u32..30,
                    any::<bool>(),
                ),
                0..8,
            ),
            prop::collection::vec(
                (
                    any::<u8>(),
                    prop::collection::vec(0usize..8, 0..5),
                    0u32..5,
                    0u32..8,
                    any::<bool>(),
                    any::<u8>(),
                ),
                0..12,
            ),
            prop::collection::vec(any::<bool>(), 1..7),
        )
            .prop_map(|((days, hours, nt, ns, nr), acts, cons, bits)| {
                arb_problem(days, hours, nt, ns, nr, acts, cons, bits)
            });
        (
            problem,
            prop::collection::vec((any::<usize>(), any::<Option<usize>>()), 0..9),
            0u8..8,
        )
            .prop_map(|(p, raw, mess)| {
                // mess: 0 a wrong start, 1 a wrong room, 2 a short placement, 3 a real room
                // that does not exist; else in shape.
                let n = p.acts.len();
                let slots = p.slots();
                let mut start: Vec<Slot> = (0..n)
                    .map(|i| raw.get(i).map_or(0, |r| r.0) % slots)
                    .collect();
                let mut room: Vec<Option<usize>> = (0..n)
                    .map(|i| {
                        raw.get(i)
                            .and_then(|r| r.1)
                            .filter(|_| !p.rooms.is_empty())
                            .map(|r| r % p.rooms.len())
                    })
                    .collect();
                let in_shape = match mess {
                    0 if n > 0 => {
                        start[0] = slots + raw.first().map_or(0, |r| r.0 % 3);
                        false
                    }
                    1 if n > 0 => {
                        room[n - 1] = Some(p.rooms.len() + 1);
                        false
                    }
                    2 if n > 0 => {
                        start.pop();
                        false
                    }
                    _ => true,
                };
                // Real rooms for every activity (right or wrong for its room), or, one time in
                // eight, one that does not exist.
                let nr = p.rooms.len();
                let real: Vec<Vec<usize>> = if nr >= 3 {
                    (0..n).map(|a| vec![a % nr, (a + 1) % nr]).collect()
                } else {
                    Vec::new()
                };
                let (real, in_shape) = match (mess, real.is_empty()) {
                    (3, false) => {
                        let mut real = real;
                        real[0].push(nr);
                        (real, false)
                    }
                    _ => (real, in_shape),
                };
                (p, Placement { start, room, real }, in_shape)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn totals_add_up_and_nothing_panics((p, pl, in_shape) in arb_case()) {
            match verify(&p, &pl) {
                Err(e) => prop_assert!(!in_shape, "a well-formed placement was refused: {e}"),
                Ok(v) => {
                    prop_assert!(in_shape, "a malformed placement was accepted");
                    prop_assert_eq!(v.per_constraint.len(), p.constraints.len());
                    let basic: u64 = v
                        .violations
                        .iter()
                        .filter(|x| x.constraint.is_none())
                        .map(|x| x.count)
                        .sum();
                    let mut hard = basic;
                    let mut soft = 0.0;
                    for (c, &n) in p.constraints.iter().zip(&v.per_constraint) {
                        if c.weight >= 100.0 {
                            hard += n;
                        } else {
                            soft += c.weight / 100.0 * n as f64;
                        }
                    }
                    prop_assert_eq!(v.hard, hard);
                    prop_assert!((v.soft - soft).abs() < 1e-9, "soft {} ≠ {}", v.soft, soft);
                    // Each constraint with violations is listed once, with its count.
                    for (i, &n) in v.per_constraint.iter().enumerate() {
                        let listed: Vec<&Violation> =
                            v.violations.iter().filter(|x| x.constraint == Some(i)).collect();
                        if n == 0 {
                            prop_assert!(listed.is_empty());
                        } else {
                            prop_assert_eq!(listed.len(), 1);
                            prop_assert_eq!(listed[0].count, n);
                        }
                    }
                    prop_assert!(v.violations.iter().all(|x| x.count > 0));
                }
            }
        }
    }

    /// About 5,000 activities and 50,000 constraints of every family, timed (run with
    /// `--ignored`; the crate is optimised even in test builds).
    #[test]
    #[ignore]
    fn large_problem_is_fast() {
        let (days, hours) = (5, 10);
        let (nt, ns, nr) = (200, 400, 150);
        let acts: Vec<RawAct> = (0..5000)
            .map(|i| {
                (
                    1 + (i % 3) as u32,
                    vec![i % nt],
                    vec![(i * 7) % ns, (i * 13) % ns],
                    i % 4 == 0,
                    (i % 40) as u32,
                    i % 2 == 0,
                )
            })
            .collect();
        let cons: Vec<RawCon> = (0..50_000usize)
            .map(|i| {
                let list = (0..2 + i % 4).map(|k| (i * 31 + k * 977) % 5000).collect();
                (
                    (i % 251) as u8,
                    list,
                    (i % 4) as u32,
                    (i / 7 % 1000) as u32,
                    i % 3 == 0,
                    50,
                )
            })
            .collect();
        let bits: Vec<bool> = (0..13).map(|i| i % 4 != 0).collect();
        let p = arb_problem(days, hours, nt, ns, nr, acts, cons, bits);
        // arb_kind reduces list entries modulo the number of activities.
        assert!(p.constraints.len() > 45_000);
        let pl = Placement {
            start: (0..5000).map(|i| (i * 17) % (days * hours)).collect(),
            room: (0..5000).map(|i| (i % 3 != 0).then_some(i % nr)).collect(),
            real: Vec::new(),
        };
        let t0 = std::time::Instant::now();
        let v = run(&p, &pl);
        let took = t0.elapsed();
        eprintln!(
            "{} activities, {} constraints: hard {} soft {:.1} in {:?}",
            p.acts.len(),
            p.constraints.len(),
            v.hard,
            v.soft,
            took
        );
        assert!(took.as_secs_f64() < 1.0);
    }
}
