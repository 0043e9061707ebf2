//! FET's constraint types, mapped onto the problem's families ([`crate::problem::Kind`]).
//! Every name and number a constraint uses is checked; an error names the line and element.

use crate::model::{Instance, RawConstraint};
use crate::problem::*;
use crate::FetError;
use std::collections::{BTreeMap, HashMap};

/// Constraint types the engine does not handle yet, found active in a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unsupported {
    /// Type name → (hard count, soft count).
    pub by_type: BTreeMap<String, (usize, usize)>,
}

impl Unsupported {
    fn count(&mut self, kind: &str, hard: bool) {
        let e = self.by_type.entry(kind.to_owned()).or_default();
        if hard {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    pub fn hard(&self) -> usize {
        self.by_type.values().map(|v| v.0).sum()
    }
    pub fn total(&self) -> usize {
        self.by_type.values().map(|v| v.0 + v.1).sum()
    }
    /// `ConstraintX (2 hard, 1 soft), …`
    pub fn describe(&self) -> String {
        self.by_type
            .iter()
            .map(|(k, (h, s))| format!("{k} ({h} hard, {s} soft)"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

struct Fields<'a> {
    c: &'a RawConstraint,
}

impl<'a> Fields<'a> {
    fn err(&self, message: impl Into<String>) -> FetError {
        FetError::at(self.c.line, &self.c.kind, message.into())
    }
    fn get(&self, name: &str) -> Option<&'a str> {
        self.c
            .fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.c
            .fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn text(&self, name: &str) -> Result<&'a str, FetError> {
        self.get(name)
            .ok_or_else(|| self.err(format!("has no <{name}>")))
    }
    fn num(&self, name: &str) -> Result<u32, FetError> {
        let t = self.text(name)?;
        t.trim()
            .parse()
            .map_err(|_| self.err(format!("<{name}> {t:?} is not a whole number")))
    }
    fn flag(&self, name: &str, default: bool) -> Result<bool, FetError> {
        match self.get(name).map(str::trim) {
            None => Ok(default),
            Some("true") | Some("1") => Ok(true),
            Some("false") | Some("0") => Ok(false),
            Some(o) => Err(self.err(format!("<{name}> {o:?} is not true or false"))),
        }
    }
    /// A name that may be empty (no filter).
    fn opt(&self, name: &str) -> Option<&'a str> {
        self.get(name).filter(|t| !t.is_empty())
    }
}

struct Ctx<'a> {
    inst: &'a Instance,
    days: HashMap<&'a str, usize>,
    hours: HashMap<&'a str, usize>,
    teachers: HashMap<&'a str, usize>,
    sets: HashMap<&'a str, usize>,
    subjects: HashMap<&'a str, usize>,
    tags: HashMap<&'a str, usize>,
    rooms: HashMap<&'a str, usize>,
    /// FET id → index in the problem's activities (active ones only).
    by_id: HashMap<u32, usize>,
    /// FET ids of inactive activities: constraints may name them and skip them.
    inactive: HashMap<u32, ()>,
    subgroups: Vec<Vec<usize>>,
    acts: Vec<Act>,
    n_hours: usize,
    n_days: usize,
}

fn index<'a>(names: impl Iterator<Item = &'a String>) -> HashMap<&'a str, usize> {
    names.enumerate().map(|(i, n)| (n.as_str(), i)).collect()
}

