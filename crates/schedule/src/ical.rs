//! Calendar feeds (RFC 5545) of a published week: one educator's, one team's, or one
//! student's for their family (that student's sessions only: no other student is named or
//! counted). Each weekly session is one event repeating every week of the term (`RRULE` up to
//! the term's last day); an approved re-plan removes a session on its date (`EXDATE`) or
//! replaces it (an override with `RECURRENCE-ID`), and adds the sessions the day gained. Times
//! are in the school's time zone, described by a `VTIMEZONE` from the IANA database (its
//! transitions around the term). Every event has a `UID` and a `DTSTAMP`; lines end in CRLF
//! and are folded at 75 octets.

use crate::absence::{Replan, SUBSTITUTE};
use crate::model::*;
use ensemble_domain::school::{date_of_days, days_since_epoch};
use ensemble_domain::TeamKind;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Whose calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Educator(i64),
    Team(i64),
    /// A student's, for their family.
    Student(i64),
}

/// What a feed is made of.
#[derive(Debug)]
pub struct Feed<'a> {
    pub doc: &'a Doc,
    pub subject: Subject,
    /// The calendar's name ("Priya Rodriguez's week at Desert Willow Middle School").
    pub title: String,
    /// Approved re-plans of this schedule's days.
    pub replans: &'a [Replan],
    /// When the schedule was published, as UTC `YYYYMMDDTHHMMSSZ` (every event's `DTSTAMP`).
    pub stamp: String,
}

/// Why a feed cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the school's time zone \"{0}\" is not in the IANA time zone database")]
    TimeZone(String),
    #[error("the term's dates cannot be read: {0}")]
    Term(String),
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets (never inside a UTF-8 character).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn compact(date: &str) -> String {
    date.replace('-', "")
}

