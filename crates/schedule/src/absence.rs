//! Re-planning a day around an absence, inside the team first. Each of the absent educator's
//! sessions that day is taken over in this order, the first way that works:
//!
//! - **Team block**: another leading adult already in the room carries on; else a teammate who
//!   shares a room with another leader moves over; else the students join the team's other
//!   rooms where there are seats (the team shares its roster, so they stay with adults who know
//!   them); else an extended-team specialist who is free takes the room; else a substitute.
//! - **Specials**: whichever costs least — another specials room with seats takes the group,
//!   a member of the planning core team gives up planning to take its own students (the loss
//!   is named), or a substitute.
//! - **Service**: pull-out students stay with their team (the missed minutes are named);
//!   push-in support is dropped for the day.
//! - **Lunch duty**: a free teammate; else a substitute. **Planning**: the team plans without
//!   them.
//!
//! The same figures are computed for the re-plan and for the **substitute-only baseline** (one
//! substitute takes the absent educator's sessions as they stand), from the day before and
//! after: students whose adult changes, students placed with an adult who has not worked with
//! them this term (in the published week), educators whose day changes, planning minutes
//! lost, substitute hours. Roles stay just-right: community educators, volunteers and
//! paraeducators never take a group alone.

use crate::model::*;
use ensemble_domain::{DayOfWeek, RoleType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The id a substitute carries in a re-planned day (no educator of the school has it).
pub const SUBSTITUTE: i64 = 0;

/// Who is away, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    pub educator_id: i64,
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    pub day: DayOfWeek,
    /// Periods of the grid (indexes); `None` for the whole day.
    pub periods: Option<Vec<usize>>,
    pub planned: bool,
}

/// The disruption of a day's plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub students_adult_changed: u32,
    pub students_unfamiliar_adult: u32,
    pub educators_day_changed: u32,
    pub planning_minutes_lost: u32,
    pub substitute_hours: f64,
}

impl Figures {
    /// Each figure in words with this value and `other`'s, as text.
    pub fn rows(&self, other: &Figures) -> [(&'static str, String, String); 5] {
        [
            (
                "Students whose adult changes",
                self.students_adult_changed.to_string(),
                other.students_adult_changed.to_string(),
            ),
            (
                "Students with an adult who has not worked with them this term",
                self.students_unfamiliar_adult.to_string(),
                other.students_unfamiliar_adult.to_string(),
            ),
            (
                "Educators whose day changes",
                self.educators_day_changed.to_string(),
                other.educators_day_changed.to_string(),
            ),
            (
                "Planning minutes lost",
                self.planning_minutes_lost.to_string(),
                other.planning_minutes_lost.to_string(),
            ),
            (
                "Substitute hours",
                format!("{:.1}", self.substitute_hours),
                format!("{:.1}", other.substitute_hours),
            ),
        ]
    }
}

/// One session of the day before and after (`None` after: it does not take place).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub before: Session,
    pub after: Option<Session>,
}

/// A re-planned day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Replan {
    pub absence: Absence,
    /// The sessions that change that day, each before and after; sessions added (a new room
    /// for a moved teammate) appear with the before session they replace.
    pub changes: Vec<Change>,
    pub replan: Figures,
    pub baseline: Figures,
    /// What the team could not absorb: the sessions a substitute covers.
    pub substitute_sessions: Vec<Session>,
    /// Each loss in words: planning given up, service minutes missed.
    pub losses: Vec<String>,
    /// Every takeover in words, in time order.
    pub steps: Vec<String>,
    /// The whole re-planned day: every session of that date.
    pub day: Vec<Session>,
}

/// Why a day cannot be re-planned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AbsenceError {
    #[error("no educator with id {0} in the schedule")]
    UnknownEducator(i64),
    #[error("{0} is not a school day of this schedule")]
    NotASchoolDay(String),
    #[error("period {0} is not in the school's time grid")]
    UnknownPeriod(usize),
}

fn leads_room(role: RoleType) -> bool {
    matches!(
        role,
        RoleType::TeacherLeader
            | RoleType::ExperiencedEducator
            | RoleType::NoviceTeacher
            | RoleType::ResidentTeacher
            | RoleType::Specialist
    )
}

