//! `ringback import` on real export shapes (tests/fixtures/import, see EXPECTED.md there), what
//! it writes into the book, and its zone guesses against libphonenumber itself.

use std::process::{Command, Stdio};

use crate::helpers::{Book, require};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");

/// A book with nobody in it that any fixture row could match.
const EMPTY: &str = r#"
[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "America/Toronto"

[cadences.standard]
steps = [{ wait = "0 days", action = "call" }, { wait = "2 workdays", action = "call" }]
"#;

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// The report line for a physical line of the file.
fn report_line(stdout: &str, line: u64) -> &str {
    let wanted = format!("  line {line}: ");
    stdout
        .lines()
        .find(|l| l.starts_with(&wanted))
        .unwrap_or_else(|| panic!("no report for line {line}:\n{stdout}"))
}

#[test]
fn every_export_is_read_with_its_source_encoding_lines_and_zones() {
    // (file, how it is read, [(line, what the report says of that record)])
    type Case = (&'static str, &'static str, &'static [(u64, &'static str)]);
    let cases: &[Case] = &[
        (
            "google.csv",
            "as Google Contacts (Google CSV): 4 records after the header on line 1, UTF-8,",
            &[
                (
                    2,
                    "added `priya-raman` (Priya Raman, Northwind Analytics): zone America/Vancouver guessed from +1 604",
                ),
                (7, "skipped: no name"),
                (
                    8,
                    "added `matthias-brunner` (Matthias Brunner, Alpenblick Treuhand AG): zone Europe/Zurich guessed from +41",
                ),
                (
                    11,
                    "added `lukasz-zolc` (Łukasz Żółć, Wydawnictwo Gęś Sp. z o.o.): zone Europe/Warsaw guessed from +48",
                ),
            ],
        ),
        (
            "utf16.csv",
            "4 records after the header on line 1, UTF-16LE,",
            &[(2, "added `priya-raman`"), (7, "skipped: no name"), (11, "added `lukasz-zolc` (Łukasz Żółć")],
        ),
        (
            "google-legacy.csv",
            "as Google Contacts (legacy Google CSV)",
            &[
                (
                    2,
                    "added `hannah-lindqvist` (Hannah Lindqvist, Fenwick & Hale LLP): zone Europe/London guessed from the country United Kingdom",
                ),
                (3, "zone Australia/Sydney guessed from +61 2"),
            ],
        ),
        (
            "google-outlook.csv",
            "as Outlook CSV",
            &[
                (2, "added `ingrid-solberg`"),
                (
                    3,
                    "added `marcus-chen` (Marcus Chen, Lakeshore Robotics Inc.): zone America/Toronto guessed from +1 416",
                ),
            ],
        ),
        (
            "outlook-com.csv",
            "as Outlook.com",
            &[(2, "zone Europe/Berlin guessed from +49"), (3, "zone America/Vancouver")],
        ),
        (
            "outlook-desktop.csv",
            "as Outlook (desktop): 3 records after the header on line 1, windows-1252 (assumed",
            &[
                (
                    2,
                    "added `renee-dubois-lefevre` (Renée Dubois-Lefèvre, Atelier Lumière SARL): zone Europe/Paris",
                ),
                (4, "added `gunther-strauss` (Günther Strauß, Strauß & Söhne KG)"),
                (5, "zone Europe/London guessed from +44 2"),
            ],
        ),
        (
            "thunderbird.csv",
            "as Thunderbird",
            &[(2, "added `elena-petrova`"), (3, "zone Europe/Rome guessed from +39 0")],
        ),
        (
            "linkedin.csv",
            "as LinkedIn Connections: 4 records after the header on line 4",
            &[
                (5, "added `nadia-haddad` (Nadia Haddad, Meridian Health Partners): no zone"),
                (6, "email only (no phone: its calls say so until you add one)"),
                (7, "skipped: no name"),
                (8, "profile URL only"),
            ],
        ),
        (
            "hubspot.csv",
            "as HubSpot",
            &[
                (2, "zone America/New_York from the file"),
                (3, "zone America/Port-au-Prince from the file"),
                (4, "zone Europe/Berlin from the file"),
            ],
        ),
        (
            "salesforce-report.csv",
            "as Salesforce report: 3 records",
            &[
                (2, "added `zoe-kaplan` (Zoë Kaplan"),
                (4, "added `arjun-mehta`"),
                (5, "zone America/Toronto guessed from +1 514"),
            ],
        ),
        (
            "dataloader.csv",
            "as Salesforce Data Loader: 2 records",
            &[(2, "zone America/Chicago"), (3, "added `jose-alvarez` (José Álvarez)")],
        ),
        (
            "dataloader-caps.csv",
            "windows-1252 (assumed",
            &[(3, "added `jose-alvarez` (José Álvarez): zone Europe/Madrid")],
        ),
        (
            "pipedrive.csv",
            "as Pipedrive",
            &[
                (2, "added `claire-donovan` (Claire Donovan, Salish Sea Kayak Co.)"),
                (3, "zone America/Sao_Paulo"),
            ],
        ),
        (
            "zoho.csv",
            "as Zoho CRM",
            &[(2, "zone Africa/Lagos"), (3, "zone Europe/Brussels guessed from +32")],
        ),
        (
            "close.csv",
            "as Close",
            &[(2, "added `dana-scully` (Dana Scully, Quantico Forensics LLC)"), (3, "Australia/Sydney")],
        ),
        ("close.csv.gz", "as Close", &[(2, "added `dana-scully`")]),
        (
            "excel-semicolon.csv",
            "windows-1252 (assumed: the file is not UTF-8 and has no byte-order mark; --encoding says otherwise), `;`-separated",
            &[
                (
                    2,
                    "added `jurgen-muller` (Jürgen Müller, Müller & Söhne Maschinenbau GmbH): zone Europe/Berlin",
                ),
                (3, "added `anna-lena-schroder`"),
            ],
        ),
        (
            "bad-rows.csv",
            "5 records",
            &[
                (2, "added `theo-marsh`"),
                // A phone that cannot be read does not lose a row with an email: added email-only,
                // the text kept in her notes.
                (
                    5,
                    "added `carla-nunez` (Carla Nunez, Pinecrest Realty): no zone (the row has no zone, phone or country): it uses me.timezone until you set one; warning: phone `call me maybe` is not a phone number, so email only (the text is in its notes)",
                ),
                (6, "skipped: email `not-an-email` is not an address"),
                (7, "skipped: no name"),
                (8, "added `yuki-sato` (Yuki Sato, Sakura Textiles K.K.): zone Asia/Tokyo guessed from +81"),
            ],
        ),
    ];
    let book = Book::new(EMPTY);
    for (file, heading, rows) in cases {
        let ran = book.run(&["import", "--dry-run", &fixture(file)]).code(0);
        let first = ran.stdout.lines().next().unwrap_or_default();
        if *file == "salesforce-report.csv" {
            assert!(
                ran.stdout.contains(
                    "\n  line 8: the data ends here, at a one-column row (`Grand Totals (3 records)`)"
                ),
                "{}",
                ran.stdout
            );
        }
        assert!(first.starts_with(&format!("read {file} ")) && first.contains(heading), "{file}: {first}");
        for (line, says) in *rows {
            let reported = report_line(&ran.stdout, *line);
            assert!(reported.contains(says), "{file} line {line}: expected `{says}` in\n{reported}");
        }
        assert!(ran.stdout.ends_with("dry run: nothing written\n"), "{file}: {}", ran.stdout);
    }
    assert_eq!(std::fs::read_to_string(&book.config).unwrap(), EMPTY, "a dry run wrote");
}

