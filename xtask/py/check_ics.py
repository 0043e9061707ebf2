"""Checks calendar files with an independent parser (the `icalendar` package from PyPI).

Usage: check_ics.py DIR DATABASE.sqlite

Every file in DIR must parse without error and hold, per RFC 5545: CRLF line ends, lines of at
most 75 octets, a VTIMEZONE for every TZID used, and a UID, DTSTAMP and DTSTART on every
event. A student's calendar (student-ID.ics) must name no other student of the database (a name an
educator also bears may appear, as the educator's).
Prints one line per problem; exits 1 when there is any.
"""
import pathlib
import re
import sqlite3
import sys

import icalendar

problems = []
root = pathlib.Path(sys.argv[1])
db = sqlite3.connect(sys.argv[2])
names = {
    sid: f"{given} {family}"
    for sid, given, family in db.execute("SELECT id, given_name, family_name FROM students")
}
# A name an educator also bears may appear as the educator's.
adults = {f"{g} {f}" for g, f in db.execute("SELECT given_name, family_name FROM educators")}
names = {sid: n for sid, n in names.items() if n not in adults}
files = sorted(root.glob("*.ics"))
if not files:
    problems.append(f"{root}: no calendar files")
events = 0
for f in files:
    raw = f.read_bytes()
    if not raw.endswith(b"\r\n") or b"\n" in raw.replace(b"\r\n", b""):
        problems.append(f"{f.name}: a line does not end in CRLF")
    for n, line in enumerate(raw.split(b"\r\n"), 1):
        if len(line) > 75:
            problems.append(f"{f.name}:{n}: {len(line)} octets (at most 75)")
    try:
        cal = icalendar.Calendar.from_ical(raw.decode("utf-8"))
    except Exception as e:  # the parser's own error
        problems.append(f"{f.name}: does not parse: {e}")
        continue
    zones = {str(z["TZID"]) for z in cal.walk("VTIMEZONE")}
    for component in cal.walk():
        for err in getattr(component, "errors", []) or []:
            problems.append(f"{f.name}: {component.name}: {err}")
    for ev in cal.walk("VEVENT"):
        events += 1
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            if prop not in ev:
                problems.append(f"{f.name}: an event without {prop}")
        for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
            if prop in ev:
                tzid = ev[prop].params.get("TZID")
                if tzid is not None and tzid not in zones:
                    problems.append(f"{f.name}: {prop} uses TZID {tzid} without its VTIMEZONE")
                # The value must read as a time (the parser decodes it).
                ev.decoded(prop)
        if "RRULE" in ev:
            ev.decoded("RRULE")
        if "DTSTART" in ev and "DTEND" in ev and ev.decoded("DTEND") <= ev.decoded("DTSTART"):
            problems.append(f"{f.name}: an event ends before it starts ({ev['UID']})")
    m = re.fullmatch(r"student-(\d+)\.ics", f.name)
    if m:
        me = int(m.group(1))
        text = raw.decode("utf-8").replace("\r\n ", "")
        for sid, name in names.items():
            if sid != me and name in text:
                problems.append(f"{f.name}: names another student, {name}")
for p in problems[:50]:
    print(p)
print(f"{len(files)} calendars, {events} events, {len(problems)} problems")
sys.exit(1 if problems else 0)
