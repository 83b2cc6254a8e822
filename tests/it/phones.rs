//! Their number: read with libphonenumber's rules wherever it is written, refused where no one
//! can dial it, shown grouped and dialled as RFC 3966, checked against python3-phonenumbers.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use crate::helpers::{Book, require};
use crate::their_day::ME_TORONTO;

/// Numbers whose validity changed between Debian's python3-phonenumbers (8.12.57, the oracle)
/// and the libphonenumber metadata ringback carries (9.0.42, in rlibphonenumber).
const NEWER_METADATA: &[&str] = &[
    // A short Beijing number: valid in 9.0.42.
    "+86 1012345",
];

/// libphonenumber's answers for the fixed-line and mobile numbers of 28 countries, each written
/// a dozen ways (E.164, grouped, dashed, `tel:`, national, dotted, `+CC (0)…`, `00 CC …`, with
/// extensions, short and long), against what ringback does with the same text in a book whose
/// `me.phone` is in that country: the config error for a number no one abroad can dial, the
/// `tel:` URI the agenda gives a script, the grouped number the agenda shows, and `check`'s
/// warning for a number its country does not have.
#[test]
fn numbers_agree_with_libphonenumber() {
    require(&["python3"], "python3");
    let oracle = Command::new("/usr/bin/python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/phones_oracle.py"))
        .output()
        .expect("python3 runs");
    assert!(
        oracle.status.success(),
        "the oracle failed (Debian's python3-phonenumbers is needed: scripts/test.sh installs it, as root):\n{}",
        String::from_utf8_lossy(&oracle.stderr)
    );
    let mut seen = [0usize; 4];
    let mut wrong = Vec::new();
    let mut regions = 0;
    for line in String::from_utf8(oracle.stdout).unwrap().lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        regions += 1;
        let region = case["region"].as_str().unwrap();
        let me = case["me"].as_str().unwrap();
        let cases = case["cases"].as_array().unwrap();
        let config = |filter: &dyn Fn(&serde_json::Value) -> bool| {
            let mut text = ME_TORONTO.replace("+1 416 555 0199", me);
            let mut lines = BTreeMap::new();
            for (n, c) in cases.iter().enumerate().filter(|(_, c)| filter(c)) {
                let phone = c["text"].as_str().unwrap();
                text.push_str(&format!("\n[prospects.p{n:03}]\nname = \"Case {n:03}\"\n"));
                lines.insert(n, text.lines().count() + 1);
                text.push_str(&format!("phone = {}\n", serde_json::to_string(phone).unwrap()));
            }
            (text, lines)
        };

        // Every number no one abroad can dial is an error at its line; no other is.
        let (text, lines) = config(&|_| true);
        let book = Book::new(&text);
        let ran = book.run(&["check"]);
        let refused: BTreeSet<usize> = cases
            .iter()
            .enumerate()
            .filter(|(n, _)| ran.stderr.contains(&format!("prospects.p{n:03}.phone")))
            .map(|(n, _)| n)
            .collect();
        let impossible: BTreeSet<usize> =
            cases.iter().enumerate().filter(|(_, c)| c["possible"] == false).map(|(n, _)| n).collect();
        let texts = |set: &BTreeSet<usize>| -> Vec<String> {
            set.iter().map(|n| format!("{} ({})", cases[*n]["text"], cases[*n]["why"])).collect()
        };
        assert_eq!(
            texts(&refused),
            texts(&impossible),
            "{region}: refused (left) against not IS_POSSIBLE (right):\n{}",
            ran.stderr
        );
        assert_eq!(ran.code, 78, "{region}: {}", ran.stderr);
        for n in &impossible {
            let at = format!("ringback.toml:{}:9: prospects.p{n:03}.phone", lines[n]);
            assert!(ran.stderr.contains(&at), "{region}: expected `{at}` in\n{}", ran.stderr);
        }
        seen[0] += impossible.len();

        // The rest: dialled, shown and warned about as libphonenumber has them.
        let (text, _) = config(&|c| c["possible"] == true);
        let book = Book::new(&text);
        let agenda = book.run(&["agenda", "--at", "2026-12-07T06:00", "--json"]).code(0).json();
        let shown = book.run(&["agenda", "--at", "2026-12-07T06:00"]).code(0).stdout;
        let check = book.run(&["check"]).code(0).stdout;
        let items = agenda["items"].as_array().unwrap();
        for (n, c) in cases.iter().enumerate().filter(|(_, c)| c["possible"] == true) {
            let id = format!("p{n:03}");
            let item = items
                .iter()
                .find(|i| i["prospect"] == id.as_str())
                .unwrap_or_else(|| panic!("{region}: {id} not in the agenda: {agenda}"));
            let tel = match c["extension"].as_str() {
                Some(ext) => format!("tel:{};ext={ext}", c["e164"].as_str().unwrap()),
                None => format!("tel:{}", c["e164"].as_str().unwrap()),
            };
            if item["tel"] != tel.as_str() {
                wrong.push(format!("{region} {}: dialled {} not {tel}", c["text"], item["tel"]));
            }
            assert_eq!(item["phone"], c["text"], "{region}: the book's text is kept");
            let grouped = match c["extension"].as_str() {
                Some(ext) => format!("{} ext. {ext}", c["international"].as_str().unwrap()),
                None => c["international"].as_str().unwrap().to_owned(),
            };
            let row = shown
                .lines()
                .find(|l| l.contains(&format!("[{id}]")))
                .unwrap_or_else(|| panic!("{region}: {id} not in\n{shown}"));
            // How a number its country does not have is grouped changes with the metadata
            // (Debian's trails ringback's by years): only valid numbers' grouping is compared.
            if c["valid"] == true && !row.contains(&format!("  {grouped}  ")) {
                wrong.push(format!("{region} {}: shown as `{}` not `{grouped}`", c["text"], row.trim()));
            }
            let warned = check
                .lines()
                .any(|l| l.contains(&format!("[{id}], ")) && l.contains("is not a number its country has"));
            if warned != (c["valid"] == false) && !NEWER_METADATA.contains(&c["text"].as_str().unwrap()) {
                wrong.push(format!(
                    "{region} {}: valid is {} to libphonenumber, warned: {warned}",
                    c["text"], c["valid"]
                ));
            }
            seen[if c["valid"] == true { 1 } else { 2 }] += 1;
            seen[3] += usize::from(c["extension"].is_string());
        }
    }
    assert!(wrong.is_empty(), "{} disagreements:\n{}", wrong.len(), wrong.join("\n"));
    assert!(regions >= 20, "countries checked: {regions}");
    let [impossible, valid, invalid, extensions] = seen;
    assert!(
        impossible > 100 && valid > 400 && invalid > 10 && extensions > 80,
        "too few of a kind: {impossible} impossible, {valid} valid, {invalid} possible but invalid, {extensions} with extensions"
    );
}