impl<'a> Ctx<'a> {
    fn lookup(
        &self,
        f: &Fields,
        map: &HashMap<&str, usize>,
        what: &str,
        name: &str,
    ) -> Result<usize, FetError> {
        map.get(name)
            .copied()
            .ok_or_else(|| f.err(format!("names {what} {name:?}, which is not declared")))
    }
    fn teacher(&self, f: &Fields, field: &str) -> Result<usize, FetError> {
        self.lookup(f, &self.teachers, "teacher", f.text(field)?)
    }
    fn set(&self, f: &Fields, field: &str) -> Result<usize, FetError> {
        self.lookup(f, &self.sets, "students set", f.text(field)?)
    }
    fn room(&self, f: &Fields, name: &str) -> Result<usize, FetError> {
        self.lookup(f, &self.rooms, "room", name)
    }
    fn tag(&self, f: &Fields, field: &str) -> Result<usize, FetError> {
        self.lookup(f, &self.tags, "activity tag", f.text(field)?)
    }
    fn subject(&self, f: &Fields, field: &str) -> Result<usize, FetError> {
        self.lookup(f, &self.subjects, "subject", f.text(field)?)
    }
    fn hour_index(&self, f: &Fields, field: &str, t: &str) -> Result<usize, FetError> {
        self.hours
            .get(t)
            .copied()
            .ok_or_else(|| f.err(format!("<{field}> {t:?} is not an hour of the day")))
    }
    fn day_index(&self, f: &Fields, field: &str, t: &str) -> Result<usize, FetError> {
        self.days
            .get(t)
            .copied()
            .ok_or_else(|| f.err(format!("<{field}> {t:?} is not a day of the week")))
    }
    /// Slots listed as pairs `list/day_field`, `list/hour_field`.
    fn slot_list(
        &self,
        f: &Fields,
        list: &str,
        day_field: &str,
        hour_field: &str,
    ) -> Result<Vec<bool>, FetError> {
        let dk = format!("{list}/{day_field}");
        let hk = format!("{list}/{hour_field}");
        let mut out = vec![false; self.n_days * self.n_hours];
        let mut day = None;
        for (n, v) in &f.c.fields {
            if *n == dk {
                day = Some(self.day_index(f, &dk, v)?);
            } else if *n == hk {
                let d = day
                    .take()
                    .ok_or_else(|| f.err(format!("<{hk}> without a day before it")))?;
                let h = self.hour_index(f, &hk, v)?;
                out[d * self.n_hours + h] = true;
            }
        }
        Ok(out)
    }
    /// Activity ids under `field`, as problem indices; inactive activities are dropped.
    fn act_ids(&self, f: &Fields, field: &'a str) -> Result<Vec<usize>, FetError> {
        let mut out = Vec::new();
        for t in f.all(field) {
            let id: u32 = t
                .trim()
                .parse()
                .map_err(|_| f.err(format!("<{field}> {t:?} is not an activity id")))?;
            match self.by_id.get(&id) {
                Some(&a) => out.push(a),
                None if self.inactive.contains_key(&id) => {}
                None => return Err(f.err(format!("names activity {id}, which does not exist"))),
            }
        }
        Ok(out)
    }
    fn one_act(&self, f: &Fields, field: &'a str) -> Result<Option<usize>, FetError> {
        let v = self.act_ids(f, field)?;
        match v.len() {
            0 if f.get(field).is_some() => Ok(None),
            1 => Ok(Some(v[0])),
            _ => Err(f.err(format!("needs one <{field}>"))),
        }
    }
    /// Activities matching the optional teacher / students / subject / tag / duration filter
    /// of FET's `Activities…` constraints.
    fn filtered(&self, f: &Fields) -> Result<Vec<usize>, FetError> {
        let opt = |field: &str, table, what| {
            f.opt(field)
                .map(|n| self.lookup(f, table, what, n))
                .transpose()
        };
        let teacher = opt("Teacher_Name", &self.teachers, "teacher")?;
        let set = opt("Students_Name", &self.sets, "students set")?;
        let subject = opt("Subject_Name", &self.subjects, "subject")?;
        let tag = opt("Activity_Tag_Name", &self.tags, "activity tag")?;
        let duration = match f.opt("Duration") {
            Some(t) => Some(
                t.trim()
                    .parse::<u32>()
                    .map_err(|_| f.err(format!("<Duration> {t:?} is not a whole number")))?,
            ),
            None => None,
        };
        Ok((0..self.acts.len())
            .filter(|&a| {
                let src = &self.inst.activities[self.acts[a].source];
                teacher.is_none_or(|t| src.teachers.contains(&t))
                    && set.is_none_or(|s| {
                        self.acts[a]
                            .subgroups
                            .iter()
                            .any(|g| self.subgroups[s].contains(g))
                    })
                    && subject.is_none_or(|s| src.subject == s)
                    && tag.is_none_or(|t| src.tags.contains(&t))
                    && duration.is_none_or(|d| src.duration == d)
            })
            .collect())
    }
    /// Of the filtered activities, those that are the `k`-th (1-based) component of their
    /// split activity: as FET counts, `Id - Activity_Group_Id + 1` (an unsplit one is 1).
    fn components(&self, f: &Fields) -> Result<Vec<usize>, FetError> {
        let k = f.num("Component_Number")?;
        if k == 0 {
            return Err(f.err("<Component_Number> starts at 1"));
        }
        Ok(self
            .filtered(f)?
            .into_iter()
            .filter(|&a| {
                let src = &self.inst.activities[self.acts[a].source];
                let component = if src.group_id == 0 {
                    1
                } else {
                    src.id.wrapping_sub(src.group_id).wrapping_add(1)
                };
                component == k
            })
            .collect())
    }
    fn all_subgroups(&self) -> Vec<usize> {
        (0..self.inst.student_sets.len())
            .filter(|&s| self.inst.student_sets[s].children.is_empty())
            .collect()
    }
    fn acts_of_teacher(&self, t: usize) -> Vec<usize> {
        (0..self.acts.len())
            .filter(|&a| self.acts[a].teachers.contains(&t))
            .collect()
    }
    fn acts_of_subgroups(&self, subs: &[usize]) -> Vec<usize> {
        (0..self.acts.len())
            .filter(|&a| self.acts[a].subgroups.iter().any(|s| subs.contains(s)))
            .collect()
    }
}

