//! A prospect's own public holidays (`holidays = "CA-QC"`): due dates land on days that are
//! workdays for both of us, and the table matches the `holidays` package it was made from.

use std::process::Command;

use crate::helpers::Book;

const BOOK: &str = r#"
[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "America/Toronto"

[cadences.standard]
steps = [
  { wait = "0 days", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "1 week", action = "call" },
]

[prospects.luc]
name = "Luc Tremblay"
phone = "+1 514 555 0101"
timezone = "America/Toronto"
since = 2027-06-22
call_windows = ["09:00-10:00"]
holidays = "CA-QC"

[prospects.tom]
name = "Tom Twin"
phone = "+1 416 555 0102"
timezone = "America/Toronto"
since = 2027-06-22
call_windows = ["09:00-10:00"]
"#;

fn due(book: &Book, at: &str, days: &str) -> Vec<(String, String)> {
    let agenda = book.run(&["agenda", "--at", at, "--days", days, "--json"]).code(0).json();
    agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["prospect"].as_str().unwrap().to_owned(), i["due"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn a_due_date_on_their_holiday_moves_to_the_next_day_we_both_work() {
    let book = Book::new(BOOK);
    // Both are called on Tue 22 June; step 2 is 2 workdays later: Thu 24 June, which is
    // Saint-Jean-Baptiste in Quebec (and a workday in Ontario).
    book.run(&["log", "luc", "no-answer", "--at", "2027-06-22T09:10"]).code(0);
    book.run(&["log", "tom", "no-answer", "--at", "2027-06-22T09:10"]).code(0);
    let week = due(&book, "2027-06-23T07:00", "5");
    assert!(week.contains(&("tom".to_owned(), "2027-06-24".to_owned())), "{week:?}");
    assert!(week.contains(&("luc".to_owned(), "2027-06-25".to_owned())), "{week:?}");

    // The voicemail script names the day he will really be called.
    let book = Book::new(BOOK);
    // Tom is reached first, so the next call is Luc's.
    book.run(&["log", "tom", "spoke", "--at", "2027-06-22T07:30"]).code(0);
    let luc = book.run(&["next", "--at", "2027-06-22T08:00"]).code(0).stdout;
    assert!(luc.contains("Call Luc Tremblay"), "{luc}");
    assert!(
        luc.contains("If I don't hear from you by Wednesday, I'll call you on Friday the 25th."),
        "{luc}"
    );

    // [defaults] holidays apply to every prospect without their own: 2 workdays after Tue 29
    // June is Thu 1 July, Canada Day, so Fri 2 July; without it, Thursday.
    let with_default = BOOK
        .replace("holidays = \"CA-QC\"\n", "")
        .replace("[prospects.luc]", "[defaults]\nholidays = \"CA\"\n\n[prospects.luc]");
    for (text, expected) in [
        (with_default.as_str(), "2027-07-02"),
        (&BOOK.replace("holidays = \"CA-QC\"\n", "")[..], "2027-07-01"),
    ] {
        let book = Book::new(text);
        book.run(&["log", "luc", "no-answer", "--at", "2027-06-29T09:10"]).code(0);
        let days = due(&book, "2027-06-30T07:00", "5");
        assert!(days.contains(&("luc".to_owned(), expected.to_owned())), "{expected}: {days:?}");
    }
}

#[test]
fn an_unknown_country_or_subdivision_is_a_config_error() {
    for (code, says) in [
        ("XX", "prospects.luc.holidays: unknown holiday calendar `XX`: expected a country"),
        ("CA-ZZ", "prospects.luc.holidays: unknown subdivision `CA-ZZ` of CA"),
    ] {
        let book = Book::new(&BOOK.replace("holidays = \"CA-QC\"", &format!("holidays = \"{code}\"")));
        let ran = book.run(&["check"]).code(78);
        assert!(ran.stderr.contains(says), "{code}: {}", ran.stderr);
    }
    let book =
        Book::new(&BOOK.replace("[prospects.luc]", "[defaults]\nholidays = \"Atlantis\"\n\n[prospects.luc]"));
    let ran = book.run(&["agenda"]).code(78);
    assert!(ran.stderr.contains("defaults.holidays: unknown holiday calendar `Atlantis`"), "{}", ran.stderr);
}

/// The table ringback embeds, read back: a code's dates in one year.
fn table_dates(code: &str, year: &str) -> Vec<String> {
    let table = include_str!("../../src/config/holidays.txt");
    let line = table
        .lines()
        .skip_while(|l| *l != "[dates]")
        .find(|l| l.split('\t').next() == Some(code))
        .unwrap_or_else(|| panic!("{code} is not in the table"));
    line.split('\t')
        .nth(1)
        .unwrap()
        .split(',')
        .filter(|d| d.starts_with(year))
        .map(|d| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]))
        .collect()
}

#[test]
fn the_table_matches_the_holidays_package() {
    let python = std::env::var("RINGBACK_HOLIDAYS_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/holidays-venv/bin/python").to_owned()
    });
    let probe = Command::new(&python).args(["-c", "import holidays"]).output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "the holidays package is missing at {python}: scripts/test.sh makes target/holidays-venv (python3 -m venv, then pip install --require-hashes -r scripts/holidays-requirements.txt)"
    );
    let pairs = [
        ("CA", "2026"),
        ("CA-QC", "2027"),
        ("CA-ON", "2020"),
        ("US", "2035"),
        ("US-TX", "2026"),
        ("GB-SCT", "2021"),
        ("DE", "2030"),
        ("DE-BY", "2024"),
        ("FR", "2028"),
        ("IN-MH", "2030"),
        ("AU-NSW", "2033"),
        ("JP", "2025"),
        ("BR-SP", "2029"),
        ("AT-9", "2024"),
    ];
    let mut args = vec![concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/holidays_oracle.py").to_owned()];
    for (code, year) in pairs {
        args.push(code.to_owned());
        args.push(year.to_owned());
    }
    let out = Command::new(&python).arg("-B").args(&args).output().expect("the oracle runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut blocks = std::collections::BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.contains(' ') {
            current = line.to_owned();
        } else {
            blocks.entry(current.clone()).or_insert_with(Vec::new).push(line.to_owned());
        }
    }
    for (code, year) in pairs {
        let package = blocks.get(&format!("{code} {year}")).cloned().unwrap_or_default();
        assert!(!package.is_empty(), "{code} {year}: the package gave nothing");
        assert_eq!(table_dates(code, year), package, "{code} {year}");
    }
}

#[test]
fn an_overdue_call_waits_out_their_holiday() {
    // Luc's first call was due Tue 22 June and not made: on Thu 24 June (Saint-Jean-Baptiste
    // in Quebec) it is not listed; Tom's, with no holidays of his own, is.
    let book = Book::new(BOOK);
    let on = |at: &str| -> Vec<String> {
        let json = book.run(&["agenda", "--at", at, "--json"]).code(0).json();
        json["items"].as_array().unwrap().iter().map(|i| i["prospect"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(on("2027-06-24T07:00"), ["tom"]);
    assert_eq!(on("2027-06-25T07:00"), ["luc", "tom"]);
}
