#!/usr/bin/python3
"""Check an iCalendar feed with two independent parsers and a raw-format pass.

    /usr/bin/python3 tests/it/ics_check.py FILE.ics      (or `-` for stdin)

Prints one JSON object on stdout:

    {"raw":       {"errors": [...]},
     "libical":   {"errors": [...], "calendar": {...}, "events": [...]},
     "icalendar": {"errors": [...], "calendar": {...}, "events": [...]}}

"raw" is checked here: CRLF after every line (the last too), at most 75 octets a line
(CRLF excluded), continuation lines begin with a space (not a tab), no empty lines, no
control characters, every physical line valid UTF-8 on its own (a fold must not split a
multi-byte sequence), text begins with BEGIN:VCALENDAR and ends with END:VCALENDAR CRLF.
Each kind of error is listed for its first few lines, then counted.

"libical" is libical 3 through GObject introspection (ICalGLib, what GNOME Calendar and
Evolution use): the text is parsed, libical's restriction check (icalrestriction_check)
is run on the calendar's properties and on each top-level component, and every
X-LIC-ERROR property (parse errors and restriction failures alike) becomes an error
string "PATH: ERRORTYPE: message", e.g. "VCALENDAR > VEVENT(uid=x): INVALID-ITIP: ...".
Without a METHOD libical only checks how many times a property occurs (at most one
SUMMARY, TRANSP, DTSTART...; not DTEND and DURATION together; one PRODID and VERSION);
it requires no UID or DTSTAMP and does not look inside VALARMs. With METHOD:PUBLISH it
also requires UID, DTSTAMP, DTSTART, SUMMARY and ORGANIZER in each VEVENT.

"icalendar" is the Python icalendar package (4.x on Debian bookworm): every component's
`errors` list (values it could not parse and skipped) becomes an error string.

Each layer's "calendar" holds prodid, version, method, refresh_interval, published_ttl,
name, x_wr_calname (null when absent) and vtimezones (TZIDs of the VTIMEZONEs). "events"
are the VEVENTs sorted by uid, each with uid, summary, description, start, end, all_day,
dtstamp, last_modified, sequence, transp, categories, alarms and tzid. Text values are
unescaped. A UTC DATE-TIME is "2026-11-24T22:00:00Z", a DATE "2026-11-24"; a floating
DATE-TIME, or one with a TZID parameter, is the wall time as written without the Z
("2026-11-24T23:00:00"), and the event's tzid is the TZID parameter of DTSTART (null
when there is none). An alarm is {"action", "trigger", "trigger_seconds", "related"}:
a relative trigger is a normalized duration ("-PT5M", "-PT1H30M", "-P1W", "PT0S") with
its length in seconds, an absolute one a time as above with trigger_seconds null;
related is the RELATED parameter ("END") or null. A property that appears more than
once where one is expected gives its first value (libical's restriction check flags
some of these; icalendar does not).

Exit 0 when both parsers parsed the text (whatever errors they listed), 2 with a
message on stderr when a package is missing or a parser could not parse it at all.

Needs Debian's python3-gi, gir1.2-ical-3.0 and python3-icalendar; run with /usr/bin/python3.
"""

import datetime
import json
import re
import sys

sys.dont_write_bytecode = True

MAX_PER_KIND = 5  # raw errors listed per kind before they are only counted


def fatal(msg):
    print("ics_check: " + msg, file=sys.stderr)
    sys.exit(2)


def import_parsers():
    hint = " (run with /usr/bin/python3, not a pyenv or venv python)"
    try:
        import gi
    except ImportError:
        fatal("cannot import gi: apt-get install python3-gi" + hint)
    try:
        gi.require_version("ICalGLib", "3.0")
        from gi.repository import ICalGLib
    except (ValueError, ImportError) as e:
        fatal("cannot load ICalGLib 3.0 (%s): apt-get install gir1.2-ical-3.0" % e)
    try:
        import icalendar
    except ImportError:
        fatal("cannot import icalendar: apt-get install python3-icalendar" + hint)
    return ICalGLib, icalendar


# ---------------------------------------------------------------------------------------
# Shared formatting