#[test]
fn an_import_writes_commented_tables_the_agenda_lists_and_a_second_import_adds_nothing() {
    let text = format!(
        "# my own notes on top\n{EMPTY}\n[prospects.ann]\nname = \"Ann Lee\"\nphone = \"+1 416 555 0111\"\n\n# drips stay last\n[drips.news]\nevery = \"1 month\"\nitems = [{{ title = \"Letter\" }}]\n"
    );
    let book = Book::new(&text);
    let ran = book.run(&["import", &fixture("google.csv")]).code(0);
    assert!(ran.stdout.contains("added 3, updated 0, already in the book 0, skipped 1"), "{}", ran.stdout);
    assert!(ran.stdout.ends_with(&format!("wrote {}\n", book.config.display())), "{}", ran.stdout);
    let written = std::fs::read_to_string(&book.config).unwrap();
    assert!(written.starts_with("# my own notes on top\n"), "{written}");
    let table = &written[written.find("# imported from google.csv line 8").expect("source comment")..];
    assert!(
        table.starts_with(
            "# imported from google.csv line 8\n[prospects.matthias-brunner]\nname = \"Matthias Brunner\"\ncompany = \"Alpenblick Treuhand AG\"\nphone = \"+41 79 555 00 00\"\nemail = \"matthias.brunner@example.org\"\ntimezone = \"Europe/Zurich\"  # guessed from +41\n"
        ),
        "{table}"
    );
    assert!(
        written.find("[prospects.lukasz-zolc]").unwrap() < written.find("# drips stay last").unwrap(),
        "{written}"
    );
    // Priya's notes span lines in the export and stay whole.
    let priya = &written[written.find("[prospects.priya-raman]").unwrap()..];
    assert!(priya.contains("notes = \"\"\"") || priya.contains("notes = '''"), "{priya}");

    book.run(&["check"]).code(0);
    // What the person sees: Matthias in the agenda, in his own morning.
    let agenda = book.run(&["agenda", "--at", "2026-12-01T01:00", "--json"]).code(0).json();
    let matthias = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["prospect"] == "matthias-brunner")
        .unwrap_or_else(|| panic!("not in the agenda: {agenda}"));
    assert_eq!(matthias["phone"], "+41 79 555 00 00");
    assert_eq!(matthias["tel"], "tel:+41795550000");
    assert!(
        matthias["window"]["start"].as_str().unwrap().starts_with("2026-12-01T01:30:00-05:00"),
        "{matthias}"
    );

    // The same export again: every row is known, by its phone or email.
    let before = std::fs::read(&book.config).unwrap();
    let again = book.run(&["import", &fixture("utf16.csv")]).code(0);
    assert!(
        again.stdout.contains(
            "already in the book as `priya-raman` (same phone): not added; --update fills its empty fields"
        ),
        "{}",
        again.stdout
    );
    assert!(
        again.stdout.contains("added 0, updated 0, already in the book 3, skipped 1"),
        "{}",
        again.stdout
    );
    assert!(again.stdout.ends_with("nothing to write\n"), "{}", again.stdout);
    assert_eq!(std::fs::read(&book.config).unwrap(), before);
}

