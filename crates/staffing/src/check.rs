//! The just-right validator: an independent check of any plan, hand-edited ones too.
//!
//! It recomputes every hard rule and every soft term from the problem and the design alone,
//! sharing no code with the designer's search (only the domain's core-team rule, which is the
//! definition). The designer's tests compare their objective with this one.

use crate::plan::Design;
use crate::problem::HARD;
use crate::problem::{band_subjects, Candidate, Problem};
use ensemble_domain::team::{check_composition, TeamSeat};
use ensemble_domain::TeamKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The design names a school, team, band, educator, responsibility or service the input
    /// does not have.
    Unknown,
    /// An educator sits on two core teams.
    TwoCoreTeams,
    /// A specialist, community educator or volunteer on a core team.
    NotCoreEligible,
    /// A core team with fewer than two professional educators.
    TooFewProfessionals,
    TeamTooLarge,
    TooManyStudentsPerProfessional,
    /// A band's students (or its students with a need) are not all on some team's roster.
    RosterMismatch,
    /// A required responsibility nobody holds.
    Unfilled,
    /// A responsibility held by someone not on the team.
    HolderNotOnTeam,
    /// A responsibility held by someone not ready for it (and not a coached stretch).
    NotReady,
    /// A stretch whose coach is missing, not on the team, or not qualified to coach.
    StretchWithoutCoach,
    /// More minutes than the educator's FTE and availability allow.
    OverAllocated,
    /// Service minutes from someone not qualified to give the service.
    Unqualified,
    /// Two teams with one name.
    DuplicateTeam,
    /// A team's students do not get all the minutes of a service they need.
    ServiceShort,
}