fn with_educators(s: &Session, ids: Vec<i64>) -> Session {
    let mut x = s.clone();
    x.educator_ids = ids;
    x
}

/// The day's sessions after re-planning, with the steps and losses in words.
struct DayPlan {
    sessions: Vec<Session>,
    steps: Vec<String>,
    losses: Vec<String>,
}

/// Re-plans the absent educator's day in `doc` (the published week).
pub fn replan(doc: &Doc, a: &Absence) -> Result<Replan, AbsenceError> {
    let absent = doc
        .educator(a.educator_id)
        .ok_or(AbsenceError::UnknownEducator(a.educator_id))?;
    if !doc.grid.days.contains(&a.day) {
        return Err(AbsenceError::NotASchoolDay(a.date.clone()));
    }
    if let Some(ps) = &a.periods {
        if let Some(p) = ps.iter().find(|p| **p >= doc.grid.periods.len()) {
            return Err(AbsenceError::UnknownPeriod(*p));
        }
    }
    let away = |s: &Session| -> bool {
        s.day == a.day
            && s.educator_ids.contains(&a.educator_id)
            && match &a.periods {
                None => true,
                Some(ps) => ps.iter().any(|p| {
                    let g = &doc.grid.periods[*p];
                    s.start < g.end && g.start < s.end
                }),
            }
    };
    let before: Vec<Session> = doc
        .sessions
        .iter()
        .filter(|s| s.day == a.day)
        .cloned()
        .collect();
    let familiar = familiarity(doc);
    let planned = plan_day(doc, &before, &away, absent, &familiar);
    // The baseline: one substitute takes the absent educator's sessions as they stand — their
    // share of a shared block, their room, their specials group, their service, their duty.
    let mut baseline_day: Vec<Session> = before.clone();
    let mut i = 0;
    while i < baseline_day.len() {
        let s = baseline_day[i].clone();
        if !away(&s) || s.educator_ids.contains(&SUBSTITUTE) {
            i += 1;
            continue;
        }
        let others: Vec<i64> = s
            .educator_ids
            .iter()
            .copied()
            .filter(|e| *e != a.educator_id)
            .collect();
        if s.kind == SessionKind::Planning {
            // A substitute does not plan with the team.
            baseline_day[i] = with_educators(&s, others);
        } else if s.kind == SessionKind::TeamBlock && !others.is_empty() {
            let share = s.student_ids.len().div_ceil(s.educator_ids.len().max(1));
            baseline_day[i] = with_educators(&s, others);
            hand_over(
                doc,
                &mut baseline_day,
                i,
                SUBSTITUTE,
                share,
                &HashSet::new(),
            );
        } else {
            let ids = s
                .educator_ids
                .iter()
                .map(|e| if *e == a.educator_id { SUBSTITUTE } else { *e })
                .collect();
            baseline_day[i] = with_educators(&s, ids);
        }
        i += 1;
    }
    let replan_figures = figures(&before, &planned.sessions, a.educator_id, &familiar);
    let baseline = figures(&before, &baseline_day, a.educator_id, &familiar);
    // Changes: sessions of the day that differ, matched by slot, team, kind and space.
    let key = |s: &Session| (s.start, s.team_id, s.kind, s.space_id, s.service.clone());
    let after_by: BTreeMap<_, &Session> = planned.sessions.iter().map(|s| (key(s), s)).collect();
    let before_keys: BTreeSet<_> = before.iter().map(key).collect();
    let mut changes = Vec::new();
    for b in &before {
        match after_by.get(&key(b)) {
            Some(x) if **x == *b => {}
            Some(x) => changes.push(Change {
                before: b.clone(),
                after: Some((*x).clone()),
            }),
            None => changes.push(Change {
                before: b.clone(),
                after: None,
            }),
        }
    }
    for s in &planned.sessions {
        if !before_keys.contains(&key(s)) {
            // A session that did not exist (a group taken to another room): shown against the
            // session it came from.
            if let Some(origin) = before.iter().find(|b| b.start == s.start && away(b)) {
                changes.push(Change {
                    before: origin.clone(),
                    after: Some(s.clone()),
                });
            }
        }
    }
    changes.sort_by(|x, y| {
        (x.before.start, x.before.team_id).cmp(&(y.before.start, y.before.team_id))
    });
    let substitute_sessions = planned
        .sessions
        .iter()
        .filter(|s| s.educator_ids.contains(&SUBSTITUTE))
        .cloned()
        .collect();
    Ok(Replan {
        absence: a.clone(),
        changes,
        replan: replan_figures,
        baseline,
        substitute_sessions,
        losses: planned.losses,
        steps: planned.steps,
        day: planned.sessions,
    })
}

