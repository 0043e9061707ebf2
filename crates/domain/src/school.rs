//! Schools, terms and the weekly time grid.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};

/// A grade level: 0 is kindergarten, 1–12 the grades.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Grade(u8);

impl Grade {
    pub fn new(n: i64) -> Result<Self, ParseError> {
        match u8::try_from(n) {
            Ok(g) if g <= 12 => Ok(Self(g)),
            _ => Err(ParseError::new(
                "grade",
                &n.to_string(),
                "must be 0 (kindergarten) to 12",
            )),
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
    /// OneRoster's grade code: "KG", "01" … "12".
    pub fn oneroster_code(self) -> String {
        if self.0 == 0 {
            "KG".to_owned()
        } else {
            format!("{:02}", self.0)
        }
    }
}

impl TryFrom<i64> for Grade {
    type Error = ParseError;
    fn try_from(n: i64) -> Result<Self, ParseError> {
        Self::new(n)
    }
}
impl From<Grade> for i64 {
    fn from(g: Grade) -> i64 {
        i64::from(g.0)
    }
}
impl std::fmt::Display for Grade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == 0 {
            f.write_str("K")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// A school year, or a term (semester, trimester, quarter) inside one. OneRoster calls both
/// academic sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    SchoolYear,
    Term,
}

impl TermKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SchoolYear => "school_year",
            Self::Term => "term",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "school_year" => Ok(Self::SchoolYear),
            "term" => Ok(Self::Term),
            _ => Err(ParseError::new(
                "term kind",
                s,
                "must be school_year or term",
            )),
        }
    }
}

/// A calendar date `YYYY-MM-DD`, checked for a real day.
pub fn parse_date(field: &'static str, raw: &str) -> Result<String, ParseError> {
    let bad = || ParseError::new(field, raw, "must be a date written YYYY-MM-DD");
    let parts: Vec<&str> = raw.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(bad());
    }
    let y: u32 = parts[0].parse().map_err(|_| bad())?;
    let m: u32 = parts[1].parse().map_err(|_| bad())?;
    let d: u32 = parts[2].parse().map_err(|_| bad())?;
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days {
        return Err(bad());
    }
    Ok(raw.to_owned())
}

/// The day of the week of a date `YYYY-MM-DD` (checked as by [`parse_date`]).
pub fn weekday_of(field: &'static str, raw: &str) -> Result<DayOfWeek, ParseError> {
    parse_date(field, raw)?;
    let n = |a: usize, b: usize| raw[a..b].parse::<i64>().unwrap_or(0);
    let (mut y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Sakamoto's method: 0 is Sunday.
    const T: [i64; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    if m < 3 {
        y -= 1;
    }
    let idx = usize::try_from(m - 1).unwrap_or(0).min(11);
    let sunday_based = (y + y / 4 - y / 100 + y / 400 + T[idx] + d).rem_euclid(7);
    DayOfWeek::from_index((sunday_based + 6).rem_euclid(7))
}

/// Days from 1970-01-01 to a date `YYYY-MM-DD` (checked as by [`parse_date`]).
pub fn days_since_epoch(field: &'static str, raw: &str) -> Result<i64, ParseError> {
    parse_date(field, raw)?;
    let n = |a: usize, b: usize| raw[a..b].parse::<i64>().unwrap_or(0);
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(era * 146_097 + doe - 719_468)
}

/// The date `YYYY-MM-DD` of a day count from 1970-01-01.
pub fn date_of_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A day of the school week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayOfWeek {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl DayOfWeek {
    pub const ALL: [DayOfWeek; 7] = [
        Self::Monday,
        Self::Tuesday,
        Self::Wednesday,
        Self::Thursday,
        Self::Friday,
        Self::Saturday,
        Self::Sunday,
    ];
    pub fn index(self) -> u8 {
        self as u8
    }
    pub fn from_index(i: i64) -> Result<Self, ParseError> {
        usize::try_from(i)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
            .ok_or_else(|| {
                ParseError::new("day", &i.to_string(), "must be 0 (Monday) to 6 (Sunday)")
            })
    }
    pub fn name(self) -> &'static str {
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][self as usize]
    }
    pub fn short(self) -> &'static str {
        &self.name()[..3]
    }
}