/// `set`, `add` and the daemon's loader refuse a number no one can dial, at its line and
/// column; nothing is written.
#[test]
fn a_number_no_one_can_dial_is_refused_where_it_is_written() {
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[prospects.bill]\nname = \"Bill Jones\"\nphone = \"604 555 0100\"\n"
    ));
    // National numbers are read in my phone's country.
    let agenda = book.run(&["agenda", "--at", "2026-12-07T06:00", "--json"]).code(0).json();
    assert_eq!(agenda["items"][0]["tel"], "tel:+16045550100", "{agenda}");
    let before = std::fs::read_to_string(&book.config).unwrap();
    for phone in ["call me maybe", "+1 555 0000", "+44 20", "555-0100"] {
        let ran = book.run(&["set", "bill", &format!("phone={phone}")]).code(2);
        assert!(ran.stderr.contains("prospects.bill.phone"), "{phone}: {}", ran.stderr);
        assert!(ran.stderr.contains(&format!("`{phone}`")), "{phone}: {}", ran.stderr);
        assert_eq!(std::fs::read_to_string(&book.config).unwrap(), before, "{phone}: written");
    }
    let ran = book.run(&["add", "ned", "--name", "Ned Kelly", "--phone", "+1 555 0000"]).code(2);
    assert!(ran.stderr.contains("only dialled locally: the area code is missing"), "{}", ran.stderr);
    assert_eq!(std::fs::read_to_string(&book.config).unwrap(), before, "add wrote");

    // Without me.phone there is no country to read a national number in: the error says so.
    let book = Book::new(&format!(
        "{}\n[prospects.bill]\nname = \"Bill Jones\"\nphone = \"604 555 0100\"\n",
        ME_TORONTO.replace("phone = \"+1 416 555 0199\"\n", "")
    ));
    let ran = book.run(&["check"]).code(78);
    let text = std::fs::read_to_string(&book.config).unwrap();
    let line = text.lines().position(|l| l.starts_with("phone = ")).unwrap() + 1;
    assert!(
        ran.stderr.contains(&format!(":{line}:9: prospects.bill.phone: `604 555 0100`: no country code"))
            && ran.stderr.contains("set me.phone so its country is assumed"),
        "{}",
        ran.stderr
    );
}