/// (adult, student) pairs who have worked together this term: a core team's members with its
/// roster (the team shares it), and every adult with the students of their sessions in the
/// published week.
fn familiarity(doc: &Doc) -> HashSet<(i64, i64)> {
    let mut out = HashSet::new();
    for t in doc
        .teams
        .iter()
        .filter(|t| t.kind == ensemble_domain::TeamKind::Core)
    {
        for m in &t.member_ids {
            for st in &t.student_ids {
                out.insert((*m, *st));
            }
        }
    }
    for s in &doc.sessions {
        for e in &s.educator_ids {
            for st in &s.student_ids {
                out.insert((*e, *st));
            }
        }
    }
    out
}

fn plan_day(
    doc: &Doc,
    before: &[Session],
    away: &dyn Fn(&Session) -> bool,
    absent: &Educator,
    familiar: &HashSet<(i64, i64)>,
) -> DayPlan {
    let mut day: Vec<Session> = before.to_vec();
    let mut steps = Vec::new();
    let mut losses = Vec::new();
    let name = |id: i64| {
        if id == SUBSTITUTE {
            "a substitute".to_owned()
        } else {
            doc.educator(id)
                .map_or_else(|| "an educator".into(), |e| e.name.clone())
        }
    };
    let team_name = |id: i64| {
        doc.team(id)
            .map_or_else(|| "the team".into(), |t| t.name.clone())
    };
    let role_of = |id: i64| doc.educator(id).map(|e| e.role);
    let period_name = |s: &Session| {
        doc.period_of(s)
            .map_or_else(|| s.start.to_string(), |p| doc.grid.periods[p].name.clone())
    };
    let me = absent.id;
    let mut order: Vec<usize> = (0..day.len()).filter(|&i| away(&day[i])).collect();
    order.sort_by_key(|&i| (day[i].start, day[i].kind));
    for i in order {
        let s = day[i].clone();
        let others: Vec<i64> = s
            .educator_ids
            .iter()
            .copied()
            .filter(|e| *e != me)
            .collect();
        let when = period_name(&s);
        // Who is free at this time: at school, in no session.
        let free = |day: &[Session], who: i64| -> bool {
            let Some(e) = doc.educator(who) else {
                return false;
            };
            let p = doc.period_of(&s);
            who != me
                && p.is_some_and(|p| e.is_available(s.day, p))
                && !day
                    .iter()
                    .any(|x| x.overlaps(&s) && x.educator_ids.contains(&who))
        };
        match s.kind {
            SessionKind::Planning => {
                day[i] = with_educators(&s, others);
            }
            SessionKind::Lunch => {}
            SessionKind::Duty => {
                let team = doc.team(s.team_id);
                let cover = team
                    .into_iter()
                    .flat_map(|t| t.member_ids.iter().copied())
                    .find(|m| free(&day, *m));
                let who = cover.unwrap_or(SUBSTITUTE);
                steps.push(format!(
                    "{when}: {} takes {}'s lunch duty.",
                    name(who),
                    team_name(s.team_id)
                ));
                day[i] = with_educators(&s, vec![who]);
            }
            SessionKind::TeamBlock => {
                let n = s.student_ids.len();
                let reach = |ids: &[i64]| -> usize {
                    ids.iter()
                        .filter_map(|e| doc.educator(*e))
                        .map(|e| usize::try_from(e.max_group()).unwrap_or(0))
                        .sum()
                };
                let leader = others.iter().any(|e| role_of(*e).is_some_and(leads_room));
                if leader && reach(&others) >= n {
                    steps.push(format!(
                        "{when}: {} carry on with {} students{}.",
                        crate::join(&others.iter().map(|e| name(*e)).collect::<Vec<_>>()),
                        n,
                        space_words(doc, &s)
                    ));
                    day[i] = with_educators(&s, others);
                    continue;
                }
                // A teammate from a room that keeps another leader.
                let mover = day
                    .iter()
                    .enumerate()
                    .filter(|(j, x)| {
                        *j != i
                            && x.kind == SessionKind::TeamBlock
                            && x.team_id == s.team_id
                            && x.start == s.start
                    })
                    .find_map(|(j, x)| {
                        let leaders: Vec<i64> = x
                            .educator_ids
                            .iter()
                            .copied()
                            .filter(|e| *e != me && role_of(*e).is_some_and(leads_room))
                            .collect();
                        (leaders.len() >= 2).then(|| (j, leaders[leaders.len() - 1]))
                    });
                if let Some((j, m)) = mover {
                    let rest: Vec<i64> = day[j]
                        .educator_ids
                        .iter()
                        .copied()
                        .filter(|e| *e != m)
                        .collect();
                    day[j] = with_educators(&day[j], rest);
                    let mut ids = others.clone();
                    ids.insert(0, m);
                    steps.push(format!(
                        "{when}: {} moves over to take {} students{}.",
                        name(m),
                        n,
                        space_words(doc, &s)
                    ));
                    day[i] = with_educators(&s, ids);
                    continue;
                }
                // The team's other rooms, where there are seats.
                let rooms: Vec<usize> = (0..day.len())
                    .filter(|&j| {
                        j != i
                            && day[j].kind == SessionKind::TeamBlock
                            && day[j].team_id == s.team_id
                            && day[j].start == s.start
                            && day[j]
                                .educator_ids
                                .iter()
                                .any(|e| *e != me && role_of(*e).is_some_and(leads_room))
                    })
                    .collect();
                let spare: usize = rooms.iter().map(|&j| seats_left(doc, &day[j])).sum();
                if !rooms.is_empty() && spare >= n {
                    let mut left = s.student_ids.clone();
                    let mut into = Vec::new();
                    for &j in &rooms {
                        let k = seats_left(doc, &day[j]).min(left.len());
                        let moved: Vec<i64> = left.drain(..k).collect();
                        if !moved.is_empty() {
                            into.push(format!("{} ({})", space_name(doc, &day[j]), moved.len()));
                            day[j].student_ids.extend(moved);
                        }
                    }
                    // Paraeducators and residents of the room go with the students.
                    if let (Some(&j), false) = (rooms.first(), others.is_empty()) {
                        let mut ids = day[j].educator_ids.clone();
                        ids.extend(others.iter().copied());
                        day[j] = with_educators(&day[j], ids);
                    }
                    steps.push(format!(
                        "{when}: {n} students join the team's other rooms: {}.",
                        into.join(", ")
                    ));
                    day[i].student_ids.clear();
                    day[i].educator_ids.clear();
                    continue;
                }
                // Someone joins for the students the others cannot reach: a free specialist
                // who knows the most of them, else a substitute.
                let deficit = if leader { n - reach(&others).min(n) } else { n };
                let specialists: Vec<i64> = doc
                    .educators
                    .iter()
                    .filter(|e| e.role == RoleType::Specialist && free(&day, e.id))
                    .filter(|e| usize::try_from(e.max_group()).unwrap_or(0) >= deficit)
                    .filter(|e| {
                        !doc.teams.iter().any(|t| {
                            t.kind == ensemble_domain::TeamKind::Specials
                                && t.member_ids.contains(&e.id)
                        })
                    })
                    .map(|e| e.id)
                    .collect();
                let best = specialists.iter().max_by_key(|e| {
                    s.student_ids
                        .iter()
                        .filter(|st| familiar.contains(&(**e, **st)))
                        .count()
                });
                let who = best.copied().unwrap_or(SUBSTITUTE);
                day[i] = with_educators(&s, others.clone());
                let text = hand_over(doc, &mut day, i, who, deficit, familiar);
                steps.push(format!(
                    "{when}: {} takes {text} of {}.",
                    name(who),
                    team_name(s.team_id)
                ));
            }
            SessionKind::Specials => {
                let n = s.student_ids.len();
                let minutes = s.minutes();
                // (a) another specials room with seats; cost: students with an unfamiliar adult.
                let merge = day
                    .iter()
                    .enumerate()
                    .filter(|(j, x)| {
                        *j != i
                            && x.kind == SessionKind::Specials
                            && x.start == s.start
                            && !x.educator_ids.contains(&me)
                            && seats_left(doc, x) >= n
                    })
                    .map(|(j, x)| {
                        let unfamiliar = s
                            .student_ids
                            .iter()
                            .filter(|st| {
                                !x.educator_ids
                                    .iter()
                                    .all(|e| familiar.contains(&(*e, **st)))
                            })
                            .count();
                        (j, unfamiliar)
                    })
                    .min_by_key(|(_, u)| *u);
                // (b) a member of the planning team takes its own students back.
                let planning = day.iter().position(|x| {
                    x.kind == SessionKind::Planning && x.team_id == s.team_id && x.start == s.start
                });
                let member = planning.and_then(|p| {
                    let lead: Vec<i64> = doc
                        .team(s.team_id)
                        .map(|t| t.lead_ids.clone())
                        .unwrap_or_default();
                    let mut ms: Vec<i64> = day[p]
                        .educator_ids
                        .iter()
                        .copied()
                        .filter(|e| {
                            doc.team(s.team_id)
                                .is_some_and(|t| t.member_ids.contains(e))
                        })
                        .filter(|e| role_of(*e).is_some_and(leads_room))
                        .collect();
                    ms.sort_by_key(|e| lead.contains(e));
                    ms.first().copied().map(|m| (p, m))
                });
                let cost_merge = merge.map(|(_, u)| 2 * u);
                let cost_member = member.map(|_| usize::try_from(minutes).unwrap_or(usize::MAX));
                let cost_sub = 2 * n + usize::try_from(minutes).unwrap_or(usize::MAX);
                let pick = [cost_merge, cost_member, Some(cost_sub)];
                let best = (0..3)
                    .filter(|k| pick[*k].is_some())
                    .min_by_key(|k| pick[*k])
                    .unwrap_or(2);
                match (best, merge, member) {
                    (0, Some((j, _)), _) => {
                        let moved = s.student_ids.clone();
                        day[j].student_ids.extend(moved);
                        steps.push(format!(
                            "{when}: {}'s specials group of {n} from {} joins {}'s group in {}.",
                            absent.name,
                            team_name(s.team_id),
                            crate::join(
                                &day[j]
                                    .educator_ids
                                    .iter()
                                    .map(|e| name(*e))
                                    .collect::<Vec<_>>()
                            ),
                            space_name(doc, &day[j])
                        ));
                        day[i].student_ids.clear();
                        day[i].educator_ids.clear();
                    }
                    (1, _, Some((p, m))) => {
                        let rest: Vec<i64> = day[p]
                            .educator_ids
                            .iter()
                            .copied()
                            .filter(|e| *e != m)
                            .collect();
                        day[p] = with_educators(&day[p], rest);
                        losses.push(format!(
                            "{} gives up {} minutes of {}'s planning on {} to take {n} of the team's own students.",
                            name(m),
                            minutes,
                            team_name(s.team_id),
                            when
                        ));
                        steps.push(format!(
                            "{when}: {} takes {n} students of {} in {} instead of planning.",
                            name(m),
                            team_name(s.team_id),
                            space_name(doc, &s)
                        ));
                        day[i] = with_educators(&s, vec![m]);
                    }
                    _ => {
                        steps.push(format!(
                            "{when}: a substitute takes {n} students of {} in {}.",
                            team_name(s.team_id),
                            space_name(doc, &s)
                        ));
                        day[i] = with_educators(&s, vec![SUBSTITUTE]);
                    }
                }
            }
            SessionKind::Service => {
                let label = s.label.clone();
                if s.mode == Some(Mode::PullOut) {
                    // The students stay with their team: a room of the team with seats.
                    let room = (0..day.len()).find(|&j| {
                        day[j].kind == SessionKind::TeamBlock
                            && day[j].team_id == s.team_id
                            && day[j].start == s.start
                            && seats_left(doc, &day[j]) >= s.student_ids.len()
                    });
                    if let Some(j) = room {
                        day[j].student_ids.extend(s.student_ids.iter().copied());
                    }
                    losses.push(format!(
                        "{}: {} students of {} miss {} ({} minutes) and stay with their team.",
                        when,
                        s.student_ids.len(),
                        team_name(s.team_id),
                        label.to_lowercase(),
                        s.minutes()
                    ));
                } else {
                    losses.push(format!(
                        "{}: no {} for {} students of {}; they stay in their team's room.",
                        when,
                        label.to_lowercase(),
                        s.student_ids.len(),
                        team_name(s.team_id)
                    ));
                }
                day[i].student_ids.clear();
                day[i].educator_ids.clear();
            }
        }
    }
    // Sessions left without students or adults do not take place.
    day.retain(|s| {
        !(s.student_ids.is_empty()
            && s.educator_ids.is_empty()
            && matches!(
                s.kind,
                SessionKind::TeamBlock | SessionKind::Specials | SessionKind::Service
            ))
    });
    DayPlan {
        sessions: day,
        steps,
        losses,
    }
}

