//! Team goals: a core team's goal for its students — "80 % at mastery 3 on fractions by 15
//! March" — measured from its formative data. A goal belongs to the team, not to one member.
//! A student stands at a mastery level on a skill when their latest result (on or before a
//! date) is at least the level's share of 100 (level × 25: 3 is 75).

use crate::educator::parse_code;
use crate::error::ParseError;
use serde::{Deserialize, Serialize};

/// A core team's goal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamGoal {
    /// The skill, as formative data names it (`math.fractions`).
    pub skill: String,
    /// The mastery level students reach, 1–4.
    pub level: u8,
    /// The share of the team's students who reach it, 1–100 %.
    pub percent: u8,
    /// By when, `YYYY-MM-DD`.
    pub by: String,
}

fn date_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if !(b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()))
    {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

impl TeamGoal {
    /// Checks a goal: a skill code (letters, digits, `.`, `_`, `-`), a level 1–4, a share
    /// 1–100 % and a date.
    pub fn checked(self) -> Result<Self, ParseError> {
        let skill = self.skill.trim();
        if skill.is_empty()
            || skill.len() > 80
            || !skill
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ParseError::new(
                "skill",
                &self.skill,
                "must be a skill code such as math.fractions",
            ));
        }
        if !(1..=4).contains(&self.level) {
            return Err(ParseError::new(
                "level",
                &self.level.to_string(),
                "must be 1 to 4",
            ));
        }
        if !(1..=100).contains(&self.percent) {
            return Err(ParseError::new(
                "percent",
                &self.percent.to_string(),
                "must be 1 to 100",
            ));
        }
        if !date_ok(&self.by) {
            return Err(ParseError::new(
                "by",
                &self.by,
                "must be a date, YYYY-MM-DD",
            ));
        }
        // Skill codes are compared as given; keep the slug rules for their parts.
        for part in skill.split('.') {
            parse_code("skill", &part.replace('-', "_").to_lowercase())?;
        }
        Ok(Self {
            skill: skill.to_owned(),
            ..self
        })
    }

    /// The mastery (0–100) a result needs to count at the goal's level.
    pub fn threshold(&self) -> u32 {
        u32::from(self.level) * 25
    }

    /// The goal's progress over time, from each student's results on its skill (date, mastery;
    /// oldest first), out of `students` on the roster: at each date a result was taken, the
    /// share (0–100, rounded down) of the roster whose latest result by then reaches the level.
    /// Students without a result count as not there yet.
    pub fn progress(&self, results: &[Vec<(String, u32)>], students: usize) -> Vec<(String, u32)> {
        let mut dates: Vec<&str> = results
            .iter()
            .flat_map(|r| r.iter().map(|(d, _)| d.as_str()))
            .collect();
        dates.sort_unstable();
        dates.dedup();
        if students == 0 {
            return Vec::new();
        }
        let at = self.threshold();
        dates
            .into_iter()
            .map(|d| {
                let reached = results
                    .iter()
                    .filter(|r| {
                        r.iter()
                            .rev()
                            .find(|(when, _)| when.as_str() <= d)
                            .is_some_and(|(_, m)| *m >= at)
                    })
                    .count();
                let pct = reached * 100 / students;
                (d.to_owned(), u32::try_from(pct).unwrap_or(100))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal() -> TeamGoal {
        TeamGoal {
            skill: "math.fractions".into(),
            level: 3,
            percent: 80,
            by: "2027-03-15".into(),
        }
    }

    #[test]
    fn progress_counts_the_latest_result_by_each_date() {
        let r = |v: &[(&str, u32)]| {
            v.iter()
                .map(|(d, m)| ((*d).to_owned(), *m))
                .collect::<Vec<_>>()
        };
        let results = vec![
            r(&[("2026-09-07", 60), ("2026-09-14", 80)]),
            r(&[("2026-09-07", 90), ("2026-09-14", 70)]),
            r(&[("2026-09-14", 75)]),
        ];
        // Four on the roster: one has no result.
        assert_eq!(
            goal().progress(&results, 4),
            vec![("2026-09-07".to_owned(), 25), ("2026-09-14".to_owned(), 50)]
        );
        assert!(goal().progress(&results, 0).is_empty());
    }

    #[test]
    fn a_goal_is_checked() {
        assert_eq!(goal().checked().expect("good"), goal());
        for (g, field) in [
            (TeamGoal { level: 5, ..goal() }, "level"),
            (
                TeamGoal {
                    percent: 0,
                    ..goal()
                },
                "percent",
            ),
            (
                TeamGoal {
                    by: "15 March".into(),
                    ..goal()
                },
                "by",
            ),
            (
                TeamGoal {
                    by: "2027-13-01".into(),
                    ..goal()
                },
                "by",
            ),
            (
                TeamGoal {
                    by: "2027-02-29".into(),
                    ..goal()
                },
                "by",
            ),
            (
                TeamGoal {
                    skill: "math fractions".into(),
                    ..goal()
                },
                "skill",
            ),
        ] {
            assert_eq!(g.checked().expect_err(field).field, field);
        }
    }
}
