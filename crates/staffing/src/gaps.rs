//! Gaps become hiring profiles: what is unmet (and what is only thinly covered) in a checked
//! plan, as posts to fill, ranked by how many students they reach, with the cheaper
//! extended-team option where a certified teacher is not required.

use crate::budget::BudgetModel;
use crate::check::{Rule, Verdict};
use crate::explain::{responsibility_label, subject_label, words};
use crate::plan::Design;
use crate::problem::{band_subjects, Problem};
use ensemble_domain::RoleType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HiringProfile {
    pub school: String,
    /// "1.0 FTE teacher for 7 Mesquite: Science lead planner".
    pub title: String,
    pub fte: f64,
    /// Roles that could fill it, the first being the one costed.
    pub roles: Vec<RoleType>,
    /// "science content level 3", "unit design level 3".
    pub requirements: Vec<String>,
    pub teams: Vec<String>,
    /// What it closes: the validator's messages (or the thin spots).
    pub closes: Vec<String>,
    pub students_reached: u32,
    pub certified_required: bool,
    pub annual_cost_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cheaper: Option<Cheaper>,
    /// Thin coverage (a stretch, or a subject with no expert) rather than an unmet rule.
    #[serde(default)]
    pub thin: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cheaper {
    pub role: RoleType,
    pub fte: f64,
    pub annual_cost_cents: i64,
    pub note: String,
}

/// A responsibility code's definition, and its subject for per-subject ones.
fn find_def<'p>(
    p: &'p Problem,
    code: &'p str,
) -> Option<(&'p crate::catalog::ResponsibilityDef, Option<&'p str>)> {
    p.catalog.responsibilities.iter().find_map(|r| {
        if r.code == code {
            Some((r, None))
        } else {
            code.strip_prefix(&format!("{}_", r.code))
                .filter(|_| r.per_subject_content.is_some())
                .map(|s| (r, Some(s)))
        }
    })
}

fn round_fte(milli: u64) -> u32 {
    // Up to the next tenth, at least 0.1.
    (milli.div_ceil(100) * 100).max(100) as u32
}

