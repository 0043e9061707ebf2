//! The week as the team and each educator live it, from the data: the school's time grid, who
//! is at school when (availability), the team's space bookings and the groups it published for
//! a period. The team page shows, per period, which educators are with which students where;
//! the educator page shows when someone teaches, plans, is free or is away. Generated team
//! schedules (next) feed the same views.

use ensemble_domain::*;
use ensemble_store::{BookingRow, TeamMemberRow};

/// One period of one day on the team page.
pub(crate) struct TeamCell {
    /// "Whole team", "Groups", "Team planning", "Lunch" …
    pub heading: String,
    /// One line per place: who, with which students, where.
    pub lines: Vec<String>,
    /// For styling: `teach`, `groups`, `plan`, `lunch`, `none`.
    pub class: &'static str,
}

/// A group published for a period: who leads it, how many students, where.
pub(crate) struct PeriodGroup {
    pub day: DayOfWeek,
    pub period: usize,
    pub educator: String,
    pub students: usize,
    pub space: Option<String>,
}

impl PeriodGroup {
    /// "Ana Silva with 12 students in Room 1".
    fn line(&self) -> String {
        format!(
            "{} with {} students{}",
            self.educator,
            self.students,
            self.space
                .as_ref()
                .map(|s| format!(" in {s}"))
                .unwrap_or_default()
        )
    }
}

/// A row of a week table: the period ("Block 1 8:25–9:25") and its cell on each day.
pub(crate) type WeekRow<T> = (String, Vec<T>);

fn period_label(p: &Period) -> String {
    format!("{} {}–{}", p.name, p.start_label(), p.end_label())
}

/// The grid's week, one row per period, one cell per day from `cell(day, period index, period)`.
fn week<T>(grid: &TimeGrid, cell: impl Fn(DayOfWeek, usize, &Period) -> T) -> Vec<WeekRow<T>> {
    grid.periods()
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            (
                period_label(p),
                grid.days().iter().map(|d| cell(*d, pi, p)).collect(),
            )
        })
        .collect()
}