#[test]
fn update_fills_only_the_empty_fields_of_a_known_prospect() {
    let book = Book::new(&format!(
        "{EMPTY}\n[prospects.priya]\nname = \"Priya R.\"  # as she signs\nemail = \"Priya.Raman@example.com\"\n"
    ));
    let plain = book.run(&["import", "--dry-run", &fixture("google.csv")]).code(0);
    assert!(
        report_line(&plain.stdout, 2).contains("already in the book as `priya` (same email)"),
        "{}",
        plain.stdout
    );
    let ran = book.run(&["import", "--update", &fixture("google.csv")]).code(0);
    let line = report_line(&ran.stdout, 2);
    assert!(line.contains("updated `priya` (same email): filled company, phone, timezone, notes"), "{line}");
    let written = std::fs::read_to_string(&book.config).unwrap();
    assert!(written.contains("name = \"Priya R.\"  # as she signs"), "the name was overwritten:\n{written}");
    assert!(written.contains("phone = \"+1 604-555-0100\"  # from google.csv line 2"), "{written}");
    assert!(
        written.contains("timezone = \"America/Vancouver\"  # guessed from +1 604 (from google.csv line 2)"),
        "{written}"
    );
    assert_eq!(written.matches("[prospects.").count(), 3, "one prospect updated, two added:\n{written}");
    let again = book.run(&["import", "--update", &fixture("google.csv")]).code(0);
    assert!(report_line(&again.stdout, 2).contains("nothing to fill"), "{}", again.stdout);
}

