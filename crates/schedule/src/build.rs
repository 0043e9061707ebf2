//! The adapter between a school and the timetable engine: the school's teams, members,
//! specials team, services and spaces become a timetable [`Problem`] (planning with specials,
//! services as activities), the engine places them, and the placement becomes the week's
//! sessions — team blocks in the team's spaces around the placed planning and services,
//! advisory, lunch and lunch duty. What cannot be scheduled is said in words.
//!
//! Hard: each core team plans together every day, in a period at least
//! `planning_minutes_daily` long, while the specials team has its students; the extended-team
//! specialists and paraeducators who serve a core team plan with it once a week; every
//! educator is at school when scheduled; no educator, student group or pull-out room is in two
//! places at once; every service's weekly minutes are given. Soft: a team plans at the same
//! time each day; a group's service sessions fall on different days.

use crate::model::*;
use ensemble_domain::{DayOfWeek, PeriodKind, RoleType, TeamKind};
use ensemble_timetable::problem::{
    Act, Constraint, Kind, Placement, Problem, ProblemRoom, SameWhat,
};
use ensemble_timetable::solver::{self, Infeasible, Options as EngineOptions};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

pub use ensemble_timetable::solver::Progress;

/// How to build.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub time_limit: Duration,
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            time_limit: Duration::from_secs(20),
            threads: 2,
        }
    }
}

/// A built week.
#[derive(Clone, Debug)]
pub struct Built {
    /// The input with its sessions.
    pub doc: Doc,
    /// The engine's soft cost (planning at different times, service sessions on one day).
    pub soft: f64,
    pub elapsed: Duration,
    /// Things worth knowing that do not stop the schedule, in words.
    pub notes: Vec<String>,
}

/// Why no week could be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The input contradicts itself (a member who is not an educator, a period that ends
    /// before it starts).
    #[error("the school's data is not consistent: {0}")]
    Input(String),
    /// No week meets every rule; each reason in words.
    #[error("no schedule meets every rule: {}", .0.join(" "))]
    Infeasible(Vec<String>),
}