/// Gives `who` a group of `count` students of the session `i` (those they know first): in a
/// free zone of the session's flexible space, or — without one — the whole session, joined.
/// Returns the group in words.
fn hand_over(
    doc: &Doc,
    day: &mut Vec<Session>,
    i: usize,
    who: i64,
    count: usize,
    familiar: &HashSet<(i64, i64)>,
) -> String {
    let s = day[i].clone();
    let zones: Vec<&Space> = s
        .space_id
        .map(|p| doc.spaces.iter().filter(|z| z.zone_of == Some(p)).collect())
        .unwrap_or_default();
    let busy = |z: i64| day.iter().any(|x| x.space_id == Some(z) && x.overlaps(&s));
    let zone = zones
        .iter()
        .find(|z| !busy(z.id) && usize::try_from(z.capacity).unwrap_or(0) >= count);
    match zone {
        Some(z) if count < s.student_ids.len() => {
            let mut mine: Vec<i64> = s.student_ids.clone();
            mine.sort_by_key(|st| !familiar.contains(&(who, *st)));
            mine.truncate(count);
            day[i].student_ids.retain(|st| !mine.contains(st));
            let mut g = s.clone();
            g.student_ids = mine;
            g.educator_ids = vec![who];
            g.space_id = Some(z.id);
            g.zone = Some(z.name.clone());
            day.push(g);
            format!("a group of {count} students in {}", z.name)
        }
        _ => {
            let mut ids = vec![who];
            ids.extend(s.educator_ids.iter().copied());
            day[i] = with_educators(&s, ids);
            format!("{} students{}", s.student_ids.len(), space_words(doc, &s))
        }
    }
}