/// What I read everywhere is the grouped number; what a dialler gets is `tel:` E.164 with the
/// extension apart.
#[test]
fn every_surface_shows_the_grouped_number() {
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[prospects.olive]\nname = \"Olive Green\"\nphone = \"+44 (0)20 7946 0011\"\nsince = 2026-12-07\n\
         \n[prospects.raj]\nname = \"Raj Patel\"\nphone = \"(416) 555-0101 x 204\"\nsince = 2026-12-07\n"
    ));
    let at = ["--at", "2026-12-07T06:00"];
    for args in [&["agenda"][..], &["next"], &["digest"], &["why", "olive"], &["why", "raj"]] {
        let out = book.run(&[args, &at[..]].concat()).code(0).stdout;
        let olive = args != ["why", "raj"];
        let raj = args != ["why", "olive"] && args != ["next"];
        assert_eq!(out.contains("+44 20 7946 0011"), olive, "{args:?}:\n{out}");
        assert_eq!(out.contains("+1 416-555-0101 ext. 204"), raj, "{args:?}:\n{out}");
        assert!(
            !out.contains("(0)") && !out.contains("x 204"),
            "the book's spelling leaked: {args:?}:\n{out}"
        );
    }
    let feed = book.run(&["ics", "--at", "2026-12-07T06:00", "--days", "1"]).code(0).stdout;
    let unfolded = feed.replace("\r\n ", "");
    assert!(unfolded.contains("+44 20 7946 0011: tel:+442079460011"), "{unfolded}");
    assert!(unfolded.contains("+1 416-555-0101 ext. 204: tel:+14165550101\\;ext=204"), "{unfolded}");
}

/// What each number read as is kept in the state by a command that writes it (the daemon, on
/// every load), and used by every command after, so a book is read without libphonenumber's
/// metadata: here a kept reading is altered by hand, and what the agenda shows proves which
/// was used. Kept readings are not used under another version of the rules, and a number
/// changed in the book is read afresh.
#[test]
fn readings_are_kept_and_used_until_the_number_or_the_rules_change() {
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[prospects.olive]\nname = \"Olive Green\"\nphone = \"+44 (0)20 7946 0011\"\nsince = 2026-12-07\n"
    ));
    let agenda = || book.run(&["agenda", "--at", "2026-12-07T06:00"]).code(0).stdout;
    assert!(agenda().contains("+44 20 7946 0011"));
    // `ics --at` writes nothing to the log, but opens the state for writing as `log` does.
    book.run(&["ics", "--at", "2026-12-07T06:00", "--days", "1"]).code(0);
    let conn = rusqlite::Connection::open(&book.state).unwrap();
    let altered = conn
        .execute("UPDATE phone_readings SET grouped = '+44 20 KEPT' WHERE text = '+44 (0)20 7946 0011'", [])
        .unwrap();
    assert_eq!(altered, 1, "the reading was not kept");
    assert!(agenda().contains("+44 20 KEPT"), "the kept reading was not used:\n{}", agenda());

    conn.execute("UPDATE settings SET value = 'rlibphonenumber 0.0.1' WHERE key = 'phone_rules'", [])
        .unwrap();
    let other_rules = agenda();
    assert!(other_rules.contains("+44 20 7946 0011") && !other_rules.contains("KEPT"), "{other_rules}");

    conn.execute("UPDATE settings SET value = ?1 WHERE key = 'phone_rules'", [ringback::phone::RULES])
        .unwrap();
    assert!(agenda().contains("+44 20 KEPT"));
    book.run(&["set", "olive", "phone=+44 (0)20 7946 0012"]).code(0);
    let changed = agenda();
    assert!(changed.contains("+44 20 7946 0012") && !changed.contains("KEPT"), "{changed}");
}