#[test]
fn headers_in_another_language_are_mapped_and_the_separator_and_encoding_can_be_given() {
    let book = Book::new(EMPTY);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kontakte.csv");
    // Windows-1252, tab-separated, German headers no alias knows.
    let text =
        "Rufname\tFamilienname\tFirma\tHandy\tLand\r\nJörg\tKühn\tKühn AG\t0171 2345678\tDeutschland\r\n";
    let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).expect("Latin-1")).collect();
    std::fs::write(&file, bytes).unwrap();
    let file = file.to_str().unwrap();
    let unknown = book.run(&["import", "--dry-run", file]).code(1);
    assert!(
        unknown.stderr.contains("no header row with a name, phone or email column"),
        "{}",
        unknown.stderr
    );
    let map = [
        "--map",
        "first_name=Rufname",
        "--map",
        "last_name=Familienname",
        "--map",
        "company=Firma",
        "--map",
        "mobile=Handy",
        "--map",
        "country=Land",
    ];
    let mut args = vec!["import", "--dry-run", "--delimiter", "tab", "--encoding", "windows-1252"];
    args.extend(map);
    args.push(file);
    let ran = book.run(&args).code(0);
    assert!(ran.stdout.contains("windows-1252, `\\t`-separated"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("assumed"), "an encoding given is not assumed:\n{}", ran.stdout);
    assert!(
        report_line(&ran.stdout, 2)
            .contains("added `jorg-kuhn` (Jörg Kühn, Kühn AG): zone Europe/Berlin guessed from +49"),
        "{}",
        ran.stdout
    );
    let mut args = vec!["import", "--map", "email=E-Mail"];
    args.extend(map);
    args.push(file);
    let missing = book.run(&args).code(1);
    assert!(missing.stderr.contains("--map: no column `E-Mail` in the header"), "{}", missing.stderr);
    let key = book.run(&["import", "--map", "colour=Farbe", file]).code(2);
    assert!(key.stderr.contains("unknown key `colour`"), "{}", key.stderr);
    assert_eq!(std::fs::read_to_string(&book.config).unwrap(), EMPTY);
}

#[test]
fn nothing_is_written_when_the_file_is_unreadable_the_book_invalid_or_the_result_invalid() {
    let book = Book::new(EMPTY);
    let gone = book.run(&["import", "/nonexistent/contacts.csv"]).code(1);
    assert!(gone.stderr.contains("cannot read /nonexistent/contacts.csv"), "{}", gone.stderr);

    let invalid = EMPTY.replace("America/Toronto", "America/Nowhere");
    let book = Book::new(&invalid);
    book.run(&["import", &fixture("google.csv")]).code(78);
    assert_eq!(std::fs::read_to_string(&book.config).unwrap(), invalid);

    // Valid as it is (its one prospect names its cadence), but rows with no cadence would use a
    // default that does not exist.
    let text = EMPTY.replace("[cadences.standard]", "[cadences.mine]")
        + "\n[prospects.ann]\nname = \"Ann\"\ncadence = \"mine\"\n";
    let book = Book::new(&text);
    let ran = book.run(&["import", &fixture("zoho.csv")]).code(1);
    assert!(
        ran.stderr.contains("nothing written: the book with these rows would not be valid"),
        "{}",
        ran.stderr
    );
    // The report still says which rows those are.
    assert!(ran.stdout.contains("line 2: added `amara-nwosu`"), "{}", ran.stdout);
    assert!(
        ran.stderr.contains("no cadence given and the default `standard` is not defined"),
        "{}",
        ran.stderr
    );
    assert_eq!(std::fs::read_to_string(&book.config).unwrap(), text);
}

