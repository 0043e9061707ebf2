//! The independent checker: every rule of a school's week recomputed from the schedule
//! document alone. It shares no code with the adapter (`build.rs`) or the timetable engine, so
//! that a mistake in either is caught here. Each finding says what is wrong in words.

use crate::model::{Doc, Mode, Session, SessionKind};
use ensemble_domain::{DayOfWeek, RoleType, TeamKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// A short name of the rule: `double_booked`, `planning`, `team_time`, `extended_planning`,
    /// `availability`, `capacity`, `group_size`, `service_minutes`, `roster`, `alone`, `format`.
    pub rule: &'static str,
    pub message: String,
}

fn finding(rule: &'static str, message: String) -> Finding {
    Finding { rule, message }
}

fn when(s: &Session) -> String {
    format!("on {} at {}", s.day.name(), s.start)
}

/// Every broken rule of `doc`, sorted; empty when the week is valid.
pub fn check(doc: &Doc) -> Vec<Finding> {
    let mut out = Vec::new();
    if doc.format != crate::model::FORMAT {
        out.push(finding(
            "format",
            format!(
                "the document's format is \"{}\", not {}",
                doc.format,
                crate::model::FORMAT
            ),
        ));
    }
    let educators: HashMap<i64, _> = doc.educators.iter().map(|e| (e.id, e)).collect();
    let spaces: HashMap<i64, _> = doc.spaces.iter().map(|s| (s.id, s)).collect();
    let teams: HashMap<i64, _> = doc.teams.iter().map(|t| (t.id, t)).collect();
    let name = |id: i64| {
        educators
            .get(&id)
            .map_or_else(|| format!("educator {id}"), |e| e.name.clone())
    };
    let space_name = |id: i64| {
        spaces
            .get(&id)
            .map_or_else(|| format!("space {id}"), |s| s.name.clone())
    };
    let team_name = |id: i64| {
        teams
            .get(&id)
            .map_or_else(|| format!("team {id}"), |t| t.name.clone())
    };

    // Shape: references exist, times lie on school days.
    for s in &doc.sessions {
        if s.end <= s.start {
            out.push(finding(
                "format",
                format!(
                    "a {} session {} ends before it starts",
                    s.kind.label(),
                    when(s)
                ),
            ));
        }
        if !doc.grid.days.contains(&s.day) {
            out.push(finding(
                "format",
                format!("a session falls on {}, not a school day", s.day.name()),
            ));
        }
        if !teams.contains_key(&s.team_id) {
            out.push(finding(
                "format",
                format!(
                    "a session {} names a team that is not in the document",
                    when(s)
                ),
            ));
        }
        for e in &s.educator_ids {
            if !educators.contains_key(e) {
                out.push(finding(
                    "format",
                    format!(
                        "a session {} names an educator who is not in the document",
                        when(s)
                    ),
                ));
            }
        }
        if let Some(sp) = s.space_id {
            if !spaces.contains_key(&sp) {
                out.push(finding(
                    "format",
                    format!(
                        "a session {} names a space that is not in the document",
                        when(s)
                    ),
                ));
            }
        }
    }

    // Nobody and nothing in two places at once. A push-in service shares its students and its
    // space with the team block it joins.
    let shares = |a: &Session, b: &Session| {
        let pair = |x: &Session, y: &Session| {
            x.kind == SessionKind::Service
                && x.mode == Some(Mode::PushIn)
                && y.kind == SessionKind::TeamBlock
                && x.team_id == y.team_id
                && x.space_id.is_some()
                && x.space_id == y.space_id
        };
        let push_in = |x: &Session| x.kind == SessionKind::Service && x.mode == Some(Mode::PushIn);
        pair(a, b)
            || pair(b, a)
            || (push_in(a) && push_in(b) && a.team_id == b.team_id && a.space_id == b.space_id)
    };
    let mut by_day: BTreeMap<DayOfWeek, Vec<&Session>> = BTreeMap::new();
    for s in &doc.sessions {
        by_day.entry(s.day).or_default().push(s);
    }
    let parent = |id: i64| spaces.get(&id).and_then(|s| s.zone_of);
    for list in by_day.values() {
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                if !(a.start < b.end && b.start < a.end) {
                    continue;
                }
                for e in &a.educator_ids {
                    if b.educator_ids.contains(e) {
                        out.push(finding(
                            "double_booked",
                            format!(
                                "{} is in two places {}: {} and {}",
                                name(*e),
                                when(a),
                                a.label,
                                b.label
                            ),
                        ));
                    }
                }
                if !shares(a, b) {
                    let both: Vec<&i64> = a
                        .student_ids
                        .iter()
                        .filter(|x| b.student_ids.contains(x))
                        .collect();
                    if !both.is_empty() {
                        out.push(finding(
                            "double_booked",
                            format!(
                                "{} students of {} are in two places {}: {} and {}",
                                both.len(),
                                team_name(a.team_id),
                                when(a),
                                a.label,
                                b.label
                            ),
                        ));
                    }
                    // A team holding a flexible space may use its zones for its own groups.
                    let own_suite = a.team_id == b.team_id
                        && matches!(a.kind, SessionKind::TeamBlock | SessionKind::Service)
                        && matches!(b.kind, SessionKind::TeamBlock | SessionKind::Service);
                    if let (Some(x), Some(y)) = (a.space_id, b.space_id) {
                        if x == y || (!own_suite && (parent(x) == Some(y) || parent(y) == Some(x)))
                        {
                            out.push(finding(
                                "double_booked",
                                format!(
                                    "{} is used twice {}: {} and {}",
                                    space_name(x),
                                    when(a),
                                    a.label,
                                    b.label
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }

    // Availability.
    for s in &doc.sessions {
        for e in &s.educator_ids {
            let Some(ed) = educators.get(e) else { continue };
            let inside = doc.grid.periods.iter().enumerate().any(|(pi, p)| {
                p.start <= s.start
                    && s.end <= p.end
                    && ed.available.get(&s.day).is_some_and(|l| l.contains(&pi))
            });
            if !inside {
                out.push(finding(
                    "availability",
                    format!("{} is not at school {} ({})", ed.name, when(s), s.label),
                ));
            }
        }
    }

    // Capacity: a space seats the students of the sessions in it (push-in students are
    // already counted in their team block).
    for s in &doc.sessions {
        if s.mode == Some(Mode::PushIn) {
            continue;
        }
        if let Some(sp) = s.space_id.and_then(|id| spaces.get(&id)) {
            if s.student_ids.len() > sp.capacity as usize {
                out.push(finding(
                    "capacity",
                    format!(
                        "{} seats {} but has {} students {} ({})",
                        sp.name,
                        sp.capacity,
                        s.student_ids.len(),
                        when(s),
                        s.label
                    ),
                ));
            }
        }
    }

    // A flexible space seats the students in it and in its zones together.
    for s in &doc.sessions {
        let Some(sp) = s.space_id.and_then(|id| spaces.get(&id)) else {
            continue;
        };
        if !doc.spaces.iter().any(|z| z.zone_of == Some(sp.id)) {
            continue;
        }
        let inside: usize = doc
            .sessions
            .iter()
            .filter(|x| {
                x.day == s.day
                    && x.start <= s.start
                    && s.start < x.end
                    && x.mode != Some(Mode::PushIn)
            })
            .filter(|x| {
                x.space_id
                    .is_some_and(|id| id == sp.id || parent(id) == Some(sp.id))
            })
            .map(|x| x.student_ids.len())
            .sum();
        if inside > sp.capacity as usize {
            out.push(finding(
                "capacity",
                format!(
                    "{} and its zones seat {} but hold {inside} students {}",
                    sp.name,
                    sp.capacity,
                    when(s)
                ),
            ));
        }
    }

    // Group sizes: the adults of a team block, and the educator of a service, lead no more
    // students than their roles do (the district's catalog).
    for s in doc
        .sessions
        .iter()
        .filter(|s| matches!(s.kind, SessionKind::TeamBlock | SessionKind::Service))
    {
        let reach: u32 = s
            .educator_ids
            .iter()
            .filter_map(|e| educators.get(e))
            .map(|e| {
                e.max_group
                    .unwrap_or_else(|| crate::model::default_max_group(e.role))
            })
            .sum();
        if !s.educator_ids.is_empty() && s.student_ids.len() > reach as usize {
            out.push(finding(
                "group_size",
                format!(
                    "{} students {} ({}) are more than {} lead{} ({reach} at most)",
                    s.student_ids.len(),
                    when(s),
                    s.label,
                    join(&s.educator_ids.iter().map(|e| name(*e)).collect::<Vec<_>>()),
                    if s.educator_ids.len() == 1 { "s" } else { "" }
                ),
            ));
        }
    }

    // Students only where they belong: a team's sessions hold its roster's students; a
    // service session the students that educator serves with that service.
    let served: BTreeSet<(i64, i64, &str)> = doc
        .services
        .iter()
        .map(|v| (v.educator_id, v.student_id, v.service.as_str()))
        .collect();
    for s in &doc.sessions {
        let Some(team) = teams.get(&s.team_id) else {
            continue;
        };
        if s.kind == SessionKind::Service {
            let (Some(service), [e]) = (s.service.as_deref(), s.educator_ids.as_slice()) else {
                out.push(finding(
                    "roster",
                    format!(
                        "a service session {} does not name one educator and its service",
                        when(s)
                    ),
                ));
                continue;
            };
            let strangers = s
                .student_ids
                .iter()
                .filter(|st| !served.contains(&(*e, **st, service)))
                .count();
            if strangers > 0 {
                out.push(finding(
                    "roster",
                    format!(
                        "{} has {strangers} students {} who do not receive {} from them",
                        name(*e),
                        when(s),
                        s.label
                    ),
                ));
            }
        }
        let strangers = s
            .student_ids
            .iter()
            .filter(|st| !team.student_ids.contains(st))
            .count();
        if strangers > 0 {
            out.push(finding(
                "roster",
                format!(
                    "{} {} has {strangers} students who are not on {}'s roster",
                    s.label,
                    when(s),
                    team.name
                ),
            ));
        }
    }

    // Just-right roles: community educators and volunteers are never alone with students; a
    // paraeducator gives services alongside the team, in its space.
    for s in doc.sessions.iter().filter(|s| !s.student_ids.is_empty()) {
        let roles: Vec<RoleType> = s
            .educator_ids
            .iter()
            .filter_map(|e| educators.get(e))
            .map(|e| e.role)
            .collect();
        // In a team block a resident may lead a room under the team's lead.
        let block = s.kind == SessionKind::TeamBlock;
        let leads = |r: &RoleType| {
            matches!(
                r,
                RoleType::TeacherLeader
                    | RoleType::ExperiencedEducator
                    | RoleType::NoviceTeacher
                    | RoleType::Specialist
            ) || (block && *r == RoleType::ResidentTeacher)
        };
        let needs_company = roles.iter().all(|r| !leads(r));
        if s.kind == SessionKind::Lunch {
            continue;
        }
        if roles.is_empty() {
            out.push(finding(
                "alone",
                format!(
                    "{} students of {} have no adult {} ({})",
                    s.student_ids.len(),
                    team_name(s.team_id),
                    when(s),
                    s.label
                ),
            ));
        } else if needs_company {
            let with_pro = doc.sessions.iter().any(|o| {
                o.kind == SessionKind::TeamBlock
                    && o.overlaps(s)
                    && o.space_id.is_some()
                    && o.space_id == s.space_id
                    && o.educator_ids
                        .iter()
                        .filter_map(|e| educators.get(e))
                        .any(|e| leads(&e.role) || e.role == RoleType::ResidentTeacher)
            });
            if !with_pro {
                out.push(finding(
                    "alone",
                    format!(
                        "{} {} with students {} and no teacher in the room",
                        join(&s.educator_ids.iter().map(|e| name(*e)).collect::<Vec<_>>()),
                        if s.educator_ids.len() == 1 {
                            "is"
                        } else {
                            "are"
                        },
                        when(s)
                    ),
                ));
            }
        }
    }

    // Core teams: all members plan together every day, long enough; the team's students are
    // all with the team (or in a service) whenever the team has a block.
    for t in doc
        .teams
        .iter()
        .filter(|t| t.kind == TeamKind::Core && !t.student_ids.is_empty())
    {
        let members: BTreeSet<i64> = t.member_ids.iter().copied().collect();
        for day in &doc.grid.days {
            let minutes: u32 = doc
                .sessions
                .iter()
                .filter(|s| {
                    s.day == *day
                        && s.team_id == t.id
                        && s.kind == SessionKind::Planning
                        && members.iter().all(|m| s.educator_ids.contains(m))
                })
                .map(Session::minutes)
                .max()
                .unwrap_or(0);
            if minutes < doc.planning_minutes_daily {
                out.push(finding(
                    "planning",
                    format!(
                        "{} does not plan together for {} minutes on {} ({} minutes with every member)",
                        t.name,
                        doc.planning_minutes_daily,
                        day.name(),
                        minutes
                    ),
                ));
            }
        }
        // Team time: at every block start, every roster student is in one of the team's
        // sessions there.
        let starts: BTreeSet<(DayOfWeek, u16)> = doc
            .sessions
            .iter()
            .filter(|s| s.team_id == t.id && s.kind == SessionKind::TeamBlock)
            .map(|s| (s.day, s.start.0))
            .collect();
        for (day, start) in starts {
            let there: BTreeSet<i64> = doc
                .sessions
                .iter()
                .filter(|s| s.day == day && s.start.0 <= start && start < s.end.0)
                .filter(|s| s.team_id == t.id || s.kind == SessionKind::Service)
                .flat_map(|s| s.student_ids.iter().copied())
                .collect();
            let missing = t.student_ids.iter().filter(|s| !there.contains(s)).count();
            if missing > 0 {
                out.push(finding(
                    "team_time",
                    format!(
                        "{missing} students of {} are not with their team on {} at {}",
                        t.name,
                        day.name(),
                        crate::model::Clock(start)
                    ),
                ));
            }
        }
        // The extended team's specialists and paraeducators who serve this team's students
        // plan with it at least once a week.
        let serving: BTreeSet<i64> = doc
            .services
            .iter()
            .filter(|v| t.student_ids.contains(&v.student_id))
            .map(|v| v.educator_id)
            .filter(|e| {
                !members.contains(e)
                    && educators.get(e).is_some_and(|e| {
                        matches!(e.role, RoleType::Specialist | RoleType::Paraeducator)
                    })
            })
            .collect();
        for e in serving {
            let planned = doc.sessions.iter().any(|s| {
                s.team_id == t.id && s.kind == SessionKind::Planning && s.educator_ids.contains(&e)
            });
            if !planned {
                out.push(finding(
                    "extended_planning",
                    format!("{} never plans with {}", name(e), t.name),
                ));
            }
        }
    }

    // Services: each student gets their weekly minutes from their educator.
    let mut given: HashMap<(i64, i64, &str), u32> = HashMap::new();
    for s in doc
        .sessions
        .iter()
        .filter(|s| s.kind == SessionKind::Service)
    {
        if let Some(service) = s.service.as_deref() {
            for e in &s.educator_ids {
                for st in &s.student_ids {
                    *given.entry((*e, *st, service)).or_default() += s.minutes();
                }
            }
        }
    }
    let on_roster: BTreeSet<i64> = doc
        .teams
        .iter()
        .filter(|t| t.kind == TeamKind::Core)
        .flat_map(|t| t.student_ids.iter().copied())
        .collect();
    let mut short: BTreeMap<(i64, &str), (usize, String)> = BTreeMap::new();
    for v in &doc.services {
        if !on_roster.contains(&v.student_id) {
            continue;
        }
        let got = given
            .get(&(v.educator_id, v.student_id, v.service.as_str()))
            .copied()
            .unwrap_or(0);
        if got < v.minutes_per_week {
            let e = short
                .entry((v.educator_id, v.service.as_str()))
                .or_insert((0, v.label.clone()));
            e.0 += 1;
        }
    }
    for ((e, _), (n, label)) in short {
        out.push(finding(
            "service_minutes",
            format!(
                "{n} students receive less {} from {} than their weekly minutes",
                label.to_lowercase(),
                name(e)
            ),
        ));
    }
    out.sort();
    out.dedup();
    out
}

fn join(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