fn seats_left(doc: &Doc, s: &Session) -> usize {
    s.space_id.and_then(|id| doc.space(id)).map_or(0, |sp| {
        usize::try_from(sp.capacity)
            .unwrap_or(0)
            .saturating_sub(s.student_ids.len())
    })
}

fn space_name(doc: &Doc, s: &Session) -> String {
    s.space_id
        .and_then(|id| doc.space(id))
        .map_or_else(|| "their space".into(), |sp| sp.name.clone())
}

fn space_words(doc: &Doc, s: &Session) -> String {
    s.space_id
        .and_then(|id| doc.space(id))
        .map(|sp| format!(" in {}", sp.name))
        .unwrap_or_default()
}

/// The disruption from `before` to `after` (one day's sessions).
pub fn figures(
    before: &[Session],
    after: &[Session],
    absent: i64,
    familiar: &HashSet<(i64, i64)>,
) -> Figures {
    // Per student and start time: the adults with them.
    let adults = |day: &[Session]| {
        let mut m: BTreeMap<(i64, Clock), BTreeSet<i64>> = BTreeMap::new();
        for s in day.iter().filter(|s| s.kind != SessionKind::Lunch) {
            for st in &s.student_ids {
                m.entry((*st, s.start))
                    .or_default()
                    .extend(s.educator_ids.iter().copied());
            }
        }
        m
    };
    let b = adults(before);
    let a = adults(after);
    let mut changed = BTreeSet::new();
    let mut unfamiliar = BTreeSet::new();
    for (k, set) in &a {
        if b.get(k) != Some(set) {
            changed.insert(k.0);
        }
        if set
            .iter()
            .any(|e| *e == SUBSTITUTE || !familiar.contains(&(*e, k.0)))
        {
            unfamiliar.insert(k.0);
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            changed.insert(k.0);
        }
    }
    // Educators whose day changes: their sessions differ (the absent one aside).
    let sessions_of = |day: &[Session], e: i64| -> Vec<(Clock, SessionKind, Option<i64>, usize)> {
        let mut v: Vec<_> = day
            .iter()
            .filter(|s| s.educator_ids.contains(&e))
            .map(|s| (s.start, s.kind, s.space_id, s.student_ids.len()))
            .collect();
        v.sort();
        v
    };
    let people: BTreeSet<i64> = before
        .iter()
        .chain(after)
        .flat_map(|s| s.educator_ids.iter().copied())
        .filter(|e| *e != absent && *e != SUBSTITUTE)
        .collect();
    let educators_day_changed = people
        .iter()
        .filter(|e| sessions_of(before, **e) != sessions_of(after, **e))
        .count();
    let planning = |day: &[Session], e: i64| -> u32 {
        day.iter()
            .filter(|s| s.kind == SessionKind::Planning && s.educator_ids.contains(&e))
            .map(Session::minutes)
            .sum()
    };
    let planning_minutes_lost = people
        .iter()
        .map(|e| planning(before, *e).saturating_sub(planning(after, *e)))
        .sum();
    let sub_minutes: u32 = after
        .iter()
        .filter(|s| s.educator_ids.contains(&SUBSTITUTE))
        .map(Session::minutes)
        .sum();
    Figures {
        students_adult_changed: u32::try_from(changed.len()).unwrap_or(u32::MAX),
        students_unfamiliar_adult: u32::try_from(unfamiliar.len()).unwrap_or(u32::MAX),
        educators_day_changed: u32::try_from(educators_day_changed).unwrap_or(u32::MAX),
        planning_minutes_lost,
        substitute_hours: f64::from(sub_minutes) / 60.0,
    }
}