/// libphonenumber's own answer (Debian's python3-phonenumbers, its number-type-aware
/// `time_zones_for_number`) for the fixed-line and mobile example numbers of every region,
/// against the zone `import` guesses for the same numbers: a mobile tied to no place (`+61 4`,
/// `+7 912`) spans its country's zones.
#[test]
fn zone_guesses_agree_with_libphonenumber() {
    require(&["python3"], "python3");
    let python = "/usr/bin/python3";
    let probe = Command::new(python).args(["-c", "import phonenumbers"]).output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "Debian's python3-phonenumbers is missing: install `python3-phonenumbers tzdata iso-codes` (scripts/test.sh does, as root)"
    );
    let examples = Command::new(python)
        .args([
            "-c",
            "import phonenumbers as p\n\
             for r in sorted(p.SUPPORTED_REGIONS):\n\
             \x20   for t in (p.PhoneNumberType.FIXED_LINE, p.PhoneNumberType.MOBILE):\n\
             \x20       n = p.example_number_for_type(r, t)\n\
             \x20       if n: print(p.format_number(n, p.PhoneNumberFormat.E164))",
        ])
        .output()
        .expect("python3 runs");
    let numbers = String::from_utf8(examples.stdout).unwrap();
    assert!(numbers.lines().count() > 200, "too few example numbers: {numbers}");
    let oracle = {
        let mut child = Command::new(python)
            .args([concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/zones_oracle.py")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the oracle starts");
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(numbers.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("numbers.csv");
    let mut rows = String::from("Name,Phone\n");
    let mut expected = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Regions sharing a numbering plan share example numbers: each number once.
    for (n, line) in
        oracle.lines().filter(|l| seen.insert(l.split('\t').next().map(str::to_owned))).enumerate()
    {
        let (number, zones) = line.split_once('\t').expect("NUMBER<TAB>ZONES");
        rows.push_str(&format!("P{n},{number}\n"));
        expected.push((n as u64 + 2, number.to_owned(), zones.to_owned()));
    }
    std::fs::write(&csv, rows).unwrap();
    let book = Book::new(EMPTY);
    let ran = book.run(&["import", "--dry-run", csv.to_str().unwrap()]).code(0);
    let mut checked = [0usize; 3];
    // Debian's python3-phonenumbers trails the metadata ringback carries: a number a country
    // has since renumbered (Benin's eight digits became ten in 2024; Nigeria's landlines grew)
    // is valid to the oracle only. Such numbers are listed, and few.
    let mut renumbered = Vec::new();
    for (line, number, zones) in &expected {
        let reported = report_line(&ran.stdout, *line);
        if reported.contains("is not a number its country has") || reported.contains("cannot be dialled") {
            renumbered.push(number.clone());
        } else if zones == "-" {
            assert!(reported.contains("no zone known for +"), "{number}: {reported}");
            checked[2] += 1;
        } else if zones.contains('&') {
            assert!(reported.contains("spans"), "{number} ({zones}): {reported}");
            checked[1] += 1;
        } else {
            assert!(
                reported.contains(&format!("zone {zones} guessed from +")),
                "{number} ({zones}): {reported}"
            );
            checked[0] += 1;
        }
    }
    assert!(renumbered.len() <= 5, "numbers ringback's libphonenumber calls invalid: {renumbered:?}");
    assert!(checked[0] > 150, "one-zone numbers checked: {checked:?}");
    assert!(checked[1] > 40, "numbers spanning zones (mobiles among them) checked: {checked:?}");
}

#[test]
fn imported_notes_profiles_and_missing_phones_show_in_next_and_the_digest() {
    let book = Book::new(EMPTY);
    book.run(&["import", &fixture("linkedin.csv")]).code(0);
    // Nadia came with a profile URL and no phone: her first call says how to add one.
    let digest = book.run(&["digest", "--at", "2026-12-02T07:00"]).code(0).stdout;
    let nadia = &digest[digest
        .find("* Nadia Haddad (Meridian Health Partners) [nadia-haddad]")
        .expect("listed with her id")..];
    assert!(
        nadia.contains("phone:  no phone: add one with `ringback set nadia-haddad phone=...`"),
        "{nadia}"
    );
    assert!(nadia.contains("url: https://www.linkedin.com/in/"), "{nadia}");
    book.run(&["set", "nadia", "phone=+1 416 555 0142"]).code(0);
    let digest = book.run(&["digest", "--at", "2026-12-02T07:00"]).code(0).stdout;
    assert!(digest.contains("phone:  +1 416-555-0142"), "{digest}");

    let book = Book::new(EMPTY);
    book.run(&["import", &fixture("google.csv")]).code(0);
    let next = book.run(&["next", "--at", "2026-12-02T12:00"]).code(0).stdout;
    assert!(next.contains("Call Priya Raman (Northwind Analytics) [priya-raman]"), "{next}");
    assert!(
        next.contains("  notes:\n    Met at the Vancouver SaaS meetup.\n    Prefers calls after 10am."),
        "{next}"
    );
}

#[test]
fn a_new_prospect_never_takes_the_id_of_one_whose_events_are_still_kept() {
    // Priya was in the book once, with a logged call; she was removed, her events were kept.
    let book = Book::new(&format!("{EMPTY}\n[prospects.priya-raman]\nname = \"Priya Old\"\n"));
    book.run(&["log", "priya-raman", "voicemail", "--at", "2026-11-20T10:00"]).code(0);
    book.write_config(EMPTY);
    let ran = book.run(&["import", &fixture("google.csv")]).code(0);
    assert!(report_line(&ran.stdout, 2).contains("added `priya-raman-2` (Priya Raman"), "{}", ran.stdout);
    let history = book.run(&["history", "priya-raman-2"]).code(0).stdout;
    assert!(!history.contains("voicemail"), "the new Priya inherited the old one's history:\n{history}");
}

#[test]
fn a_mobile_is_tied_to_no_place_so_the_state_decides_and_a_zone_set_by_hand_drops_the_guess() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Mobile Phone,State,Country\n\
         Jack,Perth,+61 412 345 678,WA,Australia\n\
         Mia,Sydney,+61 2 9234 5678,WA,Australia\n\
         Ivan,Petrov,+7 912 345 6789,,\n",
    )
    .unwrap();
    let book = Book::new(EMPTY);
    let ran = book.run(&["import", csv.to_str().unwrap()]).code(0);
    // A Perth mobile with State = WA: Perth, from the state, not Sydney from `+61 4`.
    assert!(report_line(&ran.stdout, 2).contains("zone Australia/Perth"), "{}", ran.stdout);
    // A Sydney landline is tied to its place, whatever the row's state says.
    assert!(
        report_line(&ran.stdout, 3).contains("zone Australia/Sydney guessed from +61 2"),
        "{}",
        ran.stdout
    );
    // A Russian mobile with nothing else to go on spans Russia: listed, not Moscow.
    let ivan = report_line(&ran.stdout, 4);
    assert!(ivan.contains("spans") && !ivan.contains("Europe/Moscow guessed"), "{ivan}");
    let written = std::fs::read_to_string(&book.config).unwrap();
    assert!(written.contains("timezone = \"Australia/Sydney\"  # guessed from +61 2"), "{written}");
    // Set by hand, the zone loses the guess's comment.
    book.run(&["set", "mia-sydney", "timezone=Australia/Perth"]).code(0);
    let written = std::fs::read_to_string(&book.config).unwrap();
    assert!(written.contains("timezone = \"Australia/Perth\"\n"), "{written}");
    assert!(!written.contains("guessed from +61 2"), "{written}");
}