impl Rule {
    pub fn label(self) -> &'static str {
        match self {
            Rule::Unknown => "Unknown name",
            Rule::DuplicateTeam => "Two teams with one name",
            Rule::TwoCoreTeams => "On two core teams",
            Rule::NotCoreEligible => "Role cannot sit on a core team",
            Rule::TooFewProfessionals => "Fewer than two professional educators",
            Rule::TeamTooLarge => "Team too large",
            Rule::TooManyStudentsPerProfessional => "Too many students per professional",
            Rule::RosterMismatch => "Students not all on a roster",
            Rule::Unfilled => "Responsibility not held",
            Rule::HolderNotOnTeam => "Holder not on the team",
            Rule::NotReady => "Holder not ready",
            Rule::StretchWithoutCoach => "Stretch without a coach",
            Rule::OverAllocated => "Over-allocated",
            Rule::Unqualified => "Service from someone not qualified",
            Rule::ServiceShort => "Service minutes short",
        }
    }

    /// `n` violations of this rule in words: "10 service shortfalls".
    pub fn count(self, n: usize) -> String {
        let (one, many) = match self {
            Rule::Unknown => ("unknown name", "unknown names"),
            Rule::DuplicateTeam => (
                "pair of teams with one name",
                "pairs of teams with one name",
            ),
            Rule::TwoCoreTeams => ("educator on two core teams", "educators on two core teams"),
            Rule::NotCoreEligible => (
                "educator whose role cannot sit on a core team",
                "educators whose role cannot sit on a core team",
            ),
            Rule::TooFewProfessionals => (
                "team with fewer than two professional educators",
                "teams with fewer than two professional educators",
            ),
            Rule::TeamTooLarge => ("team too large", "teams too large"),
            Rule::TooManyStudentsPerProfessional => (
                "team with too many students per professional educator",
                "teams with too many students per professional educator",
            ),
            Rule::RosterMismatch => (
                "band whose students are not all on a team",
                "bands whose students are not all on a team",
            ),
            Rule::Unfilled => (
                "responsibility nobody holds",
                "responsibilities nobody holds",
            ),
            Rule::HolderNotOnTeam => ("holder not on their team", "holders not on their team"),
            Rule::NotReady => ("holder not ready", "holders not ready"),
            Rule::StretchWithoutCoach => ("stretch without a coach", "stretches without a coach"),
            Rule::OverAllocated => ("educator over-allocated", "educators over-allocated"),
            Rule::Unqualified => (
                "service given by someone not qualified",
                "services given by someone not qualified",
            ),
            Rule::ServiceShort => ("service shortfall", "service shortfalls"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub rule: Rule,
    pub school: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub educator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsibility: Option<String>,
    /// For a service shortfall: the service and the minutes missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<(String, u32)>,
    pub message: String,
}

/// Soft terms, as counts (multiply by the policy's weights for cost).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Soft {
    pub content_spread: u32,
    /// Responsibilities held beyond the policy's count per person.
    pub load: u32,
    pub novice_pairing: u32,
    pub balance: u32,
    pub diversity: u32,
    pub preference: u32,
    pub continuity: u32,
    pub stretch: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub violations: Vec<Violation>,
    pub soft: Soft,
    pub soft_cost: i64,
    /// `violations × HARD + soft_cost`: comparable with the designer's objective.
    pub objective: i64,
    /// Readiness of every filled responsibility: (school, team, code, holder, `ready` |
    /// `stretch` | `not_ready`), for the coverage heat-map.
    pub coverage: Vec<Coverage>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub school: String,
    pub team: String,
    pub responsibility: String,
    pub holder: Option<String>,
    pub status: CoverageStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    Ready,
    Stretch,
    NotReady,
    Missing,
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
    pub fn count(&self, rule: Rule) -> usize {
        self.violations.iter().filter(|v| v.rule == rule).count()
    }
}

fn push(
    out: &mut Vec<Violation>,
    rule: Rule,
    school: &str,
    team: Option<&str>,
    educator: Option<&str>,
    resp: Option<&str>,
    message: String,
) {
    out.push(Violation {
        rule,
        school: school.into(),
        team: team.map(Into::into),
        educator: educator.map(Into::into),
        responsibility: resp.map(Into::into),
        service: None,
        message,
    })
}

fn meets(c: &Candidate, code: &str, level: u8) -> bool {
    c.competencies
        .iter()
        .any(|h| h.code == code && h.level.get() >= level)
}

/// Checks `design` against `p`.
pub fn check(p: &Problem, design: &Design) -> Verdict {
    let pol = &p.policy;
    let w = &pol.weights;
    let mut out: Vec<Violation> = Vec::new();
    let mut soft = Soft::default();
    let mut coverage = Vec::new();
    for sd in &design.schools {
        let Some(school) = p.schools.iter().find(|s| s.id == sd.school) else {
            push(
                &mut out,
                Rule::Unknown,
                &sd.school,
                None,
                None,
                None,
                format!("no school {:?} in the input", sd.school),
            );
            continue;
        };
        let sid = school.id.as_str();
        let person: BTreeMap<&str, &Candidate> = school
            .educators
            .iter()
            .map(|e| (e.id.as_str(), e))
            .collect();
        let name = |id: &str| person.get(id).map_or(id.to_owned(), |c| c.name.clone());
        // Minutes each educator is given.
        let mut used: BTreeMap<&str, u64> = BTreeMap::new();
        let mut core_of: BTreeMap<&str, &str> = BTreeMap::new();
        let all_subjects: BTreeSet<&str> = school
            .bands
            .iter()
            .flat_map(|b| band_subjects(b, pol).iter().map(String::as_str))
            .collect();
        // Responsibility codes that exist at this school, with their definition and subject.
        let mut codes: BTreeMap<String, (usize, Option<&str>)> = BTreeMap::new();
        for (ri, r) in p.catalog.responsibilities.iter().enumerate() {
            if r.per_subject_content.is_some() {
                for s in &all_subjects {
                    codes.insert(format!("{}_{s}", r.code), (ri, Some(s)));
                }
            } else {
                codes.insert(r.code.clone(), (ri, None));
            }
        }
        let mut tag_names: Vec<&str> = school
            .educators
            .iter()
            .filter(|e| e.core_eligible())
            .flat_map(|e| e.diversity_tags.iter().map(String::as_str))
            .collect();
        tag_names.sort_unstable();
        tag_names.dedup();
        tag_names.truncate(64);
        // Rosters add up per band.
        for b in &school.bands {
            let teams: Vec<_> = sd.teams.iter().filter(|t| t.band == b.name).collect();
            let total: u64 = teams.iter().map(|t| u64::from(t.roster)).sum();
            if total != u64::from(b.students) {
                push(
                    &mut out,
                    Rule::RosterMismatch,
                    sid,
                    None,
                    None,
                    None,
                    format!(
                        "{}: the teams' rosters hold {total} students, the band has {}",
                        b.name, b.students
                    ),
                );
            }
            for (need, &n) in &b.needs {
                let got: u64 = teams
                    .iter()
                    .map(|t| u64::from(t.needs.get(need).copied().unwrap_or(0)))
                    .sum();
                if got != u64::from(n) {
                    push(
                        &mut out,
                        Rule::RosterMismatch,
                        sid,
                        None,
                        None,
                        None,
                        format!(
                            "{}: the teams hold {got} students needing {need}, the band has {n}",
                            b.name
                        ),
                    );
                }
            }
        }
        let mut names = BTreeSet::new();
        for t in &sd.teams {
            if !names.insert(t.name.as_str()) {
                push(
                    &mut out,
                    Rule::DuplicateTeam,
                    sid,
                    Some(&t.name),
                    None,
                    None,
                    format!("two teams are named {:?}", t.name),
                );
            }
        }
        for t in &sd.teams {
            for m in &t.members {
                if let Some(prev) = core_of.insert(m.educator.as_str(), t.name.as_str()) {
                    push(
                        &mut out,
                        Rule::TwoCoreTeams,
                        sid,
                        Some(&t.name),
                        Some(&m.educator),
                        None,
                        format!("{} is on {prev} and {}", name(&m.educator), t.name),
                    );
                }
            }
        }
        let students: u64 = sd.teams.iter().map(|t| u64::from(t.roster)).sum();
        let core_fte: u64 = sd
            .teams
            .iter()
            .flat_map(|t| &t.members)
            .filter_map(|m| person.get(m.educator.as_str()))
            .map(|c| u64::from(c.fte_milli()))
            .sum();
        for t in &sd.teams {
            let tn = t.name.as_str();
            let Some(band) = school.bands.iter().find(|b| b.name == t.band) else {
                push(
                    &mut out,
                    Rule::Unknown,
                    sid,
                    Some(tn),
                    None,
                    None,
                    format!("no grade band {:?}", t.band),
                );
                continue;
            };
            let mut members: Vec<&Candidate> = Vec::new();
            for m in &t.members {
                match person.get(m.educator.as_str()) {
                    None => push(
                        &mut out,
                        Rule::Unknown,
                        sid,
                        Some(tn),
                        Some(&m.educator),
                        None,
                        format!("no educator {:?} at this school", m.educator),
                    ),
                    Some(c) => {
                        if !c.core_eligible() {
                            push(
                                &mut out,
                                Rule::NotCoreEligible,
                                sid,
                                Some(tn),
                                Some(&c.id),
                                None,
                                format!(
                                    "{} is a {}, who serves from the extended team",
                                    c.name,
                                    ensemble_domain::labels::lower(c.role.label())
                                ),
                            );
                        }
                        *used.entry(c.id.as_str()).or_default() += u64::from(c.core_minutes(pol));
                        members.push(c);
                    }
                }
            }
            let seats: Vec<TeamSeat> = members
                .iter()
                .map(|c| TeamSeat {
                    name: c.name.clone(),
                    role_type: c.role,
                })
                .collect();
            if let Err(e) = check_composition(tn, TeamKind::Core, &seats) {
                push(
                    &mut out,
                    Rule::TooFewProfessionals,
                    sid,
                    Some(tn),
                    None,
                    None,
                    e.to_string(),
                );
            }
            if members.len() as u32 > pol.max_team_size {
                push(
                    &mut out,
                    Rule::TeamTooLarge,
                    sid,
                    Some(tn),
                    None,
                    None,
                    format!(
                        "{} adults; the policy allows {}",
                        members.len(),
                        pol.max_team_size
                    ),
                );
            }
            let pros = members.iter().filter(|c| c.role.is_professional()).count() as u32;
            if let Some(max) = pol.max_students_per_professional {
                if u64::from(t.roster) > u64::from(max) * u64::from(pros) {
                    push(&mut out, Rule::TooManyStudentsPerProfessional, sid, Some(tn), None, None, format!(
                        "{} students for {pros} professional educators; the policy allows {max} each", t.roster));
                }
            }
            // Responsibilities.
            let subjects = band_subjects(band, pol);
            let mut required: Vec<(String, usize, Option<&str>)> = Vec::new();
            for (ri, r) in p.catalog.responsibilities.iter().enumerate() {
                if let Some(need) = &r.only_with_need {
                    let n = if need == "all" {
                        t.roster
                    } else {
                        t.needs.get(need).copied().unwrap_or(0)
                    };
                    if n == 0 {
                        continue;
                    }
                }
                if r.per_subject_content.is_some() {
                    for s in subjects {
                        required.push((format!("{}_{s}", r.code), ri, Some(s.as_str())));
                    }
                } else {
                    required.push((r.code.clone(), ri, None));
                }
            }
            for h in &t.holdings {
                if !codes.contains_key(&h.responsibility) {
                    push(
                        &mut out,
                        Rule::Unknown,
                        sid,
                        Some(tn),
                        None,
                        Some(&h.responsibility),
                        format!("no responsibility {:?} in the catalog", h.responsibility),
                    );
                }
            }
            let on_team = |id: &str| members.iter().any(|c| c.id == id);
            let mut held_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (code, ri, subject) in &required {
                let def = &p.catalog.responsibilities[*ri];
                let label = crate::explain::responsibility_label(def, *subject);
                let holding = t
                    .holdings
                    .iter()
                    .find(|h| &h.responsibility == code && h.holder.is_some());
                let Some(h) = holding else {
                    push(
                        &mut out,
                        Rule::Unfilled,
                        sid,
                        Some(tn),
                        None,
                        Some(code),
                        format!("{tn}: nobody holds {label}"),
                    );
                    coverage.push(Coverage {
                        school: sid.into(),
                        team: tn.into(),
                        responsibility: code.clone(),
                        holder: None,
                        status: CoverageStatus::Missing,
                    });
                    continue;
                };
                let hid = h.holder.as_deref().unwrap_or_default();
                let Some(c) = person.get(hid) else {
                    push(
                        &mut out,
                        Rule::Unknown,
                        sid,
                        Some(tn),
                        Some(hid),
                        Some(code),
                        format!("no educator {hid:?} at this school"),
                    );
                    continue;
                };
                if !on_team(hid) {
                    push(
                        &mut out,
                        Rule::HolderNotOnTeam,
                        sid,
                        Some(tn),
                        Some(hid),
                        Some(code),
                        format!("{} holds {label} but is not on {tn}", c.name),
                    );
                }
                held_by.entry(hid).or_default().push(code.as_str());
                *used.entry(c.id.as_str()).or_default() += u64::from(def.load_minutes);
                // Readiness, recomputed.
                let mut pairs: Vec<(u8, u8)> = def
                    .requires
                    .iter()
                    .map(|q| {
                        let have = c
                            .competencies
                            .iter()
                            .find(|x| x.code == q.competency)
                            .map_or(0, |x| x.level.get());
                        (have, q.level.get())
                    })
                    .collect();
                if let (Some(l), Some(s)) = (def.per_subject_content, subject) {
                    pairs.push((c.content.get(*s).map_or(0, |x| x.get()), l.get()));
                }
                let role_ok = def.holders.contains(&c.role);
                let ready = role_ok && pairs.iter().all(|(h, n)| h >= n);
                let near =
                    role_ok && def.stretch && pairs.iter().all(|(h, n)| *h >= 1 && h + 1 >= *n);
                let status = if ready {
                    CoverageStatus::Ready
                } else if near {
                    let coach_ok = h
                        .coach
                        .as_deref()
                        .and_then(|id| person.get(id))
                        .is_some_and(|co| {
                            co.id != c.id
                                && on_team(&co.id)
                                && co.role.is_professional()
                                && meets(co, &pol.coach_competency, pol.coach_level.get())
                        });
                    if let Some(co) = h.coach.as_deref().and_then(|id| person.get(id)) {
                        *used.entry(co.id.as_str()).or_default() += u64::from(pol.coach_minutes);
                    }
                    if coach_ok {
                        soft.stretch += 1;
                        CoverageStatus::Stretch
                    } else {
                        push(
                            &mut out,
                            Rule::StretchWithoutCoach,
                            sid,
                            Some(tn),
                            Some(hid),
                            Some(code),
                            format!(
                                "{} holds {label} as a stretch without a qualified coach on {tn}",
                                c.name
                            ),
                        );
                        CoverageStatus::NotReady
                    }
                } else {
                    let why: Vec<String> = pairs
                        .iter()
                        .filter(|(h, n)| h < n)
                        .map(|(h, n)| format!("level {h} of {n}"))
                        .collect();
                    push(
                        &mut out,
                        Rule::NotReady,
                        sid,
                        Some(tn),
                        Some(hid),
                        Some(code),
                        format!(
                            "{} ({}) is not ready to be {label}: {}",
                            c.name,
                            c.role.label(),
                            if role_ok {
                                why.join(", ")
                            } else {
                                "the role cannot hold it".into()
                            }
                        ),
                    );
                    CoverageStatus::NotReady
                };
                coverage.push(Coverage {
                    school: sid.into(),
                    team: tn.into(),
                    responsibility: code.clone(),
                    holder: Some(hid.into()),
                    status,
                });
            }
            // Soft terms of this team.
            for s in subjects {
                if !members
                    .iter()
                    .any(|c| c.content.get(s).is_some_and(|l| l.get() >= 3))
                {
                    soft.content_spread += 1;
                }
            }
            if !members.iter().any(|c| c.is_veteran(pol)) {
                soft.novice_pairing += members.iter().filter(|c| c.needs_pairing()).count() as u32;
            }
            let team_tags: BTreeSet<&str> = members
                .iter()
                .flat_map(|c| c.diversity_tags.iter().map(String::as_str))
                .filter(|t| tag_names.contains(t))
                .collect();
            let room = (tag_names.len() as u32).min(members.len() as u32);
            soft.diversity += room.saturating_sub(team_tags.len() as u32);
            for c in &members {
                if !c.prefers.grades.is_empty()
                    && !band.grades.iter().any(|g| c.prefers.grades.contains(g))
                {
                    soft.preference += 1;
                }
                let wished: Vec<&String> = c
                    .prefers
                    .responsibilities
                    .iter()
                    .filter(|w| {
                        codes.keys().any(|k| {
                            k == *w
                                || codes[k].1.is_some_and(|_| {
                                    p.catalog.responsibilities[codes[k].0].code == **w
                                })
                        })
                    })
                    .collect();
                if !wished.is_empty() {
                    let holds = held_by.get(c.id.as_str()).is_some_and(|held| {
                        held.iter().any(|code| {
                            let base = &p.catalog.responsibilities[codes[*code].0].code;
                            wished.iter().any(|w| *w == code || *w == base)
                        })
                    });
                    if !holds {
                        soft.preference += 1;
                    }
                }
            }
            for held in held_by.values() {
                soft.load += (held.len() as u32).saturating_sub(pol.holdings_before_load);
            }
            let fte: u64 = members.iter().map(|c| u64::from(c.fte_milli())).sum();
            let target = u64::from(t.roster) * core_fte / students.max(1);
            soft.balance += (fte.abs_diff(target) / 100) as u32;
        }
        // Continuity: pairs of last year's teammates (who may sit on core teams) now apart.
        let eligible: Vec<&Candidate> = school
            .educators
            .iter()
            .filter(|e| e.core_eligible())
            .collect();
        for (i, a) in eligible.iter().enumerate() {
            for b in &eligible[i + 1..] {
                if a.last_team.is_some() && a.last_team == b.last_team {
                    let together = matches!((core_of.get(a.id.as_str()), core_of.get(b.id.as_str())), (Some(x), Some(y)) if x == y);
                    if !together {
                        soft.continuity += 1;
                    }
                }
            }
        }
        // Services.
        let mut given: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for x in &sd.extended {
            let Some(c) = person.get(x.educator.as_str()) else {
                push(
                    &mut out,
                    Rule::Unknown,
                    sid,
                    None,
                    Some(&x.educator),
                    None,
                    format!("no educator {:?} at this school", x.educator),
                );
                continue;
            };
            for s in &x.services {
                let Some(def) = p.catalog.services.iter().find(|d| d.code == s.service) else {
                    push(
                        &mut out,
                        Rule::Unknown,
                        sid,
                        None,
                        Some(&c.id),
                        None,
                        format!("no service {:?} in the catalog", s.service),
                    );
                    continue;
                };
                if !sd.teams.iter().any(|t| t.name == s.team) {
                    push(
                        &mut out,
                        Rule::Unknown,
                        sid,
                        Some(&s.team),
                        Some(&c.id),
                        None,
                        format!("no team {:?}", s.team),
                    );
                    continue;
                }
                *used.entry(c.id.as_str()).or_default() += u64::from(s.minutes);
                let ok = def.providers.contains(&c.role)
                    && def
                        .requires
                        .iter()
                        .all(|q| meets(c, &q.competency, q.level.get()));
                if ok {
                    *given
                        .entry((s.service.as_str(), s.team.as_str()))
                        .or_default() += u64::from(s.minutes);
                } else {
                    push(
                        &mut out,
                        Rule::Unqualified,
                        sid,
                        Some(&s.team),
                        Some(&c.id),
                        None,
                        format!(
                            "{} ({}) is not qualified to give {}",
                            c.name,
                            c.role.label(),
                            def.label
                        ),
                    );
                }
            }
        }
        for t in &sd.teams {
            for def in &p.catalog.services {
                let n = if def.need == "all" {
                    t.roster
                } else {
                    t.needs.get(&def.need).copied().unwrap_or(0)
                };
                let need = u64::from(n) * u64::from(def.minutes_per_student);
                let got = given
                    .get(&(def.code.as_str(), t.name.as_str()))
                    .copied()
                    .unwrap_or(0);
                if got < need {
                    push(
                        &mut out,
                        Rule::ServiceShort,
                        sid,
                        Some(&t.name),
                        None,
                        None,
                        format!(
                            "{}: {} students need {} min/week of {}; {got} given",
                            t.name,
                            n,
                            need,
                            ensemble_domain::labels::lower(&def.label)
                        ),
                    );
                    if let Some(last) = out.last_mut() {
                        last.service = Some((
                            def.code.clone(),
                            (need - got).min(u64::from(u32::MAX)) as u32,
                        ));
                    }
                }
            }
        }
        for (id, minutes) in used {
            if let Some(c) = person.get(id) {
                let cap = u64::from(c.capacity(pol));
                if minutes > cap {
                    push(&mut out, Rule::OverAllocated, sid, None, Some(id), None, format!(
                        "{} is given {minutes} min/week; their FTE and availability allow {cap}", c.name));
                }
            }
        }
    }
    let soft_cost = i64::from(soft.content_spread) * i64::from(w.content_spread)
        + i64::from(soft.novice_pairing) * i64::from(w.novice_pairing)
        + i64::from(soft.balance) * i64::from(w.balance)
        + i64::from(soft.load) * i64::from(w.load)
        + i64::from(soft.diversity) * i64::from(w.diversity)
        + i64::from(soft.preference) * i64::from(w.preference)
        + i64::from(soft.continuity) * i64::from(w.continuity)
        + i64::from(soft.stretch) * i64::from(w.stretch);
    Verdict {
        objective: out.len() as i64 * HARD + soft_cost,
        violations: out,
        soft,
        soft_cost,
        coverage,
    }
}
