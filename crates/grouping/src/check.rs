//! The independent checker of a grouping (hand-edited ones too): every hard rule, and the
//! objective recomputed from the input and the groups alone, sharing no code with the engine.

use crate::problem::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A student, educator or space the input does not have.
    Unknown,
    /// A student in no group.
    NotPlaced,
    /// A student in two groups.
    PlacedTwice,
    /// An educator leading two groups, or a space holding two.
    UsedTwice,
    TooSmall,
    /// More students than the group size, or the educator, allows.
    TooLarge,
    /// More students than the space seats, or students with no space.
    OverCapacity,
    /// A student whose plan requires a service is only with an adult who cannot give it.
    ServiceMissing,
    /// A professional educator of the core team who is present leads no students.
    Idle,
}

impl Rule {
    pub fn label(self) -> &'static str {
        match self {
            Rule::Unknown => "Unknown name",
            Rule::NotPlaced => "Not placed",
            Rule::PlacedTwice => "Placed twice",
            Rule::UsedTwice => "Used twice",
            Rule::TooSmall => "Group too small",
            Rule::TooLarge => "Group too large",
            Rule::OverCapacity => "Over the space's capacity",
            Rule::ServiceMissing => "Required service missing",
            Rule::Idle => "A teacher of the team has no group",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub rule: Rule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student: Option<String>,
    /// How many students it concerns (its weight in the objective).
    pub units: u32,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Soft {
    pub spread: i64,
    pub balance: i64,
    pub choice: i64,
    pub expertise: i64,
    pub relationship: i64,
    pub stability: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub violations: Vec<Violation>,
    /// Weighted soft terms.
    pub soft: Soft,
    /// Hard units × [`HARD`] plus the soft terms: comparable with the engine's objective.
    pub objective: i64,
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
    pub fn count(&self, rule: Rule) -> usize {
        self.violations.iter().filter(|v| v.rule == rule).count()
    }
}

/// Checks `g` against `input`.
pub fn check(input: &Input, g: &Grouping) -> Verdict {
    let w = &input.weights;
    let mut out = Vec::new();
    let mut soft = Soft::default();
    let v =
        |rule, group: Option<&str>, student: Option<&str>, units: u64, message: String| Violation {
            rule,
            group: group.map(Into::into),
            student: student.map(Into::into),
            units: units.min(u64::from(u32::MAX)) as u32,
            message,
        };
    let students: BTreeMap<&str, &StudentIn> =
        input.students.iter().map(|s| (s.id.as_str(), s)).collect();
    let educators: BTreeMap<&str, &EducatorIn> =
        input.educators.iter().map(|e| (e.id.as_str(), e)).collect();
    let spaces: BTreeMap<&str, &SpaceIn> =
        input.spaces.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut placed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut used_educators = BTreeSet::new();
    // Educators leading a group with students.
    let mut leading: BTreeSet<&str> = BTreeSet::new();
    let mut used_spaces = BTreeSet::new();
    // Soft terms count each student once (a repeat is a hard violation already).
    let mut counted: BTreeSet<&str> = BTreeSet::new();
    // The option each educator's group runs, as the input defines it.
    let expected: BTreeMap<&str, Option<String>> = input
        .educators
        .iter()
        .map(|e| e.id.as_str())
        .zip(input.option_of())
        .collect();
    // The team's mastery, for the mixed strategy's balance.
    let team: Vec<u64> = input
        .students
        .iter()
        .filter_map(|s| s.mastery.map(u64::from))
        .collect();
    let (team_sum, team_n) = (team.iter().sum::<u64>() as i64, team.len() as i64);
    for grp in &g.groups {
        let gname = grp.name.as_str();
        let Some(e) = educators.get(grp.educator.as_str()) else {
            out.push(v(
                Rule::Unknown,
                Some(gname),
                None,
                1,
                format!("{gname}: no educator {:?} is present", grp.educator),
            ));
            continue;
        };
        if !used_educators.insert(e.id.as_str()) {
            out.push(v(
                Rule::UsedTwice,
                Some(gname),
                None,
                1,
                format!("{} leads two groups", e.name),
            ));
        }
        let members: Vec<&StudentIn> = grp
            .students
            .iter()
            .filter_map(|id| match students.get(id.as_str()) {
                Some(s) => Some(*s),
                None => {
                    out.push(v(
                        Rule::Unknown,
                        Some(gname),
                        Some(id),
                        1,
                        format!("{gname}: no student {id:?} in this block"),
                    ));
                    None
                }
            })
            .collect();
        for s in &members {
            *placed.entry(s.id.as_str()).or_default() += 1;
        }
        let n = members.len() as u64;
        let [block_lo, hi] = input.group_size;
        let lo = e.min_group.unwrap_or(block_lo);
        if n > 0 && n < u64::from(lo) {
            out.push(v(
                Rule::TooSmall,
                Some(gname),
                None,
                u64::from(lo) - n,
                format!("{gname} has {n} students; {} takes at least {lo}", e.name),
            ));
        }
        if n > 0 {
            leading.insert(e.id.as_str());
        }
        let cap = e.max_group.map_or(u64::from(hi), |m| u64::from(hi.min(m)));
        if n > cap {
            out.push(v(
                Rule::TooLarge,
                Some(gname),
                None,
                n - cap,
                format!("{gname} has {n} students; {} takes at most {cap}", e.name),
            ));
        }
        match grp.space.as_deref() {
            Some(id) => match spaces.get(id) {
                None => out.push(v(
                    Rule::Unknown,
                    Some(gname),
                    None,
                    1,
                    format!("{gname}: no space {id:?}"),
                )),
                Some(sp) => {
                    if !used_spaces.insert(sp.id.as_str()) {
                        out.push(v(
                            Rule::UsedTwice,
                            Some(gname),
                            None,
                            1,
                            format!("{} holds two groups", sp.name),
                        ));
                    }
                    if n > u64::from(sp.capacity) {
                        out.push(v(
                            Rule::OverCapacity,
                            Some(gname),
                            None,
                            n - u64::from(sp.capacity),
                            format!(
                                "{gname} has {n} students in {}, which seats {}",
                                sp.name, sp.capacity
                            ),
                        ));
                    }
                }
            },
            None if n > 0 => out.push(v(
                Rule::OverCapacity,
                Some(gname),
                None,
                n,
                format!("{gname} has {n} students and no space"),
            )),
            None => {}
        }
        for s in &members {
            if let Some(req) = &s.requires {
                if !Input::may_serve(e, Some(req)) {
                    out.push(v(
                        Rule::ServiceMissing,
                        Some(gname),
                        Some(&s.id),
                        1,
                        format!(
                            "{}'s plan requires {}, which {} cannot give alone",
                            s.name,
                            input.service_words(req).to_lowercase(),
                            e.name
                        ),
                    ));
                }
            }
        }
        if input.strategy == Strategy::Interest {
            let runs = expected.get(e.id.as_str()).cloned().flatten();
            if grp.option != runs {
                out.push(v(
                    Rule::Unknown,
                    Some(gname),
                    None,
                    1,
                    format!(
                        "{gname} says it runs {:?}; {} runs {:?}",
                        grp.option.as_deref().unwrap_or("nothing"),
                        e.name,
                        runs.as_deref().unwrap_or("nothing")
                    ),
                ));
            }
        }
        // Soft terms, recomputed, each student once.
        let members: Vec<&StudentIn> = members
            .iter()
            .copied()
            .filter(|s| counted.insert(s.id.as_str()))
            .collect();
        let xs: Vec<i64> = members
            .iter()
            .filter_map(|s| s.mastery.map(i64::from))
            .collect();
        let m = xs.len() as i64;
        let sum: i64 = xs.iter().sum();
        match input.strategy {
            Strategy::Need if m > 0 => {
                let mean_num = sum; // mean = sum / m, kept exact
                let spread_times_m: i64 =
                    xs.iter().map(|x| (m * x - mean_num).pow(2)).sum::<i64>() / m;
                soft.spread += spread_times_m * i64::from(w.homogeneity) / (100 * m);
                let supportive = matches!(
                    e.role,
                    EducatorRole::Intervention | EducatorRole::Specialist
                );
                if sum < 60 * m && !supportive {
                    soft.expertise += m * i64::from(w.expertise);
                }
                if sum >= 80 * m && e.role != EducatorRole::ContentLead && e.expertise < 4 {
                    soft.expertise += m * i64::from(w.expertise);
                }
            }
            Strategy::Mixed if m > 0 && team_n > 0 => {
                soft.balance += (m * team_sum - team_n * sum).abs() * i64::from(w.balance) / team_n;
            }
            Strategy::Interest => {
                for s in &members {
                    if s.choices.is_empty() {
                        continue;
                    }
                    let steps = expected
                        .get(e.id.as_str())
                        .cloned()
                        .flatten()
                        .as_ref()
                        .and_then(|o| s.choices.iter().position(|c| c == o))
                        .unwrap_or(s.choices.len());
                    soft.choice += steps as i64 * i64::from(w.choice);
                }
            }
            _ => {}
        }
        for s in &members {
            let knows_here = e.relationships.contains(&s.id);
            let knows_any = input
                .educators
                .iter()
                .any(|x| x.relationships.contains(&s.id));
            if knows_any && !knows_here {
                soft.relationship += i64::from(w.relationship);
            }
            if let Some(prev) = &s.previous_educator {
                let present = educators.contains_key(prev.as_str());
                let small = match (s.mastery, s.previous_mastery) {
                    (Some(a), Some(b)) => a.abs_diff(b) < input.stability_threshold,
                    _ => true,
                };
                if present && small && *prev != e.id {
                    soft.stability += i64::from(w.stability);
                }
            }
        }
    }
    // Every professional of the team who is present teaches: one without students counts as
    // many units as the smallest group they would lead.
    for e in input.educators.iter().filter(|e| e.required) {
        if !leading.contains(e.id.as_str()) {
            let lo = e.min_group.unwrap_or(input.group_size[0]).max(1);
            out.push(v(
                Rule::Idle,
                None,
                None,
                u64::from(lo),
                format!("{} is present and leads no students", e.name),
            ));
        }
    }
    for s in &input.students {
        match placed.get(s.id.as_str()).copied().unwrap_or(0) {
            0 => out.push(v(
                Rule::NotPlaced,
                None,
                Some(&s.id),
                1,
                format!("{} is in no group", s.name),
            )),
            1 => {}
            k => out.push(v(
                Rule::PlacedTwice,
                None,
                Some(&s.id),
                (k - 1) as u64,
                format!("{} is in {k} groups", s.name),
            )),
        }
    }
    let units: i64 = out.iter().map(|x| i64::from(x.units)).sum();
    let soft_total = soft.spread
        + soft.balance
        + soft.choice
        + soft.expertise
        + soft.relationship
        + soft.stability;
    Verdict {
        violations: out,
        soft,
        objective: units * HARD + soft_total,
    }
}
