//! The calendar feed, read back by the parsers calendars use: libical (GNOME Calendar and
//! Evolution) and Python's icalendar, through tests/it/ics_check.py; and served by the daemon.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use crate::helpers::Book;
use crate::process::Daemon;
use crate::smtp::free_port;

/// A prospect in Berlin on a long cadence of calls (and one email), across Europe's spring
/// change of the clocks on 28 March 2027; me in Toronto, whose clocks changed on 14 March.
const BOOK: &str = r#"
[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "America/Toronto"

[notify.desktop]
enabled = false

[calendar]
alarm = "5m"

[cadences.long]
steps = [
  { wait = "0 days", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "2 workdays", action = "email" },
  { wait = "2 workdays", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "2 workdays", action = "call" },
]

[prospects.greta]
name = "Greta Vogel"
company = "Vogel, Söhne & Töchter; Berlin"
phone = "+49 30 555 0100"
email = "greta@vogel.example"
timezone = "Europe/Berlin"
since = 2027-03-22
cadence = "long"
call_windows = ["09:00-10:00"]
hook = "the new plant in Leipzig, \"Werk 2\""
"#;

/// What the checker read: its JSON.
fn check(feed: &str) -> serde_json::Value {
    let python = "/usr/bin/python3";
    let probe = Command::new(python)
        .args(["-c", "import gi; gi.require_version('ICalGLib', '3.0'); import icalendar"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "the feed checker needs Debian's gir1.2-ical-3.0, python3-gi and python3-icalendar (scripts/test.sh installs them as root)"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, feed).unwrap();
    let out = Command::new(python)
        .args([concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/ics_check.py"), file.to_str().unwrap()])
        .output()
        .expect("the checker runs");
    assert!(out.status.success(), "the checker failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The events one parser saw, after asserting it and the raw check found nothing wrong.
fn events<'a>(checked: &'a serde_json::Value, parser: &str) -> &'a Vec<serde_json::Value> {
    for layer in ["raw", parser] {
        let errors = checked[layer]["errors"].as_array().expect("errors");
        assert!(errors.is_empty(), "{layer} found errors: {errors:?}");
    }
    checked[parser]["events"].as_array().expect("events")
}

#[test]
fn the_feed_reads_alike_in_libical_and_icalendar_in_utc_across_a_change_of_the_clocks() {
    let book = Book::new(BOOK);
    let feed = book.run(&["ics", "--at", "2027-03-22T02:00", "--days", "21"]).code(0).stdout;
    assert!(feed.contains("\r\n") && !feed.replace("\r\n", "").contains('\n'), "not CRLF throughout");
    assert!(!feed.contains("METHOD:"), "a METHOD makes it an iTIP message");
    let checked = check(&feed);
    for parser in ["libical", "icalendar"] {
        let calendar = &checked[parser]["calendar"];
        assert_eq!(calendar["refresh_interval"], "PT15M", "{parser}: {calendar}");
        assert_eq!(calendar["published_ttl"], "PT15M", "{parser}: {calendar}");
        let events = events(&checked, parser);
        // Five calls and one email, each once, as if each step is done on its day.
        let starts: Vec<(&str, bool)> =
            events.iter().map(|e| (e["start"].as_str().unwrap(), e["all_day"].as_bool().unwrap())).collect();
        assert_eq!(events.len(), 6, "{parser}: {starts:?}");
        let mut calls: Vec<&str> = starts.iter().filter(|(_, day)| !day).map(|(s, _)| *s).collect();
        calls.sort_unstable();
        // 09:00 in Berlin: 08:00 UTC before 28 March, 07:00 after.
        assert_eq!(
            calls,
            [
                "2027-03-22T08:00:00Z",
                "2027-03-24T08:00:00Z",
                "2027-03-30T07:00:00Z",
                "2027-04-01T07:00:00Z",
                "2027-04-05T07:00:00Z",
            ],
            "{parser}"
        );
        let email: Vec<&serde_json::Value> = events.iter().filter(|e| e["all_day"] == true).collect();
        assert_eq!(email.len(), 1, "{parser}");
        assert_eq!(email[0]["start"], "2027-03-26", "{parser}");
        assert_eq!(email[0]["end"], "2027-03-27", "{parser}");
        for event in events {
            assert!(event["tzid"].is_null(), "{parser}: a TZID without its VTIMEZONE: {event}");
            assert_eq!(event["transp"], "TRANSPARENT", "{parser}: {event}");
            assert_eq!(event["sequence"], 0, "{parser}: {event}");
            assert_eq!(event["dtstamp"], "2027-03-22T06:00:00Z", "{parser}: {event}");
            let summary = event["summary"].as_str().unwrap();
            assert!(
                summary.contains("Greta Vogel (Vogel, Söhne & Töchter; Berlin) [greta]"),
                "{parser}: {summary}"
            );
            let alarms = event["alarms"].as_array().unwrap();
            if event["all_day"] == true {
                assert!(alarms.is_empty(), "{parser}: an alarm on an all-day item: {event}");
            } else {
                assert_eq!(alarms.len(), 1, "{parser}: {event}");
                assert_eq!(alarms[0]["trigger"], "-PT5M", "{parser}: {event}");
                let description = event["description"].as_str().unwrap();
                // The first call is due; the later ones are a projection, and say so.
                let why =
                    description.strip_prefix("+49 30 5550100: tel:+49305550100\nWhy: ").unwrap_or_default();
                assert!(
                    why.starts_with("attempt 1 of")
                        || why.starts_with("if what comes before it goes unanswered: attempt "),
                    "{parser}: {description}"
                );
                assert!(description.contains("\"Werk 2\""), "{parser}: {description}");
            }
        }
    }
    // Both parsers read the same events.
    let uids = |parser: &str| -> Vec<String> {
        checked[parser]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["uid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(uids("libical"), uids("icalendar"));
}

#[test]
fn a_moved_call_keeps_its_uid_and_counts_the_move_and_an_unchanged_feed_stays_as_it_was() {
    // By the real clock: the feed records each item's revisions as they happen.
    let book = Book::new(&BOOK.replace("since = 2027-03-22\n", ""));
    let feed = || check(&book.run(&["ics", "--days", "40"]).code(0).stdout);
    let call = |checked: &serde_json::Value| -> serde_json::Value {
        let events = events(checked, "libical");
        let found: Vec<&serde_json::Value> =
            events.iter().filter(|e| e["uid"] == "call-greta-long-1@ringback").collect();
        assert_eq!(found.len(), 1, "{events:?}");
        found[0].clone()
    };
    let before = jiff::Timestamp::now();
    let first = call(&feed());
    assert_eq!(first["sequence"], 0);
    // Snoozed for a week: the same event moves.
    let today = jiff::Zoned::now().in_tz("America/Toronto").unwrap().date();
    let until = today.checked_add(jiff::Span::new().days(7)).unwrap().to_string();
    book.run(&["log", "greta", "snooze", "--until", &until]).code(0);
    let second = feed();
    let moved = call(&second);
    assert_ne!(moved["start"], first["start"]);
    assert!(moved["start"].as_str().unwrap() >= until.as_str(), "{moved}");
    assert_eq!(moved["sequence"], 1);
    let stamp: jiff::Timestamp = moved["dtstamp"].as_str().unwrap().parse().unwrap();
    assert!(
        stamp >= before.round(jiff::Unit::Second).unwrap() - jiff::SignedDuration::from_secs(1),
        "{moved}"
    );
    assert!(stamp <= jiff::Timestamp::now(), "{moved}");
    assert_eq!(moved["last_modified"], moved["dtstamp"]);
    // The same feed again: nothing changed, so nothing says it did.
    let third = feed();
    assert_eq!(events(&third, "libical"), events(&second, "libical"), "an unchanged feed changed");
}

#[test]
fn a_feed_for_another_time_records_nothing() {
    let book = Book::new(BOOK);
    let at = ["ics", "--at", "2027-03-22T02:00", "--days", "10"];
    let first = check(&book.run(&at).code(0).stdout);
    book.run(&["log", "greta", "snooze", "--until", "2027-03-25", "--at", "2027-03-22T03:00"]).code(0);
    let second = check(&book.run(&at).code(0).stdout);
    let call = |checked: &serde_json::Value| {
        events(checked, "libical")
            .iter()
            .find(|e| e["uid"] == "call-greta-long-1@ringback")
            .cloned()
            .expect("the call")
    };
    assert_eq!(call(&first)["start"], "2027-03-22T08:00:00Z");
    // Moved, but the first feed was not recorded: it is new to the record, at sequence 0,
    // stamped with the time asked for.
    assert_eq!(call(&second)["start"], "2027-03-25T08:00:00Z");
    assert_eq!(call(&second)["sequence"], 0);
    assert_eq!(call(&second)["dtstamp"], "2027-03-22T06:00:00Z");
}

#[test]
fn open_items_of_the_last_week_stay_in_the_feed_and_older_ones_leave() {
    // Greta's first call fell due on Wed 17 March (5 days back on the 22nd); Hans's on Mon 8
    // March (14 back). The feed shows Greta's late call where today's agenda puts it.
    let book = Book::new(&format!(
        "{}\n[prospects.hans]\nname = \"Hans Roth\"\nphone = \"+49 30 555 0101\"\ntimezone = \"Europe/Berlin\"\nsince = 2027-03-08\ncadence = \"long\"\ncall_windows = [\"09:00-10:00\"]\n",
        BOOK.replace("since = 2027-03-22", "since = 2027-03-17")
    ));
    let checked = check(&book.run(&["ics", "--at", "2027-03-22T02:00", "--days", "1"]).code(0).stdout);
    let today = events(&checked, "libical");
    let summaries: Vec<&str> = today.iter().map(|e| e["summary"].as_str().unwrap()).collect();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert!(
        summaries[0].starts_with("Call Greta Vogel") && summaries[0].ends_with("(5 days late)"),
        "{summaries:?}"
    );
    assert_eq!(today[0]["start"], "2027-03-22T08:00:00Z");
    // Hans's stale call is left out, and not pretended made: nothing after it is laid out
    // (the agenda still lists it, overdue).
    let week = check(&book.run(&["ics", "--at", "2027-03-22T02:00", "--days", "14"]).code(0).stdout);
    let all = events(&week, "libical");
    let hans: Vec<&serde_json::Value> =
        all.iter().filter(|e| e["uid"].as_str().unwrap().contains("-hans-")).collect();
    assert!(hans.is_empty(), "{hans:?}");
    let agenda = book.run(&["agenda", "--at", "2027-03-22T02:00", "--json"]).code(0).json();
    assert!(agenda["items"].as_array().unwrap().iter().any(|i| i["prospect"] == "hans"), "{agenda}");
    // Greta's later steps say they are a projection, and name no attempt nobody made.
    let second = all.iter().find(|e| e["uid"] == "call-greta-long-2@ringback").expect("her second call");
    let description = second["description"].as_str().unwrap();
    assert!(
        description.contains("Why: if what comes before it goes unanswered: attempt 2 of 6"),
        "{description}"
    );
    assert!(!description.contains("last no-answer"), "{description}");
}

/// One HTTP/1.1 request on loopback; the raw response.
fn http(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the feed listens");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("a response");
    String::from_utf8(response).expect("UTF-8")
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next().unwrap();
    head.lines().find_map(|l| {
        let (key, value) = l.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[test]
fn the_daemon_serves_the_feed_on_loopback_behind_its_token_with_etags() {
    let port = free_port();
    // The daemon plans by the real clock: Greta starts when it first sees her.
    let book = Book::new(
        &BOOK
            .replace("[calendar]", &format!("[calendar]\nlisten = \"127.0.0.1:{port}\""))
            .replace("since = 2027-03-22\n", ""),
    );
    let url = book.run(&["ics", "--url"]).code(0).stdout;
    let path =
        url.trim().strip_prefix(&format!("http://127.0.0.1:{port}")).expect("a loopback URL").to_owned();
    assert!(
        path.starts_with("/feed/") && path.ends_with(".ics") && path.len() == "/feed/.ics".len() + 32,
        "{path}"
    );
    assert_eq!(book.run(&["ics", "--url"]).code(0).stdout, url, "the token is kept");

    let daemon = Daemon::start(&book, &[("RUST_LOG", "ringback=debug")]);
    daemon.wait_for(&format!("calendar feed on http://127.0.0.1:{port}/ "), 1);
    let token = path.trim_start_matches("/feed/").trim_end_matches(".ics").to_owned();
    assert!(!daemon.log().contains(&token), "the token is a secret, not for the journal:\n{}", daemon.log());
    let get = |extra: &str| {
        http(port, &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n"))
    };
    let ok = get("");
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert_eq!(header(&ok, "content-type"), Some("text/calendar; charset=utf-8"));
    let etag = header(&ok, "etag").expect("an ETag").to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");
    let body = ok.split_once("\r\n\r\n").unwrap().1;
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.ends_with("END:VCALENDAR\r\n"), "{body}");
    assert!(body.contains("Greta Vogel"), "{body}");

    let same = get(&format!("If-None-Match: {etag}\r\n"));
    assert!(same.starts_with("HTTP/1.1 304"), "{same}");
    assert_eq!(same.split_once("\r\n\r\n").unwrap().1, "", "a 304 has no body");
    // Nothing changed: the answer came from the feed last built, without planning.
    daemon.wait_for("served without planning", 1);
    // A logged event changes the state: the next request plans again and says so.
    book.run(&["log", "greta", "no-answer"]).code(0);
    let after = get(&format!("If-None-Match: {etag}\r\n"));
    assert!(after.starts_with("HTTP/1.1 200"), "{after}");
    let etag = header(&after, "etag").expect("an ETag").to_owned();
    let other = get("If-None-Match: \"0000000000000000\"\r\n");
    assert!(other.starts_with("HTTP/1.1 200"), "{other}");

    let head = http(port, &format!("HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(header(&head, "etag"), Some(etag.as_str()));
    assert_eq!(head.split_once("\r\n\r\n").unwrap().1, "");

    let wrong = http(
        port,
        "GET /feed/00000000000000000000000000000000.ics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(wrong.starts_with("HTTP/1.1 404"), "{wrong}");
    assert!(!wrong.contains("Greta"), "{wrong}");
    let bare = http(port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert!(bare.starts_with("HTTP/1.1 404"), "{bare}");
    let post = http(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    assert_eq!(header(&post, "allow"), Some("GET, HEAD"));
    // A page a browser reached through a DNS name pointed at 127.0.0.1 says its own name.
    for host in [format!("rebind.example:{port}"), "rebind.example".to_owned(), "127.0.0.1:1".to_owned()] {
        let rebound =
            http(port, &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        assert!(rebound.starts_with("HTTP/1.1 421"), "{host}: {rebound}");
        assert!(!rebound.contains("Greta"), "{rebound}");
    }
    // A new token: the old URL answers 404 at once, the new one the feed.
    let renewed = book.run(&["ics", "--new-token"]).code(0).stdout;
    let new_path =
        renewed.lines().next().unwrap().strip_prefix(&format!("http://127.0.0.1:{port}")).unwrap().to_owned();
    assert_ne!(new_path, path);
    assert_eq!(book.run(&["ics", "--url"]).code(0).stdout.trim(), renewed.lines().next().unwrap());
    let old = get("");
    assert!(old.starts_with("HTTP/1.1 404"), "{old}");
    let new = http(
        port,
        &format!("GET {new_path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    );
    assert!(new.starts_with("HTTP/1.1 200") && new.contains("Greta Vogel"), "{new}");
    assert_eq!(daemon.terminate(), 0);
}

#[test]
fn the_feed_listens_on_loopback_only_and_its_settings_are_checked() {
    for (listen, says) in [
        (
            "0.0.0.0:8765",
            "calendar.listen: the feed names your prospects: it is served on a loopback address only",
        ),
        ("192.168.1.10:8765", "served on a loopback address only"),
        ("localhost", "calendar.listen: `localhost` is not an address and port"),
        ("127.0.0.1:0", "calendar.listen: port 0 picks a new port at every start"),
    ] {
        let book = Book::new(&BOOK.replace("[calendar]", &format!("[calendar]\nlisten = \"{listen}\"")));
        let ran = book.run(&["check"]).code(78);
        assert!(ran.stderr.contains(says), "{listen}: {}", ran.stderr);
    }
    let book = Book::new(&BOOK.replace("alarm = \"5m\"", "alarm = \"soon\""));
    let ran = book.run(&["ics"]).code(78);
    assert!(ran.stderr.contains("calendar.alarm"), "{}", ran.stderr);
    let book = Book::new(BOOK);
    let ran = book.run(&["ics", "--url"]).code(2);
    assert!(ran.stderr.contains("add [calendar] listen = \"127.0.0.1:PORT\""), "{}", ran.stderr);
}

/// A request head over 16 KiB is refused, and a head not finished within 10 s is cut off, so
/// one connection can neither grow the daemon's memory nor hold a place for ever.
#[test]
fn the_feed_bounds_a_request_head_in_size_and_time() {
    let port = free_port();
    let book = Book::new(&BOOK.replace("[calendar]", &format!("[calendar]\nlisten = \"127.0.0.1:{port}\"")));
    let url = book.run(&["ics", "--url"]).code(0).stdout;
    let path = url.trim().strip_prefix(&format!("http://127.0.0.1:{port}")).unwrap().to_owned();
    let daemon = Daemon::start(&book, &[]);
    daemon.wait_for(&format!("calendar feed on http://127.0.0.1:{port}/ "), 1);
    let head = |padding: usize| {
        format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Padding: {}\r\n\r\n",
            "a".repeat(padding)
        )
    };
    // Just under the limit is served; over it is refused before the token is even looked at.
    let ok = http(port, &head(15 * 1024));
    assert!(ok.starts_with("HTTP/1.1 200"), "{}", ok.lines().next().unwrap_or_default());
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // The server may answer and close before it has read it all: a write error is expected.
    let _ = stream.write_all(head(20 * 1024).as_bytes());
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 431"), "{response}");

    // Half a head, then silence: the connection is closed after 10 s (a deadline of 30 here).
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow.write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n").as_bytes()).unwrap();
    let started = std::time::Instant::now();
    slow.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut rest = Vec::new();
    let read = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(read.is_ok(), "still open after 30 s: {read:?}");
    assert!(waited >= Duration::from_secs(9), "closed after {waited:?}, before its 10 s");
    assert!(!String::from_utf8_lossy(&rest).contains("BEGIN:VCALENDAR"), "served a half head");
    assert_eq!(daemon.terminate(), 0);
}

/// Anyone on the machine can open connections to the feed's port. A flood of idle ones, kept
/// up while the morning digest and a nudge fall due, on a daemon allowed only 256 open files:
/// the digest goes out and the nudge reaches the session bus on time, the daemon stays up, and
/// the feed answers once the flood is over.
#[test]
fn a_flood_of_idle_connections_neither_stops_the_daemon_nor_holds_up_the_digest_or_a_nudge() {
    use std::sync::atomic::{AtomicBool, Ordering};
    // The flood's sockets are this process's too, shared with the tests running beside it:
    // its own soft limit goes up to the hard one first.
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Nofile,
        rustix::process::Rlimit { current: limit.maximum, maximum: limit.maximum },
    );
    let bus = crate::helpers::SessionBus::start();
    let port = free_port();
    // Noon in my zone (no quiet hours, no midnight near); the digest and the nudge for a window
    // opening five minutes later fall due at the next minute at least 60 s away.
    let zone = crate::desktop::noon_zone();
    let now = jiff::Zoned::now().in_tz(&zone).unwrap();
    let due =
        (now + jiff::SignedDuration::from_secs(80)).with().second(0).subsec_nanosecond(0).build().unwrap();
    let opens = &due + jiff::SignedDuration::from_mins(5);
    let every_day = "workdays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]";
    let config = crate::helpers::BASE
        .replace("timezone = \"America/Toronto\"", &format!("timezone = \"{zone}\"\n{every_day}"))
        .replace(
            "[notify.email]",
            &format!(
                "[calendar]\nlisten = \"127.0.0.1:{port}\"\n\n[schedule]\ndigest = \"{} {} * * *\"\nnudge = \"5m\"\n\n[notify.email]",
                due.minute(),
                due.hour()
            ),
        )
        + &format!(
            "\n[prospects.flood]\nname = \"Fern Flood\"\nphone = \"+1 416 555 0123\"\ntimezone = \"{zone}\"\n{every_day}\nsince = {}\ncall_windows = [\"{}-{}\"]\n",
            due.date(),
            opens.strftime("%H:%M"),
            (&opens + jiff::SignedDuration::from_mins(30)).strftime("%H:%M")
        );
    let book = Book::new(&config);
    let url = book.run(&["ics", "--url"]).code(0).stdout;
    let path = url.trim().strip_prefix(&format!("http://127.0.0.1:{port}")).unwrap().to_owned();
    let daemon = Daemon::start_with_file_limit(&book, 256, &[("DBUS_SESSION_BUS_ADDRESS", &bus.address)]);
    daemon.wait_for(&format!("calendar feed on http://127.0.0.1:{port}/"), 1);

    let flooding = std::sync::Arc::new(AtomicBool::new(true));
    let flood = {
        let flooding = flooding.clone();
        std::thread::spawn(move || {
            let mut open = Vec::new();
            while flooding.load(Ordering::Relaxed) {
                // Keep 400 connections open (more than the daemon's 256 files), saying nothing;
                // replace the ones closed.
                open.retain(|s: &TcpStream| {
                    let mut byte = [0u8; 1];
                    s.set_nonblocking(true).ok();
                    !matches!(s.peek(&mut byte), Ok(0))
                });
                while open.len() < 400 {
                    match TcpStream::connect(("127.0.0.1", port)) {
                        Ok(s) => open.push(s),
                        Err(_) => break,
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            open.len()
        })
    };
    // The digest and the nudge, on time, through the flood.
    daemon.wait_for_within("email sent", 1, Duration::from_secs(150));
    let sent_at = jiff::Timestamp::now();
    assert!(
        sent_at.duration_since(due.timestamp()) < jiff::SignedDuration::from_secs(30),
        "the digest due at {due} went out at {sent_at}"
    );
    let nudge = format!("Call at {}: Fern Flood", opens.strftime("%H:%M"));
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !bus.monitor().contains(&nudge) {
        assert!(
            std::time::Instant::now() < deadline,
            "no nudge on the session bus:\n{}\n{}",
            bus.monitor(),
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let nudged_at = jiff::Timestamp::now();
    assert!(
        nudged_at.duration_since(due.timestamp()) < jiff::SignedDuration::from_secs(30),
        "the nudge due at {due} reached the bus at {nudged_at}"
    );
    flooding.store(false, Ordering::Relaxed);
    let held = flood.join().unwrap();
    assert!(held > 0, "the flood never connected");
    // Still up, and the feed answers again.
    let mut daemon = daemon;
    assert!(daemon.child.try_wait().unwrap().is_none(), "the daemon stopped:\n{}", daemon.log());
    let ok =
        http(port, &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"));
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let log = daemon.log();
    // (With the cap the daemon never runs out of descriptors here; should it, it says so at
    // most once a minute.)
    assert!(log.matches("cannot accept").count() <= 2, "the accept warning floods the journal:\n{log}");
    assert_eq!(daemon.terminate(), 0);
}