def fmt_duration(seconds):
    """RFC 5545 duration from signed seconds: -PT5M, PT1H30M, P1DT2H, -P1W, PT0S."""
    sign = "-" if seconds < 0 else ""
    s = abs(int(seconds))
    if s == 0:
        return "PT0S"
    if s % 604800 == 0:
        return "%sP%dW" % (sign, s // 604800)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    out = sign + "P" + ("%dD" % days if days else "")
    if hours or minutes or s:
        out += "T"
        if hours:
            out += "%dH" % hours
        if minutes:
            out += "%dM" % minutes
        if s:
            out += "%dS" % s
    return out


def fmt_time(year, month, day, is_date, hour=0, minute=0, second=0, utc=False):
    if is_date:
        return "%04d-%02d-%02d" % (year, month, day)
    return "%04d-%02d-%02dT%02d:%02d:%02d%s" % (year, month, day, hour, minute, second, "Z" if utc else "")


# ---------------------------------------------------------------------------------------
# Raw format


def raw_check(data):
    kinds = {}  # kind -> [first messages], count
    order = []

    def err(kind, msg):
        if kind not in kinds:
            kinds[kind] = [[], 0]
            order.append(kind)
        entry = kinds[kind]
        entry[1] += 1
        if len(entry[0]) < MAX_PER_KIND:
            entry[0].append(msg)

    if data.startswith(b"\xef\xbb\xbf"):
        err("bom", "text begins with a UTF-8 byte order mark")
    if not data.startswith(b"BEGIN:VCALENDAR\r\n"):
        err("begin", "text does not begin with BEGIN:VCALENDAR CRLF (begins %r)" % data[:20])
    if not data.endswith(b"END:VCALENDAR\r\n"):
        err("end", "text does not end with END:VCALENDAR CRLF (ends %r)" % data[-20:])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        err("utf8-all", "text is not valid UTF-8: %s" % e)

    lines = data.split(b"\n")
    last = lines.pop()  # after the final LF: empty when the text ends in a line break
    if last:
        lines.append(last)
        err("eof", "last line %d has no line break: %r" % (len(lines), last[-40:]))
        last_unterminated = True
    else:
        last_unterminated = False
    name_re = re.compile(rb"^[A-Za-z0-9-]+[;:]")
    ctl_re = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
    for i, line in enumerate(lines, 1):
        terminated = not (last_unterminated and i == len(lines))
        if line.endswith(b"\r"):
            body = line[:-1]
        else:
            body = line
            if terminated:
                err("lf", "line %d ends in LF without CR" % i)
        if b"\r" in body:
            err("cr", "line %d has a bare CR inside" % i)
        if len(body) > 75:
            err("long", "line %d is %d octets long (more than 75): %r" % (i, len(body), body[:40]))
        if not body:
            err("empty", "line %d is empty" % i)
        elif body[:1] == b"\t":
            err("tab", "line %d continues with a TAB, not a space" % i)
        elif body[:1] == b" ":
            if i == 1:
                err("cont1", "line 1 begins with a space")
        elif not name_re.match(body):
            err("name", "line %d is neither a continuation (leading space) nor NAME[;params]:value: %r"
                % (i, body[:40]))
        if ctl_re.search(body):
            err("ctl", "line %d holds a control character: %r" % (i, body[:40]))
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as e:
            err("utf8", "line %d is not valid UTF-8 on its own (fold inside a multi-byte character?): %s"
                % (i, e))

    errors = []
    for kind in order:
        msgs, count = kinds[kind]
        errors.extend(msgs)
        if count > len(msgs):
            errors.append("... and %d more like the above" % (count - len(msgs)))
    return errors


# ---------------------------------------------------------------------------------------
# libical (ICalGLib)


def libical_layer(I, text):
    P = I.PropertyKind
    C = I.ComponentKind
    errors = []
    try:
        root = I.Component.new_from_string(text)
    except TypeError:  # "constructor returned NULL"
        root = None
    if root is None:
        raise ParseFailure("libical could not parse the text (icalparser returned NULL)")
    kind = root.isa()
    if kind == C.VCALENDAR_COMPONENT:
        cal = root
    elif kind == C.XROOT_COMPONENT:
        n = root.count_components(C.ANY_COMPONENT)
        errors.append("(root): %d top-level components where one VCALENDAR was expected" % n)
        cal = root.get_first_component(C.VCALENDAR_COMPONENT)
    else:
        cal = None
    if cal is None:
        raise ParseFailure("libical found no VCALENDAR (top-level component is %s)"
                           % I.Component.kind_to_string(kind))

    def props(comp, pkind):
        p = comp.get_first_property(pkind)
        while p is not None:
            yield p
            p = comp.get_next_property(pkind)

    def subs(comp, ckind):
        s = comp.get_first_component(ckind)
        while s is not None:
            yield s
            s = comp.get_next_component(ckind)

    def first(comp, pkind):
        return comp.get_first_property(pkind)

    # PropertyKind values newer than the typelib (REFRESH-INTERVAL is 116 in libical 3.0.16
    # but missing from the GI enum) make isa() raise, so properties are matched by name.
    def by_name(comp, name):
        return [p for p in props(comp, P.ANY_PROPERTY) if p.get_property_name() == name]

    def label(comp):
        name = I.Component.kind_to_string(comp.isa())
        uid = first(comp, P.UID_PROPERTY)
        return "%s(uid=%s)" % (name, uid.get_uid()) if uid is not None else name

    def collect(comp, path, out, deep=True):
        """X-LIC-ERROR properties of comp (and, if deep, of its subcomponents) as strings."""
        here = path + [label(comp)]
        for p in props(comp, P.XLICERROR_PROPERTY):
            etype = None
            par = p.get_first_parameter(I.ParameterKind.XLICERRORTYPE_PARAMETER)
            if par is not None:
                etype = par.as_ical_string().partition("=")[2]
            out.append("%s: %s: %s" % (" > ".join(here), etype or "ERROR", p.get_xlicerror()))
        if deep:
            for sub in subs(comp, C.ANY_COMPONENT):
                collect(sub, here, out)
        return out

    # Errors the parser left in the tree (values it could not parse, stray lines).
    found = collect(cal, [], [])

    # The restriction check. icalrestriction_check stops at the first failing component
    # (and checks no component when the VCALENDAR's own properties fail), so it is run on
    # scratch calendars: one with the calendar's properties alone, then one a top-level
    # component, with VERSION, PRODID and the calendar's METHOD.
    def restrict(scratch, errs_of):
        ok = I.restriction_check(scratch)
        errs = errs_of()
        if not ok and not errs:
            errs = ["%s: restriction check failed without an X-LIC-ERROR" % label(scratch)]
        found.extend(errs)

    top = I.Component.new_vcalendar()
    for p in props(cal, P.ANY_PROPERTY):
        if p.get_property_name() != "X-LIC-ERROR":
            top.add_property(p.clone())
    restrict(top, lambda: collect(top, [], [], deep=False))
    method = first(cal, P.METHOD_PROPERTY)
    for sub in subs(cal, C.ANY_COMPONENT):
        scratch = I.Component.new_vcalendar()
        scratch.add_property(I.Property.new_version("2.0"))
        scratch.add_property(I.Property.new_prodid("-//ics_check//scratch//EN"))
        if method is not None:
            scratch.add_property(method.clone())
        piece = sub.clone()
        piece.strip_errors()
        scratch.add_component(piece)
        restrict(scratch, lambda: collect(piece, [label(cal)], []))

    # libical repeats some messages (a DTEND beside a DURATION gives dozens): list each once.
    counts = {}
    for e in found:
        counts[e] = counts.get(e, 0) + 1
    for e in counts:
        errors.append(e if counts[e] == 1 else "%s (%d times)" % (e, counts[e]))

    def time_of(t, tzid):
        if t is None or t.is_null_time():
            return None
        return fmt_time(t.get_year(), t.get_month(), t.get_day(), t.is_date(), t.get_hour(),
                        t.get_minute(), t.get_second(), utc=t.is_utc() and not tzid)

    def dt_prop(comp, pkind, getter):
        p = first(comp, pkind)
        if p is None:
            return None, None, False
        tzid = p.get_parameter_as_string("TZID")
        t = getattr(p, getter)()
        return time_of(t, tzid), tzid, bool(t is not None and not t.is_null_time() and t.is_date())

    def text(comp, pkind, getter):
        p = first(comp, pkind)
        return None if p is None else getattr(p, getter)()

    def x_text(comp, name):
        ps = by_name(comp, name)
        if not ps:
            return None
        p = ps[0]
        return p.get_x() if p.get_x_name() else p.get_value_as_string()

    method = first(cal, P.METHOD_PROPERTY)
    calendar = {
        "prodid": text(cal, P.PRODID_PROPERTY, "get_prodid"),
        "version": text(cal, P.VERSION_PROPERTY, "get_version"),
        "method": None if method is None else method.get_value_as_string(),
        # libical re-serializes a DURATION value it parsed (no typed getter in the typelib)
        "refresh_interval": x_text(cal, "REFRESH-INTERVAL"),
        "published_ttl": x_text(cal, "X-PUBLISHED-TTL"),
        "name": text(cal, P.NAME_PROPERTY, "get_name"),
        "x_wr_calname": x_text(cal, "X-WR-CALNAME"),
        "vtimezones": [text(z, P.TZID_PROPERTY, "get_tzid") for z in subs(cal, C.VTIMEZONE_COMPONENT)],
    }

    events = []
    for ev in subs(cal, C.VEVENT_COMPONENT):
        start, tzid, all_day = dt_prop(ev, P.DTSTART_PROPERTY, "get_dtstart")
        end, _, _ = dt_prop(ev, P.DTEND_PROPERTY, "get_dtend")
        dtstamp, _, _ = dt_prop(ev, P.DTSTAMP_PROPERTY, "get_dtstamp")
        last_modified, _, _ = dt_prop(ev, P.LASTMODIFIED_PROPERTY, "get_lastmodified")
        seq = first(ev, P.SEQUENCE_PROPERTY)
        transp = first(ev, P.TRANSP_PROPERTY)
        # libical splits CATEGORIES:a,b into one property a value (but stops splitting
        # after the first backslash escape in the line)
        categories = [p.get_categories() for p in props(ev, P.CATEGORIES_PROPERTY)]
        alarms = []
        for al in subs(ev, C.VALARM_COMPONENT):
            action = first(al, P.ACTION_PROPERTY)
            trig = first(al, P.TRIGGER_PROPERTY)
            trigger = seconds = related = None
            if trig is not None:
                related = trig.get_parameter_as_string("RELATED")
                tr = trig.get_trigger()
                t = tr.get_time()
                if t is not None and not t.is_null_time():
                    trigger = time_of(t, None)
                else:
                    seconds = tr.get_duration().as_int()
                    trigger = fmt_duration(seconds)
            alarms.append({
                "action": None if action is None else action.get_value_as_string(),
                "trigger": trigger,
                "trigger_seconds": seconds,
                "related": related,
            })
        events.append({
            "uid": text(ev, P.UID_PROPERTY, "get_uid"),
            "summary": text(ev, P.SUMMARY_PROPERTY, "get_summary"),
            "description": text(ev, P.DESCRIPTION_PROPERTY, "get_description"),
            "start": start,
            "end": end,
            "all_day": all_day,
            "dtstamp": dtstamp,
            "last_modified": last_modified,
            "sequence": None if seq is None else seq.get_sequence(),
            "transp": None if transp is None else transp.get_value_as_string(),
            "categories": categories,
            "alarms": alarms,
            "tzid": tzid,
        })
    events.sort(key=lambda e: e["uid"] or "")
    return {"errors": errors, "calendar": calendar, "events": events}


# ---------------------------------------------------------------------------------------
# Python icalendar


def icalendar_layer(icalendar, text):
    try:
        comps = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as e:  # noqa: BLE001 - any failure means it could not parse
        raise ParseFailure("icalendar could not parse the text: %s: %s" % (type(e).__name__, e))
    errors = []
    if len(comps) != 1:
        errors.append("(root): %d top-level components where one VCALENDAR was expected" % len(comps))
    cals = [c for c in comps if getattr(c, "name", None) == "VCALENDAR"]
    if not cals:
        raise ParseFailure("icalendar found no VCALENDAR (top-level: %s)"
                           % [getattr(c, "name", None) for c in comps])
    cal = cals[0]

    def label(comp):
        uid = comp.get("UID")
        if isinstance(uid, list):
            uid = uid[0]
        return "%s(uid=%s)" % (comp.name, uid) if uid is not None else comp.name

    def collect(comp, path):
        here = path + [label(comp)]
        for name, msg in getattr(comp, "errors", None) or []:
            errors.append("%s: %s: %s" % (" > ".join(here), name or "(line)", msg))
        for sub in comp.subcomponents:
            collect(sub, here)

    collect(cal, [])

    def one(comp, name):
        v = comp.get(name)
        if isinstance(v, list):
            v = v[0] if v else None
        return v

    def s(comp, name):
        v = one(comp, name)
        return None if v is None else str(v)

    def time_of(v):
        """(formatted, tzid, is_date) of a vDDDTypes-like property value."""
        if v is None:
            return None, None, False
        dt = getattr(v, "dt", v)
        params = getattr(v, "params", {}) or {}
        tzid = params.get("TZID")
        if isinstance(dt, datetime.datetime):
            utc = dt.tzinfo is not None and not tzid
            formatted = fmt_time(dt.year, dt.month, dt.day, False, dt.hour, dt.minute, dt.second, utc=utc)
            return formatted, tzid, False
        if isinstance(dt, datetime.date):
            return fmt_time(dt.year, dt.month, dt.day, True), tzid, True
        return str(dt), tzid, False

    calendar = {
        "prodid": s(cal, "PRODID"),
        "version": s(cal, "VERSION"),
        "method": s(cal, "METHOD"),
        # icalendar 4 knows neither REFRESH-INTERVAL nor X-PUBLISHED-TTL: text as written
        "refresh_interval": s(cal, "REFRESH-INTERVAL"),
        "published_ttl": s(cal, "X-PUBLISHED-TTL"),
        "name": s(cal, "NAME"),
        "x_wr_calname": s(cal, "X-WR-CALNAME"),
        "vtimezones": [s(z, "TZID") for z in cal.subcomponents if z.name == "VTIMEZONE"],
    }

    events = []
    for ev in (c for c in cal.subcomponents if c.name == "VEVENT"):
        start, tzid, all_day = time_of(one(ev, "DTSTART"))
        end = time_of(one(ev, "DTEND"))[0]
        dtstamp = time_of(one(ev, "DTSTAMP"))[0]
        last_modified = time_of(one(ev, "LAST-MODIFIED"))[0]
        seq = one(ev, "SEQUENCE")
        cats = ev.get("CATEGORIES")
        if cats is None:
            cats = []
        elif not isinstance(cats, list):
            cats = [cats]
        categories = []
        for c in cats:  # vCategory (4.x: .cats); unescapes before splitting on commas
            categories.extend(str(x) for x in getattr(c, "cats", [c]))
        alarms = []
        for al in (c for c in ev.subcomponents if c.name == "VALARM"):
            trig = one(al, "TRIGGER")
            trigger = seconds = related = None
            if trig is not None:
                related = (getattr(trig, "params", {}) or {}).get("RELATED")
                dt = getattr(trig, "dt", None)
                if isinstance(dt, datetime.timedelta):
                    seconds = int(dt.total_seconds())
                    trigger = fmt_duration(seconds)
                else:
                    trigger = time_of(trig)[0]
            alarms.append({
                "action": s(al, "ACTION"),
                "trigger": trigger,
                "trigger_seconds": seconds,
                "related": related,
            })
        events.append({
            "uid": s(ev, "UID"),
            "summary": s(ev, "SUMMARY"),
            "description": s(ev, "DESCRIPTION"),
            "start": start,
            "end": end,
            "all_day": all_day,
            "dtstamp": dtstamp,
            "last_modified": last_modified,
            "sequence": None if seq is None else int(seq),
            "transp": s(ev, "TRANSP"),
            "categories": categories,
            "alarms": alarms,
            "tzid": tzid,
        })
    events.sort(key=lambda e: e["uid"] or "")
    return {"errors": errors, "calendar": calendar, "events": events}


class ParseFailure(Exception):
    pass


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    ICalGLib, icalendar = import_parsers()
    path = sys.argv[1]
    try:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    except OSError as e:
        fatal("cannot read %s: %s" % (path, e))
    # Raw problems are reported under "raw"; the parsers get the text with any invalid
    # UTF-8 replaced.
    text = data.decode("utf-8", errors="replace")
    out = {"raw": {"errors": raw_check(data)}}
    failures = []
    for key, layer, mod in (("libical", libical_layer, ICalGLib), ("icalendar", icalendar_layer, icalendar)):
        try:
            out[key] = layer(mod, text)
        except ParseFailure as e:
            failures.append(str(e))
    if failures:
        msg = "; ".join(failures)
        if out["raw"]["errors"]:
            msg += "; raw format: " + "; ".join(out["raw"]["errors"])
        fatal(msg)
    # UTF-8 whatever the locale (cargo test may run with LANG unset)
    sys.stdout.buffer.write(json.dumps(out, indent=1, ensure_ascii=False).encode("utf-8") + b"\n")


if __name__ == "__main__":
    main()
