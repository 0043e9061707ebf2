//! Students: the profile a team plans with, and the protected needs and demographics that only
//! those who need them may see (see [`crate::access`]).

use crate::error::ParseError;
use serde::{Deserialize, Serialize};

/// Interests and strengths: what the whole team (core and extended) plans with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentProfile {
    pub interests: Vec<String>,
    pub strengths: Vec<String>,
}

impl StudentProfile {
    /// Parses comma-separated lists, as typed in a form: trims, drops blanks and duplicates,
    /// at most 20 entries of 60 characters each.
    pub fn parse_list(field: &'static str, raw: &str) -> Result<Vec<String>, ParseError> {
        Self::parse_items(field, raw.split(','))
    }

    /// Validates a list given item by item (as JSON sends it): the same rules as
    /// [`StudentProfile::parse_list`], without splitting items at commas.
    pub fn parse_items<'a>(
        field: &'static str,
        items: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<String>, ParseError> {
        let mut out: Vec<String> = Vec::new();
        for item in items.into_iter().map(str::trim).filter(|s| !s.is_empty()) {
            if item.chars().count() > 60 {
                return Err(ParseError::new(
                    field,
                    item,
                    "entries must be at most 60 characters",
                ));
            }
            if item.chars().any(char::is_control) {
                return Err(ParseError::new(
                    field,
                    item,
                    "must not contain control characters",
                ));
            }
            if !out.iter().any(|o| o.eq_ignore_ascii_case(item)) {
                out.push(item.to_owned());
            }
            if out.len() > 20 {
                return Err(ParseError::new(field, item, "may list at most 20 entries"));
            }
        }
        Ok(out)
    }
}

/// Protected: special education (IEP), Section 504 plan, English-learner status, health notes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Needs {
    pub iep: bool,
    pub plan_504: bool,
    pub english_learner: bool,
    /// English language proficiency, 1–6 (WIDA-style), when an English learner.
    pub ell_proficiency: Option<u8>,
    pub health: Option<String>,
    /// Services the plan requires: `special_education`, `english_learner`, `reading_intervention` …
    pub services: Vec<String>,
    /// The accommodations an IEP or 504 plan gives (extended time, preferential seating …).
    #[serde(default)]
    pub accommodations: Vec<String>,
}

/// The sensitive fields one reader sees, each kind only when their access includes it
/// ([`crate::access::Sensitive`]); a field the reader may not see is `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeenNeeds {
    /// Plans: an IEP.
    pub iep: Option<bool>,
    /// Plans: a Section 504 plan.
    pub plan_504: Option<bool>,
    /// Accommodations.
    pub accommodations: Option<Vec<String>>,
    /// English learning: status.
    pub english_learner: Option<bool>,
    /// English learning: proficiency 1–6, when an English learner.
    pub ell_proficiency: Option<u8>,
    /// English learning: the language spoken at home.
    pub home_language: Option<String>,
    /// Health: `Some(None)` when seen and empty.
    pub health: Option<Option<String>>,
    /// Services: what the plan requires.
    pub services: Option<Vec<String>>,
}

impl SeenNeeds {
    /// The parts of `needs` (and the home language) that `access` allows.
    pub fn of(
        needs: &Needs,
        home_language: Option<&str>,
        access: crate::access::Access,
    ) -> Option<Self> {
        use crate::access::Sensitive;
        if access.sensitive().is_empty() {
            return None;
        }
        let plans = access.sees(Sensitive::Plans);
        let english = access.sees(Sensitive::EnglishLearning);
        Some(Self {
            iep: plans.then_some(needs.iep),
            plan_504: plans.then_some(needs.plan_504),
            accommodations: access
                .sees(Sensitive::Accommodations)
                .then(|| needs.accommodations.clone()),
            english_learner: english.then_some(needs.english_learner),
            ell_proficiency: needs.ell_proficiency.filter(|_| english),
            home_language: home_language.filter(|_| english).map(str::to_owned),
            health: access.sees(Sensitive::Health).then(|| needs.health.clone()),
            services: access
                .sees(Sensitive::Services)
                .then(|| needs.services.clone()),
        })
    }
}

/// Protected: demographics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demographics {
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub race_ethnicity: Option<String>,
    pub home_language: Option<String>,
    pub free_reduced_lunch: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_trimmed_and_deduplicated() {
        assert_eq!(
            StudentProfile::parse_list("interests", " robotics, Art ,,robotics, ROBOTICS "),
            Ok(vec!["robotics".to_owned(), "Art".to_owned()])
        );
        assert!(StudentProfile::parse_list("interests", &"x".repeat(61)).is_err());
        let many = (0..21).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert!(StudentProfile::parse_list("interests", &many).is_err());
    }
}
