//! What the grouping engine is given for one core team's block, and what it returns. These
//! types are the JSON formats of `ensemble grouping solve|check` (`docs/grouping.md`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::BTreeSet;

/// How to form groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Similar mastery on the focus skill.
    Need,
    /// Students get a high-ranked choice among the offered options.
    Interest,
    /// Heterogeneous groups: each group's mastery like the whole team's.
    Mixed,
}

impl Strategy {
    pub fn label(self) -> &'static str {
        match self {
            Self::Need => "by need",
            Self::Interest => "by interest and choice",
            Self::Mixed => "mixed",
        }
    }
}

/// What an educator brings to a group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EducatorRole {
    #[default]
    General,
    /// An interventionist: best with the group that needs the most support.
    Intervention,
    /// The content lead: best with the extension group.
    ContentLead,
    /// A specialist giving a service (special education, English learners…).
    Specialist,
}

/// One block of one core team.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The block (`Tue block 2`), for people.
    pub block: String,
    /// The focus skill or standard code the groups are formed around.
    pub focus: String,
    /// The focus in words (`Main idea (ELA)`), for explanations; the code when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus_label: Option<String>,
    /// Services in words (`special_education` → `Special education`), for explanations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub service_labels: BTreeMap<String, String>,
    pub strategy: Strategy,
    /// Smallest and largest group.
    pub group_size: [u32; 2],
    pub students: Vec<StudentIn>,
    /// The educators present; each leads one group.
    pub educators: Vec<EducatorIn>,
    pub spaces: Vec<SpaceIn>,
    /// Options offered (interest strategy): each group runs one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionIn>,
    #[serde(default)]
    pub weights: Weights,
    /// A student kept in the lowest-mastery group for more than this many cycles in a row is
    /// flagged for the team's review.
    #[serde(default = "default_equity")]
    pub equity_cycles: u32,
    /// A mastery change smaller than this (points of 100) does not justify moving a student
    /// away from last cycle's educator.
    #[serde(default = "default_stability")]
    pub stability_threshold: u32,
    /// Local-search moves per student.
    #[serde(default = "default_moves")]
    pub moves_per_student: u32,
}

fn default_equity() -> u32 {
    3
}
fn default_stability() -> u32 {
    10
}
fn default_moves() -> u32 {
    60
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudentIn {
    pub id: String,
    pub name: String,
    /// Mastery of the focus skill, 0–100, from the newest data; `None` when there is none.
    #[serde(default)]
    pub mastery: Option<u32>,
    /// Mastery when last grouped.
    #[serde(default)]
    pub previous_mastery: Option<u32>,
    /// Last cycle's educator.
    #[serde(default)]
    pub previous_educator: Option<String>,
    /// Ranked choices among the offered options, first choice first.
    #[serde(default)]
    pub choices: Vec<String>,
    /// A service the student's plan requires: they are with an educator who gives it or a
    /// certified teacher, never only with an adult who cannot give it.
    #[serde(default)]
    pub requires: Option<String>,
    /// Cycles in a row the student has been in the lowest-mastery group.
    #[serde(default)]
    pub lowest_cycles: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EducatorIn {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub role: EducatorRole,
    /// Expertise in the focus skill's subject, 0–4.
    #[serde(default)]
    pub expertise: u8,
    /// Services they give (`special_education`, `english_learner`, …).
    #[serde(default)]
    pub services: Vec<String>,
    /// Students they know from past groups.
    #[serde(default)]
    pub relationships: Vec<String>,
    /// Most students they take.
    #[serde(default)]
    pub max_group: Option<u32>,
    /// Fewest students they take when they lead a group (the block's smallest size when
    /// absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_group: Option<u32>,
    /// Must lead a group: a professional educator of the core team who is present for the
    /// block (the team teaches its own students; others come to help).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// A certified professional educator: may be the only adult for a student whose plan
    /// requires a service they do not give themselves (accommodations are every teacher's
    /// work); a paraeducator, community educator or volunteer may not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub certified: bool,
    /// Their role in words (`Teacher-leader`), for explanations; the engine's role when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpaceIn {
    pub id: String,
    pub name: String,
    pub capacity: u32,
    #[serde(default)]
    pub zone: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionIn {
    pub code: String,
    pub name: String,
    /// The educator who runs it; options without one go to the other educators in order.
    #[serde(default)]
    pub educator: Option<String>,
}

/// Weights of the soft terms (each hard violation weighs [`HARD`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Need strategy: per 100 units of within-group spread (sum of squared distances from
    /// the group's mean mastery).
    pub homogeneity: u32,
    /// Mixed strategy: per point a group's mean mastery is from the team's, per student.
    pub balance: u32,
    /// Interest strategy: per step down a student's ranked choices.
    pub choice: u32,
    /// A group needing support without an interventionist or specialist, or an extension
    /// group without a content expert: per student.
    pub expertise: u32,
    /// A student placed with none of the present educators who know them.
    pub relationship: u32,
    /// A student moved from last cycle's educator though their mastery barely changed.
    pub stability: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            homogeneity: 2,
            balance: 1,
            choice: 20,
            expertise: 8,
            relationship: 3,
            stability: 4,
        }
    }
}

