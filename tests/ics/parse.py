"""Reads an iCalendar feed (RFC 5545) on standard input with Python's `icalendar` package and
prints it as JSON for the API tests: the calendar's name and time zones, then each event with
its start and end as written (London wall-clock time and TZID) and in UTC as the feed's own
VTIMEZONE resolves them. Exits non-zero on anything a real parser would not accept: a
component it could not read, or a TZID no VTIMEZONE in the feed defines."""

import datetime
import json
import sys

import icalendar


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def text(component, name):
    value = component.get(name)
    return None if value is None else str(value)


def main():
    calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
    for component in calendar.walk():
        if component.errors:
            fail(f"{component.name}: {component.errors}")
    zones = {
        str(zone["TZID"]): zone.to_tz(lookup_tzid=False)
        for zone in calendar.walk("VTIMEZONE")
    }

    def when(event, name):
        prop = event.get(name)
        tzid = prop.params.get("TZID")
        if tzid not in zones:
            fail(f"{name} names TZID {tzid!r}, which no VTIMEZONE defines")
        local = prop.dt.replace(tzinfo=None)
        utc = local.replace(tzinfo=zones[tzid]).astimezone(datetime.timezone.utc)
        return {
            "tzid": tzid,
            "local": local.isoformat(),
            "utc": utc.isoformat().replace("+00:00", "Z"),
        }

    events = []
    for event in calendar.walk("VEVENT"):
        events.append(
            {
                "uid": text(event, "UID"),
                "sequence": int(event.get("SEQUENCE", 0)),
                "status": text(event, "STATUS"),
                "summary": text(event, "SUMMARY"),
                "dtstamp": event.decoded("DTSTAMP").isoformat(),
                "start": when(event, "DTSTART"),
                "end": when(event, "DTEND"),
                "location": text(event, "LOCATION"),
                "description": text(event, "DESCRIPTION"),
                "url": text(event, "URL"),
            }
        )
    print(
        json.dumps(
            {
                "name": text(calendar, "X-WR-CALNAME"),
                "timezones": sorted(zones),
                "events": events,
            }
        )
    )


if __name__ == "__main__":
    main()