/// Turns an instance's constraints into a [`Problem`]. Unsupported types are returned, not
/// refused: the caller decides (the CLI refuses a file with unsupported hard constraints
/// unless asked to ignore them).
pub fn compile(inst: &Instance) -> Result<(Problem, Unsupported), FetError> {
    let n_days = inst.days.len();
    let n_hours = inst.hours.len();
    if n_hours > 64 {
        return Err(FetError::at(
            0,
            "Hours_List",
            format!("{n_hours} hours a day: at most 64 are supported"),
        ));
    }
    let subgroups = crate::problem::subgroups_by_set(inst);
    let mut by_id = HashMap::new();
    let mut inactive = HashMap::new();
    let mut acts = Vec::new();
    for (i, a) in inst.activities.iter().enumerate() {
        if !a.active {
            inactive.insert(a.id, ());
            continue;
        }
        let mut subs: Vec<usize> = a
            .students
            .iter()
            .flat_map(|&s| subgroups[s].iter().copied())
            .collect();
        subs.sort_unstable();
        subs.dedup();
        let mut teachers = a.teachers.clone();
        teachers.sort_unstable();
        teachers.dedup();
        by_id.insert(a.id, acts.len());
        acts.push(Act {
            source: i,
            duration: a.duration,
            teachers,
            subgroups: subs,
            tags: a.tags.clone(),
            n_students: a.n_students,
            needs_room: false,
        });
    }
    let mut cx = Ctx {
        inst,
        days: index(inst.days.iter()),
        hours: index(inst.hours.iter()),
        teachers: index(inst.teachers.iter().map(|t| &t.name)),
        sets: index(inst.student_sets.iter().map(|s| &s.name)),
        subjects: index(inst.subjects.iter()),
        tags: index(inst.activity_tags.iter()),
        rooms: index(inst.rooms.iter().map(|r| &r.name)),
        by_id,
        inactive,
        subgroups,
        acts,
        n_hours,
        n_days,
    };
    let n_slots = n_days * n_hours;
    let mut out: Vec<Constraint> = Vec::new();
    let mut unsupported = Unsupported::default();
    let mut teacher_off = vec![vec![false; n_slots]; inst.teachers.len()];
    let mut subgroup_off = vec![vec![false; n_slots]; inst.student_sets.len()];

    // Two passes: everything, then the home-room constraints, which FET applies only to
    // activities no other room constraint names.
    let mut room_named = vec![false; cx.acts.len()];
    let mut home: Vec<&RawConstraint> = Vec::new();
    let mut pending: Vec<&RawConstraint> = inst
        .time_constraints
        .iter()
        .chain(&inst.space_constraints)
        .collect();
    let mut home_pass = false;
    loop {
        for &c in &pending {
            let f = Fields { c };
            let hard = c.weight >= 100.0;
            let mut kinds: Vec<Kind> = Vec::new();
            let mut extra_hard: Vec<Kind> = Vec::new();
            let per_teacher = |cx: &Ctx, rule: Rule, tag: Option<usize>| {
                (0..cx.inst.teachers.len())
                    .map(|t| Kind::Resource {
                        res: Res::Teacher(t),
                        tag,
                        rule: rule.clone(),
                    })
                    .collect::<Vec<_>>()
            };
            let per_subgroup = |subs: Vec<usize>, rule: Rule, tag: Option<usize>| {
                subs.into_iter()
                    .map(|s| Kind::Resource {
                        res: Res::Subgroup(s),
                        tag,
                        rule: rule.clone(),
                    })
                    .collect::<Vec<_>>()
            };
            let name = c.kind.strip_prefix("Constraint").unwrap_or(&c.kind);
            match name {
                "BasicCompulsoryTime" | "BasicCompulsorySpace" => {
                    if !hard {
                        return Err(f.err("must have weight 100"));
                    }
                }
                // ----- time, one activity or a filtered list -----
                "ActivityPreferredStartingTime" => {
                    if let Some(a) = cx.one_act(&f, "Activity_Id")? {
                        let day = f.opt("Preferred_Day");
                        let hour = f.opt("Preferred_Hour");
                        let day = day
                            .map(|d| cx.day_index(&f, "Preferred_Day", d))
                            .transpose()?;
                        let hour = hour
                            .map(|h| cx.hour_index(&f, "Preferred_Hour", h))
                            .transpose()?;
                        let allowed = (0..n_slots)
                            .map(|s| {
                                day.is_none_or(|d| s / n_hours == d)
                                    && hour.is_none_or(|h| s % n_hours == h)
                            })
                            .collect();
                        kinds.push(Kind::StartSlots {
                            acts: vec![a],
                            allowed,
                        });
                    }
                }
                "ActivityPreferredStartingTimes" => {
                    let allowed = cx.slot_list(
                        &f,
                        "Preferred_Starting_Time",
                        "Preferred_Starting_Day",
                        "Preferred_Starting_Hour",
                    )?;
                    if let Some(a) = cx.one_act(&f, "Activity_Id")? {
                        kinds.push(Kind::StartSlots {
                            acts: vec![a],
                            allowed,
                        });
                    }
                }
                "ActivitiesPreferredStartingTimes" | "SubactivitiesPreferredStartingTimes" => {
                    let allowed = cx.slot_list(
                        &f,
                        "Preferred_Starting_Time",
                        "Preferred_Starting_Day",
                        "Preferred_Starting_Hour",
                    )?;
                    let acts = if name.starts_with("Sub") {
                        cx.components(&f)?
                    } else {
                        cx.filtered(&f)?
                    };
                    kinds.push(Kind::StartSlots { acts, allowed });
                }
                "ActivityPreferredTimeSlots" => {
                    let allowed =
                        cx.slot_list(&f, "Preferred_Time_Slot", "Preferred_Day", "Preferred_Hour")?;
                    if let Some(a) = cx.one_act(&f, "Activity_Id")? {
                        kinds.push(Kind::OccupiedSlots {
                            acts: vec![a],
                            allowed,
                        });
                    }
                }
                "ActivitiesPreferredTimeSlots" | "SubactivitiesPreferredTimeSlots" => {
                    let allowed =
                        cx.slot_list(&f, "Preferred_Time_Slot", "Preferred_Day", "Preferred_Hour")?;
                    let acts = if name.starts_with("Sub") {
                        cx.components(&f)?
                    } else {
                        cx.filtered(&f)?
                    };
                    kinds.push(Kind::OccupiedSlots { acts, allowed });
                }
                "TeacherNotAvailableTimes" => {
                    let t = cx.teacher(&f, "Teacher")?;
                    let off = cx.slot_list(&f, "Not_Available_Time", "Day", "Hour")?;
                    if hard {
                        for (s, &o) in off.iter().enumerate() {
                            teacher_off[t][s] |= o;
                        }
                    }
                    kinds.push(Kind::OccupiedSlots {
                        acts: cx.acts_of_teacher(t),
                        allowed: off.iter().map(|o| !o).collect(),
                    });
                }
                "StudentsSetNotAvailableTimes" => {
                    let set = cx.set(&f, "Students")?;
                    let off = cx.slot_list(&f, "Not_Available_Time", "Day", "Hour")?;
                    let subs = cx.subgroups[set].clone();
                    if hard {
                        for &sg in &subs {
                            for (s, &o) in off.iter().enumerate() {
                                subgroup_off[sg][s] |= o;
                            }
                        }
                    }
                    kinds.push(Kind::OccupiedSlots {
                        acts: cx.acts_of_subgroups(&subs),
                        allowed: off.iter().map(|o| !o).collect(),
                    });
                }
                "BreakTimes" => {
                    let off = cx.slot_list(&f, "Break_Time", "Day", "Hour")?;
                    if hard {
                        for row in teacher_off.iter_mut().chain(subgroup_off.iter_mut()) {
                            for (s, &o) in off.iter().enumerate() {
                                row[s] |= o;
                            }
                        }
                    }
                    kinds.push(Kind::OccupiedSlots {
                        acts: (0..cx.acts.len()).collect(),
                        allowed: off.iter().map(|o| !o).collect(),
                    });
                }
                "ActivitiesSameStartingTime"
                | "ActivitiesSameStartingDay"
                | "ActivitiesSameStartingHour" => {
                    let what = match name {
                        "ActivitiesSameStartingTime" => SameWhat::Time,
                        "ActivitiesSameStartingDay" => SameWhat::Day,
                        _ => SameWhat::Hour,
                    };
                    kinds.push(Kind::Same {
                        acts: cx.act_ids(&f, "Activity_Id")?,
                        what,
                    });
                }
                "ActivitiesNotOverlapping" => kinds.push(Kind::NotOverlapping {
                    acts: cx.act_ids(&f, "Activity_Id")?,
                }),
                "MinDaysBetweenActivities" => {
                    let acts = cx.act_ids(&f, "Activity_Id")?;
                    // FET enforces "same day ⇒ back to back" whatever the weight: a weight
                    // below 100 only lets the pair share a day.
                    if f.flag("Consecutive_If_Same_Day", false)? {
                        extra_hard.push(Kind::ConsecutiveIfSameDay { acts: acts.clone() });
                    }
                    kinds.push(Kind::MinDaysBetween {
                        acts,
                        min: f.num("MinDays")?.min(n_days.saturating_sub(1) as u32),
                    });
                }
                "MaxDaysBetweenActivities" => kinds.push(Kind::MaxDaysBetween {
                    acts: cx.act_ids(&f, "Activity_Id")?,
                    max: f.num("MaxDays")?,
                }),
                "MinGapsBetweenActivities" => kinds.push(Kind::MinGapsBetween {
                    acts: cx.act_ids(&f, "Activity_Id")?,
                    min: f.num("MinGaps")?,
                }),
                "TwoActivitiesConsecutive"
                | "TwoActivitiesOrdered"
                | "TwoActivitiesOrderedIfSameDay" => {
                    let a = cx.one_act(&f, "First_Activity_Id")?;
                    let b = cx.one_act(&f, "Second_Activity_Id")?;
                    if let (Some(first), Some(second)) = (a, b) {
                        kinds.push(match name {
                            "TwoActivitiesConsecutive" => Kind::Consecutive { first, second },
                            _ => Kind::Ordered {
                                first,
                                second,
                                only_if_same_day: name.ends_with("IfSameDay"),
                            },
                        });
                    }
                }
                "TwoActivitiesGrouped" | "ThreeActivitiesGrouped" => {
                    let mut acts = Vec::new();
                    for field in [
                        "First_Activity_Id",
                        "Second_Activity_Id",
                        "Third_Activity_Id",
                    ] {
                        if f.get(field).is_some() {
                            acts.extend(cx.one_act(&f, field)?);
                        }
                    }
                    if acts.len() >= 2 {
                        kinds.push(Kind::Grouped { acts });
                    }
                }
                "ActivityEndsStudentsDay" => {
                    if let Some(act) = cx.one_act(&f, "Activity_Id")? {
                        kinds.push(Kind::EndsStudentsDay { act });
                    }
                }
                "ActivitiesEndStudentsDay" => {
                    for act in cx.filtered(&f)? {
                        kinds.push(Kind::EndsStudentsDay { act });
                    }
                }
                "ActivitiesOccupyMaxTimeSlotsFromSelection"
                | "ActivitiesMaxSimultaneousInSelectedTimeSlots" => {
                    let acts = cx.act_ids(&f, "Activity_Id")?;
                    let slots =
                        cx.slot_list(&f, "Selected_Time_Slot", "Selected_Day", "Selected_Hour")?;
                    kinds.push(if name.starts_with("ActivitiesOccupy") {
                        Kind::OccupyMaxSlots {
                            acts,
                            slots,
                            max: f.num("Max_Number_of_Occupied_Time_Slots")?,
                        }
                    } else {
                        Kind::MaxSimultaneous {
                            acts,
                            slots,
                            max: f.num("Max_Number_of_Simultaneous_Activities")?,
                        }
                    });
                }
                // ----- teachers -----
                "TeacherMaxDaysPerWeek"
                | "TeacherMinDaysPerWeek"
                | "TeacherMaxHoursDaily"
                | "TeacherMinHoursDaily"
                | "TeacherMaxHoursContinuously"
                | "TeacherMaxGapsPerWeek"
                | "TeacherMaxGapsPerDay"
                | "TeacherIntervalMaxDaysPerWeek"
                | "TeacherMaxSpanPerDay"
                | "TeacherMinRestingHours"
                | "TeacherActivityTagMaxHoursDaily"
                | "TeacherActivityTagMaxHoursContinuously"
                | "TeacherMaxBuildingChangesPerDay"
                | "TeacherMaxBuildingChangesPerWeek"
                | "TeacherMinGapsBetweenBuildingChanges" => {
                    let field = if f.get("Teacher_Name").is_some() {
                        "Teacher_Name"
                    } else {
                        "Teacher"
                    };
                    let t = cx.teacher(&f, field)?;
                    let rest = &name["Teacher".len()..];
                    let (rule, tag) = resource_rule(&cx, &f, rest, n_hours)?;
                    kinds.push(Kind::Resource {
                        res: Res::Teacher(t),
                        tag,
                        rule,
                    });
                }
                "TeachersMaxDaysPerWeek"
                | "TeachersMinDaysPerWeek"
                | "TeachersMaxHoursDaily"
                | "TeachersMinHoursDaily"
                | "TeachersMaxHoursContinuously"
                | "TeachersMaxGapsPerWeek"
                | "TeachersMaxGapsPerDay"
                | "TeachersIntervalMaxDaysPerWeek"
                | "TeachersMaxSpanPerDay"
                | "TeachersMinRestingHours"
                | "TeachersActivityTagMaxHoursDaily"
                | "TeachersActivityTagMaxHoursContinuously"
                | "TeachersMaxBuildingChangesPerDay"
                | "TeachersMaxBuildingChangesPerWeek"
                | "TeachersMinGapsBetweenBuildingChanges" => {
                    let rest = &name["Teachers".len()..];
                    let (rule, tag) = resource_rule(&cx, &f, rest, n_hours)?;
                    kinds.extend(per_teacher(&cx, rule, tag));
                }
                // ----- students -----
                "StudentsSetMaxDaysPerWeek"
                | "StudentsSetMinDaysPerWeek"
                | "StudentsSetMaxHoursDaily"
                | "StudentsSetMinHoursDaily"
                | "StudentsSetMaxHoursContinuously"
                | "StudentsSetMaxGapsPerWeek"
                | "StudentsSetMaxGapsPerDay"
                | "StudentsSetIntervalMaxDaysPerWeek"
                | "StudentsSetMaxSpanPerDay"
                | "StudentsSetMinRestingHours"
                | "StudentsSetActivityTagMaxHoursDaily"
                | "StudentsSetActivityTagMaxHoursContinuously"
                | "StudentsSetMaxBuildingChangesPerDay"
                | "StudentsSetMaxBuildingChangesPerWeek"
                | "StudentsSetMinGapsBetweenBuildingChanges"
                | "StudentsSetEarlyMaxBeginningsAtSecondHour" => {
                    let set = cx.set(&f, "Students")?;
                    let rest = &name["StudentsSet".len()..];
                    let (rule, tag) = resource_rule(&cx, &f, rest, n_hours)?;
                    kinds.extend(per_subgroup(cx.subgroups[set].clone(), rule, tag));
                }
                "StudentsMaxDaysPerWeek"
                | "StudentsMinDaysPerWeek"
                | "StudentsMaxHoursDaily"
                | "StudentsMinHoursDaily"
                | "StudentsMaxHoursContinuously"
                | "StudentsMaxGapsPerWeek"
                | "StudentsMaxGapsPerDay"
                | "StudentsIntervalMaxDaysPerWeek"
                | "StudentsMaxSpanPerDay"
                | "StudentsMinRestingHours"
                | "StudentsActivityTagMaxHoursDaily"
                | "StudentsActivityTagMaxHoursContinuously"
                | "StudentsMaxBuildingChangesPerDay"
                | "StudentsMaxBuildingChangesPerWeek"
                | "StudentsMinGapsBetweenBuildingChanges"
                | "StudentsEarlyMaxBeginningsAtSecondHour" => {
                    let rest = &name["Students".len()..];
                    let (rule, tag) = resource_rule(&cx, &f, rest, n_hours)?;
                    kinds.extend(per_subgroup(cx.all_subgroups(), rule, tag));
                }
                "StudentsSetMinGapsBetweenOrderedPairOfActivityTags"
                | "StudentsMinGapsBetweenOrderedPairOfActivityTags"
                | "TeacherMinGapsBetweenOrderedPairOfActivityTags"
                | "TeachersMinGapsBetweenOrderedPairOfActivityTags" => {
                    let first = cx.tag(&f, "First_Activity_Tag")?;
                    let second = cx.tag(&f, "Second_Activity_Tag")?;
                    let min = f.num("MinGaps")?;
                    let res: Vec<Res> = match name {
                        "StudentsSetMinGapsBetweenOrderedPairOfActivityTags" => cx.subgroups
                            [cx.set(&f, "Students")?]
                        .iter()
                        .map(|&s| Res::Subgroup(s))
                        .collect(),
                        "StudentsMinGapsBetweenOrderedPairOfActivityTags" => {
                            cx.all_subgroups().into_iter().map(Res::Subgroup).collect()
                        }
                        "TeacherMinGapsBetweenOrderedPairOfActivityTags" => {
                            vec![Res::Teacher(cx.teacher(&f, "Teacher")?)]
                        }
                        _ => (0..inst.teachers.len()).map(Res::Teacher).collect(),
                    };
                    // As FET: only resources with activities of both tags.
                    let has = |r: Res, tag: usize| {
                        cx.acts.iter().any(|a| {
                            a.tags.contains(&tag)
                                && match r {
                                    Res::Teacher(t) => a.teachers.contains(&t),
                                    Res::Subgroup(s) => a.subgroups.contains(&s),
                                }
                        })
                    };
                    for r in res {
                        if has(r, first) && has(r, second) {
                            kinds.push(Kind::OrderedTagGaps {
                                res: r,
                                first,
                                second,
                                min,
                            });
                        }
                    }
                }
                // ----- rooms -----
                "ActivityPreferredRoom" | "ActivityPreferredRooms" => {
                    let rooms = if name == "ActivityPreferredRoom" {
                        vec![cx.room(&f, f.text("Room")?)?]
                    } else {
                        f.all("Preferred_Room")
                            .map(|r| cx.room(&f, r))
                            .collect::<Result<_, _>>()?
                    };
                    // Locked real rooms of an activity in a virtual room (FET writes them
                    // with the timetable): FET accepts them only at weight 100, for a
                    // virtual room, naming real rooms, one per set.
                    let real: Vec<usize> = f
                        .all("Real_Room")
                        .map(|r| cx.room(&f, r))
                        .collect::<Result<_, _>>()?;
                    if !real.is_empty() {
                        let sets = inst.rooms[rooms[0]].real_room_sets.len();
                        if !hard {
                            return Err(f.err("real rooms are only allowed at weight 100"));
                        }
                        if sets == 0 {
                            return Err(f.err("real rooms are listed but the room is not virtual"));
                        }
                        if real
                            .iter()
                            .any(|&r| !inst.rooms[r].real_room_sets.is_empty())
                        {
                            return Err(f.err("a real room listed is itself virtual"));
                        }
                        if real.len() != sets {
                            return Err(f.err(format!(
                                "lists {} real rooms for a virtual room with {sets} sets",
                                real.len()
                            )));
                        }
                    }
                    if let Some(a) = cx.one_act(&f, "Activity_Id")? {
                        kinds.push(Kind::Rooms {
                            acts: vec![a],
                            rooms,
                        });
                        if !real.is_empty() {
                            kinds.push(Kind::RealRooms {
                                act: a,
                                rooms: real,
                            });
                        }
                    }
                }
                "SubjectPreferredRoom"
                | "SubjectPreferredRooms"
                | "ActivityTagPreferredRoom"
                | "ActivityTagPreferredRooms"
                | "SubjectActivityTagPreferredRoom"
                | "SubjectActivityTagPreferredRooms"
                | "TeacherHomeRoom"
                | "TeacherHomeRooms"
                | "StudentsSetHomeRoom"
                | "StudentsSetHomeRooms" => {
                    let rooms: Vec<usize> = if name.ends_with("Room") {
                        vec![cx.room(&f, f.text("Room")?)?]
                    } else {
                        f.all("Preferred_Room")
                            .map(|r| cx.room(&f, r))
                            .collect::<Result<_, _>>()?
                    };
                    let acts: Vec<usize> = if name.starts_with("SubjectActivityTag") {
                        let s = cx.subject(&f, "Subject")?;
                        let t = cx.tag(&f, "Activity_Tag")?;
                        (0..cx.acts.len())
                            .filter(|&a| {
                                let src = &inst.activities[cx.acts[a].source];
                                src.subject == s && src.tags.contains(&t)
                            })
                            .collect()
                    } else if name.starts_with("Subject") {
                        let s = cx.subject(&f, "Subject")?;
                        (0..cx.acts.len())
                            .filter(|&a| inst.activities[cx.acts[a].source].subject == s)
                            .collect()
                    } else if name.starts_with("ActivityTag") {
                        let t = cx.tag(&f, "Activity_Tag")?;
                        (0..cx.acts.len())
                            .filter(|&a| inst.activities[cx.acts[a].source].tags.contains(&t))
                            .collect()
                    } else if name.starts_with("Teacher") && !home_pass {
                        home.push(c);
                        continue;
                    } else if name.starts_with("Teacher") {
                        // A home room holds the activities this teacher teaches alone.
                        let t = cx.teacher(&f, "Teacher")?;
                        (0..cx.acts.len())
                            .filter(|&a| inst.activities[cx.acts[a].source].teachers == [t])
                            .collect()
                    } else if !home_pass {
                        home.push(c);
                        continue;
                    } else {
                        // The activities of exactly this students set.
                        let s = cx.set(&f, "Students")?;
                        (0..cx.acts.len())
                            .filter(|&a| inst.activities[cx.acts[a].source].students == [s])
                            .collect()
                    };
                    let acts = if home_pass {
                        // Home rooms hold only activities no other room constraint places.
                        acts.into_iter()
                            .filter(|&a| !cx.acts[a].needs_room)
                            .collect()
                    } else {
                        acts
                    };
                    kinds.push(Kind::Rooms { acts, rooms });
                }
                "RoomNotAvailableTimes" => {
                    let room = cx.room(&f, f.text("Room")?)?;
                    let slots = cx.slot_list(&f, "Not_Available_Time", "Day", "Hour")?;
                    kinds.push(Kind::RoomUnavailable { room, slots });
                }
                "ActivitiesOccupyMaxDifferentRooms" => kinds.push(Kind::MaxDifferentRooms {
                    acts: cx.act_ids(&f, "Activity_Id")?,
                    max: f.num("Max_Number_of_Different_Rooms")?,
                }),
                "ActivitiesSameRoomIfConsecutive" => kinds.push(Kind::SameRoomIfConsecutive {
                    acts: cx.act_ids(&f, "Activity_Id")?,
                }),
                _ => {
                    unsupported.count(&c.kind, hard);
                    continue;
                }
            }
            for (kind, weight) in kinds
                .into_iter()
                .map(|k| (k, c.weight))
                .chain(extra_hard.into_iter().map(|k| (k, 100.0)))
            {
                if let Kind::Rooms { acts, .. } = &kind {
                    for &a in acts {
                        room_named[a] = true;
                    }
                }
                out.push(Constraint {
                    weight,
                    source: c.kind.clone(),
                    line: c.line,
                    kind,
                });
            }
        }
        for (a, named) in room_named.iter().enumerate() {
            cx.acts[a].needs_room |= *named;
        }
        if home_pass {
            break;
        }
        home_pass = true;
        pending = std::mem::take(&mut home);
    }

    let problem = Problem {
        days: n_days,
        hours: n_hours,
        n_teachers: inst.teachers.len(),
        n_subgroups_and_sets: inst.student_sets.len(),
        rooms: inst
            .rooms
            .iter()
            .map(|r| ProblemRoom {
                capacity: r.capacity,
                building: r.building,
                real_sets: r.real_room_sets.clone(),
            })
            .collect(),
        acts: cx.acts,
        constraints: out,
        teacher_off,
        subgroup_off,
    };
    Ok((problem, unsupported))
}

