//! Micro-credentials: how an educator shows a competency at a level. A district's catalog names,
//! for each micro-credential, the competency and level it shows, the evidence it asks for, a
//! rubric (criteria, each described at the four levels), who may assess it and the time it
//! usually takes. An educator submits evidence; an assessor scores it against the rubric and
//! accepts it — when every criterion meets the credential's level — or returns it with feedback.

use crate::educator::{parse_code, Level};
use crate::error::ParseError;
use serde::{Deserialize, Serialize};

/// At most this many criteria in a rubric.
pub const MAX_CRITERIA: usize = 8;

/// One criterion of a rubric, described at each level (emerging, developing, proficient, expert).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub levels: [String; 4],
}

/// A micro-credential of the district's catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicroCredential {
    /// A lower-case slug, unique in the district: `small_groups_proficient`.
    pub code: String,
    pub name: String,
    /// The competency it shows (a competency code) and at which level.
    pub competency: String,
    pub level: Level,
    /// What the educator submits, in plain words.
    pub evidence: String,
    pub rubric: Vec<Criterion>,
    /// Who may assess it besides the school's leaders: an educator holding the competency at
    /// this level or above (never the one who submitted).
    pub assessor_level: Level,
    /// The time it usually takes, in hours.
    pub hours: u16,
}

fn text(field: &'static str, raw: &str, max: usize) -> Result<String, ParseError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max {
        Err(ParseError::new(
            field,
            raw,
            "must be given, and not too long",
        ))
    } else {
        Ok(t.to_owned())
    }
}

impl MicroCredential {
    /// Checks a catalog entry: its code and competency are slugs, its texts are given and
    /// bounded, its rubric has 1–8 criteria each described at every level, and the time is
    /// 1–500 hours.
    pub fn checked(self) -> Result<Self, ParseError> {
        let rubric = if self.rubric.is_empty() || self.rubric.len() > MAX_CRITERIA {
            return Err(ParseError::new(
                "rubric",
                &self.rubric.len().to_string(),
                "must have 1 to 8 criteria",
            ));
        } else {
            self.rubric
                .into_iter()
                .map(|c| {
                    Ok(Criterion {
                        name: text("criterion", &c.name, 120)?,
                        levels: [
                            text("level description", &c.levels[0], 500)?,
                            text("level description", &c.levels[1], 500)?,
                            text("level description", &c.levels[2], 500)?,
                            text("level description", &c.levels[3], 500)?,
                        ],
                    })
                })
                .collect::<Result<Vec<_>, ParseError>>()?
        };
        if !(1..=500).contains(&self.hours) {
            return Err(ParseError::new(
                "hours",
                &self.hours.to_string(),
                "must be 1 to 500",
            ));
        }
        Ok(Self {
            code: parse_code("code", &self.code)?,
            name: text("name", &self.name, 120)?,
            competency: parse_code("competency", &self.competency)?,
            level: self.level,
            evidence: text("evidence", &self.evidence, 2000)?,
            rubric,
            assessor_level: self.assessor_level,
            hours: self.hours,
        })
    }

    /// The description of the badge it issues: the competency and level it shows, and the
    /// evidence it asks for.
    pub fn badge_description(&self) -> String {
        format!(
            "Shows {} at the {} level. Evidence: {}",
            crate::labels::competency(&self.competency),
            self.level.label().to_lowercase(),
            self.evidence
        )
    }

    /// How the badge it issues is earned (Markdown): every criterion of the rubric, described
    /// at the credential's level.
    pub fn badge_criteria(&self) -> String {
        let criteria = self
            .rubric
            .iter()
            .map(|c| {
                format!(
                    "- {}: {}",
                    c.name,
                    c.levels[usize::from(self.level.get()) - 1]
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "Assessed against a rubric; every criterion at {} or above:\n\n{criteria}",
            self.level.label().to_lowercase()
        )
    }

    /// Whether an educator who holds the competency at `held` (if at all) may assess a
    /// submission of someone else.
    pub fn may_assess(&self, held: Option<Level>) -> bool {
        held.is_some_and(|l| l >= self.assessor_level)
    }

    /// What an assessor's scores (one per criterion, in order) allow.
    pub fn judge(&self, scores: &[Level]) -> Result<Judgement, ParseError> {
        if scores.len() != self.rubric.len() {
            return Err(ParseError::new(
                "scores",
                &scores.len().to_string(),
                "must give one score for each criterion of the rubric",
            ));
        }
        let short: Vec<String> = self
            .rubric
            .iter()
            .zip(scores)
            .filter(|(_, s)| **s < self.level)
            .map(|(c, s)| format!("{} ({})", c.name, s.label().to_lowercase()))
            .collect();
        Ok(if short.is_empty() {
            Judgement::Meets
        } else {
            Judgement::Short(short)
        })
    }
}

/// What the scores of a submission allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Every criterion meets the credential's level: it may be accepted.
    Meets,
    /// These criteria fall short (name and level scored): it goes back with feedback.
    Short(Vec<String>),
}

/// Where a submission stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Waiting for an assessor.
    Submitted,
    /// Sent back with feedback; the educator may submit again.
    Returned,
    /// Accepted: the credential is earned.
    Accepted,
}

