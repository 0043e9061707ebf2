//! Writes a solved timetable back into its `.fet` file the way FET writes
//! `*_data_and_timetable.fet`: the input unchanged, plus one weight-100
//! `ConstraintActivityPreferredStartingTime` per activity at the end of the time constraints
//! and one weight-100 `ConstraintActivityPreferredRoom` per activity with a room at the end of
//! the space constraints. FET then generates at once when the locked timetable is valid,
//! which makes `fet-cl` an independent judge of Ensemble's timetables.

use crate::model::Instance;
use crate::problem::{Placement, Problem};

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Inserts `extra` just before `</list>` (or expands an empty `<list/>`); appends the whole
/// list before `</fet>` when the file has none.
fn insert_into(text: &str, list: &str, extra: &str) -> String {
    let close = format!("</{list}>");
    if let Some(i) = text.rfind(&close) {
        return format!("{}{extra}{}", &text[..i], &text[i..]);
    }
    let empty = format!("<{list}/>");
    if let Some(i) = text.find(&empty) {
        return format!(
            "{}<{list}>\n{extra}{close}{}",
            &text[..i],
            &text[i + empty.len()..]
        );
    }
    match text.rfind("</fet>") {
        Some(i) => format!("{}<{list}>\n{extra}{close}\n{}", &text[..i], &text[i..]),
        None => format!("{text}<{list}>\n{extra}{close}\n"),
    }
}

/// The input `text` with every activity's start time (and room, where it has one, with its
/// real rooms in a virtual room) locked.
pub fn write_locked(text: &str, inst: &Instance, p: &Problem, placement: &Placement) -> String {
    let mut times = String::new();
    let mut rooms = String::new();
    for (a, act) in p.acts.iter().enumerate() {
        let id = inst.activities[act.source].id;
        let s = placement.start[a];
        let day = escape(&inst.days[p.day_of(s)]);
        let hour = escape(&inst.hours[p.hour_of(s)]);
        times.push_str(&format!(
            "<ConstraintActivityPreferredStartingTime>\n\t<Weight_Percentage>100</Weight_Percentage>\n\t<Activity_Id>{id}</Activity_Id>\n\t<Preferred_Day>{day}</Preferred_Day>\n\t<Preferred_Hour>{hour}</Preferred_Hour>\n\t<Permanently_Locked>false</Permanently_Locked>\n\t<Active>true</Active>\n\t<Comments>Ensemble</Comments>\n</ConstraintActivityPreferredStartingTime>\n"
        ));
        if let Some(r) = placement.room[a] {
            let room = escape(&inst.rooms[r].name);
            // In a virtual room, the real rooms taken, as FET writes them.
            let real = placement.real.get(a).map(Vec::as_slice).unwrap_or_default();
            let mut real_xml = String::new();
            if !real.is_empty() {
                real_xml.push_str(&format!(
                    "\t<Number_of_Real_Rooms>{}</Number_of_Real_Rooms>\n",
                    real.len()
                ));
                for &rr in real {
                    real_xml.push_str(&format!(
                        "\t<Real_Room>{}</Real_Room>\n",
                        escape(&inst.rooms[rr].name)
                    ));
                }
            }
            rooms.push_str(&format!(
                "<ConstraintActivityPreferredRoom>\n\t<Weight_Percentage>100</Weight_Percentage>\n\t<Activity_Id>{id}</Activity_Id>\n\t<Room>{room}</Room>\n{real_xml}\t<Permanently_Locked>false</Permanently_Locked>\n\t<Active>true</Active>\n\t<Comments>Ensemble</Comments>\n</ConstraintActivityPreferredRoom>\n"
            ));
        }
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let with_times = insert_into(text, "Time_Constraints_List", &times);
    insert_into(&with_times, "Space_Constraints_List", &rooms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_into_lists_or_creates_them() {
        assert_eq!(
            insert_into("<fet><L>\n</L></fet>", "L", "x\n"),
            "<fet><L>\nx\n</L></fet>"
        );
        assert_eq!(
            insert_into("<fet><L/></fet>", "L", "x\n"),
            "<fet><L>\nx\n</L></fet>"
        );
        assert_eq!(
            insert_into("<fet>\n</fet>", "L", "x\n"),
            "<fet>\n<L>\nx\n</L>\n</fet>"
        );
        assert_eq!(escape("a<&>\"'"), "a&lt;&amp;&gt;&quot;&apos;");
    }
}