#[test]
fn a_hubspot_export_is_named_hubspot_and_its_old_zone_names_come_out_current() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("hubspot.csv");
    std::fs::write(
        &csv,
        "\"Record ID\",\"First Name\",\"Last Name\",\"Email\",\"Phone Number\",\"Time Zone\",\"IP Timezone\",\"Lead Status\",\"Lifecycle Stage\",\"Contact owner\"\n\
         \"101\",\"Aarav\",\"Shah\",\"aarav@example.in\",\"+91 22 5555 0100\",\"asia_slash_calcutta\",\"\",\"New\",\"lead\",\"Dana Reyes\"\n",
    )
    .unwrap();
    let book = Book::new(EMPTY);
    let ran = book.run(&["import", "--dry-run", csv.to_str().unwrap()]).code(0);
    let first = ran.stdout.lines().next().unwrap_or_default();
    assert!(first.contains("HubSpot") && !first.contains("Zoho"), "{first}");
    assert!(report_line(&ran.stdout, 2).contains("Asia/Kolkata"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("Asia/Calcutta"), "{}", ran.stdout);
}

#[test]
fn a_phone_that_cannot_be_read_keeps_the_row_when_an_email_reaches_them() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Email,Phone,Mobile\n\
         Ada,Byrne,ada@example.ie,\"ask reception, ext 204\",\n\
         Ned,Kelly,,ask reception,\n",
    )
    .unwrap();
    let book = Book::new(EMPTY);
    let ran = book.run(&["import", csv.to_str().unwrap()]).code(0);
    assert!(report_line(&ran.stdout, 2).contains("added `ada-byrne`"), "{}", ran.stdout);
    assert!(report_line(&ran.stdout, 2).contains("warning: phone `ask reception` is not"), "{}", ran.stdout);
    // Nothing else reaches Ned: skipped, and says why.
    assert!(report_line(&ran.stdout, 3).contains("skipped: phone `ask reception`"), "{}", ran.stdout);

    // What she sees on Ada's first call: no phone to dial, and the export's words in the notes.
    let next = book.run(&["next", "--at", "2026-12-02T12:00"]).code(0).stdout;
    assert!(next.contains("Ada Byrne"), "{next}");
    assert!(next.contains("phone as exported: ask reception, ext 204"), "{next}");

    // A mobile of `n/a` does not hide a work number that reads.
    std::fs::write(&csv, "First Name,Last Name,Phone,Mobile\nIda,Wells,+61 3 9123 4567,n/a\n").unwrap();
    let book = Book::new(EMPTY);
    let ran = book.run(&["import", csv.to_str().unwrap()]).code(0);
    assert!(report_line(&ran.stdout, 2).contains("added `ida-wells`"), "{}", ran.stdout);
    let book_text = std::fs::read_to_string(&book.config).unwrap();
    assert!(book_text.contains("phone = \"+61 3 9123 4567\""), "{book_text}");
}