fn names(members: &[&TeamMemberRow]) -> String {
    let n: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    match n.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The team's week: per period and day, who is with which students where.
pub(crate) fn team_week(
    grid: &TimeGrid,
    members: &[TeamMemberRow],
    roster: usize,
    bookings: &[BookingRow],
    groups: &[PeriodGroup],
) -> Vec<WeekRow<TeamCell>> {
    week(grid, |day, pi, p| {
        let d = &day;
        let here: Vec<&TeamMemberRow> = members
            .iter()
            .filter(|m| m.availability.is_available(*d, pi))
            .collect();
        let published: Vec<&PeriodGroup> = groups
            .iter()
            .filter(|g| g.day == *d && g.period == pi)
            .collect();
        let booked: Vec<&BookingRow> = bookings
            .iter()
            .filter(|b| b.day == *d && b.period == pi)
            .collect();
        match p.kind {
            PeriodKind::Lunch => TeamCell {
                heading: "Lunch".into(),
                lines: Vec::new(),
                class: "lunch",
            },
            PeriodKind::TeamPlanning => TeamCell {
                heading: "Team planning".into(),
                lines: if here.is_empty() {
                    vec!["Nobody of the team is at school".into()]
                } else if here.len() == members.len() {
                    vec![format!("All {} members", here.len())]
                } else {
                    vec![names(&here)]
                },
                class: "plan",
            },
            PeriodKind::Instruction | PeriodKind::Advisory if !published.is_empty() => TeamCell {
                heading: "Groups".into(),
                lines: published.iter().map(|g| g.line()).collect(),
                class: "groups",
            },
            PeriodKind::Instruction | PeriodKind::Advisory if here.is_empty() => TeamCell {
                heading: "Nobody of the team".into(),
                lines: Vec::new(),
                class: "none",
            },
            PeriodKind::Instruction | PeriodKind::Advisory => {
                // Everyone present with all the team's students; say who is away.
                let away: Vec<&TeamMemberRow> = members
                    .iter()
                    .filter(|m| !m.availability.is_available(*d, pi))
                    .collect();
                let who = if away.is_empty() {
                    format!("All {} members", here.len())
                } else {
                    format!("{} ({} away)", names(&here), names(&away))
                };
                let mut lines = vec![format!("{who} with {roster} students")];
                if !booked.is_empty() {
                    let places: Vec<String> = booked
                        .iter()
                        .map(|b| format!("{} ({})", b.space_name, b.headcount))
                        .collect();
                    lines.push(format!("in {}", places.join(", ")));
                }
                TeamCell {
                    heading: if p.kind == PeriodKind::Advisory {
                        "Advisory".into()
                    } else {
                        "Whole team".into()
                    },
                    lines,
                    class: "teach",
                }
            }
        }
    })
}

/// One period of one day on the educator page.
pub(crate) struct EducatorCell {
    pub text: String,
    /// `teach`, `plan`, `free`, `lunch`, `away`.
    pub class: &'static str,
}

/// An educator's week: teaching with their core team, planning with it, free (available for
/// other work: covering, coaching, serving students) or not at school. `core_team` is the
/// team's name and its booked slots.
pub(crate) fn educator_week(
    grid: &TimeGrid,
    availability: &WeeklyAvailability,
    core_team: Option<(&str, &[BookingRow])>,
) -> Vec<WeekRow<EducatorCell>> {
    week(grid, |day, pi, p| {
        let d = &day;
        if !availability.is_available(*d, pi) {
            return EducatorCell {
                text: "Not at school".into(),
                class: "away",
            };
        }
        match (p.kind, core_team) {
            (PeriodKind::Lunch, _) => EducatorCell {
                text: "Lunch".into(),
                class: "lunch",
            },
            (PeriodKind::TeamPlanning, Some((team, _))) => EducatorCell {
                text: format!("Planning with {team}"),
                class: "plan",
            },
            (PeriodKind::Instruction | PeriodKind::Advisory, Some((team, booked)))
                if booked.iter().any(|b| b.day == *d && b.period == pi)
                    || p.kind == PeriodKind::Advisory =>
            {
                EducatorCell {
                    text: format!("Teaching with {team}"),
                    class: "teach",
                }
            }
            _ => EducatorCell {
                text: "Free".into(),
                class: "free",
            },
        }
    })
}

// ---- Weeks from a generated schedule (issue 14) ----

use ensemble_schedule::{Doc, Session, SessionKind};

fn edu_names(doc: &Doc, ids: &[i64]) -> String {
    let n: Vec<String> = ids
        .iter()
        .map(|e| {
            doc.educator(*e)
                .map_or_else(|| "An educator".into(), |e| e.name.clone())
        })
        .collect();
    crate::staffing::join_words(&n)
}

fn place(doc: &Doc, s: &Session) -> String {
    s.space_id
        .and_then(|id| doc.space(id))
        .map(|sp| format!(" in {}", sp.name))
        .unwrap_or_default()
}

fn team_name(doc: &Doc, id: i64) -> String {
    doc.team(id)
        .map_or_else(|| "a team".into(), |t| t.name.clone())
}

/// The grid's week as rows of cells, one per period and school day of the document.
fn doc_week<T>(
    doc: &Doc,
    cell: impl Fn(DayOfWeek, usize, &[&Session]) -> T,
) -> (Vec<DayOfWeek>, Vec<WeekRow<T>>) {
    let rows = doc
        .grid
        .periods
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            (
                format!(
                    "{} {}–{}",
                    p.name,
                    ensemble_domain::school::clock(p.start.minutes()),
                    ensemble_domain::school::clock(p.end.minutes())
                ),
                doc.grid
                    .days
                    .iter()
                    .map(|d| {
                        let here: Vec<&Session> = doc
                            .sessions
                            .iter()
                            .filter(|s| s.day == *d && s.start < p.end && p.start < s.end)
                            .collect();
                        cell(*d, pi, &here)
                    })
                    .collect(),
            )
        })
        .collect();
    (doc.grid.days.clone(), rows)
}