/// Whether students learn with their team in this period (so planning, specials and services
/// may be placed there).
fn teaching(p: &GridPeriod) -> bool {
    matches!(p.kind, PeriodKind::Instruction | PeriodKind::TeamPlanning)
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A service group: (core team index, educator, service code).
type GroupKey = (usize, i64, String);

/// A placed activity and its pull-out room.
type Placed = (usize, Option<usize>);

/// What one engine activity stands for.
#[derive(Clone, Debug)]
enum Role {
    /// Core team (index into `cores`), the week's k-th planning; `with_extended` for the one
    /// the extended team joins.
    Planning {
        team: usize,
        with_extended: Vec<i64>,
    },
    /// A service group's session.
    Service {
        team: usize,
        educator: i64,
        service: String,
        label: String,
        mode: Mode,
        students: Vec<i64>,
    },
}

/// Builds the week for `input` (its sessions are ignored and replaced).
pub fn build(
    input: &Doc,
    opts: &Options,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Built, BuildError> {
    let grid = &input.grid;
    let days = grid.days.len();
    let hours = grid.periods.len();
    if days == 0 || hours == 0 {
        return Err(BuildError::Input(
            "the time grid has no days or no periods".into(),
        ));
    }
    for p in &grid.periods {
        if p.end <= p.start {
            return Err(BuildError::Input(format!(
                "the period \"{}\" ends before it starts",
                p.name
            )));
        }
    }
    let edu_index: HashMap<i64, usize> = input
        .educators
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id, i))
        .collect();
    let space_index: HashMap<i64, &Space> = input.spaces.iter().map(|s| (s.id, s)).collect();
    let ename = |id: i64| {
        edu_index
            .get(&id)
            .map(|&i| input.educators[i].name.clone())
            .unwrap_or_else(|| format!("educator {id}"))
    };
    for t in &input.teams {
        for m in &t.member_ids {
            if !edu_index.contains_key(m) {
                return Err(BuildError::Input(format!(
                    "{} lists a member who is not among the educators",
                    t.name
                )));
            }
        }
        for s in &t.space_ids {
            if !space_index.contains_key(s) {
                return Err(BuildError::Input(format!(
                    "{} lists a space the school does not have",
                    t.name
                )));
            }
        }
    }
    let cores: Vec<&Team> = input
        .teams
        .iter()
        .filter(|t| t.kind == TeamKind::Core && !t.student_ids.is_empty())
        .collect();
    let mut notes = Vec::new();
    let mut why = Vec::new();
    let planning_min = input.planning_minutes_daily;
    let plan_ok: Vec<bool> = grid
        .periods
        .iter()
        .map(|p| teaching(p) && p.minutes() >= planning_min)
        .collect();
    if !cores.is_empty() && !plan_ok.iter().any(|&b| b) {
        return Err(BuildError::Infeasible(vec![format!(
            "No period of the school day is {planning_min} minutes long, so no core team can plan together."
        )]));
    }
    let specials = input
        .teams
        .iter()
        .find(|t| t.kind == TeamKind::Specials && !t.member_ids.is_empty());
    let Some(specials) = specials else {
        return Err(BuildError::Infeasible(vec![
            "While a core team plans, someone must have its students, but the school has no specials team with members.".into(),
        ]));
    };
    if specials.space_ids.len() < specials.member_ids.len() {
        return Err(BuildError::Infeasible(vec![format!(
            "The specials team has {} members but {} rooms: each needs a room of their own.",
            specials.member_ids.len(),
            specials.space_ids.len()
        )]));
    }
    // The specials team works in crews, each with seats for a whole core team: member k
    // teaches in the team's k-th room. Core teams take turns with their crew.
    let cap_of = |k: usize| -> usize {
        specials
            .space_ids
            .get(k)
            .and_then(|s| space_index.get(s))
            .map_or(0, |s| usize::try_from(s.capacity).unwrap_or(0))
    };
    let largest = cores.iter().map(|t| t.student_ids.len()).max().unwrap_or(0);
    let mut crews: Vec<Vec<usize>> = Vec::new();
    let mut crew: Vec<usize> = Vec::new();
    for k in 0..specials.member_ids.len() {
        crew.push(k);
        if crew.iter().map(|&m| cap_of(m)).sum::<usize>() >= largest {
            crews.push(std::mem::take(&mut crew));
        }
    }
    match crews.last_mut() {
        Some(last) => last.extend(crew),
        None => crews.push(crew),
    }
    let crew_of: Vec<usize> = (0..cores.len()).map(|i| i % crews.len()).collect();
    let crew_members = |ti: usize| -> Vec<i64> {
        crews[crew_of[ti]]
            .iter()
            .map(|&k| specials.member_ids[k])
            .collect()
    };
    let mut home_of: HashMap<i64, &str> = HashMap::new();
    for t in &cores {
        let n = t.student_ids.len();
        let seats: usize = crews[0].iter().map(|&k| cap_of(k)).sum();
        if n > seats {
            why.push(format!(
                "{}'s {n} students do not fit the specials rooms ({seats} seats) while the team plans.",
                t.name
            ));
        }
        let reach: u32 = t
            .member_ids
            .iter()
            .map(|m| input.educators[edu_index[m]].max_group())
            .sum();
        if u32::try_from(n).unwrap_or(u32::MAX) > reach {
            why.push(format!(
                "{}'s {n} students are more than its members may lead together ({reach} at most, by the groups each role leads).",
                t.name
            ));
        }
        let seats: u32 = t
            .space_ids
            .iter()
            .filter_map(|s| space_index.get(s))
            .map(|s| s.capacity)
            .sum();
        if t.space_ids.is_empty() {
            why.push(format!("{} has no space of its own.", t.name));
        } else if u32::try_from(n).unwrap_or(u32::MAX) > seats {
            why.push(format!(
                "{}'s {n} students do not fit its spaces ({seats} seats).",
                t.name
            ));
        }
        for s in &t.space_ids {
            if let Some(other) = home_of.insert(*s, &t.name) {
                why.push(format!(
                    "{} and {other} both count {} as their own space.",
                    t.name,
                    space_index.get(s).map_or("a space", |s| s.name.as_str())
                ));
            }
        }
    }
    let per_day = plan_ok.iter().filter(|&&b| b).count();
    for c in 0..crews.len() {
        let turns = crew_of.iter().filter(|&&x| x == c).count();
        if turns > per_day {
            why.push(format!(
                "{turns} core teams plan in turns while the same specials teachers have their students, but the day has only {per_day} periods of at least {planning_min} minutes.",
            ));
        }
    }
    // Each core team, each day: a period where all its members and the specials team are in.
    for (ti, t) in cores.iter().enumerate() {
        let crew = crew_members(ti);
        for day in &grid.days {
            let ok = (0..hours).any(|p| {
                plan_ok[p]
                    && t.member_ids
                        .iter()
                        .chain(&crew)
                        .all(|m| input.educators[edu_index[m]].is_available(*day, p))
            });
            if !ok {
                let away: Vec<String> = t
                    .member_ids
                    .iter()
                    .chain(&crew)
                    .filter(|m| {
                        (0..hours).all(|p| {
                            !plan_ok[p] || !input.educators[edu_index[m]].is_available(*day, p)
                        })
                    })
                    .map(|&m| ename(m))
                    .collect();
                why.push(if away.is_empty() {
                    format!(
                        "{} cannot plan together on {}: in every period long enough, one of its members or of the specials team is away.",
                        t.name,
                        day.name()
                    )
                } else {
                    format!(
                        "{} cannot plan together on {}: {} {} not at school in any period long enough.",
                        t.name,
                        day.name(),
                        join_names(&away),
                        if away.len() == 1 { "is" } else { "are" }
                    )
                });
            }
        }
    }
    if !why.is_empty() {
        return Err(BuildError::Infeasible(why));
    }

    // Who is on which core team, who serves whom.
    let mut team_of_student: HashMap<i64, usize> = HashMap::new();
    for (ti, t) in cores.iter().enumerate() {
        for s in &t.student_ids {
            team_of_student.insert(*s, ti);
        }
    }
    let pull_rooms: Vec<&Space> = input
        .spaces
        .iter()
        .filter(|s| {
            s.kind == "small_group_room" && !input.teams.iter().any(|t| t.space_ids.contains(&s.id))
        })
        .collect();
    let max_pull = pull_rooms.iter().map(|s| s.capacity).max().unwrap_or(0);
    let min_teach = grid
        .periods
        .iter()
        .filter(|p| teaching(p))
        .map(GridPeriod::minutes)
        .min()
        .unwrap_or(0);
    // (team, educator, service) → students with their weekly minutes.
    let mut groups: BTreeMap<GroupKey, (String, Vec<(i64, u32)>)> = BTreeMap::new();
    let mut off_roster = 0usize;
    for s in &input.services {
        let Some(&ti) = team_of_student.get(&s.student_id) else {
            off_roster += 1;
            continue;
        };
        if !edu_index.contains_key(&s.educator_id) {
            return Err(BuildError::Input(format!(
                "a {} service names an educator who is not among the educators",
                s.label
            )));
        }
        groups
            .entry((ti, s.educator_id, s.service.clone()))
            .or_insert_with(|| (s.label.clone(), Vec::new()))
            .1
            .push((s.student_id, s.minutes_per_week));
    }
    if off_roster > 0 {
        notes.push(format!(
            "{off_roster} service assignments are for students on no core team's roster; they are not scheduled."
        ));
    }

    // The engine's resources: educators are teachers; per core team, each served student is a
    // subgroup and the rest of the roster one more.
    let mut subgroup_of: HashMap<i64, usize> = HashMap::new();
    let mut team_subgroups: Vec<Vec<usize>> = Vec::new();
    let mut n_sub = 0usize;
    for t in &cores {
        let mut mine = Vec::new();
        let served: BTreeSet<i64> = input
            .services
            .iter()
            .filter(|s| t.student_ids.contains(&s.student_id))
            .map(|s| s.student_id)
            .collect();
        for s in served {
            subgroup_of.insert(s, n_sub);
            mine.push(n_sub);
            n_sub += 1;
        }
        mine.push(n_sub); // the rest of the roster
        n_sub += 1;
        team_subgroups.push(mine);
    }
    let slots = days * hours;
    let slot_period = |s: usize| s % hours;
    let teach_mask: Vec<bool> = (0..slots)
        .map(|s| teaching(&grid.periods[slot_period(s)]))
        .collect();
    let plan_mask: Vec<bool> = (0..slots).map(|s| plan_ok[slot_period(s)]).collect();

    let mut acts: Vec<Act> = Vec::new();
    let mut roles: Vec<Role> = Vec::new();
    let mut constraints: Vec<Constraint> = Vec::new();
    let hard = |kind: Kind, what: String| Constraint {
        weight: 100.0,
        source: what,
        line: 0,
        kind,
    };
    let soft = |kind: Kind, what: String, weight: f64| Constraint {
        weight,
        source: what,
        line: 0,
        kind,
    };
    let teacher = |id: &i64| edu_index[id];
    for (ti, t) in cores.iter().enumerate() {
        // The extended-team specialists and paraeducators who serve this team's students.
        let extended: Vec<i64> = groups
            .keys()
            .filter(|(g, _, _)| *g == ti)
            .map(|(_, e, _)| *e)
            .filter(|e| {
                matches!(
                    input.educators[edu_index[e]].role,
                    RoleType::Specialist | RoleType::Paraeducator
                ) && !t.member_ids.contains(e)
                    && !specials.member_ids.contains(e)
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut mine = Vec::new();
        for k in 0..days {
            let with_extended = if k == 0 { extended.clone() } else { Vec::new() };
            let teachers: BTreeSet<usize> = t
                .member_ids
                .iter()
                .chain(&crew_members(ti))
                .chain(&with_extended)
                .map(teacher)
                .collect();
            mine.push(acts.len());
            acts.push(Act {
                source: acts.len(),
                duration: 1,
                teachers: teachers.into_iter().collect(),
                subgroups: team_subgroups[ti].clone(),
                tags: Vec::new(),
                n_students: u32::try_from(t.student_ids.len()).unwrap_or(u32::MAX),
                needs_room: false,
            });
            roles.push(Role::Planning {
                team: ti,
                with_extended,
            });
        }
        constraints.push(hard(
            Kind::StartSlots {
                acts: mine.clone(),
                allowed: plan_mask.clone(),
            },
            format!(
                "{} plans in a period of at least {planning_min} minutes",
                t.name
            ),
        ));
        constraints.push(hard(
            Kind::MinDaysBetween {
                acts: mine.clone(),
                min: 1,
            },
            format!("{} plans together every day", t.name),
        ));
        constraints.push(soft(
            Kind::Same {
                acts: mine,
                what: SameWhat::Hour,
            },
            format!("{} plans at the same time each day", t.name),
            50.0,
        ));
    }
    for ((ti, e, service), (label, students)) in &groups {
        let role = input.educators[edu_index[e]].role;
        let mode = if role == RoleType::Specialist {
            Mode::PullOut
        } else {
            Mode::PushIn
        };
        let max_group = usize::try_from(input.educators[edu_index[e]].max_group())
            .unwrap_or(usize::MAX)
            .max(1);
        let cap = max_group.min(match mode {
            Mode::PullOut => {
                if max_pull == 0 {
                    return Err(BuildError::Infeasible(vec![format!(
                        "{} gives {} outside the team's spaces, but the school has no small-group room free for it.",
                        ename(*e),
                        label.to_lowercase()
                    )]));
                }
                usize::try_from(max_pull).unwrap_or(usize::MAX)
            }
            Mode::PushIn => usize::MAX,
        });
        let n_groups = students.len().div_ceil(cap.min(students.len()).max(1));
        let size = students.len().div_ceil(n_groups);
        for chunk in students.chunks(size) {
            let minutes = chunk.iter().map(|(_, m)| *m).max().unwrap_or(0);
            if minutes == 0 || min_teach == 0 {
                continue;
            }
            let sessions = minutes.div_ceil(min_teach);
            let ids: Vec<i64> = chunk.iter().map(|(s, _)| *s).collect();
            let mut these = Vec::new();
            for _ in 0..sessions {
                these.push(acts.len());
                acts.push(Act {
                    source: acts.len(),
                    duration: 1,
                    teachers: vec![teacher(e)],
                    subgroups: ids.iter().map(|s| subgroup_of[s]).collect(),
                    tags: Vec::new(),
                    n_students: u32::try_from(ids.len()).unwrap_or(u32::MAX),
                    needs_room: mode == Mode::PullOut,
                });
                roles.push(Role::Service {
                    team: *ti,
                    educator: *e,
                    service: service.clone(),
                    label: label.clone(),
                    mode,
                    students: ids.clone(),
                });
            }
            let what = format!(
                "{} gives {} to {} students of {}",
                ename(*e),
                label.to_lowercase(),
                ids.len(),
                cores[*ti].name
            );
            constraints.push(hard(
                Kind::OccupiedSlots {
                    acts: these.clone(),
                    allowed: teach_mask.clone(),
                },
                what.clone(),
            ));
            if mode == Mode::PullOut {
                constraints.push(hard(
                    Kind::Rooms {
                        acts: these.clone(),
                        rooms: (0..pull_rooms.len()).collect(),
                    },
                    what.clone(),
                ));
            }
            if these.len() > 1 {
                constraints.push(soft(
                    Kind::MinDaysBetween {
                        acts: these,
                        min: 1,
                    },
                    format!("{what} on different days"),
                    20.0,
                ));
            }
        }
    }
    // Each educator is scheduled only when at school (hard).
    for (t, e) in input.educators.iter().enumerate() {
        let theirs: Vec<usize> = (0..acts.len())
            .filter(|&a| acts[a].teachers.contains(&t))
            .collect();
        let allowed: Vec<bool> = (0..slots)
            .map(|s| e.is_available(grid.days[s / hours], s % hours))
            .collect();
        if !theirs.is_empty() && allowed.iter().any(|a| !a) {
            constraints.push(hard(
                Kind::OccupiedSlots {
                    acts: theirs,
                    allowed,
                },
                format!("{} is at school", e.name),
            ));
        }
    }
    let teacher_off: Vec<Vec<bool>> = input
        .educators
        .iter()
        .map(|e| {
            (0..slots)
                .map(|s| {
                    let day = grid.days[s / hours];
                    !teach_mask[s] || !e.is_available(day, s % hours)
                })
                .collect()
        })
        .collect();
    let problem = Problem {
        days,
        hours,
        n_teachers: input.educators.len(),
        n_subgroups_and_sets: n_sub,
        rooms: pull_rooms
            .iter()
            .map(|s| ProblemRoom {
                capacity: s.capacity,
                building: None,
                real_sets: Vec::new(),
            })
            .collect(),
        acts,
        constraints,
        teacher_off,
        subgroup_off: vec![teach_mask.iter().map(|t| !t).collect(); n_sub],
    };
    let label_of = |a: usize| -> String {
        match &roles[a] {
            Role::Planning { team, .. } => format!("{}'s planning", cores[*team].name),
            Role::Service {
                team,
                educator,
                label,
                ..
            } => format!(
                "{} with {} students ({})",
                ename(*educator),
                cores[*team].name,
                label.to_lowercase()
            ),
        }
    };
    let engine = EngineOptions {
        seed: opts.seed,
        time_limit: opts.time_limit,
        threads: opts.threads.max(1),
        polish_iterations: 20_000,
        ..EngineOptions::default()
    };
    let out = solver::solve(&problem, &engine, progress).map_err(|e| match e {
        Infeasible::NoTime { act } => BuildError::Infeasible(vec![format!(
            "{} has no period: the people it needs are never at school together in a teaching period.",
            label_of(act)
        )]),
        Infeasible::NoRoom { act, students } => BuildError::Infeasible(vec![format!(
            "{} needs a room for {students} students and no small-group room is that large.",
            label_of(act)
        )]),
    })?;
    if out.hard > 0 {
        return Err(BuildError::Infeasible(explain(
            &problem,
            &out.placement,
            &label_of,
            &input.educators,
            grid,
        )));
    }
    let mut doc = input.clone();
    doc.format = FORMAT.into();
    let crew_rooms: Vec<Vec<(i64, Option<i64>)>> = (0..cores.len())
        .map(|ti| {
            crews[crew_of[ti]]
                .iter()
                .map(|&k| (specials.member_ids[k], specials.space_ids.get(k).copied()))
                .collect()
        })
        .collect();
    doc.sessions = sessions(
        input,
        &cores,
        &crew_rooms,
        &roles,
        &problem,
        &out.placement,
        &pull_rooms,
    )?;
    Ok(Built {
        doc,
        soft: out.soft,
        elapsed: out.elapsed,
        notes,
    })
}

/// Hard conflicts of a placement the engine could not clear, in words.
fn explain(
    p: &Problem,
    pl: &Placement,
    label_of: &dyn Fn(usize) -> String,
    educators: &[Educator],
    grid: &Grid,
) -> Vec<String> {
    let mut out = BTreeSet::new();
    let when = |s: usize| {
        format!(
            "on {} in {}",
            grid.days[s / p.hours].name(),
            grid.periods[s % p.hours].name
        )
    };
    for a in 0..p.acts.len() {
        for b in a + 1..p.acts.len() {
            if pl.start[a] != pl.start[b] {
                continue;
            }
            for t in &p.acts[a].teachers {
                if p.acts[b].teachers.contains(t) {
                    out.insert(format!(
                        "{} is needed at once for {} and {} {}.",
                        educators[*t].name,
                        label_of(a),
                        label_of(b),
                        when(pl.start[a])
                    ));
                }
            }
            if p.acts[a]
                .subgroups
                .iter()
                .any(|s| p.acts[b].subgroups.contains(s))
            {
                out.insert(format!(
                    "The same students are needed at once for {} and {} {}.",
                    label_of(a),
                    label_of(b),
                    when(pl.start[a])
                ));
            }
        }
        for (t, off) in p.teacher_off.iter().enumerate() {
            if p.acts[a].teachers.contains(&t) && off[pl.start[a]] {
                out.insert(format!(
                    "{} is not at school {} for {}.",
                    educators[t].name,
                    when(pl.start[a]),
                    label_of(a)
                ));
            }
        }
    }
    if let Ok(v) = ensemble_timetable::verify(p, pl) {
        for x in v.violations.iter().filter(|x| x.constraint.is_some()) {
            if let Some(c) = x.constraint.and_then(|i| p.constraints.get(i)) {
                if c.is_hard() {
                    out.insert(format!("Not met: {}.", c.source));
                }
            }
        }
    }
    if out.is_empty() {
        out.insert("The engine found no week that meets every rule in the time it had.".into());
    }
    out.into_iter().take(20).collect()
}

/// The week's sessions from the engine's placement.
fn sessions(
    input: &Doc,
    cores: &[&Team],
    crews: &[Vec<(i64, Option<i64>)>],
    roles: &[Role],
    p: &Problem,
    pl: &Placement,
    pull_rooms: &[&Space],
) -> Result<Vec<Session>, BuildError> {
    let grid = &input.grid;
    let hours = grid.periods.len();
    let mut out = Vec::new();
    // Per (team, slot): what the engine placed.
    let mut planning: HashMap<(usize, usize), Vec<i64>> = HashMap::new();
    let mut services: HashMap<(usize, usize), Vec<Placed>> = HashMap::new();
    for (a, role) in roles.iter().enumerate() {
        let s = pl.start[a];
        match role {
            Role::Planning {
                team,
                with_extended,
            } => {
                planning.insert((*team, s), with_extended.clone());
            }
            Role::Service { team, .. } => {
                services
                    .entry((*team, s))
                    .or_default()
                    .push((a, pl.room[a]));
            }
        }
    }
    let _ = p;
    let space_of = |id: i64| input.spaces.iter().find(|s| s.id == id);
    let zone_name = |id: i64| space_of(id).and_then(|s| s.zone_of.map(|_| s.name.clone()));
    for (ti, t) in cores.iter().enumerate() {
        let lunch_turn = ti;
        for (d, day) in grid.days.iter().enumerate() {
            for (pi, period) in grid.periods.iter().enumerate() {
                let slot = d * hours + pi;
                let here: Vec<i64> = t
                    .member_ids
                    .iter()
                    .copied()
                    .filter(|m| input.educator(*m).is_some_and(|e| e.is_available(*day, pi)))
                    .collect();
                let base = |kind: SessionKind, label: String| Session {
                    day: *day,
                    start: period.start,
                    end: period.end,
                    kind,
                    team_id: t.id,
                    educator_ids: Vec::new(),
                    student_ids: Vec::new(),
                    space_id: None,
                    zone: None,
                    service: None,
                    mode: None,
                    label,
                };
                match period.kind {
                    PeriodKind::Lunch => {
                        let mut lunch = base(SessionKind::Lunch, "Lunch".into());
                        lunch.student_ids = t.student_ids.clone();
                        out.push(lunch);
                        if !here.is_empty() {
                            let mut duty = base(SessionKind::Duty, "Lunch duty".into());
                            duty.educator_ids = vec![here[(d + lunch_turn) % here.len()]];
                            out.push(duty);
                        }
                        continue;
                    }
                    PeriodKind::Advisory => {
                        out.extend(team_block(
                            input,
                            t,
                            &here,
                            &t.student_ids,
                            &[],
                            base(SessionKind::TeamBlock, "Advisory".into()),
                            &zone_name,
                        )?);
                        continue;
                    }
                    _ => {}
                }
                if let Some(with_extended) = planning.get(&(ti, slot)) {
                    let mut plan = base(
                        SessionKind::Planning,
                        if with_extended.is_empty() {
                            "Team planning".into()
                        } else {
                            "Team planning with the extended team".into()
                        },
                    );
                    plan.educator_ids = t.member_ids.iter().chain(with_extended).copied().collect();
                    out.push(plan);
                    // The team's specials crew has the students, as many in each room as
                    // it seats, the rest spread evenly.
                    let crew = &crews[ti];
                    let mut left: &[i64] = &t.student_ids;
                    for (k, (member, room)) in crew.iter().enumerate() {
                        let rooms_left = crew.len() - k;
                        let cap = room
                            .and_then(|r| input.space(r))
                            .map_or(usize::MAX, |r| usize::try_from(r.capacity).unwrap_or(0));
                        let take = left
                            .len()
                            .div_ceil(rooms_left.max(1))
                            .min(cap)
                            .min(left.len());
                        let (chunk, rest) = left.split_at(take);
                        left = rest;
                        if chunk.is_empty() {
                            continue;
                        }
                        let mut sp = base(SessionKind::Specials, "Specials".into());
                        sp.educator_ids = vec![*member];
                        sp.student_ids = chunk.to_vec();
                        sp.space_id = *room;
                        sp.zone = sp.space_id.and_then(&zone_name);
                        out.push(sp);
                    }
                    continue;
                }
                if !teaching(period) {
                    continue;
                }
                // Services at this slot: pull-outs leave, push-ins join a space.
                let mut pulled: BTreeSet<i64> = BTreeSet::new();
                let mut push: Vec<(i64, Vec<i64>, String, String)> = Vec::new();
                for (a, room) in services.get(&(ti, slot)).into_iter().flatten() {
                    if let Role::Service {
                        educator,
                        service,
                        label,
                        mode,
                        students,
                        ..
                    } = &roles[*a]
                    {
                        match mode {
                            Mode::PullOut => {
                                pulled.extend(students);
                                let mut s =
                                    base(SessionKind::Service, format!("{label} (pull-out)"));
                                s.educator_ids = vec![*educator];
                                s.student_ids = students.clone();
                                s.space_id = room.and_then(|r| pull_rooms.get(r)).map(|r| r.id);
                                s.service = Some(service.clone());
                                s.mode = Some(Mode::PullOut);
                                out.push(s);
                            }
                            Mode::PushIn => push.push((
                                *educator,
                                students.clone(),
                                service.clone(),
                                label.clone(),
                            )),
                        }
                    }
                }
                let present: Vec<i64> = t
                    .student_ids
                    .iter()
                    .copied()
                    .filter(|s| !pulled.contains(s))
                    .collect();
                let groups: Vec<Vec<i64>> = push.iter().map(|(_, s, _, _)| s.clone()).collect();
                let blocks = team_block(
                    input,
                    t,
                    &here,
                    &present,
                    &groups,
                    base(SessionKind::TeamBlock, "Team block".into()),
                    &zone_name,
                )?;
                for (e, students, service, label) in push {
                    let space = blocks
                        .iter()
                        .find(|b| students.iter().all(|s| b.student_ids.contains(s)))
                        .and_then(|b| b.space_id);
                    let mut s = base(SessionKind::Service, format!("{label} (push-in)"));
                    s.educator_ids = vec![e];
                    s.student_ids = students;
                    s.space_id = space;
                    s.zone = space.and_then(&zone_name);
                    s.service = Some(service);
                    s.mode = Some(Mode::PushIn);
                    out.push(s);
                }
                out.extend(blocks);
            }
        }
    }
    out.sort_by(|a, b| {
        (a.day, a.start, a.team_id, a.kind, a.space_id)
            .cmp(&(b.day, b.start, b.team_id, b.kind, b.space_id))
    });
    Ok(out)
}

/// A team block: the present students over the team's spaces (as few as their seats and the
/// adults allow, each push-in group kept in one space), the present members spread over the
/// spaces in use, professionals first.
fn team_block(
    input: &Doc,
    t: &Team,
    here: &[i64],
    students: &[i64],
    keep_together: &[Vec<i64>],
    base: Session,
    zone_name: &dyn Fn(i64) -> Option<String>,
) -> Result<Vec<Session>, BuildError> {
    let spaces: Vec<&Space> = t.space_ids.iter().filter_map(|s| input.space(*s)).collect();
    // A team whose spaces are the zones of one flexible space holds that space as a whole:
    // one block, in which the team regroups freely.
    let parent = spaces.first().and_then(|s| s.zone_of);
    if let Some(p) = parent.filter(|p| spaces.iter().all(|s| s.zone_of == Some(*p))) {
        let room = input.space(p);
        let reach: usize = here
            .iter()
            .filter_map(|m| input.educator(*m))
            .map(|e| usize::try_from(e.max_group()).unwrap_or(0))
            .sum();
        if reach < students.len() {
            return Err(BuildError::Infeasible(vec![format!(
                "{}'s {} students are more than the members at school on {} at {} may lead together ({reach} at most).",
                t.name,
                students.len(),
                base.day.name(),
                base.start
            )]));
        }
        if room.is_some_and(|r| r.capacity as usize >= students.len()) {
            let mut s = base;
            s.student_ids = students.to_vec();
            s.educator_ids = here.to_vec();
            s.space_id = Some(p);
            s.zone = None;
            return Ok(vec![s]);
        }
    }
    // Who may lead a room of the team block: professionals, and residents under the team's
    // lead; paraeducators join a room.
    let professional = |id: &i64| {
        input.educator(*id).is_some_and(|e| {
            matches!(
                e.role,
                RoleType::TeacherLeader
                    | RoleType::ExperiencedEducator
                    | RoleType::NoviceTeacher
                    | RoleType::ResidentTeacher
                    | RoleType::Specialist
            )
        })
    };
    let mut adults: Vec<i64> = here.iter().copied().filter(|m| professional(m)).collect();
    adults.extend(here.iter().copied().filter(|m| !professional(m)));
    let pros = adults.iter().filter(|m| professional(m)).count().max(1);
    // As many spaces as there are professionals to lead them, but enough for every seat.
    let mut used = spaces.len().min(pros);
    let seats = |k: usize| {
        spaces[..k]
            .iter()
            .map(|s| s.capacity as usize)
            .sum::<usize>()
    };
    while used < spaces.len() && seats(used) < students.len() {
        used += 1;
    }
    if used == 0 || seats(used) < students.len() {
        let day = base.day.name();
        return Err(BuildError::Infeasible(vec![format!(
            "{}'s {} students do not fit its spaces on {day} at {}.",
            t.name,
            students.len(),
            base.start
        )]));
    }
    let mut rooms: Vec<Vec<i64>> = vec![Vec::new(); used];
    let placed: BTreeSet<i64> = keep_together.iter().flatten().copied().collect();
    for g in keep_together {
        let r = (0..used)
            .max_by_key(|&r| {
                spaces[r].capacity as usize - rooms[r].len().min(spaces[r].capacity as usize)
            })
            .unwrap_or(0);
        rooms[r].extend(g.iter().filter(|s| students.contains(s)));
    }
    for s in students.iter().filter(|s| !placed.contains(s)) {
        let r = (0..used)
            .filter(|&r| rooms[r].len() < spaces[r].capacity as usize)
            .min_by(|&a, &b| {
                (rooms[a].len() * spaces[b].capacity as usize)
                    .cmp(&(rooms[b].len() * spaces[a].capacity as usize))
            });
        match r {
            Some(r) => rooms[r].push(*s),
            None => {
                return Err(BuildError::Infeasible(vec![format!(
                    "{}'s students do not fit its spaces on {} at {}.",
                    t.name,
                    base.day.name(),
                    base.start
                )]))
            }
        }
    }
    let mut out: Vec<Session> = Vec::new();
    for (r, list) in rooms.into_iter().enumerate() {
        let mut s = base.clone();
        s.student_ids = list;
        s.space_id = Some(spaces[r].id);
        s.zone = zone_name(spaces[r].id);
        out.push(s);
    }
    for (i, a) in adults.iter().enumerate() {
        let k = out.len();
        out[i % k].educator_ids.push(*a);
    }
    out.retain(|s| !s.student_ids.is_empty() || !s.educator_ids.is_empty());
    let _ = DayOfWeek::Monday;
    Ok(out)
}