/// What a period of the time grid is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Students learn with their team.
    Instruction,
    /// Students are with specialists (arts, PE); the core team meets to plan.
    TeamPlanning,
    Lunch,
    Advisory,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instruction => "instruction",
            Self::TeamPlanning => "team_planning",
            Self::Lunch => "lunch",
            Self::Advisory => "advisory",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "instruction" => Ok(Self::Instruction),
            "team_planning" => Ok(Self::TeamPlanning),
            "lunch" => Ok(Self::Lunch),
            "advisory" => Ok(Self::Advisory),
            _ => Err(ParseError::new(
                "period kind",
                s,
                "must be instruction, team_planning, lunch or advisory",
            )),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Instruction => "Instruction",
            Self::TeamPlanning => "Team planning",
            Self::Lunch => "Lunch",
            Self::Advisory => "Advisory",
        }
    }
}

/// One period (block) of the daily grid; times are minutes after midnight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub name: String,
    pub start_minute: u16,
    pub end_minute: u16,
    pub kind: PeriodKind,
}

impl Period {
    pub fn minutes(&self) -> u16 {
        self.end_minute - self.start_minute
    }
    pub fn start_label(&self) -> String {
        clock(self.start_minute)
    }
    pub fn end_label(&self) -> String {
        clock(self.end_minute)
    }
}