/// A core team's week from the published schedule: who is with which students where, when
/// the team plans and with whom, services, specials and lunch.
pub(crate) fn team_week_of(
    doc: &Doc,
    team: i64,
    groups: &[PeriodGroup],
) -> (Vec<DayOfWeek>, Vec<WeekRow<TeamCell>>) {
    doc_week(doc, |day, pi, here| {
        let mine: Vec<&&Session> = here.iter().filter(|s| s.team_id == team).collect();
        let of = |k: SessionKind| mine.iter().filter(move |s| s.kind == k);
        if let Some(p) = of(SessionKind::Planning).next() {
            let mut lines = vec![edu_names(doc, &p.educator_ids)];
            let specials: Vec<i64> = of(SessionKind::Specials)
                .flat_map(|s| s.educator_ids.clone())
                .collect();
            if !specials.is_empty() {
                lines.push(format!(
                    "Students in specials with {}",
                    edu_names(doc, &specials)
                ));
            }
            return TeamCell {
                heading: p.label.clone(),
                lines,
                class: "plan",
            };
        }
        if let Some(l) = of(SessionKind::Lunch).next() {
            let duty: Vec<i64> = of(SessionKind::Duty)
                .flat_map(|s| s.educator_ids.clone())
                .collect();
            return TeamCell {
                heading: l.label.clone(),
                lines: if duty.is_empty() {
                    Vec::new()
                } else {
                    vec![format!("On duty: {}", edu_names(doc, &duty))]
                },
                class: "lunch",
            };
        }
        let blocks: Vec<&&&Session> = of(SessionKind::TeamBlock).collect();
        if blocks.is_empty() {
            return TeamCell {
                heading: "Nothing scheduled".into(),
                lines: Vec::new(),
                class: "none",
            };
        }
        // Groups the team published for this period take the place of the default rooms.
        let published: Vec<&PeriodGroup> = groups
            .iter()
            .filter(|g| g.day == day && g.period == pi)
            .collect();
        let mut lines: Vec<String> = if !published.is_empty() {
            published.iter().map(|g| g.line()).collect()
        } else {
            blocks
                .iter()
                .map(|b| {
                    format!(
                        "{} with {} students{}",
                        edu_names(doc, &b.educator_ids),
                        b.student_ids.len(),
                        place(doc, b)
                    )
                })
                .collect()
        };
        for sv in of(SessionKind::Service) {
            lines.push(format!(
                "{}: {} with {} students{}",
                sv.label,
                edu_names(doc, &sv.educator_ids),
                sv.student_ids.len(),
                place(doc, sv)
            ));
        }
        TeamCell {
            heading: if published.is_empty() {
                blocks[0].label.clone()
            } else {
                "Groups".into()
            },
            lines,
            class: if published.is_empty() {
                "teach"
            } else {
                "groups"
            },
        }
    })
}

fn session_text(doc: &Doc, s: &Session) -> String {
    let team = team_name(doc, s.team_id);
    match s.kind {
        SessionKind::TeamBlock => format!(
            "{} with {team}: {} students{}",
            s.label,
            s.student_ids.len(),
            place(doc, s)
        ),
        SessionKind::Planning => format!("{} ({team})", s.label),
        SessionKind::Service => format!(
            "{}: {} students of {team}{}",
            s.label,
            s.student_ids.len(),
            place(doc, s)
        ),
        SessionKind::Specials => format!(
            "Specials: {} students of {team}{}",
            s.student_ids.len(),
            place(doc, s)
        ),
        SessionKind::Lunch => format!("Lunch ({team})"),
        SessionKind::Duty => format!("Lunch duty ({team})"),
    }
}

fn class_of(k: SessionKind) -> &'static str {
    match k {
        SessionKind::Planning => "plan",
        SessionKind::Lunch | SessionKind::Duty => "lunch",
        _ => "teach",
    }
}