/// Weight of one hard violation (per student over or under a bound, per unmet service).
pub const HARD: i64 = 10_000;

/// A grouping: what the engine proposes, and what a team may edit by hand.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grouping {
    pub groups: Vec<Group>,
    /// One sentence per student on why they are where they are.
    #[serde(default)]
    pub placements: Vec<Placement>,
    /// Students the team should review (the equity guard).
    #[serde(default)]
    pub flags: Vec<Flag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub educator: String,
    #[serde(default)]
    pub space: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    pub students: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pub student: String,
    pub group: String,
    pub why: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub student: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub objective: i64,
    pub hard: u32,
    /// `heuristic`, or `exact` when every grouping was tried.
    pub method: String,
    pub heuristic_objective: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_objective: Option<i64>,
    pub moves: u64,
}

/// An input the engine cannot work with, with the JSON path of the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct InputError {
    pub path: String,
    pub problem: String,
}

fn err(path: impl Into<String>, problem: impl Into<String>) -> InputError {
    InputError {
        path: path.into(),
        problem: problem.into(),
    }
}

/// The most students, educators or spaces in one block.
pub const MAX_STUDENTS: usize = 5_000;
pub const MAX_EDUCATORS: usize = 200;

impl Input {
    /// Checks what the engine relies on; errors name the field.
    pub fn validate(&self) -> Result<(), InputError> {
        let [lo, hi] = self.group_size;
        if hi == 0 || lo > hi || hi > 10_000 {
            return Err(err(
                "group_size",
                "must be [smallest, largest] with smallest ≤ largest, largest 1 to 10,000",
            ));
        }
        if self.students.len() > MAX_STUDENTS {
            return Err(err("students", format!("at most {MAX_STUDENTS}")));
        }
        if self.educators.is_empty() || self.educators.len() > MAX_EDUCATORS {
            return Err(err(
                "educators",
                format!("1 to {MAX_EDUCATORS} educators must be present"),
            ));
        }
        if self.spaces.len() > MAX_EDUCATORS {
            return Err(err("spaces", format!("at most {MAX_EDUCATORS}")));
        }
        let mut ids = BTreeSet::new();
        for (i, s) in self.students.iter().enumerate() {
            if s.id.trim().is_empty() || !ids.insert(s.id.as_str()) {
                return Err(err(
                    format!("students[{i}].id"),
                    "must be non-empty and listed once",
                ));
            }
            if s.lowest_cycles > 1_000 || s.choices.len() > 50 {
                return Err(err(
                    format!("students[{i}]"),
                    "lowest_cycles is at most 1,000 and choices at most 50",
                ));
            }
            for (f, v) in [
                ("mastery", s.mastery),
                ("previous_mastery", s.previous_mastery),
            ] {
                if v.is_some_and(|m| m > 100) {
                    return Err(err(format!("students[{i}].{f}"), "must be 0 to 100"));
                }
            }
        }
        let mut ids = BTreeSet::new();
        for (i, e) in self.educators.iter().enumerate() {
            if e.id.trim().is_empty() || !ids.insert(e.id.as_str()) {
                return Err(err(
                    format!("educators[{i}].id"),
                    "must be non-empty and listed once",
                ));
            }
            if e.expertise > 4 {
                return Err(err(format!("educators[{i}].expertise"), "must be 0 to 4"));
            }
            if e.min_group.is_some_and(|m| m > 10_000)
                || matches!((e.min_group, e.max_group), (Some(a), Some(b)) if a > b)
            {
                return Err(err(
                    format!("educators[{i}].min_group"),
                    "must be at most 10,000 and at most max_group",
                ));
            }
            if e.relationships.len() > MAX_STUDENTS || e.services.len() > 50 {
                return Err(err(
                    format!("educators[{i}]"),
                    format!("relationships are at most {MAX_STUDENTS} and services at most 50"),
                ));
            }
        }
        let mut ids = BTreeSet::new();
        for (i, s) in self.spaces.iter().enumerate() {
            if s.id.trim().is_empty() || !ids.insert(s.id.as_str()) {
                return Err(err(
                    format!("spaces[{i}].id"),
                    "must be non-empty and listed once",
                ));
            }
        }
        let mut codes = BTreeSet::new();
        for (i, o) in self.options.iter().enumerate() {
            if o.code.trim().is_empty() || !codes.insert(o.code.as_str()) {
                return Err(err(
                    format!("options[{i}].code"),
                    "must be non-empty and listed once",
                ));
            }
            if let Some(e) = &o.educator {
                if !self.educators.iter().any(|x| &x.id == e) {
                    return Err(err(
                        format!("options[{i}].educator"),
                        format!("{e:?} is not among the educators present"),
                    ));
                }
                if self.options[..i]
                    .iter()
                    .any(|p| p.educator.as_ref() == Some(e))
                {
                    return Err(err(
                        format!("options[{i}].educator"),
                        format!("{e:?} already runs another option; each educator runs one"),
                    ));
                }
            }
        }
        if self.strategy == Strategy::Interest && self.options.is_empty() {
            return Err(err(
                "options",
                "the interest strategy needs options to choose from",
            ));
        }
        let w = &self.weights;
        if [
            w.homogeneity,
            w.balance,
            w.choice,
            w.expertise,
            w.relationship,
            w.stability,
        ]
        .iter()
        .any(|&x| x > 1_000)
            || self.moves_per_student > 10_000
            || self.stability_threshold > 100
            || self.equity_cycles > 1_000
        {
            return Err(err(
                "weights",
                "weights are at most 1,000, moves_per_student at most 10,000, stability_threshold at most 100, equity_cycles at most 1,000",
            ));
        }
        Ok(())
    }