/// The rule of a per-resource type, from what follows `Teacher`, `Teachers`, `Students` or
/// `StudentsSet` in its name.
fn resource_rule(
    cx: &Ctx,
    f: &Fields,
    rest: &str,
    n_hours: usize,
) -> Result<(Rule, Option<usize>), FetError> {
    let (rest, tag) = match rest.strip_prefix("ActivityTag") {
        Some(r) => {
            let field = if f.get("Activity_Tag_Name").is_some() {
                "Activity_Tag_Name"
            } else {
                "Activity_Tag"
            };
            (r, Some(cx.tag(f, field)?))
        }
        None => (rest, None),
    };
    let rule = match rest {
        "MaxDaysPerWeek" => Rule::MaxDaysPerWeek(f.num("Max_Days_Per_Week")?),
        "MinDaysPerWeek" => Rule::MinDaysPerWeek(f.num("Minimum_Days_Per_Week")?),
        "MaxHoursDaily" => Rule::MaxHoursDaily(f.num("Maximum_Hours_Daily")?),
        "MinHoursDaily" => Rule::MinHoursDaily {
            min: f.num("Minimum_Hours_Daily")?,
            allow_empty_days: f.flag("Allow_Empty_Days", false)?,
        },
        "MaxHoursContinuously" => Rule::MaxHoursContinuously(f.num("Maximum_Hours_Continuously")?),
        "MaxGapsPerWeek" => Rule::MaxGapsPerWeek(f.num("Max_Gaps")?),
        "MaxGapsPerDay" => Rule::MaxGapsPerDay(f.num("Max_Gaps")?),
        "IntervalMaxDaysPerWeek" => {
            let start = cx.hour_index(f, "Interval_Start_Hour", f.text("Interval_Start_Hour")?)?;
            let end = match f.opt("Interval_End_Hour") {
                Some(h) => cx.hour_index(f, "Interval_End_Hour", h)?,
                None => n_hours,
            };
            if end <= start {
                return Err(f.err("the interval ends before it starts"));
            }
            Rule::IntervalMaxDaysPerWeek {
                start: start as u32,
                end: end as u32,
                max: f.num("Max_Days_Per_Week")?,
            }
        }
        "MaxSpanPerDay" => Rule::MaxSpanPerDay(f.num("Max_Span")?),
        "MinRestingHours" => Rule::MinRestingHours {
            min: f.num("Minimum_Resting_Hours")?,
            circular: f.flag("Circular", false)?,
        },
        "EarlyMaxBeginningsAtSecondHour" => {
            Rule::EarlyMaxBeginningsAtSecondHour(f.num("Max_Beginnings_At_Second_Hour")?)
        }
        "MaxBuildingChangesPerDay" => {
            Rule::MaxBuildingChangesPerDay(f.num("Max_Building_Changes_Per_Day")?)
        }
        "MaxBuildingChangesPerWeek" => {
            Rule::MaxBuildingChangesPerWeek(f.num("Max_Building_Changes_Per_Week")?)
        }
        "MinGapsBetweenBuildingChanges" => {
            Rule::MinGapsBetweenBuildingChanges(f.num("Min_Gaps_Between_Building_Changes")?)
        }
        other => return Err(f.err(format!("unknown rule {other}"))),
    };
    Ok((rule, tag))
}