/// Hiring profiles for `design` as `verdict` (from [`crate::check()`]) found it.
pub fn hiring(p: &Problem, design: &Design, verdict: &Verdict) -> Vec<HiringProfile> {
    let default_model = BudgetModel::default();
    let model = p.budget.as_ref().unwrap_or(&default_model);
    let pol = &p.policy;
    let mut out = Vec::new();
    for sd in &design.schools {
        let Some(school) = p.schools.iter().find(|s| s.id == sd.school) else {
            continue;
        };
        let vs: Vec<_> = verdict
            .violations
            .iter()
            .filter(|v| v.school == school.id)
            .collect();
        // Team posts: unfilled or unready responsibilities, too few professionals.
        for t in &sd.teams {
            let mine: Vec<_> = vs
                .iter()
                .filter(|v| v.team.as_deref() == Some(t.name.as_str()))
                .collect();
            let band = school.bands.iter().find(|b| b.name == t.band);
            let mut roles: Vec<RoleType> = vec![
                RoleType::TeacherLeader,
                RoleType::ExperiencedEducator,
                RoleType::NoviceTeacher,
                RoleType::ResidentTeacher,
                RoleType::Paraeducator,
            ];
            let mut reqs: BTreeMap<String, u8> = BTreeMap::new();
            let mut closes = Vec::new();
            let mut labels = Vec::new();
            let mut needs_pro = false;
            let mut thin_closes = Vec::new();
            for v in &mine {
                match v.rule {
                    Rule::Unfilled | Rule::NotReady | Rule::StretchWithoutCoach => {
                        let Some(code) = v.responsibility.as_deref() else {
                            continue;
                        };
                        let Some((def, subject)) = find_def(p, code) else {
                            continue;
                        };
                        roles.retain(|r| def.holders.contains(r));
                        for q in &def.requires {
                            let e = reqs.entry(words(&q.competency, false)).or_default();
                            *e = (*e).max(q.level.get());
                        }
                        if let (Some(l), Some(s)) = (def.per_subject_content, subject) {
                            let e = reqs
                                .entry(format!("{} content", subject_label(s)))
                                .or_default();
                            *e = (*e).max(l.get());
                        }
                        labels.push(responsibility_label(def, subject));
                        closes.push(v.message.clone());
                    }
                    Rule::TooFewProfessionals | Rule::TooManyStudentsPerProfessional => {
                        needs_pro = true;
                        closes.push(v.message.clone());
                    }
                    _ => {}
                }
            }
            let thin = closes.is_empty();
            if thin {
                // Thin spots: stretches, and core subjects with no expert on the team.
                for c in verdict.coverage.iter().filter(|c| {
                    c.school == school.id
                        && c.team == t.name
                        && c.status == crate::check::CoverageStatus::Stretch
                }) {
                    if let Some((def, subject)) = find_def(p, &c.responsibility) {
                        for q in &def.requires {
                            let e = reqs.entry(words(&q.competency, false)).or_default();
                            *e = (*e).max(q.level.get());
                        }
                        if let (Some(l), Some(s)) = (def.per_subject_content, subject) {
                            let e = reqs
                                .entry(format!("{} content", subject_label(s)))
                                .or_default();
                            *e = (*e).max(l.get());
                        }
                        labels.push(responsibility_label(def, subject));
                        thin_closes.push(format!(
                            "{} is held as a coached stretch",
                            responsibility_label(def, subject)
                        ));
                    }
                }
                if let Some(b) = band {
                    for s in band_subjects(b, pol) {
                        let expert = t.members.iter().any(|m| {
                            school
                                .educators
                                .iter()
                                .any(|e| e.id == m.educator && e.content_level(s) >= 3)
                        });
                        if !expert {
                            thin_closes.push(format!(
                                "no {} expert (content level 3) on the team",
                                subject_label(s)
                            ));
                            labels.push(format!("{} expertise", subject_label(s)));
                            let e = reqs
                                .entry(format!("{} content", subject_label(s)))
                                .or_default();
                            *e = (*e).max(3);
                        }
                    }
                }
                if thin_closes.is_empty() {
                    continue;
                }
                roles.retain(|r| r.is_professional());
            }
            if needs_pro {
                roles.retain(|r| r.is_professional());
            }
            if roles.is_empty() {
                roles.push(RoleType::ExperiencedEducator);
            }
            roles.sort_by_key(|r| match r {
                RoleType::ExperiencedEducator => 0,
                RoleType::TeacherLeader => 1,
                RoleType::NoviceTeacher => 2,
                _ => 3,
            });
            let certified_required = roles.iter().all(|r| r.is_professional());
            let costed = roles[0];
            let cheaper = roles
                .iter()
                .find(|r| !r.is_professional())
                .map(|&r| Cheaper {
                    role: r,
                    fte: 1.0,
                    annual_cost_cents: model.typical(p, r, 1000),
                    note: format!(
                        "A {} can hold this: a certified teacher is not required",
                        ensemble_domain::labels::lower(r.label())
                    ),
                });
            let what = if labels.is_empty() {
                if needs_pro {
                    "professional educator".to_owned()
                } else {
                    "content expertise".to_owned()
                }
            } else {
                labels.join(", ")
            };
            out.push(HiringProfile {
                school: school.id.clone(),
                title: if thin {
                    format!(
                        "1.0 FTE {} for {}, to strengthen (any of): {what}",
                        ensemble_domain::labels::lower(costed.label()),
                        t.name
                    )
                } else {
                    format!(
                        "1.0 FTE {} for {}: {what}",
                        ensemble_domain::labels::lower(costed.label()),
                        t.name
                    )
                },
                fte: 1.0,
                roles,
                requirements: reqs
                    .into_iter()
                    .map(|(k, l)| format!("{k} level {l}"))
                    .collect(),
                teams: vec![t.name.clone()],
                closes: if thin { thin_closes } else { closes },
                students_reached: t.roster,
                certified_required,
                annual_cost_cents: model.typical(p, costed, 1000),
                cheaper,
                thin,
            });
        }
        // Service posts: each service's shortfall across teams.
        for def in &p.catalog.services {
            let mut short_minutes = 0u64;
            let mut students = 0u32;
            let mut teams = Vec::new();
            let mut closes = Vec::new();
            for v in vs.iter().filter(|v| v.rule == Rule::ServiceShort) {
                let (Some(team), Some((code, short))) = (&v.team, &v.service) else {
                    continue;
                };
                if *code != def.code {
                    continue;
                }
                let n = sd.teams.iter().find(|t| &t.name == team).map_or(0, |t| {
                    if def.need == "all" {
                        t.roster
                    } else {
                        t.needs.get(&def.need).copied().unwrap_or(0)
                    }
                });
                let short = u64::from(*short);
                short_minutes += short;
                let reached = short.div_ceil(u64::from(def.minutes_per_student.max(1)));
                students = students.saturating_add(reached.min(u64::from(n)) as u32);
                teams.push(team.clone());
                closes.push(v.message.clone());
            }
            if short_minutes == 0 {
                continue;
            }
            let fte = round_fte(short_minutes * 1000 / u64::from(pol.minutes_per_fte.max(1)));
            let mut roles = def.providers.clone();
            roles.sort_by_key(|r| !r.is_professional());
            let costed = roles[0];
            let certified_required = roles.iter().all(|r| r.is_professional());
            let cheaper = if costed.is_professional() {
                roles
                    .iter()
                    .find(|r| !r.is_professional() && **r != RoleType::Volunteer)
                    .map(|&r| Cheaper {
                        role: r,
                        fte: f64::from(fte) / 1000.0,
                        annual_cost_cents: model.typical(p, r, fte),
                        note: format!(
                            "A {} qualified for {} can give it",
                            ensemble_domain::labels::lower(r.label()),
                            ensemble_domain::labels::lower(&def.label)
                        ),
                    })
            } else {
                None
            };
            let mut reqs: Vec<String> = def
                .requires
                .iter()
                .map(|q| format!("{} level {}", words(&q.competency, false), q.level.get()))
                .collect();
            // For English learners: the home language at least 40% of them share, if any.
            let mut language = String::new();
            if def.need == "english_learner" {
                let mut langs: BTreeMap<&str, u64> = BTreeMap::new();
                for b in &school.bands {
                    for (l, n) in &b.languages {
                        *langs.entry(l.as_str()).or_default() += u64::from(*n);
                    }
                }
                let total: u64 = langs.values().sum();
                let top = langs
                    .iter()
                    .max_by_key(|(l, n)| (**n, std::cmp::Reverse(**l)));
                if let Some((lang, n)) = top {
                    if total > 0 && n * 5 >= total * 2 {
                        reqs.push(format!("speaks {lang} ({n} of {total} English learners)"));
                        language = format!(", speaks {lang}");
                    }
                }
            }
            out.push(HiringProfile {
                school: school.id.clone(),
                title: format!(
                    "{:.1} FTE {}: {}{language}",
                    f64::from(fte) / 1000.0,
                    ensemble_domain::labels::lower(costed.label()),
                    def.label
                ),
                fte: f64::from(fte) / 1000.0,
                roles,
                requirements: reqs,
                teams,
                closes,
                students_reached: students,
                certified_required,
                annual_cost_cents: model.typical(p, costed, fte),
                cheaper,
                thin: false,
            });
        }
    }
    out.sort_by(|a, b| {
        (
            a.thin,
            std::cmp::Reverse(a.students_reached),
            a.annual_cost_cents,
            &a.title,
        )
            .cmp(&(
                b.thin,
                std::cmp::Reverse(b.students_reached),
                b.annual_cost_cents,
                &b.title,
            ))
    });
    out
}