    /// A service as people read it.
    pub fn service_words(&self, code: &str) -> String {
        self.service_labels
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.replace('_', " "))
    }

    /// Whether `e` may be the only adult for a student whose plan requires `service`.
    pub fn may_serve(e: &EducatorIn, service: Option<&String>) -> bool {
        service.is_none_or(|r| e.certified || e.services.contains(r))
    }

    /// The focus as people read it.
    pub fn focus_words(&self) -> &str {
        self.focus_label.as_deref().unwrap_or(&self.focus)
    }

    /// The option each educator's group runs (interest strategy): its own, else the unowned
    /// options in order.
    pub fn option_of(&self) -> Vec<Option<String>> {
        let mut out: Vec<Option<String>> = self
            .educators
            .iter()
            .map(|e| {
                self.options
                    .iter()
                    .find(|o| o.educator.as_deref() == Some(e.id.as_str()))
                    .map(|o| o.code.clone())
            })
            .collect();
        let mut free = self.options.iter().filter(|o| o.educator.is_none());
        for slot in out.iter_mut().filter(|s| s.is_none()) {
            match free.next() {
                Some(o) => *slot = Some(o.code.clone()),
                None => break,
            }
        }
        if self.strategy != Strategy::Interest {
            out.iter_mut().for_each(|o| *o = None);
        }
        out
    }
}
