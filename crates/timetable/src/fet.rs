//! Reads FET 5 and FET 6 `.fet` files into an [`Instance`]. Every name an element refers to
//! must be declared; every number must parse; an error names the line and the element.

use crate::model::*;
use crate::xml::{self, Element};
use crate::FetError;
use std::collections::{BTreeMap, HashMap};

/// What the reader saw besides the instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetReport {
    /// `fet version` attribute is not kept by the tree; the root's line instead.
    pub constraints_by_type: BTreeMap<String, usize>,
    pub inactive_constraints: usize,
    pub inactive_activities: usize,
}

fn err(el: &Element, message: impl Into<String>) -> FetError {
    FetError::at(el.line, &el.name, message.into())
}

fn name_of(el: &Element) -> Result<String, FetError> {
    match el.text_of("Name") {
        Some(n) if !n.is_empty() => Ok(n.to_owned()),
        _ => Err(err(el, "has no <Name>")),
    }
}

fn number<T: std::str::FromStr>(el: &Element, field: &str) -> Result<Option<T>, FetError> {
    match el.child(field) {
        None => Ok(None),
        Some(c) => c
            .text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| err(c, format!("{:?} is not a valid number", c.text))),
    }
}

fn flag(el: &Element, field: &str, default: bool) -> Result<bool, FetError> {
    match el.child(field) {
        None => Ok(default),
        Some(c) => match c.text.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(err(c, format!("{other:?} is not true or false"))),
        },
    }
}

/// Names declared in one list, with their indices.
struct Names {
    what: &'static str,
    index: HashMap<String, usize>,
}

impl Names {
    fn new(what: &'static str) -> Self {
        Self {
            what,
            index: HashMap::new(),
        }
    }
    fn declare(&mut self, el: &Element, name: &str, i: usize) -> Result<(), FetError> {
        if self.index.insert(name.to_owned(), i).is_some() {
            return Err(err(el, format!("{} {name:?} is declared twice", self.what)));
        }
        Ok(())
    }
    fn get(&self, el: &Element, name: &str) -> Result<usize, FetError> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| err(el, format!("refers to unknown {} {name:?}", self.what)))
    }
}

fn list<'a>(
    root: &'a Element,
    list: &str,
    item: &'a str,
) -> impl Iterator<Item = &'a Element> + 'a {
    root.child(list).into_iter().flat_map(move |l| l.all(item))
}