/// Kept readings name the rules they were made with: the name follows the crate's version.
#[test]
fn the_rules_version_is_the_locked_crates() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    let at = lock.find("name = \"rlibphonenumber\"\nversion = \"").expect("in Cargo.lock");
    let version = lock[at..].lines().nth(1).unwrap().trim_start_matches("version = ").trim_matches('"');
    let rules = ringback::phone::RULES;
    assert!(
        rules.starts_with(&format!("rlibphonenumber {version}; ")),
        "update phone::RULES with the crate: {rules}"
    );
}

/// The daemon keeps what the book's numbers read as when it starts and on every reload: a
/// number added is kept, one taken out of the book is dropped.
#[test]
fn the_daemon_keeps_the_books_readings() {
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[notify.desktop]\nenabled = false\n\n[prospects.olive]\nname = \"Olive Green\"\nphone = \"+44 (0)20 7946 0011\"\n"
    ));
    let kept = || -> Vec<String> {
        let conn = rusqlite::Connection::open(&book.state).unwrap();
        let mut stmt = conn.prepare("SELECT text FROM phone_readings ORDER BY text").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    let daemon = crate::process::Daemon::start(&book, &[]);
    daemon.wait_for("ringback running", 1);
    // My number, then theirs.
    assert_eq!(kept(), ["+1 416 555 0199", "+44 (0)20 7946 0011"]);
    let text = std::fs::read_to_string(&book.config).unwrap();
    book.write_config(&text.replace("+44 (0)20 7946 0011", "+44 20 7946 0012"));
    daemon.wait_for("config reloaded (file changed)", 1);
    // The reload's readings are kept right after it: wait for them rather than for a time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while kept() != ["+1 416 555 0199", "+44 20 7946 0012"] {
        assert!(std::time::Instant::now() < deadline, "kept {:?}:\n{}", kept(), daemon.log());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(daemon.terminate(), 0);
}

/// A number written without its country code is read in my phone's country: what it read as
/// is kept for that country alone, so a new `me.phone` in another country reads it again.
#[test]
fn a_national_number_is_read_again_when_my_country_changes() {
    let london = ME_TORONTO.replace("+1 416 555 0199", "+44 20 7946 0000");
    let book = Book::new(&format!(
        "{london}\n[prospects.olive]\nname = \"Olive Green\"\nphone = \"020 7946 0011\"\n"
    ));
    let at = ["--at", "2026-12-07T06:00"];
    let agenda = book.run(&["agenda", at[0], at[1]]).code(0).stdout;
    assert!(agenda.contains("+44 20 7946 0011"), "{agenda}");
    book.run(&["ics", at[0], at[1], "--days", "1"]).code(0);
    let conn = rusqlite::Connection::open(&book.state).unwrap();
    let kept: String = conn
        .query_row(
            "SELECT e164 FROM phone_readings WHERE region = 'GB' AND text = '020 7946 0011'",
            [],
            |r| r.get(0),
        )
        .expect("the reading was kept for GB");
    assert_eq!(kept, "+442079460011");
    let text = std::fs::read_to_string(&book.config).unwrap();
    book.write_config(&text.replace("+44 20 7946 0000", "+1 416 555 0199"));
    let toronto = book.run(&["agenda", at[0], at[1]]).code(78);
    assert!(toronto.stderr.contains("prospects.olive.phone: `020 7946 0011`"), "{}", toronto.stderr);
}