fn local(date: &str, t: Clock) -> String {
    format!("{}T{:02}{:02}00", compact(date), t.0 / 60, t.0 % 60)
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// The `VTIMEZONE` of `name`, with its observances from a year before `from` to a year after
/// `to` (days since 1970-01-01).
fn vtimezone(out: &mut String, name: &str, from: i64, to: i64) -> Result<(), CalendarError> {
    use jiff::tz::TimeZone;
    use jiff::Timestamp;
    let tz = TimeZone::get(name).map_err(|_| CalendarError::TimeZone(name.to_owned()))?;
    let ts = |days: i64| {
        Timestamp::from_second(days.saturating_mul(86_400)).unwrap_or(Timestamp::UNIX_EPOCH)
    };
    let start = ts(from - 366);
    let end = ts(to + 366);
    line(out, "BEGIN:VTIMEZONE");
    line(out, &format!("TZID:{name}"));
    let mut observances = Vec::new();
    if let Some(t) = tz.preceding(start).next() {
        observances.push((
            t.timestamp(),
            t.offset(),
            t.abbreviation().to_owned(),
            t.dst().is_dst(),
        ));
    }
    for t in tz.following(start) {
        if t.timestamp() > end {
            break;
        }
        observances.push((
            t.timestamp(),
            t.offset(),
            t.abbreviation().to_owned(),
            t.dst().is_dst(),
        ));
    }
    if observances.is_empty() {
        // A zone without transitions (or none recorded): one standard observance.
        let info = tz.to_offset_info(start);
        line(out, "BEGIN:STANDARD");
        line(out, "DTSTART:19700101T000000");
        let o = offset_text(info.offset().seconds());
        line(out, &format!("TZOFFSETFROM:{o}"));
        line(out, &format!("TZOFFSETTO:{o}"));
        line(out, &format!("TZNAME:{}", escape(info.abbreviation())));
        line(out, "END:STANDARD");
    }
    for (at, offset, abbrev, dst) in observances {
        let before = tz.to_offset(
            at.checked_sub(jiff::SignedDuration::from_secs(1))
                .unwrap_or(at),
        );
        // DTSTART is the local time of the change, in the offset before it.
        let local = at.to_zoned(TimeZone::fixed(before)).datetime();
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        line(out, &format!("BEGIN:{kind}"));
        line(
            out,
            &format!(
                "DTSTART:{:04}{:02}{:02}T{:02}{:02}{:02}",
                local.year(),
                local.month(),
                local.day(),
                local.hour(),
                local.minute(),
                local.second()
            ),
        );
        line(
            out,
            &format!("TZOFFSETFROM:{}", offset_text(before.seconds())),
        );
        line(
            out,
            &format!("TZOFFSETTO:{}", offset_text(offset.seconds())),
        );
        line(out, &format!("TZNAME:{}", escape(&abbrev)));
        line(out, &format!("END:{kind}"));
    }
    line(out, "END:VTIMEZONE");
    Ok(())
}

/// Whether `name` is a time zone of the IANA database (`America/Phoenix`).
pub fn is_time_zone(name: &str) -> bool {
    !name.is_empty() && jiff::tz::TimeZone::get(name).is_ok()
}

/// Whether a session belongs in the subject's calendar.
fn concerns(doc: &Doc, subject: Subject, s: &Session) -> bool {
    match subject {
        Subject::Educator(e) => s.educator_ids.contains(&e),
        Subject::Student(st) => s.student_ids.contains(&st),
        Subject::Team(t) => match doc.team(t) {
            Some(team) if team.kind == TeamKind::Core => s.team_id == t,
            Some(team) => s.educator_ids.iter().any(|e| team.member_ids.contains(e)),
            None => false,
        },
    }
}

fn names(doc: &Doc, ids: &[i64]) -> String {
    let n: Vec<String> = ids
        .iter()
        .map(|e| {
            if *e == SUBSTITUTE {
                "a substitute".to_owned()
            } else {
                doc.educator(*e)
                    .map_or_else(|| "an educator".into(), |e| e.name.clone())
            }
        })
        .collect();
    crate::join(&n)
}

/// Summary, location and description of a session in the subject's calendar.
fn texts(doc: &Doc, subject: Subject, s: &Session) -> (String, String, String) {
    let team = doc
        .team(s.team_id)
        .map_or_else(String::new, |t| t.name.clone());
    let location = s
        .space_id
        .and_then(|p| doc.space(p))
        .map_or_else(String::new, |p| p.name.clone());
    let summary = match (s.kind, subject) {
        (SessionKind::Planning, _) => format!("{} · {team}", s.label),
        (SessionKind::Lunch, _) => "Lunch".to_owned(),
        (_, Subject::Student(_)) => s.label.clone(),
        _ => format!("{} · {team}", s.label),
    };
    let mut description = String::new();
    if !s.educator_ids.is_empty() {
        let _ = write!(description, "With {}.", names(doc, &s.educator_ids));
    }
    if !matches!(subject, Subject::Student(_)) && !s.student_ids.is_empty() {
        let _ = write!(description, " {} students.", s.student_ids.len());
    }
    (summary, location, description.trim().to_owned())
}

/// A stable identifier of a weekly session in one subject's calendar.
fn uid(doc: &Doc, subject: Subject, s: &Session, date: Option<&str>) -> String {
    let who = match subject {
        Subject::Educator(e) => format!("e{e}"),
        Subject::Team(t) => format!("t{t}"),
        Subject::Student(st) => format!("s{st}"),
    };
    let kind = serde_json::to_string(&s.kind)
        .unwrap_or_default()
        .replace('"', "");
    format!(
        "{}-{}-{who}-{}-{}-{}-{kind}-{}-{}{}@ensemble",
        doc.school.id,
        doc.term.id,
        s.day.index(),
        s.start.0,
        s.team_id,
        s.space_id.map_or_else(|| "none".into(), |p| p.to_string()),
        s.service.as_deref().unwrap_or("none"),
        date.map(|d| format!("-{}", compact(d))).unwrap_or_default()
    )
}

type Key = (Clock, SessionKind, i64, Option<i64>, Option<String>);

fn key(s: &Session) -> Key {
    (s.start, s.kind, s.team_id, s.space_id, s.service.clone())
}

/// Writes the feed.
pub fn calendar(f: &Feed<'_>) -> Result<String, CalendarError> {
    let doc = f.doc;
    let start = days_since_epoch("term start", &doc.term.start_date)
        .map_err(|e| CalendarError::Term(e.to_string()))?;
    let end = days_since_epoch("term end", &doc.term.end_date)
        .map_err(|e| CalendarError::Term(e.to_string()))?;
    let tz = doc.time_zone.as_str();
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Ensemble//Team schedules//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(&f.title)));
    line(&mut out, &format!("X-WR-TIMEZONE:{tz}"));
    vtimezone(&mut out, tz, start, end)?;
    // Re-planned days, by weekday: (date, the subject's sessions that day after).
    let mut replanned: BTreeMap<ensemble_domain::DayOfWeek, Vec<(&str, Vec<&Session>)>> =
        BTreeMap::new();
    for r in f.replans {
        let after: Vec<&Session> = r
            .day
            .iter()
            .filter(|s| concerns(doc, f.subject, s))
            .collect();
        replanned
            .entry(r.absence.day)
            .or_default()
            .push((r.absence.date.as_str(), after));
    }
    let until = format!("{}T235959Z", compact(&date_of_days(end + 1)));
    let mut sessions: Vec<&Session> = doc
        .sessions
        .iter()
        .filter(|s| concerns(doc, f.subject, s))
        .collect();
    sessions.sort_by_key(|s| (s.day, s.start, s.team_id, s.kind));
    let event = |out: &mut String,
                 s: &Session,
                 date: &str,
                 uid_text: &str,
                 recurrence: Option<&str>,
                 rrule: bool,
                 exdates: &[&str]| {
        let (summary, location, description) = texts(doc, f.subject, s);
        line(out, "BEGIN:VEVENT");
        line(out, &format!("UID:{uid_text}"));
        line(out, &format!("DTSTAMP:{}", f.stamp));
        if let Some(r) = recurrence {
            line(out, &format!("RECURRENCE-ID;TZID={tz}:{r}"));
        }
        line(out, &format!("DTSTART;TZID={tz}:{}", local(date, s.start)));
        line(out, &format!("DTEND;TZID={tz}:{}", local(date, s.end)));
        if rrule {
            line(out, &format!("RRULE:FREQ=WEEKLY;UNTIL={until}"));
        }
        for x in exdates {
            line(out, &format!("EXDATE;TZID={tz}:{x}"));
        }
        line(out, &format!("SUMMARY:{}", escape(&summary)));
        if !location.is_empty() {
            line(out, &format!("LOCATION:{}", escape(&location)));
        }
        if !description.is_empty() {
            line(out, &format!("DESCRIPTION:{}", escape(&description)));
        }
        line(out, "TRANSP:OPAQUE");
        line(out, "END:VEVENT");
    };
    for s in &sessions {
        // The first date of the term on this weekday.
        let first = (start..start + 7).find(|d| {
            ensemble_domain::school::weekday_of("date", &date_of_days(*d)).is_ok_and(|w| w == s.day)
        });
        let Some(first) = first.filter(|d| *d <= end) else {
            continue;
        };
        let first = date_of_days(first);
        let master_uid = uid(doc, f.subject, s, None);
        let mut exdates = Vec::new();
        let mut overrides = Vec::new();
        for (date, after) in replanned.get(&s.day).into_iter().flatten() {
            match after.iter().find(|x| key(x) == key(s)) {
                Some(x) if **x == **s => {}
                Some(x) => overrides.push((*date, (*x).clone())),
                None => exdates.push(local(date, s.start)),
            }
        }
        let ex: Vec<&str> = exdates.iter().map(String::as_str).collect();
        event(&mut out, s, &first, &master_uid, None, true, &ex);
        for (date, x) in overrides {
            event(
                &mut out,
                &x,
                date,
                &master_uid,
                Some(&local(date, s.start)),
                false,
                &[],
            );
        }
    }
    // Sessions a re-planned day gained for the subject.
    for (day, dates) in &replanned {
        for (date, after) in dates {
            for x in after {
                let had = sessions.iter().any(|s| s.day == *day && key(s) == key(x));
                if !had {
                    event(
                        &mut out,
                        x,
                        date,
                        &uid(doc, f.subject, x, Some(date)),
                        None,
                        false,
                        &[],
                    );
                }
            }
        }
    }
    line(&mut out, "END:VCALENDAR");
    Ok(out)
}