/// An educator's week from the published schedule: what they do in each period, free, or
/// not at school.
pub(crate) fn educator_week_of(
    doc: &Doc,
    educator: i64,
) -> (Vec<DayOfWeek>, Vec<WeekRow<EducatorCell>>) {
    doc_week(doc, |day, pi, here| {
        let mine: Vec<&&Session> = here
            .iter()
            .filter(|s| s.educator_ids.contains(&educator))
            .collect();
        if let Some(first) = mine.first() {
            return EducatorCell {
                text: mine
                    .iter()
                    .map(|s| session_text(doc, s))
                    .collect::<Vec<_>>()
                    .join("; "),
                class: class_of(first.kind),
            };
        }
        let at_school = doc
            .educator(educator)
            .is_some_and(|e| e.is_available(day, pi));
        if !at_school {
            EducatorCell {
                text: "Not at school".into(),
                class: "away",
            }
        } else if doc.grid.periods[pi].kind == PeriodKind::Lunch {
            EducatorCell {
                text: "Lunch".into(),
                class: "lunch",
            }
        } else {
            EducatorCell {
                text: "Free".into(),
                class: "free",
            }
        }
    })
}

/// A space's week: who uses it when.
pub(crate) fn space_week_of(doc: &Doc, space: i64) -> (Vec<DayOfWeek>, Vec<WeekRow<EducatorCell>>) {
    doc_week(doc, |_, _, here| {
        let used: Vec<&&Session> = here.iter().filter(|s| s.space_id == Some(space)).collect();
        if used.is_empty() {
            return EducatorCell {
                text: "Free".into(),
                class: "free",
            };
        }
        EducatorCell {
            text: used
                .iter()
                .map(|s| {
                    format!(
                        "{}, {} students, {}",
                        team_name(doc, s.team_id),
                        s.student_ids.len(),
                        edu_names(doc, &s.educator_ids)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            class: class_of(used[0].kind),
        }
    })
}

/// A day an approved re-plan changes for one educator.
pub(crate) struct ChangedDay {
    /// "Tuesday 2026-12-08".
    pub date: String,
    /// "Luis Brown is away (planned)".
    pub why: String,
    /// What the educator does that day, period by period, or that they are away.
    pub lines: Vec<String>,
}

/// The approved re-plans that change `educator`'s day, by date.
pub(crate) fn changed_days(
    doc: &Doc,
    educator: i64,
    replans: &[ensemble_schedule::absence::Replan],
) -> Vec<ChangedDay> {
    let mine = |list: &mut dyn Iterator<Item = &Session>| {
        let mut v: Vec<(ensemble_schedule::Clock, SessionKind, Option<i64>, usize)> = list
            .filter(|s| s.educator_ids.contains(&educator))
            .map(|s| (s.start, s.kind, s.space_id, s.student_ids.len()))
            .collect();
        v.sort();
        v
    };
    let mut out: Vec<ChangedDay> = replans
        .iter()
        .filter_map(|r| {
            let a = &r.absence;
            let before = mine(&mut doc.sessions.iter().filter(|s| s.day == a.day));
            let after = mine(&mut r.day.iter());
            if before == after {
                return None;
            }
            let absent = doc
                .educator(a.educator_id)
                .map_or_else(|| "An educator".into(), |e| e.name.clone());
            let lines = if a.educator_id == educator {
                vec!["Away: the team covers these sessions.".to_owned()]
            } else {
                let mut day: Vec<&Session> = r
                    .day
                    .iter()
                    .filter(|s| s.educator_ids.contains(&educator))
                    .collect();
                day.sort_by_key(|s| s.start);
                day.iter()
                    .map(|s| {
                        let p = doc.period_of(s).map_or_else(
                            || s.start.to_string(),
                            |p| doc.grid.periods[p].name.clone(),
                        );
                        format!("{p}: {}", session_text(doc, s))
                    })
                    .collect()
            };
            Some(ChangedDay {
                date: format!("{} {}", a.day.name(), a.date),
                why: format!(
                    "{absent} is away ({})",
                    if a.planned { "planned" } else { "unplanned" }
                ),
                lines,
            })
        })
        .collect();
    out.sort_by(|a, b| a.date.split(' ').nth(1).cmp(&b.date.split(' ').nth(1)));
    out
}

/// One student's week: where they are, with whom, in each period.
pub(crate) fn student_week_of(
    doc: &Doc,
    student: i64,
) -> (Vec<DayOfWeek>, Vec<WeekRow<EducatorCell>>) {
    doc_week(doc, |_, _, here| {
        let theirs: Vec<&&Session> = here
            .iter()
            .filter(|s| s.student_ids.contains(&student))
            .collect();
        // A push-in service happens inside the team block: show the service.
        let shown = theirs
            .iter()
            .find(|s| s.kind == SessionKind::Service)
            .or_else(|| theirs.first());
        match shown {
            None => EducatorCell {
                text: "—".into(),
                class: "none",
            },
            Some(s) => EducatorCell {
                text: format!(
                    "{}{}{}",
                    s.label,
                    if s.educator_ids.is_empty() {
                        String::new()
                    } else {
                        format!(" with {}", edu_names(doc, &s.educator_ids))
                    },
                    place(doc, s)
                ),
                class: class_of(s.kind),
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> TimeGrid {
        let p = |name: &str, s: u16, kind| Period {
            name: name.into(),
            start_minute: s,
            end_minute: s + 50,
            kind,
        };
        TimeGrid::new(
            vec![DayOfWeek::Monday, DayOfWeek::Tuesday],
            vec![
                p("Block 1", 500, PeriodKind::Instruction),
                p("Planning", 560, PeriodKind::TeamPlanning),
                p("Lunch", 620, PeriodKind::Lunch),
            ],
        )
        .expect("grid")
    }

    fn booking(day: DayOfWeek, period: usize) -> BookingRow {
        BookingRow {
            id: 1,
            school: SchoolId(1),
            space: SpaceId(1),
            space_name: "Room 1".into(),
            team: TeamId(1),
            team_name: "6 Saguaro".into(),
            day,
            period,
            headcount: 30,
            purpose: String::new(),
        }
    }

    /// Taught periods are not "free": availability leaves them out.
    #[test]
    fn an_educator_is_free_only_when_not_teaching_or_planning() {
        let g = grid();
        let mut avail = WeeklyAvailability::full(g.days(), 3);
        avail.set(DayOfWeek::Tuesday, 0, false);
        let booked = [booking(DayOfWeek::Monday, 0)];
        let week = educator_week(&g, &avail, Some(("6 Saguaro", &booked)));
        let text = |p: usize, d: usize| week[p].1[d].text.clone();
        assert_eq!(text(0, 0), "Teaching with 6 Saguaro");
        assert_eq!(text(0, 1), "Not at school");
        assert_eq!(text(1, 0), "Planning with 6 Saguaro");
        assert_eq!(text(2, 0), "Lunch");
        let alone = educator_week(&g, &avail, None);
        assert_eq!(alone[0].1[0].text, "Free");
    }

    fn member(name: &str, avail: WeeklyAvailability) -> TeamMemberRow {
        TeamMemberRow {
            educator: EducatorId(1),
            name: name.into(),
            email: None,
            role_type: RoleType::ExperiencedEducator,
            member_role: TeamMemberRole::Member,
            employment: Employment::FullTime,
            fte_milli: 1000,
            years_experience: 5,
            expertise: Vec::new(),
            availability: avail,
        }
    }

    /// Each period says who is with the team's students and where, who is away, and the groups
    /// published for it.
    #[test]
    fn the_team_week_says_who_is_with_which_students_where() {
        let g = grid();
        let full = WeeklyAvailability::full(g.days(), 3);
        let mut part = full;
        part.set(DayOfWeek::Tuesday, 0, false);
        let members = [member("Ana Silva", full), member("Ben Ortiz", part)];
        let booked = [
            booking(DayOfWeek::Monday, 0),
            booking(DayOfWeek::Tuesday, 0),
        ];
        let groups = [PeriodGroup {
            day: DayOfWeek::Monday,
            period: 0,
            educator: "Ana Silva".into(),
            students: 12,
            space: Some("Room 1".into()),
        }];
        let week = team_week(&g, &members, 60, &booked, &groups);
        let cell = |p: usize, d: usize| {
            let c = &week[p].1[d];
            format!("{}: {}", c.heading, c.lines.join(" / "))
        };
        assert_eq!(cell(0, 0), "Groups: Ana Silva with 12 students in Room 1");
        assert_eq!(
            cell(0, 1),
            "Whole team: Ana Silva (Ben Ortiz away) with 60 students / in Room 1 (30)"
        );
        assert_eq!(cell(1, 0), "Team planning: All 2 members");
        assert_eq!(cell(2, 1), "Lunch: ");
    }
}