/// The week with the re-planned day in place of its weekday, the absent educator away in the
/// periods of the absence and a substitute among the educators: for the checker to judge.
pub fn day_doc(doc: &Doc, r: &Replan) -> Doc {
    let mut d = doc.clone();
    let a = &r.absence;
    d.sessions.retain(|s| s.day != a.day);
    d.sessions.extend(r.day.iter().cloned());
    if let Some(e) = d.educators.iter_mut().find(|e| e.id == a.educator_id) {
        let keep: Vec<usize> = match &a.periods {
            None => Vec::new(),
            Some(ps) => e
                .available
                .get(&a.day)
                .map(|l| l.iter().copied().filter(|p| !ps.contains(p)).collect())
                .unwrap_or_default(),
        };
        e.available.insert(a.day, keep);
    }
    for t in &mut d.teams {
        t.member_ids.retain(|m| *m != a.educator_id);
    }
    if d.educator(SUBSTITUTE).is_none() {
        d.educators.push(Educator {
            id: SUBSTITUTE,
            email: String::new(),
            name: "Substitute".into(),
            role: RoleType::ExperiencedEducator,
            max_group: None,
            available: doc
                .grid
                .days
                .iter()
                .map(|day| (*day, (0..doc.grid.periods.len()).collect()))
                .collect(),
        });
    }
    d
}
