//! Words for codes. Pages never show a code (`ela.main_idea`, `art_studio`,
//! `data_meeting_lead`): each kind of code has its catalog of labels, and a code no catalog
//! knows yet is turned into words (`writing_workshop` → "Writing workshop"), so a district's own
//! codes read plainly too.

use std::borrow::Cow;

/// Subjects: (code, label, short label).
const SUBJECTS: [(&str, &str, &str); 9] = [
    ("math", "Mathematics", "Math"),
    ("ela", "English language arts", "ELA"),
    ("science", "Science", "Science"),
    ("social_studies", "Social studies", "Social studies"),
    (
        "special_education",
        "Special education",
        "Special education",
    ),
    ("english_learners", "English learners", "English learners"),
    ("counselling", "Counselling", "Counselling"),
    ("robotics", "Robotics", "Robotics"),
    ("visual_arts", "Visual arts", "Visual arts"),
];

/// Skills and standards formative data covers.
const SKILLS: [(&str, &str); 6] = [
    ("math.fractions", "Fractions"),
    ("math.ratios", "Ratios and proportions"),
    ("ela.main_idea", "Main idea"),
    ("ela.inference", "Inference"),
    ("science.ecosystems", "Ecosystems"),
    ("social_studies.civics", "Civics"),
];

/// Activities students choose among for interest groups.
const OPTIONS: [(&str, &str); 5] = [
    ("robotics", "Robotics"),
    ("art_studio", "Art studio"),
    ("debate", "Debate"),
    ("garden", "School garden"),
    ("music", "Music lab"),
];

/// Competencies educators show with credentials and micro-credentials.
const COMPETENCIES: [(&str, &str); 17] = [
    ("unit_design", "Unit design"),
    ("data_meeting_lead", "Leading data meetings"),
    ("coaching", "Coaching colleagues"),
    ("family_communication", "Family communication"),
    ("small_group_instruction", "Small-group instruction"),
    ("culture_and_behaviour", "Culture and behaviour"),
    ("technology_and_data", "Technology and data"),
    ("iep_case_management", "IEP case management"),
    ("ell_instruction", "Teaching English learners"),
    ("newcomer_integration", "Welcoming newcomer students"),
    ("counselling", "Counselling"),
    ("reading_intervention", "Reading intervention"),
    ("math_intervention", "Math intervention"),
    ("behaviour_support", "Behaviour support"),
    ("mentoring", "Mentoring"),
    ("project_based_learning", "Project-based learning"),
    ("co_teaching", "Co-teaching"),
];

/// Services the extended team gives and the needs that call for them.
const SERVICES: [(&str, &str); 6] = [
    ("special_education", "Special education"),
    ("english_learner", "English-language development"),
    ("reading_intervention", "Reading intervention"),
    ("paraeducator_support", "Paraeducator support"),
    ("counselling", "Counselling"),
    ("enrichment", "Enrichment"),
];

fn find<'a>(table: &'a [(&'a str, &'a str)], code: &str) -> Option<&'a str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// A code in words: underscores and dashes become spaces, the first letter a capital.
pub fn words(code: &str) -> String {
    let spaced = code.replace(['_', '-'], " ");
    let mut cs = spaced.trim().chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// A label inside a sentence: each word's capital dropped, except acronyms
/// ("Special education (IEP services)" → "special education (IEP services)").
pub fn lower(label: &str) -> String {
    label
        .split(' ')
        .map(|w| {
            let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
            let acronym = letters.len() > 1 && letters.iter().all(|c| c.is_uppercase());
            // Names of languages keep their capital ("English-learner instruction").
            let proper = [
                "English",
                "Spanish",
                "Navajo",
                "Arabic",
                "Vietnamese",
                "Somali",
            ]
            .iter()
            .any(|p| w.trim_start_matches('(').starts_with(p));
            if acronym || proper {
                w.to_owned()
            } else {
                w.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A subject in words (`social_studies` → "Social studies").
pub fn subject(code: &str) -> Cow<'static, str> {
    match SUBJECTS.iter().find(|(c, _, _)| *c == code) {
        Some((_, l, _)) => Cow::Borrowed(l),
        None => Cow::Owned(words(code)),
    }
}

fn subject_short(code: &str) -> Cow<'static, str> {
    match SUBJECTS.iter().find(|(c, _, _)| *c == code) {
        Some((_, _, s)) => Cow::Borrowed(s),
        None => Cow::Owned(words(code)),
    }
}

/// A skill in words with its subject (`ela.main_idea` → "Main idea (ELA)"). A standard's code
/// (`6.NS.1`) is how teachers name it, and stays.
pub fn skill(code: &str) -> String {
    if let Some(l) = find(&SKILLS, code) {
        let subj = code.split('.').next().unwrap_or_default();
        return format!("{l} ({})", subject_short(subj));
    }
    match code.split_once('.') {
        Some((subj, rest))
            if subj.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            format!("{} ({})", words(rest), subject_short(subj))
        }
        _ => code.to_owned(),
    }
}

/// The activities the catalog knows, as (code, label).
pub fn options() -> &'static [(&'static str, &'static str)] {
    &OPTIONS
}

/// An interest-group activity in words (`art_studio` → "Art studio").
pub fn option(code: &str) -> String {
    find(&OPTIONS, code).map_or_else(|| words(code), str::to_owned)
}

/// Every competency Ensemble names, as (code, words): the choices of a form.
pub fn competencies() -> &'static [(&'static str, &'static str)] {
    &COMPETENCIES
}

/// A competency in words (`data_meeting_lead` → "Leading data meetings").
pub fn competency(code: &str) -> String {
    find(&COMPETENCIES, code).map_or_else(|| words(code), str::to_owned)
}

/// A service or need in words (`english_learner` → "English-language development").
pub fn service(code: &str) -> String {
    find(&SERVICES, code).map_or_else(|| words(code), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(skill("ela.main_idea"), "Main idea (ELA)");
        assert_eq!(skill("math.long_division"), "Long division (Math)");
        assert_eq!(skill("6.NS.1"), "6.NS.1");
        assert_eq!(option("art_studio"), "Art studio");
        assert_eq!(option("writing_workshop"), "Writing workshop");
        assert_eq!(competency("data_meeting_lead"), "Leading data meetings");
        assert_eq!(service("english_learner"), "English-language development");
        assert_eq!(subject("social_studies"), "Social studies");
        assert_eq!(words(""), "");
        assert_eq!(
            lower("Special education (IEP services) ASCA 250:1"),
            "special education (IEP services) ASCA 250:1"
        );
        assert_eq!(
            lower("English-learner Instruction"),
            "English-learner instruction"
        );
    }

    #[test]
    fn no_label_shows_an_underscore() {
        let all = SKILLS
            .iter()
            .map(|(c, _)| skill(c))
            .chain(OPTIONS.iter().map(|(c, _)| option(c)))
            .chain(COMPETENCIES.iter().map(|(c, _)| competency(c)))
            .chain(SERVICES.iter().map(|(c, _)| service(c)))
            .chain(SUBJECTS.iter().map(|(c, _, _)| subject(c).into_owned()));
        for l in all {
            assert!(!l.contains('_') && !l.is_empty(), "{l}");
        }
    }
}
