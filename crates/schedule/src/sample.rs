//! Generated schools for tests and benchmarks (no schedule yet): core teams in suites, a
//! specials team in crews, an extended team of specialists, paraeducators and a community
//! educator, services at realistic rates. Deterministic in its seed.

use crate::model::*;
use ensemble_domain::{DayOfWeek, PeriodKind, RoleType, TeamKind};
use std::collections::BTreeMap;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Shape {
    pub core_teams: usize,
    pub students_per_team: usize,
    /// Professional educators per core team (a teacher-leader among them).
    pub professionals: usize,
    pub residents: usize,
    pub paraeducators: usize,
    /// Extended-team specialists (special education, English learning, reading, counselling
    /// in turn), paraeducators and community educators.
    pub specialists: usize,
    pub extended_paraeducators: usize,
    pub community: usize,
    pub seed: u64,
}

impl Shape {
    /// A high school of 2,000 students and 120 educators in 8 core teams.
    pub fn high_school(seed: u64) -> Self {
        Self {
            core_teams: 8,
            students_per_team: 250,
            professionals: 8,
            residents: 1,
            paraeducators: 2,
            specialists: 13,
            extended_paraeducators: 2,
            community: 1,
            seed,
        }
    }
}

fn p(name: &str, start: u16, end: u16, kind: PeriodKind) -> GridPeriod {
    GridPeriod {
        name: name.into(),
        start: Clock(start),
        end: Clock(end),
        kind,
    }
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A school of this shape, without sessions.
pub fn school(shape: &Shape) -> Doc {
    let mut rng = Rng(shape.seed);
    let days = DayOfWeek::ALL[..5].to_vec();
    let periods = vec![
        p("Advisory", 480, 500, PeriodKind::Advisory),
        p("Block 1", 505, 565, PeriodKind::Instruction),
        p("Block 2", 570, 630, PeriodKind::Instruction),
        p("Block 3", 635, 685, PeriodKind::TeamPlanning),
        p("Lunch", 690, 720, PeriodKind::Lunch),
        p("Block 4", 725, 785, PeriodKind::Instruction),
        p("Block 5", 790, 850, PeriodKind::Instruction),
        p("Flex", 855, 900, PeriodKind::Instruction),
    ];
    let all_periods: BTreeMap<DayOfWeek, Vec<usize>> = days
        .iter()
        .map(|d| (*d, (0..periods.len()).collect()))
        .collect();
    let mut educators = Vec::new();
    let mut spaces = Vec::new();
    let mut teams = Vec::new();
    let mut services = Vec::new();
    let mut next_educator = 1i64;
    let mut next_space = 1i64;
    let mut educator = |role: RoleType, educators: &mut Vec<Educator>| -> i64 {
        let id = next_educator;
        next_educator += 1;
        educators.push(Educator {
            id,
            email: format!("educator{id}@sample.example"),
            name: format!("Educator {id}"),
            role,
            available: all_periods.clone(),
            max_group: None,
        });
        id
    };
    let mut space = |name: String,
                     kind: &str,
                     capacity: u32,
                     zone_of: Option<i64>,
                     spaces: &mut Vec<Space>|
     -> i64 {
        let id = next_space;
        next_space += 1;
        spaces.push(Space {
            id,
            name,
            kind: kind.into(),
            capacity,
            zone_of,
        });
        id
    };
    let n = shape.students_per_team;
    let mut next_student = 1000i64;
    let mut rosters = Vec::new();
    for t in 0..shape.core_teams {
        let mut members = Vec::new();
        let lead = educator(RoleType::TeacherLeader, &mut educators);
        members.push(lead);
        for k in 1..shape.professionals.max(2) {
            let role = if k % 3 == 2 {
                RoleType::NoviceTeacher
            } else {
                RoleType::ExperiencedEducator
            };
            members.push(educator(role, &mut educators));
        }
        for _ in 0..shape.residents {
            members.push(educator(RoleType::ResidentTeacher, &mut educators));
        }
        for _ in 0..shape.paraeducators {
            members.push(educator(RoleType::Paraeducator, &mut educators));
        }
        let rooms = shape.professionals.max(2);
        let room_cap = n.div_ceil(rooms).max(30).next_multiple_of(2);
        let suite = space(
            format!("Suite {}", t + 1),
            "flexible_space",
            u32::try_from(room_cap * rooms).unwrap_or(u32::MAX),
            None,
            &mut spaces,
        );
        let zones: Vec<i64> = (0..rooms)
            .map(|r| {
                space(
                    format!("Room {}{:02}", t + 1, r + 1),
                    "zone",
                    u32::try_from(room_cap).unwrap_or(u32::MAX),
                    Some(suite),
                    &mut spaces,
                )
            })
            .collect();
        let roster: Vec<i64> = (0..n)
            .map(|i| next_student + i64::try_from(i).unwrap_or(0))
            .collect();
        next_student += i64::try_from(n).unwrap_or(0);
        rosters.push(roster.clone());
        teams.push(Team {
            id: i64::try_from(t + 1).unwrap_or(0),
            name: format!("Team {}", t + 1),
            kind: TeamKind::Core,
            member_ids: members,
            lead_ids: vec![lead],
            student_ids: roster,
            space_ids: zones,
        });
    }
    // Specials: crews of 32-seat rooms, one crew for every five core teams.
    let crew = n.div_ceil(32);
    let crews = shape.core_teams.div_ceil(5).max(1);
    let mut specials_members = Vec::new();
    let mut specials_rooms = Vec::new();
    for k in 0..crew * crews {
        specials_members.push(educator(RoleType::Specialist, &mut educators));
        specials_rooms.push(space(
            format!("Specials room {}", k + 1),
            "classroom",
            32,
            None,
            &mut spaces,
        ));
    }
    let base = i64::try_from(shape.core_teams).unwrap_or(0);
    teams.push(Team {
        id: base + 1,
        name: "Specials".into(),
        kind: TeamKind::Specials,
        member_ids: specials_members,
        lead_ids: Vec::new(),
        student_ids: Vec::new(),
        space_ids: specials_rooms,
    });
    // Extended team and services.
    let codes = [
        ("special_education", "Special education", 12u64),
        ("english_learner", "English-language development", 10),
        ("reading_intervention", "Reading intervention", 12),
        ("counselling", "Counselling", 8),
    ];
    let by_code: Vec<Vec<i64>> = (0..codes.len())
        .map(|c| {
            (0..shape.specialists)
                .filter(|k| k % codes.len() == c)
                .map(|_| 0)
                .collect()
        })
        .collect();
    let mut providers: Vec<Vec<i64>> = vec![Vec::new(); codes.len()];
    for (c, slots) in by_code.iter().enumerate() {
        for _ in slots {
            providers[c].push(educator(RoleType::Specialist, &mut educators));
        }
    }
    let paras: Vec<i64> = (0..shape.extended_paraeducators)
        .map(|_| educator(RoleType::Paraeducator, &mut educators))
        .collect();
    let community: Vec<i64> = (0..shape.community)
        .map(|_| educator(RoleType::CommunityEducator, &mut educators))
        .collect();
    let mut turn = vec![0usize; codes.len()];
    for roster in &rosters {
        for (i, s) in roster.iter().enumerate() {
            for (c, (code, label, rate)) in codes.iter().enumerate() {
                if providers[c].is_empty() || !rng.chance(*rate) {
                    continue;
                }
                let who = providers[c][turn[c] % providers[c].len()];
                turn[c] += 1;
                services.push(Service {
                    educator_id: who,
                    student_id: *s,
                    service: (*code).into(),
                    label: (*label).into(),
                    minutes_per_week: 45,
                });
                if c == 0 && !paras.is_empty() && i % 3 == 0 {
                    services.push(Service {
                        educator_id: paras[i % paras.len()],
                        student_id: *s,
                        service: "paraeducator_support".into(),
                        label: "Paraeducator support".into(),
                        minutes_per_week: 20,
                    });
                }
            }
            if !community.is_empty() && i % 50 == 7 {
                services.push(Service {
                    educator_id: community[i % community.len()],
                    student_id: *s,
                    service: "robotics_mentoring".into(),
                    label: "Robotics mentoring".into(),
                    minutes_per_week: 45,
                });
            }
        }
    }
    let extended: Vec<i64> = providers
        .iter()
        .flatten()
        .chain(&paras)
        .chain(&community)
        .copied()
        .collect();
    teams.push(Team {
        id: base + 2,
        name: "Extended team".into(),
        kind: TeamKind::Extended,
        member_ids: extended,
        lead_ids: Vec::new(),
        student_ids: Vec::new(),
        space_ids: Vec::new(),
    });
    for g in 0..(2 + shape.core_teams) {
        space(
            format!("Small-group room {}", g + 1),
            "small_group_room",
            10,
            None,
            &mut spaces,
        );
    }
    Doc {
        format: FORMAT.into(),
        school: Named {
            id: 1,
            name: "Sample School".into(),
        },
        term: Term {
            id: 1,
            name: "Fall".into(),
            start_date: "2026-08-03".into(),
            end_date: "2026-12-18".into(),
        },
        time_zone: "America/Chicago".into(),
        planning_minutes_daily: 45,
        grid: Grid { days, periods },
        teams,
        educators,
        spaces,
        services,
        sessions: Vec::new(),
    }
}