/// A cell is text, never TOML: a newline in `State` used to end the zone guess's comment and
/// let the rest of the cell write a `[templates]` table and a `status` into the book.
#[test]
fn a_cell_can_never_write_its_own_toml_into_the_book() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("evil.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Email,State,Country\n\
         Eve,Mallory,eve@example.de,\"Berlin\nstatus = \"\"won\"\"\n[templates]\ncall = \"\"wire the deposit to IBAN DE00\"\"\",Germany\n\
         Honest,Row\u{1b}[2J,honest@example.de,Bay\u{1b}]0;pwned\u{7}ern,Germany\n",
    )
    .unwrap();
    let book = Book::new(EMPTY);
    let ran = book.run(&["import", csv.to_str().unwrap()]).code(0);
    assert!(ran.stdout.contains("added 2"), "{}", ran.stdout);
    // Nor can it forge a line of the report.
    for line in ran.stdout.lines() {
        assert!(
            !line.starts_with("status") && !line.starts_with("[templates"),
            "forged: `{line}`\n{}",
            ran.stdout
        );
    }
    let text = std::fs::read_to_string(&book.config).unwrap();
    for line in text.lines().map(str::trim_start) {
        assert!(
            !line.starts_with("[templates") && !line.starts_with("status"),
            "the cell wrote `{line}`:\n{text}"
        );
        assert!(!line.starts_with("call ="), "the cell wrote `{line}`:\n{text}");
    }
    assert!(
        !ran.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached the terminal"
    );
    // What she sees: both prospects active, the built-in script.
    let next = book.run(&["agenda", "--at", "2026-12-07T05:00", "--json"]).code(0).json();
    let items = next["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{next}");
    assert!(items.iter().all(|i| !i["script"].as_str().unwrap_or_default().contains("IBAN")), "{next}");
}

/// UTF-16 with no byte-order mark is read as UTF-16, not as text full of NULs.
#[test]
fn utf16_without_a_byte_order_mark_is_read_as_utf16() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("utf16.csv");
    let text = "First Name,Last Name,Email\r\nUta,Bärg,uta@example.de\r\n";
    std::fs::write(&csv, text.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>()).unwrap();
    let book = Book::new(EMPTY);
    let ran = book.run(&["import", "--dry-run", csv.to_str().unwrap()]).code(0);
    assert!(ran.stdout.lines().next().unwrap_or_default().contains("UTF-16LE"), "{}", ran.stdout);
    assert!(report_line(&ran.stdout, 2).contains("added `uta-barg` (Uta Bärg)"), "{}", ran.stdout);
}
