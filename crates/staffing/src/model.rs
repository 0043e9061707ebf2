//! One school compiled for the search: the teams each band needs, the responsibility slots of
//! each team, readiness tables, and the services' demand per team.

use crate::catalog::{can_coach, qualified, readiness, Readiness};
use crate::problem::{band_subjects, Candidate, Problem, SchoolInput};
use std::collections::BTreeMap;

/// A kind of slot: one responsibility (for one subject, for per-subject ones).
#[derive(Clone, Debug)]
pub(crate) struct SlotKind {
    pub resp: usize,
    pub subject: Option<String>,
    pub code: String,
    pub load: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct TeamSpec {
    pub band: usize,
    pub name: String,
    pub roster: u32,
    pub needs: BTreeMap<String, u32>,
    /// Slot kinds this team must fill.
    pub slots: Vec<usize>,
    /// Core subjects (indices into `Model::subjects`), as a bit set.
    pub subjects: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct Svc {
    pub def: usize,
    /// Educators who may give it.
    pub qualified: Vec<usize>,
    /// Weekly minutes each team's students need.
    pub demand: Vec<u32>,
}

pub(crate) struct Model<'a> {
    pub p: &'a Problem,
    pub school: &'a SchoolInput,
    pub n: usize,
    pub cap: Vec<u32>,
    /// Minutes left for responsibilities and coaching when on a core team.
    pub duty: Vec<u32>,
    /// Minutes a core seat takes.
    pub core_min: Vec<u32>,
    pub fte: Vec<u32>,
    pub pro: Vec<bool>,
    pub veteran: Vec<bool>,
    pub needs_pair: Vec<bool>,
    pub coach: Vec<bool>,
    pub tags: Vec<u64>,
    pub n_tags: u32,
    /// Last year's team, as an index.
    pub group: Vec<Option<u32>>,
    pub subjects: Vec<String>,
    /// Subjects (bit set) each educator is an expert in (content level 3+).
    pub expert: Vec<u64>,
    pub teams: Vec<TeamSpec>,
    pub kinds: Vec<SlotKind>,
    /// `ready[kind][educator]`.
    pub ready: Vec<Vec<Readiness>>,
    /// Slot kinds each educator wishes to hold.
    pub wish: Vec<Vec<usize>>,
    /// `grade_ok[educator][band]`: no grade wish, or the band has a wished grade.
    pub grade_ok: Vec<Vec<bool>>,
    /// Where each educator may go: team indices, and `ext()` for the extended team. Empty when
    /// they always serve from the extended team.
    pub options: Vec<Vec<u16>>,
    pub services: Vec<Svc>,
}

/// Splits `total` over `weights` by largest remainder (ties to the lower index).
pub(crate) fn apportion(total: u32, weights: &[u32]) -> Vec<u32> {
    let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out: Vec<u32> = weights
        .iter()
        .map(|&w| (u64::from(total) * u64::from(w) / sum) as u32)
        .collect();
    let mut left = total - out.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| {
        let rem = u64::from(total) * u64::from(weights[i]) % sum;
        (std::cmp::Reverse(rem), i)
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// How many core teams a band of `students` gets, given `pros` professional educators for it:
/// within the policy's roster range, as many as the professionals can staff (two each, and
/// enough for the students-per-professional limit), else the fewest.
pub fn team_count(policy: &crate::catalog::Policy, students: u32, pros: u32) -> u32 {
    let lo = students.div_ceil(policy.roster[1]).max(1);
    let hi = (students / policy.roster[0]).max(lo);
    let needed = |t: u32| {
        let roster = students.div_ceil(t);
        let by_ratio = policy
            .max_students_per_professional
            .map_or(0, |m| roster.div_ceil(m.max(1)));
        t * by_ratio.max(2)
    };
    (lo..=hi).rev().find(|&t| needed(t) <= pros).unwrap_or(lo)
}

/// The teams of each band: how many, their names, rosters and need counts. The designer and
/// the web application use it; the validator does not (it checks sums instead).
pub fn band_teams(
    p: &Problem,
    s: &SchoolInput,
) -> Vec<(usize, String, u32, BTreeMap<String, u32>)> {
    band_teams_with(s, &choose_counts(p, s))
}

/// Team counts per band: starting from [`team_count`] on each band's share of the
/// professionals, each band in turn takes the count in the policy's roster range with the
/// lowest lower bound on the objective (fewer teams on ties).
pub(crate) fn choose_counts(p: &Problem, s: &SchoolInput) -> Vec<u32> {
    let pros = s
        .educators
        .iter()
        .filter(|e| e.core_eligible() && e.role.is_professional())
        .count() as u64;
    let students: u64 = s.bands.iter().map(|b| u64::from(b.students)).sum();
    let mut counts: Vec<u32> = s
        .bands
        .iter()
        .map(|b| {
            let share = (pros * u64::from(b.students) / students.max(1)) as u32;
            team_count(&p.policy, b.students, share)
        })
        .collect();
    for (bi, b) in s.bands.iter().enumerate() {
        let lo = b.students.div_ceil(p.policy.roster[1]).max(1);
        let hi = (b.students / p.policy.roster[0]).max(lo).min(lo + 6);
        let mut best = (i64::MAX, counts[bi]);
        for t in lo..=hi {
            counts[bi] = t;
            let lb = crate::solve::lower_bound(&Model::with_counts(p, s, &counts), false);
            if lb < best.0 {
                best = (lb, t);
            }
        }
        counts[bi] = best.1;
    }
    counts
}

fn band_teams_with(
    s: &SchoolInput,
    counts: &[u32],
) -> Vec<(usize, String, u32, BTreeMap<String, u32>)> {
    let mut out = Vec::new();
    let given: std::collections::BTreeSet<&String> =
        s.bands.iter().flat_map(|b| b.team_names.iter()).collect();
    let mut used = std::collections::BTreeSet::new();
    for (bi, b) in s.bands.iter().enumerate() {
        let t = counts.get(bi).copied().unwrap_or(1).max(1) as usize;
        let rosters = apportion(b.students, &vec![1; t]);
        let mut needs: Vec<BTreeMap<String, u32>> = vec![BTreeMap::new(); t];
        for (need, &n) in &b.needs {
            for (ti, k) in apportion(n, &rosters).into_iter().enumerate() {
                needs[ti].insert(need.clone(), k);
            }
        }
        for (ti, (roster, needs)) in rosters.into_iter().zip(needs).enumerate() {
            // A given name is the school's own (validated unique); a generated one avoids
            // every given name and every name already used.
            let name = match b.team_names.get(ti) {
                Some(given) => given.clone(),
                None => {
                    let base = if t == 1 {
                        format!("{} team", b.name)
                    } else if t <= 26 {
                        format!("{} team {}", b.name, (b'A' + ti as u8) as char)
                    } else {
                        format!("{} team {}", b.name, ti + 1)
                    };
                    let mut name = base.clone();
                    let mut k = 2;
                    while given.contains(&name) || used.contains(&name) {
                        name = format!("{base} ({k})");
                        k += 1;
                    }
                    name
                }
            };
            used.insert(name.clone());
            out.push((bi, name, roster, needs));
        }
    }
    out
}

/// Students on a team with `need` (`all` is every student).
pub(crate) fn need_count(needs: &BTreeMap<String, u32>, roster: u32, need: &str) -> u32 {
    if need == "all" {
        roster
    } else {
        needs.get(need).copied().unwrap_or(0)
    }
}

impl<'a> Model<'a> {
    pub fn new(p: &'a Problem, school: &'a SchoolInput) -> Self {
        Self::with_counts(p, school, &choose_counts(p, school))
    }

    pub fn with_counts(p: &'a Problem, school: &'a SchoolInput, counts: &[u32]) -> Self {
        let pol = &p.policy;
        let es: &[Candidate] = &school.educators;
        let n = es.len();
        let cap: Vec<u32> = es.iter().map(|e| e.capacity(pol)).collect();
        let fte: Vec<u32> = es.iter().map(Candidate::fte_milli).collect();
        let duty = es
            .iter()
            .zip(&cap)
            .map(|(e, &c)| c.saturating_sub(e.core_minutes(pol)))
            .collect();
        let mut tag_names: Vec<&str> = es
            .iter()
            .filter(|e| e.core_eligible())
            .flat_map(|e| e.diversity_tags.iter().map(String::as_str))
            .collect();
        tag_names.sort_unstable();
        tag_names.dedup();
        tag_names.truncate(64);
        let tags = es
            .iter()
            .map(|e| {
                e.diversity_tags
                    .iter()
                    .filter_map(|t| tag_names.binary_search(&t.as_str()).ok())
                    .fold(0u64, |m, i| m | 1 << i)
            })
            .collect();
        let mut groups: Vec<&str> = es.iter().filter_map(|e| e.last_team.as_deref()).collect();
        groups.sort_unstable();
        groups.dedup();
        let group = es
            .iter()
            .map(|e| {
                e.last_team
                    .as_deref()
                    .and_then(|g| groups.binary_search(&g).ok())
                    .map(|i| i as u32)
            })
            .collect();
        let mut subjects: Vec<String> = Vec::new();
        for b in &school.bands {
            for s in band_subjects(b, pol) {
                if !subjects.contains(s) && subjects.len() < 64 {
                    subjects.push(s.clone());
                }
            }
        }
        let expert = es
            .iter()
            .map(|e| {
                subjects
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| e.content_level(s) >= 3)
                    .fold(0u64, |m, (i, _)| m | 1 << i)
            })
            .collect();
        // Slot kinds: every responsibility, once per subject for per-subject ones.
        let mut kinds = Vec::new();
        for (ri, r) in p.catalog.responsibilities.iter().enumerate() {
            if r.per_subject_content.is_some() {
                for s in &subjects {
                    kinds.push(SlotKind {
                        resp: ri,
                        subject: Some(s.clone()),
                        code: format!("{}_{s}", r.code),
                        load: r.load_minutes,
                    });
                }
            } else {
                kinds.push(SlotKind {
                    resp: ri,
                    subject: None,
                    code: r.code.clone(),
                    load: r.load_minutes,
                });
            }
        }
        let ready = kinds
            .iter()
            .map(|k| {
                let r = &p.catalog.responsibilities[k.resp];
                es.iter()
                    .map(|e| readiness(e, r, k.subject.as_deref()))
                    .collect()
            })
            .collect();
        let wish =
            es.iter()
                .map(|e| {
                    kinds
                        .iter()
                        .enumerate()
                        .filter(|(_, k)| {
                            e.prefers.responsibilities.iter().any(|w| {
                                *w == k.code || *w == p.catalog.responsibilities[k.resp].code
                            })
                        })
                        .map(|(i, _)| i)
                        .collect()
                })
                .collect();
        let grade_ok = es
            .iter()
            .map(|e| {
                school
                    .bands
                    .iter()
                    .map(|b| {
                        e.prefers.grades.is_empty()
                            || b.grades.iter().any(|g| e.prefers.grades.contains(g))
                    })
                    .collect()
            })
            .collect();
        let mut teams = Vec::new();
        for (band, name, roster, needs) in band_teams_with(school, counts) {
            let b = &school.bands[band];
            let subj = band_subjects(b, pol);
            let subjects_mask = subjects
                .iter()
                .enumerate()
                .filter(|(_, s)| subj.contains(s))
                .fold(0u64, |m, (i, _)| m | 1 << i);
            let slots = kinds
                .iter()
                .enumerate()
                .filter(|(_, k)| {
                    let r = &p.catalog.responsibilities[k.resp];
                    let subject_ok = k.subject.as_ref().is_none_or(|s| subj.contains(s));
                    let need_ok = r
                        .only_with_need
                        .as_ref()
                        .is_none_or(|need| need_count(&needs, roster, need) > 0);
                    subject_ok && need_ok
                })
                .map(|(i, _)| i)
                .collect();
            teams.push(TeamSpec {
                band,
                name,
                roster,
                needs,
                slots,
                subjects: subjects_mask,
            });
        }
        let ext = teams.len() as u16;
        let options = es
            .iter()
            .map(|e| {
                if !e.core_eligible() {
                    return Vec::new();
                }
                let mut o: Vec<u16> = (0..ext).collect();
                if !e.core_required() {
                    o.push(ext);
                }
                o
            })
            .collect();
        let services = p
            .catalog
            .services
            .iter()
            .enumerate()
            .map(|(si, def)| Svc {
                def: si,
                qualified: (0..n).filter(|&i| qualified(&es[i], def)).collect(),
                demand: teams
                    .iter()
                    .map(|t| need_count(&t.needs, t.roster, &def.need) * def.minutes_per_student)
                    .collect(),
            })
            .collect();
        Model {
            p,
            school,
            n,
            cap,
            duty,
            core_min: es.iter().map(|e| e.core_minutes(pol)).collect(),
            fte,
            pro: es.iter().map(|e| e.role.is_professional()).collect(),
            veteran: es.iter().map(|e| e.is_veteran(pol)).collect(),
            needs_pair: es.iter().map(Candidate::needs_pairing).collect(),
            coach: es.iter().map(|e| can_coach(e, pol)).collect(),
            tags,
            n_tags: tag_names.len() as u32,
            group,
            subjects,
            expert,
            teams,
            kinds,
            ready,
            wish,
            grade_ok,
            options,
            services,
        }
    }

    /// The extended team's index in assignments.
    pub fn ext(&self) -> u16 {
        self.teams.len() as u16
    }
}