impl SubmissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Accepted => "accepted",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "submitted" => Ok(Self::Submitted),
            "returned" => Ok(Self::Returned),
            "accepted" => Ok(Self::Accepted),
            _ => Err(ParseError::new(
                "status",
                s,
                "must be submitted, returned or accepted",
            )),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "Waiting for review",
            Self::Returned => "Returned with feedback",
            Self::Accepted => "Earned",
        }
    }
}

/// The level an educator holds a competency at once a credential is accepted: the higher of
/// what they held and what the credential shows (a credential never lowers a level).
pub fn raised(held: Option<Level>, shown: Level) -> Level {
    held.map_or(shown, |h| h.max(shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lvl(n: i64) -> Level {
        Level::new(n).expect("level")
    }

    fn small_groups() -> MicroCredential {
        MicroCredential {
            code: "small_groups_proficient".into(),
            name: "Small groups from formative data".into(),
            competency: "small_group_instruction".into(),
            level: lvl(3),
            evidence: "Two lesson plans with the data that formed the groups, and a reflection."
                .into(),
            rubric: vec![
                Criterion {
                    name: "Groups from data".into(),
                    levels: ["a".into(), "b".into(), "c".into(), "d".into()],
                },
                Criterion {
                    name: "Regrouping".into(),
                    levels: ["a".into(), "b".into(), "c".into(), "d".into()],
                },
            ],
            assessor_level: lvl(4),
            hours: 15,
        }
    }

    #[test]
    fn a_catalog_entry_is_checked() {
        assert!(small_groups().checked().is_ok());
        let mut bad = small_groups();
        bad.rubric.clear();
        assert_eq!(bad.checked().expect_err("empty").field, "rubric");
        let mut bad = small_groups();
        bad.rubric[1].levels[2] = "  ".into();
        assert_eq!(bad.checked().expect_err("blank").field, "level description");
        let mut bad = small_groups();
        bad.competency = "Small Groups".into();
        assert_eq!(bad.checked().expect_err("slug").field, "competency");
        let mut bad = small_groups();
        bad.hours = 0;
        assert_eq!(bad.checked().expect_err("hours").field, "hours");
    }

    #[test]
    fn every_criterion_must_meet_the_level_to_accept() {
        let mc = small_groups();
        assert_eq!(mc.judge(&[lvl(3), lvl(4)]), Ok(Judgement::Meets));
        assert_eq!(
            mc.judge(&[lvl(4), lvl(2)]),
            Ok(Judgement::Short(vec!["Regrouping (developing)".into()]))
        );
        assert!(mc.judge(&[lvl(4)]).is_err(), "one score per criterion");
    }

    #[test]
    fn assessors_hold_the_competency_high_enough_and_levels_only_rise() {
        let mc = small_groups();
        assert!(mc.may_assess(Some(lvl(4))));
        assert!(!mc.may_assess(Some(lvl(3))));
        assert!(!mc.may_assess(None));
        assert_eq!(raised(None, lvl(3)), lvl(3));
        assert_eq!(raised(Some(lvl(2)), lvl(3)), lvl(3));
        assert_eq!(raised(Some(lvl(4)), lvl(3)), lvl(4));
    }
}

/// A catalog and what educators did with it, written in order through the same steps the pages
/// take (the demo's micro-credentials).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialStory {
    pub catalog: Vec<MicroCredential>,
    pub steps: Vec<StoryStep>,
}

/// One submission of evidence, and its decision if one was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryStep {
    /// The educator's sourcedId.
    pub educator: String,
    /// The catalog entry's code.
    pub credential: String,
    pub evidence: String,
    pub links: Vec<String>,
    /// By a leader of the educator's school; `None` while it waits for review.
    pub decision: Option<StoryDecision>,
}

/// An assessor's decision in a [`CredentialStory`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryDecision {
    pub scores: Vec<Level>,
    pub accept: bool,
    pub feedback: String,
}