/// Reads a `.fet` document.
pub fn read_fet(text: &str) -> Result<(Instance, FetReport), FetError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root = xml::parse(text)?;
    if root.name != "fet" {
        return Err(err(
            &root,
            "the root element must be <fet>: this is not a FET file",
        ));
    }
    let mut inst = Instance {
        name: root.text_of("Institution_Name").unwrap_or("").to_owned(),
        ..Instance::default()
    };
    let mut report = FetReport::default();

    for d in list(&root, "Days_List", "Day") {
        inst.days.push(name_of(d)?);
    }
    for h in list(&root, "Hours_List", "Hour") {
        inst.hours.push(name_of(h)?);
    }
    if inst.days.is_empty() || inst.hours.is_empty() {
        return Err(err(
            &root,
            "needs at least one day in <Days_List> and one hour in <Hours_List>",
        ));
    }

    let mut subjects = Names::new("subject");
    for s in list(&root, "Subjects_List", "Subject") {
        let n = name_of(s)?;
        subjects.declare(s, &n, inst.subjects.len())?;
        inst.subjects.push(n);
    }
    let mut tags = Names::new("activity tag");
    for t in list(&root, "Activity_Tags_List", "Activity_Tag") {
        let n = name_of(t)?;
        tags.declare(t, &n, inst.activity_tags.len())?;
        inst.activity_tags.push(n);
    }
    let mut teachers = Names::new("teacher");
    for t in list(&root, "Teachers_List", "Teacher") {
        let n = name_of(t)?;
        teachers.declare(t, &n, inst.teachers.len())?;
        let mut qualified = Vec::new();
        for q in t
            .child("Qualified_Subjects")
            .into_iter()
            .flat_map(|q| q.all("Qualified_Subject"))
        {
            qualified.push(subjects.get(q, &q.text)?);
        }
        inst.teachers.push(Teacher {
            name: n,
            qualified_subjects: qualified,
            target_hours: number(t, "Target_Number_of_Hours")?,
        });
    }

    // Students: a name may recur (a group shared by years); it is one set with several parents.
    let mut sets = Names::new("students set");
    let mut add_set = |inst: &mut Instance,
                       el: &Element,
                       kind: SetKind,
                       parent: Option<usize>|
     -> Result<usize, FetError> {
        let n = name_of(el)?;
        let students: u32 = number(el, "Number_of_Students")?.unwrap_or(0);
        let i = match sets.index.get(&n) {
            Some(&i) => {
                if inst.student_sets[i].kind != kind {
                    return Err(err(
                        el,
                        format!(
                            "students set {n:?} is declared both as a {:?} and a {kind:?}",
                            inst.student_sets[i].kind
                        ),
                    ));
                }
                i
            }
            None => {
                let i = inst.student_sets.len();
                sets.declare(el, &n, i)?;
                inst.student_sets.push(StudentSet {
                    name: n,
                    kind,
                    students,
                    parents: Vec::new(),
                    children: Vec::new(),
                });
                i
            }
        };
        if let Some(p) = parent {
            if !inst.student_sets[i].parents.contains(&p) {
                inst.student_sets[i].parents.push(p);
                inst.student_sets[p].children.push(i);
            }
        }
        Ok(i)
    };
    for y in list(&root, "Students_List", "Year") {
        let yi = add_set(&mut inst, y, SetKind::Year, None)?;
        for g in y.all("Group") {
            let gi = add_set(&mut inst, g, SetKind::Group, Some(yi))?;
            for s in g.all("Subgroup") {
                add_set(&mut inst, s, SetKind::Subgroup, Some(gi))?;
            }
        }
    }

    let mut buildings = Names::new("building");
    for b in list(&root, "Buildings_List", "Building") {
        let n = name_of(b)?;
        buildings.declare(b, &n, inst.buildings.len())?;
        inst.buildings.push(n);
    }
    let mut rooms = Names::new("room");
    let room_els: Vec<&Element> = list(&root, "Rooms_List", "Room").collect();
    for r in &room_els {
        let n = name_of(r)?;
        rooms.declare(r, &n, inst.rooms.len())?;
        let building = match r.text_of("Building") {
            Some(b) if !b.is_empty() => Some(buildings.get(r, b)?),
            _ => None,
        };
        inst.rooms.push(Room {
            name: n,
            building,
            capacity: number(r, "Capacity")?.unwrap_or(u32::MAX),
            real_room_sets: Vec::new(),
        });
    }
    // Virtual rooms refer to real rooms that may be declared after them.
    for (i, r) in room_els.iter().enumerate() {
        if flag(r, "Virtual", false)? {
            for set in r.all("Set_of_Real_Rooms") {
                let members = set
                    .all("Real_Room")
                    .map(|x| rooms.get(x, &x.text))
                    .collect::<Result<Vec<_>, _>>()?;
                inst.rooms[i].real_room_sets.push(members);
            }
        }
    }

    let mut ids = HashMap::new();
    for a in list(&root, "Activities_List", "Activity") {
        let id: u32 = number(a, "Id")?.ok_or_else(|| err(a, "has no <Id>"))?;
        if ids.insert(id, a.line).is_some() {
            return Err(err(a, format!("activity id {id} is used twice")));
        }
        let duration: u32 = number(a, "Duration")?.ok_or_else(|| err(a, "has no <Duration>"))?;
        if duration == 0 || duration as usize > inst.hours.len() {
            return Err(err(
                a,
                format!(
                    "duration {duration} does not fit in a day of {} hours",
                    inst.hours.len()
                ),
            ));
        }
        let subject = match a.text_of("Subject") {
            Some(s) => subjects.get(a, s)?,
            None => return Err(err(a, "has no <Subject>")),
        };
        let teachers_of = a
            .all("Teacher")
            .map(|t| teachers.get(t, &t.text))
            .collect::<Result<Vec<_>, _>>()?;
        let tags_of = a
            .all("Activity_Tag")
            .map(|t| tags.get(t, &t.text))
            .collect::<Result<Vec<_>, _>>()?;
        let students = a
            .all("Students")
            .map(|s| sets.get(s, &s.text))
            .collect::<Result<Vec<_>, _>>()?;
        // FET writes an activity's own size as `Number_Of_Students` (capital O, unlike a
        // students set's `Number_of_Students`) when it is not the sum of its sets' sizes.
        let own = match number::<u32>(a, "Number_Of_Students")? {
            Some(n) => Some(n),
            None => number::<u32>(a, "Number_of_Students")?,
        };
        let n_students = match own {
            Some(n) => n,
            None => students
                .iter()
                .map(|s| inst.student_sets[*s].students)
                .sum(),
        };
        let active = flag(a, "Active", true)?;
        if !active {
            report.inactive_activities += 1;
        }
        inst.activities.push(Activity {
            id,
            group_id: number(a, "Activity_Group_Id")?.unwrap_or(0),
            duration,
            total_duration: number(a, "Total_Duration")?.unwrap_or(duration),
            teachers: teachers_of,
            subject,
            tags: tags_of,
            students,
            n_students,
            active,
        });
    }

    for (list_name, space) in [
        ("Time_Constraints_List", false),
        ("Space_Constraints_List", true),
    ] {
        let Some(l) = root.child(list_name) else {
            continue;
        };
        for c in &l.children {
            if !flag(c, "Active", true)? {
                report.inactive_constraints += 1;
                continue;
            }
            let weight: f64 = number(c, "Weight_Percentage")?
                .ok_or_else(|| err(c, "has no <Weight_Percentage>"))?;
            if !(0.0..=100.0).contains(&weight) {
                return Err(err(c, format!("weight {weight} is not a percentage")));
            }
            let mut fields = Vec::new();
            flatten(c, "", &mut fields);
            *report
                .constraints_by_type
                .entry(c.name.clone())
                .or_default() += 1;
            let raw = RawConstraint {
                kind: c.name.clone(),
                weight,
                line: c.line,
                fields,
            };
            if space {
                inst.space_constraints.push(raw);
            } else {
                inst.time_constraints.push(raw);
            }
        }
    }
    Ok((inst, report))
}

