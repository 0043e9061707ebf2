//! The budget model: what a plan costs from a salary schedule (role, lane, step), stipends for
//! lead roles and a benefits rate, next to a traditional one-teacher-per-classroom plan for the
//! same students, with budget-neutral what-ifs. Money is integer cents; rates basis points.

use crate::catalog::Pay;
use crate::plan::Design;
use crate::problem::{Candidate, Problem};
use ensemble_domain::RoleType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetModel {
    pub currency: String,
    pub certified: CertifiedSchedule,
    pub classified: ClassifiedSchedule,
    /// Community educators' hourly rate, cents.
    pub community_hourly_cents: i64,
    /// A resident's annual stipend at 1.0 FTE, cents.
    pub resident_stipend_cents: i64,
    pub stipends: Stipends,
    pub benefits: Benefits,
    pub traditional: Traditional,
}

/// Annual salaries at 1.0 FTE, cents: `steps[step − 1][lane]`. Step = years of experience + 1,
/// capped at the last step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertifiedSchedule {
    pub lanes: Vec<String>,
    pub default_lane: String,
    pub steps: Vec<Vec<i64>>,
}

/// Hourly rates by step (years + 1, capped), cents, and the hours of a 1.0 FTE year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifiedSchedule {
    pub hourly_cents: Vec<i64>,
    pub hours_per_year: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stipends {
    /// The team lead's stipend, as basis points of their salary (1500 = 15%).
    pub team_lead_bp: i64,
    /// A fixed stipend per responsibility held (by catalog code), cents.
    pub per_responsibility: BTreeMap<String, i64>,
    /// Per stretch assignment coached, cents.
    pub per_stretch_coached: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benefits {
    /// Retirement, payroll taxes and the like, as basis points of salary.
    pub percent_of_salary_bp: i64,
    /// Health insurance per benefited FTE, cents.
    pub flat_per_fte_cents: i64,
    /// Employees at or above this FTE (thousandths) are benefited.
    pub benefited_from_fte_milli: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traditional {
    /// Students per classroom teacher.
    pub class_size: u32,
}

impl Default for BudgetModel {
    fn default() -> Self {
        let lanes = ["BA", "BA+15", "MA", "MA+30", "PhD"];
        let deltas = [0i64, 1_500, 5_500, 7_500, 9_000];
        let steps = (0..20)
            .map(|s| {
                let ba = 48_000.0 * 1.03f64.powi(s);
                let ba = ((ba / 100.0).round() as i64) * 100;
                deltas.iter().map(|d| (ba + d) * 100).collect()
            })
            .collect();
        let hourly = (0..10).map(|s| 1_700 + (s * 700 + 4) / 9).collect();
        Self {
            currency: "USD".into(),
            certified: CertifiedSchedule {
                lanes: lanes.map(String::from).to_vec(),
                default_lane: "BA".into(),
                steps,
            },
            classified: ClassifiedSchedule {
                hourly_cents: hourly,
                hours_per_year: 7 * 185,
            },
            community_hourly_cents: 2_000,
            resident_stipend_cents: 2_000_000,
            stipends: Stipends {
                team_lead_bp: 1_500,
                per_responsibility: [("lead_planner", 150_000), ("data_lead", 100_000)]
                    .map(|(k, v)| (k.to_owned(), v))
                    .into_iter()
                    .collect(),
                per_stretch_coached: 50_000,
            },
            benefits: Benefits {
                percent_of_salary_bp: 2_800,
                flat_per_fte_cents: 1_050_000,
                benefited_from_fte_milli: 500,
            },
            traditional: Traditional { class_size: 26 },
        }
    }
}

/// One person's annual cost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub salary: i64,
    pub stipends: i64,
    pub benefits: i64,
}
impl Cost {
    pub fn total(&self) -> i64 {
        self.salary + self.stipends + self.benefits
    }
}

fn pay_of(p: &Problem, role: RoleType) -> Pay {
    p.catalog.role(role).map_or(
        match role {
            RoleType::Volunteer => Pay::Unpaid,
            RoleType::Paraeducator => Pay::Classified,
            RoleType::CommunityEducator => Pay::Hourly,
            RoleType::ResidentTeacher => Pay::Stipend,
            _ => Pay::Certified,
        },
        |r| r.pay,
    )
}

impl BudgetModel {
    /// Checks every amount is in a sane range (so no cost can overflow), and the schedule's
    /// shape. Errors name the field.
    pub fn validate(&self) -> Result<(), crate::InputError> {
        let bad = |path: &str, problem: &str| {
            Err(crate::InputError {
                path: format!("budget.{path}"),
                problem: problem.into(),
            })
        };
        let within = |v: i64, max: i64| (0..=max).contains(&v);
        const DOLLARS_1M: i64 = 100_000_000;
        let c = &self.certified;
        if c.lanes.is_empty() || !c.lanes.contains(&c.default_lane) {
            return bad(
                "certified.lanes",
                "needs at least one lane, default_lane among them",
            );
        }
        if c.steps.is_empty() || c.steps.iter().any(|row| row.len() != c.lanes.len()) {
            return bad(
                "certified.steps",
                "needs at least one step, each with one salary per lane",
            );
        }
        if c.steps.iter().flatten().any(|&v| !within(v, DOLLARS_1M)) {
            return bad("certified.steps", "salaries are 0 to $1,000,000 (in cents)");
        }
        let h = &self.classified;
        if h.hourly_cents.is_empty() || h.hourly_cents.iter().any(|&v| !within(v, 100_000)) {
            return bad(
                "classified.hourly_cents",
                "needs at least one step; rates are 0 to $1,000 an hour (in cents)",
            );
        }
        if !within(h.hours_per_year, 8_784) {
            return bad("classified.hours_per_year", "must be 0 to 8,784");
        }
        if !within(self.community_hourly_cents, 100_000) {
            return bad(
                "community_hourly_cents",
                "must be 0 to $1,000 an hour (in cents)",
            );
        }
        if !within(self.resident_stipend_cents, DOLLARS_1M) {
            return bad(
                "resident_stipend_cents",
                "must be 0 to $1,000,000 (in cents)",
            );
        }
        let st = &self.stipends;
        if !within(st.team_lead_bp, 10_000)
            || !within(st.per_stretch_coached, DOLLARS_1M)
            || st
                .per_responsibility
                .values()
                .any(|&v| !within(v, DOLLARS_1M))
        {
            return bad(
                "stipends",
                "team_lead_bp is 0 to 10,000 basis points; amounts 0 to $1,000,000 (in cents)",
            );
        }
        let b = &self.benefits;
        if !within(b.percent_of_salary_bp, 10_000)
            || !within(b.flat_per_fte_cents, DOLLARS_1M)
            || b.benefited_from_fte_milli > 1_000
        {
            return bad(
                "benefits",
                "percent_of_salary_bp is 0 to 10,000; flat_per_fte_cents 0 to $1,000,000; benefited_from_fte_milli 0 to 1,000",
            );
        }
        if !(1..=1_000).contains(&self.traditional.class_size) {
            return bad("traditional.class_size", "must be 1 to 1,000");
        }
        Ok(())
    }

    /// Salary at 1.0 FTE on the certified schedule, cents.
    pub fn certified_salary(&self, lane: Option<&str>, years: u8) -> i64 {
        let lane = lane.unwrap_or(&self.certified.default_lane);
        let li = self
            .certified
            .lanes
            .iter()
            .position(|l| l == lane)
            .or_else(|| {
                self.certified
                    .lanes
                    .iter()
                    .position(|l| *l == self.certified.default_lane)
            })
            .unwrap_or(0);
        let last = self.certified.steps.len().saturating_sub(1);
        self.certified
            .steps
            .get((years as usize).min(last))
            .and_then(|row| row.get(li))
            .copied()
            .unwrap_or(0)
    }

    /// Salary (before stipends and benefits) of a role at an FTE, cents.
    pub fn base(&self, pay: Pay, lane: Option<&str>, years: u8, fte_milli: u32) -> i64 {
        let fte = i64::from(fte_milli);
        match pay {
            Pay::Certified => self.certified_salary(lane, years) * fte / 1000,
            Pay::Classified => {
                let last = self.classified.hourly_cents.len().saturating_sub(1);
                let rate = self
                    .classified
                    .hourly_cents
                    .get((years as usize).min(last))
                    .copied()
                    .unwrap_or(0);
                rate * self.classified.hours_per_year * fte / 1000
            }
            Pay::Hourly => {
                self.community_hourly_cents * self.classified.hours_per_year * fte / 1000
            }
            Pay::Stipend => self.resident_stipend_cents * fte / 1000,
            Pay::Unpaid => 0,
        }
    }

    pub fn benefits(&self, pay: Pay, salary: i64, fte_milli: u32) -> i64 {
        let benefited = matches!(pay, Pay::Certified | Pay::Classified)
            && fte_milli >= self.benefits.benefited_from_fte_milli
            && fte_milli > 0;
        if !benefited {
            return 0;
        }
        salary * self.benefits.percent_of_salary_bp / 10_000
            + self.benefits.flat_per_fte_cents * i64::from(fte_milli) / 1000
    }

    /// A new hire of `role` at `fte_milli`, at a typical step (5 years) and the default lane.
    pub fn typical(&self, p: &Problem, role: RoleType, fte_milli: u32) -> i64 {
        let pay = pay_of(p, role);
        let salary = self.base(pay, None, 5, fte_milli);
        salary + self.benefits(pay, salary, fte_milli)
    }
}

/// One plan's figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanFigures {
    pub label: String,
    pub students: u64,
    pub total_cents: i64,
    pub cost_per_student_cents: i64,
    /// Headcount of adults in the plan.
    pub adults: u64,
    pub adult_fte: f64,
    pub adults_per_100_students: f64,
    pub professionals: u64,
    pub students_per_professional: f64,
    /// Protected collaborative planning per core educator per week.
    pub collaborative_planning_minutes: u32,
    /// Cost by role, cents.
    pub by_role: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    pub description: String,
    /// Change against the team plan, cents (never above zero: budget-neutral).
    pub cost_change_cents: i64,
    pub adults_added: i32,
    pub adults_per_100_students: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetReport {
    pub currency: String,
    pub plan: PlanFigures,
    pub traditional: PlanFigures,
    /// Filling the plan's hiring profiles at typical cost.
    pub hires_cents: i64,
    /// `traditional − plan`: positive when the team plan costs less.
    pub difference_cents: i64,
    pub what_ifs: Vec<WhatIf>,
    /// Each costed person: (school, educator, cost).
    pub people: Vec<(String, String, Cost)>,
    pub notes: Vec<String>,
}

/// Costs `design` under `model` and compares it with a traditional plan. `hiring` is the
/// plan's hiring profiles ([`crate::hiring`]), whose cost is reported beside it.
pub fn budget(
    p: &Problem,
    design: &Design,
    model: &BudgetModel,
    hiring: &[crate::HiringProfile],
) -> BudgetReport {
    let mut people = Vec::new();
    let mut plan = PlanFigures {
        label: "Team-based plan".into(),
        ..Default::default()
    };
    let mut trad = PlanFigures {
        label: "Traditional: one teacher per classroom".into(),
        ..Default::default()
    };
    let mut notes = Vec::new();
    let mut teacher_costs = Vec::new();
    let mut ext_total = 0i64;
    let mut ext_adults = 0u64;
    let mut ext_fte = 0u64;
    let mut ext_pros = 0u64;
    let mut homerooms = 0u64;
    let mut planning = Vec::new();
    let mut fte_total = 0u64;
    for sd in &design.schools {
        let Some(school) = p.schools.iter().find(|s| s.id == sd.school) else {
            continue;
        };
        planning.push(school.planning_minutes_per_week);
        let students: u64 = school.bands.iter().map(|b| u64::from(b.students)).sum();
        plan.students += students;
        trad.students += students;
        homerooms += school
            .bands
            .iter()
            .map(|b| u64::from(b.students.div_ceil(model.traditional.class_size.max(1))))
            .sum::<u64>();
        let find = |id: &str| school.educators.iter().find(|e| e.id == id);
        let mut cost_one = |c: &Candidate, core: bool| -> Cost {
            let pay = pay_of(p, c.role);
            let salary = model.base(pay, c.lane.as_deref(), c.years, c.fte_milli());
            let mut stipends = 0;
            for t in &sd.teams {
                for h in &t.holdings {
                    if h.holder.as_deref() == Some(c.id.as_str()) {
                        let base = p
                            .catalog
                            .responsibilities
                            .iter()
                            .find(|r| {
                                h.responsibility == r.code
                                    || h.responsibility.starts_with(&format!("{}_", r.code))
                            })
                            .map_or(h.responsibility.as_str(), |r| r.code.as_str());
                        if base == "team_lead" {
                            stipends += salary * model.stipends.team_lead_bp / 10_000;
                        }
                        stipends += model
                            .stipends
                            .per_responsibility
                            .get(base)
                            .copied()
                            .unwrap_or(0);
                    }
                    if h.coach.as_deref() == Some(c.id.as_str()) {
                        stipends += model.stipends.per_stretch_coached;
                    }
                }
            }
            let benefits = model.benefits(pay, salary, c.fte_milli());
            if core && pay == Pay::Certified {
                teacher_costs.push(salary + benefits);
            }
            Cost {
                salary,
                stipends,
                benefits,
            }
        };
        for t in &sd.teams {
            for m in &t.members {
                if let Some(c) = find(&m.educator) {
                    let cost = cost_one(c, true);
                    *plan.by_role.entry(c.role.label().into()).or_default() += cost.total();
                    plan.total_cents += cost.total();
                    plan.adults += 1;
                    fte_total += u64::from(c.fte_milli());
                    plan.professionals += u64::from(c.role.is_professional());
                    people.push((school.id.clone(), c.id.clone(), cost));
                }
            }
        }
        for x in &sd.extended {
            if let Some(c) = find(&x.educator) {
                let cost = cost_one(c, false);
                *plan.by_role.entry(c.role.label().into()).or_default() += cost.total();
                plan.total_cents += cost.total();
                ext_total += cost.total();
                plan.adults += 1;
                ext_adults += 1;
                fte_total += u64::from(c.fte_milli());
                ext_fte += u64::from(c.fte_milli());
                ext_pros += u64::from(c.role.is_professional());
                plan.professionals += u64::from(c.role.is_professional());
                people.push((school.id.clone(), c.id.clone(), cost));
            }
        }
    }
    let avg_teacher = if teacher_costs.is_empty() {
        notes.push("No certified teachers in the plan: the traditional plan's teachers are priced at step 6 of the default lane.".into());
        model.typical(p, RoleType::ExperiencedEducator, 1000)
    } else {
        teacher_costs.iter().sum::<i64>() / teacher_costs.len() as i64
    };
    trad.total_cents = avg_teacher * homerooms as i64 + ext_total;
    trad.by_role
        .insert("Classroom teachers".into(), avg_teacher * homerooms as i64);
    trad.by_role
        .insert("Extended team (as in the team plan)".into(), ext_total);
    trad.adults = homerooms + ext_adults;
    trad.professionals = homerooms + ext_pros;
    let trad_fte = homerooms * 1000 + ext_fte;
    let finish = |f: &mut PlanFigures, fte_milli: u64, planning: u32| {
        f.cost_per_student_cents = f.total_cents / f.students.max(1) as i64;
        f.adult_fte = fte_milli as f64 / 1000.0;
        f.adults_per_100_students = 100.0 * f.adults as f64 / f.students.max(1) as f64;
        f.students_per_professional = f.students as f64 / f.professionals.max(1) as f64;
        f.collaborative_planning_minutes = planning;
    };
    let team_planning = if planning.is_empty() {
        0
    } else {
        (planning.iter().map(|&m| u64::from(m)).sum::<u64>() / planning.len() as u64) as u32
    };
    finish(&mut plan, fte_total, team_planning);
    finish(&mut trad, trad_fte, 0);
    notes.push(format!(
        "The traditional plan has {homerooms} classroom teachers ({} students per class) at the plan's average teacher cost, and the same extended team.",
        model.traditional.class_size
    ));
    let hires: i64 = hiring.iter().map(|h| h.annual_cost_cents).sum();
    let difference = trad.total_cents - plan.total_cents;
    let what_ifs = what_ifs(p, model, avg_teacher, difference, &plan);
    BudgetReport {
        currency: model.currency.clone(),
        plan,
        traditional: trad,
        hires_cents: hires,
        difference_cents: difference,
        what_ifs,
        people,
        notes,
    }
}

/// Budget-neutral what-ifs: what one teacher vacancy (and any saving of the team plan) could
/// pay for instead, as combinations of paraeducators, residents, community educators and
/// team-lead stipends that cost no more.
fn what_ifs(
    p: &Problem,
    model: &BudgetModel,
    teacher: i64,
    saving: i64,
    plan: &PlanFigures,
) -> Vec<WhatIf> {
    let para = model.typical(p, RoleType::Paraeducator, 1000);
    let resident = model.typical(p, RoleType::ResidentTeacher, 1000);
    let community = model.typical(p, RoleType::CommunityEducator, 200);
    let lead = model.certified_salary(None, 5) * model.stipends.team_lead_bp / 10_000;
    let mut out = Vec::new();
    let money = |c: i64| crate::budget::money(c);
    let mut scenarios = vec![(
        format!("One 1.0 FTE teacher vacancy ({})", money(teacher)),
        teacher,
        -1i32,
    )];
    if saving > 0 {
        scenarios.push((
            format!(
                "The team plan's saving over the traditional plan ({})",
                money(saving)
            ),
            saving,
            0,
        ));
    }
    for (what, budget, removed) in scenarios {
        let mut options: Vec<(i32, i64, [u32; 4])> = Vec::new();
        for a in 0..=3u32 {
            for r in 0..=2u32 {
                for c in 0..=4u32 {
                    for s in 0..=2u32 {
                        let cost = para * i64::from(a)
                            + resident * i64::from(r)
                            + community * i64::from(c)
                            + lead * i64::from(s);
                        let adults = (a + r + c) as i32;
                        if adults > 0 && cost <= budget {
                            options.push((adults, cost, [a, r, c, s]));
                        }
                    }
                }
            }
        }
        // Most adults first, then the fullest use of the money; one option per adult count.
        options.sort_by_key(|o| (std::cmp::Reverse(o.0), std::cmp::Reverse(o.1)));
        let mut seen = Vec::new();
        for (adults, cost, [a, r, c, s]) in options {
            if seen.contains(&adults) || seen.len() == 3 {
                continue;
            }
            seen.push(adults);
            let mut parts = Vec::new();
            let plural = |n: u32, one: &str, many: &str| {
                if n == 1 {
                    format!("1 {one}")
                } else {
                    format!("{n} {many}")
                }
            };
            if a > 0 {
                parts.push(plural(a, "paraeducator", "paraeducators"));
            }
            if r > 0 {
                parts.push(plural(r, "resident teacher", "resident teachers"));
            }
            if c > 0 {
                parts.push(plural(
                    c,
                    "community educator at 0.2 FTE",
                    "community educators at 0.2 FTE",
                ));
            }
            if s > 0 {
                parts.push(plural(s, "team-lead stipend", "team-lead stipends"));
            }
            let change = cost - budget;
            let added = adults + removed;
            out.push(WhatIf {
                description: format!(
                    "{what} becomes {}: {} left",
                    join_and(&parts),
                    money(budget - cost)
                ),
                cost_change_cents: change,
                adults_added: added,
                adults_per_100_students: 100.0 * (plan.adults as f64 + f64::from(added))
                    / plan.students.max(1) as f64,
            });
        }
    }
    out
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `$1,234,567` from cents (rounded to the dollar).
pub fn money(cents: i64) -> String {
    let dollars = (cents.unsigned_abs() + 50) / 100;
    let digits = dollars.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}${out}", if cents < 0 { "−" } else { "" })
}