/// `HH:MM` for minutes after midnight.
pub fn clock(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Parses `HH:MM` into minutes after midnight.
pub fn parse_clock(field: &'static str, raw: &str) -> Result<u16, ParseError> {
    let bad = || ParseError::new(field, raw, "must be a time of day written HH:MM");
    let (h, m) = raw.split_once(':').ok_or_else(bad)?;
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// The weekly time grid: school days, and the same periods on each day. Periods are in time
/// order and do not overlap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimeGrid {
    days: Vec<DayOfWeek>,
    periods: Vec<Period>,
}

impl TimeGrid {
    /// The week a new school starts with (Monday to Friday: advisory, five blocks — the third
    /// for team planning — lunch and a flex period), for its leader to change.
    pub fn starter() -> Self {
        let p = |name: &str, s: u16, e: u16, kind| Period {
            name: name.into(),
            start_minute: s,
            end_minute: e,
            kind,
        };
        let periods = vec![
            p("Advisory", 8 * 60, 8 * 60 + 20, PeriodKind::Advisory),
            p("Block 1", 8 * 60 + 25, 9 * 60 + 25, PeriodKind::Instruction),
            p(
                "Block 2",
                9 * 60 + 30,
                10 * 60 + 30,
                PeriodKind::Instruction,
            ),
            p(
                "Block 3",
                10 * 60 + 35,
                11 * 60 + 25,
                PeriodKind::TeamPlanning,
            ),
            p("Lunch", 11 * 60 + 30, 12 * 60, PeriodKind::Lunch),
            p("Block 4", 12 * 60 + 5, 13 * 60 + 5, PeriodKind::Instruction),
            p(
                "Block 5",
                13 * 60 + 10,
                14 * 60 + 10,
                PeriodKind::Instruction,
            ),
            p(
                "Flex / intervention",
                14 * 60 + 15,
                15 * 60,
                PeriodKind::Instruction,
            ),
        ];
        let days = DayOfWeek::ALL[..5].to_vec();
        Self::new(days, periods).unwrap_or_else(|e| unreachable!("the starter grid is valid: {e}"))
    }

    pub fn new(mut days: Vec<DayOfWeek>, periods: Vec<Period>) -> Result<Self, ParseError> {
        days.sort();
        days.dedup();
        if days.is_empty() {
            return Err(ParseError::new(
                "time grid",
                "",
                "needs at least one school day",
            ));
        }
        if periods.is_empty() {
            return Err(ParseError::new(
                "time grid",
                "",
                "needs at least one period",
            ));
        }
        if periods.len() > 24 {
            return Err(ParseError::new(
                "time grid",
                &periods.len().to_string(),
                "has more than 24 periods a day",
            ));
        }
        for p in &periods {
            if p.end_minute <= p.start_minute || p.end_minute > 24 * 60 {
                return Err(ParseError::new(
                    "period",
                    &p.name,
                    "must end after it starts, on the same day",
                ));
            }
        }
        for w in periods.windows(2) {
            if w[1].start_minute < w[0].end_minute {
                return Err(ParseError::new(
                    "period",
                    &w[1].name,
                    "starts before the previous period ends",
                ));
            }
        }
        Ok(Self { days, periods })
    }
    pub fn days(&self) -> &[DayOfWeek] {
        &self.days
    }
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }
    /// Protected team-planning minutes per week that the grid gives each core team.
    pub fn planning_minutes_per_week(&self) -> u32 {
        let daily: u32 = self
            .periods
            .iter()
            .filter(|p| p.kind == PeriodKind::TeamPlanning)
            .map(|p| u32::from(p.minutes()))
            .sum();
        daily * self.days.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_day_counts() {
        assert_eq!(weekday_of("d", "2026-12-01"), Ok(DayOfWeek::Tuesday));
        assert_eq!(weekday_of("d", "2000-02-29"), Ok(DayOfWeek::Tuesday));
        assert_eq!(weekday_of("d", "2027-01-03"), Ok(DayOfWeek::Sunday));
        assert!(weekday_of("d", "2026-02-29").is_err());
        assert_eq!(days_since_epoch("d", "1970-01-01"), Ok(0));
        assert_eq!(days_since_epoch("d", "2026-12-01"), Ok(20_788));
        for z in [-1000, 0, 59, 60, 11_016, 20_788, 40_000] {
            let date = date_of_days(z);
            assert_eq!(days_since_epoch("d", &date), Ok(z), "{date}");
        }
    }

    fn p(name: &str, s: u16, e: u16) -> Period {
        Period {
            name: name.into(),
            start_minute: s,
            end_minute: e,
            kind: PeriodKind::Instruction,
        }
    }

    #[test]
    fn grid_refuses_overlaps_and_backwards_periods() {
        let days = vec![DayOfWeek::Monday];
        assert!(TimeGrid::new(days.clone(), vec![p("1", 480, 530), p("2", 520, 560)]).is_err());
        assert!(TimeGrid::new(days.clone(), vec![p("1", 480, 470)]).is_err());
        assert!(TimeGrid::new(vec![], vec![p("1", 480, 530)]).is_err());
        let g = TimeGrid::new(days, vec![p("1", 480, 530), p("2", 535, 585)]).expect("valid grid");
        assert_eq!(g.periods().len(), 2);
    }

    #[test]
    fn dates_and_clocks_parse_strictly() {
        assert!(parse_date("start", "2025-02-29").is_err());
        assert!(parse_date("start", "2024-02-29").is_ok());
        assert!(parse_date("start", "2024-2-9").is_err());
        assert_eq!(parse_clock("start", "08:05"), Ok(485));
        assert!(parse_clock("start", "24:00").is_err());
        assert_eq!(clock(485), "08:05");
    }

    #[test]
    fn grades_run_from_kindergarten_to_twelve() {
        assert!(Grade::new(13).is_err());
        assert!(Grade::new(-1).is_err());
        assert_eq!(
            Grade::new(0).map(|g| g.oneroster_code()),
            Ok("KG".to_owned())
        );
        assert_eq!(
            Grade::new(7).map(|g| g.oneroster_code()),
            Ok("07".to_owned())
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn clock_round_trips(m in 0u16..24 * 60) {
            prop_assert_eq!(parse_clock("t", &clock(m)), Ok(m));
        }

        #[test]
        fn parsers_never_panic(s in ".{0,40}") {
            let _ = parse_clock("t", &s);
            let _ = parse_date("d", &s);
            let _ = PeriodKind::parse(&s);
            let _ = TermKind::parse(&s);
        }

        #[test]
        fn accepted_dates_are_real_days(y in 1900u32..2200, m in 1u32..=12, d in 1u32..=31) {
            let raw = format!("{y:04}-{m:02}-{d:02}");
            let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
            let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
            prop_assert_eq!(parse_date("d", &raw).is_ok(), d <= days);
        }
    }
}