fn flatten(el: &Element, prefix: &str, out: &mut Vec<(String, String)>) {
    for c in &el.children {
        let path = if prefix.is_empty() {
            c.name.clone()
        } else {
            format!("{prefix}/{}", c.name)
        };
        if c.children.is_empty() {
            out.push((path, c.text.clone()));
        } else {
            flatten(c, &path, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.0.0">
<Institution_Name>Tiny &amp; Co</Institution_Name>
<Days_List><Number_of_Days>2</Number_of_Days><Day><Name>Mo</Name></Day><Day><Name>Tu</Name></Day></Days_List>
<Hours_List><Number_of_Hours>2</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>MA</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>Ann</Name></Teacher></Teachers_List>
<Students_List><Year><Name>5</Name><Number_of_Students>20</Number_of_Students>
  <Group><Name>5a</Name><Number_of_Students>10</Number_of_Students><Subgroup><Name>5a1</Name></Subgroup></Group>
  <Group><Name>5b</Name><Number_of_Students>10</Number_of_Students></Group></Year></Students_List>
<Rooms_List><Room><Name>R1</Name><Building></Building><Capacity>30</Capacity><Virtual>false</Virtual></Room></Rooms_List>
<Activities_List>
<Activity><Teacher>Ann</Teacher><Subject>MA</Subject><Students>5</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>1</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Ann</Teacher><Subject>MA</Subject><Students>5</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>2</Id><Activity_Group_Id>0</Activity_Group_Id><Number_Of_Students>71</Number_Of_Students><Active>true</Active></Activity>
</Activities_List>
<Time_Constraints_List>
<ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
<ConstraintTeacherNotAvailableTimes><Weight_Percentage>100</Weight_Percentage><Teacher>Ann</Teacher><Number_of_Not_Available_Times>1</Number_of_Not_Available_Times><Not_Available_Time><Day>Mo</Day><Hour>1</Hour></Not_Available_Time><Active>true</Active></ConstraintTeacherNotAvailableTimes>
<ConstraintActivityPreferredStartingTime><Weight_Percentage>90</Weight_Percentage><Activity_Id>1</Activity_Id><Active>false</Active></ConstraintActivityPreferredStartingTime>
</Time_Constraints_List>
</fet>"#;

    #[test]
    fn reads_the_structure() {
        let (inst, report) = read_fet(SMALL).expect("valid");
        assert_eq!(inst.name, "Tiny & Co");
        assert_eq!((inst.days.len(), inst.hours.len(), inst.slots()), (2, 2, 4));
        assert_eq!(inst.student_sets.len(), 4);
        let year = 0;
        assert_eq!(
            inst.subgroups_of(year)
                .iter()
                .map(|s| inst.student_sets[*s].name.as_str())
                .collect::<Vec<_>>(),
            vec!["5a1", "5b"]
        );
        // The sum of its sets' sizes, unless the activity gives its own.
        assert_eq!(inst.activities[0].n_students, 20);
        assert_eq!(inst.activities[1].n_students, 71);
        assert_eq!(report.inactive_constraints, 1);
        assert_eq!(
            report
                .constraints_by_type
                .get("ConstraintTeacherNotAvailableTimes"),
            Some(&1)
        );
        let na = &inst.time_constraints[1];
        assert!(na
            .fields
            .contains(&("Not_Available_Time/Day".to_owned(), "Mo".to_owned())));
    }

    #[test]
    fn errors_say_where() {
        let bad = SMALL.replace("<Students>5</Students>", "<Students>6</Students>");
        let e = read_fet(&bad).expect_err("unknown set");
        assert_eq!(e.element, "Students");
        assert!(e.message.contains("\"6\""), "{e}");
        assert_eq!(
            e.line,
            SMALL
                .lines()
                .position(|l| l.contains("<Students>5</Students>"))
                .map(|i| i + 1)
                .unwrap_or(0)
        );

        let truncated = &SMALL[..SMALL.len() / 2];
        let e = read_fet(truncated).expect_err("truncated");
        assert!(e.message.contains("truncated") || e.element == "XML", "{e}");

        let e = read_fet(&SMALL.replace("<Duration>1</Duration>", "<Duration>x</Duration>"))
            .expect_err("not a number");
        assert_eq!(e.element, "Duration");
        let e = read_fet("<html></html>").expect_err("not fet");
        assert!(e.message.contains("not a FET file"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_damaged_files(cut in 0usize..2000, pos in 0usize..2000, byte in proptest::prelude::any::<u8>()) {
            let mut bytes = SMALL.as_bytes()[..cut.min(SMALL.len())].to_vec();
            if !bytes.is_empty() {
                let p = pos % bytes.len();
                bytes[p] = byte;
            }
            let text = String::from_utf8_lossy(&bytes);
            let _ = read_fet(&text);
        }
    }
}
