//! `add` and `set`: the book edited from the command line keeps its comments and layout, is
//! validated before it is written, and is refused whole when any part is wrong.

use crate::helpers::{BASE, Book, set_mode};

/// BASE with comments, and a drip after the prospects, where a careless writer would append.
fn commented() -> String {
    format!(
        "# my book, kept by hand\n{}\n# ── drips kept last ──\n[drips.monthly]  # a second drip\nevery = \"1 month\"\nitems = [{{ title = \"Newsletter\" }}]\n",
        BASE.replace("hook = \"sails", "# ask about sailing first\nhook = \"sails")
    )
}

#[test]
fn add_writes_a_table_after_the_last_prospect_keeping_every_comment() {
    let book = Book::new(&commented());
    set_mode(&book.config, 0o640);
    let ran = book
        .run(&[
            "add",
            "zed-smith",
            "--name",
            "Zed Smith",
            "--phone",
            "+1 416 555 0142",
            "--timezone",
            "America/Toronto",
            "--windows",
            "08:00-09:00, 17:00-18:00",
            "--since",
            "2026-11-30",
            "--notes",
            "met at the \"Logistics\" fair",
        ])
        .code(0);
    assert!(ran.stdout.contains("added prospect `zed-smith`"), "{}", ran.stdout);
    let text = std::fs::read_to_string(&book.config).unwrap();
    for comment in
        ["# my book, kept by hand", "# ask about sailing first", "# ── drips kept last ──", "# a second drip"]
    {
        assert!(text.contains(comment), "lost `{comment}`:\n{text}");
    }
    let added = text.find("[prospects.zed-smith]").expect("the new table");
    assert!(added > text.find("[prospects.bill-jones]").unwrap(), "{text}");
    assert!(added < text.find("# ── drips kept last ──").unwrap(), "appended after the drips:\n{text}");
    assert!(text.contains("call_windows = [\"08:00-09:00\", \"17:00-18:00\"]"), "{text}");
    assert!(text.contains(r#"notes = 'met at the "Logistics" fair'"#), "{text}");
    assert!(text.contains("since = 2026-11-30\n"), "a date, not a string:\n{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&book.config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the rewrite changed the file's mode");
    let mut files: Vec<String> = std::fs::read_dir(book.config.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // The edit lock stays (removing a lock file others may wait on would let two edits in).
    assert_eq!(files, [".ringback.toml.lock", "ringback.toml"], "the write left files behind");
    // What the person sees: the new prospect is in the agenda, in their own window.
    let agenda = book.run(&["agenda", "--at", "2026-12-01T07:00"]).code(0);
    assert!(agenda.stdout.contains("Zed Smith"), "{}", agenda.stdout);
    assert!(agenda.stdout.contains("08:00"), "{}", agenda.stdout);
}

#[test]
fn add_refuses_a_duplicate_or_a_bad_value_and_writes_nothing() {
    let book = Book::new(&commented());
    let before = std::fs::read(&book.config).unwrap();
    let duplicate = book.run(&["add", "bill-jones", "--name", "Another Bill"]).code(2);
    assert!(
        duplicate.stderr.contains("a prospect `bill-jones` is already in the config"),
        "{}",
        duplicate.stderr
    );
    let zone = book.run(&["add", "zed", "--name", "Zed", "--timezone", "America/Nowhere"]).code(2);
    assert!(zone.stderr.contains("nothing written"), "{}", zone.stderr);
    assert!(
        zone.stderr.contains("prospects.zed.timezone: unknown time zone `America/Nowhere`"),
        "{}",
        zone.stderr
    );
    let id = book.run(&["add", "zed smith", "--name", "Zed"]).code(2);
    assert!(id.stderr.contains("a prospect id uses letters, digits"), "{}", id.stderr);
    let since = book.run(&["add", "zed", "--name", "Zed", "--since", "next week"]).code(2);
    // The same person under another id: by phone in any format, by email in any case.
    let phone =
        book.run(&["add", "william", "--name", "William Jones", "--phone", "+1 (604) 555-0100"]).code(2);
    assert!(
        phone.stderr.contains("Bill Jones [bill-jones] already has this phone: not added"),
        "{}",
        phone.stderr
    );
    let email =
        book.run(&["add", "william", "--name", "William Jones", "--email", "Bill@ABC.example"]).code(2);
    assert!(email.stderr.contains("Bill Jones [bill-jones] already has this email"), "{}", email.stderr);
    assert!(since.stderr.contains("since: `next week` is not a date"), "{}", since.stderr);
    assert_eq!(std::fs::read(&book.config).unwrap(), before, "a refused add changed the file");
    let leftovers: Vec<_> = std::fs::read_dir(book.config.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("ringback-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn add_and_set_leave_an_invalid_config_alone_with_exit_78() {
    let invalid = BASE.replace("America/Vancouver", "America/Nowhere");
    let book = Book::new(&invalid);
    let add = book.run(&["add", "zed", "--name", "Zed"]).code(78);
    assert!(add.stderr.contains("prospects.bill-jones.timezone: unknown time zone"), "{}", add.stderr);
    book.run(&["set", "bill-jones", "status=won"]).code(78);
    assert_eq!(std::fs::read_to_string(&book.config).unwrap(), invalid);
}

#[test]
fn set_changes_fields_by_name_or_prefix_keeping_the_line_comment() {
    let book = Book::new(&BASE.replace(
        "relationship = \"warm\"",
        "relationship = \"warm\"  # since the trade show\nstatus = \"active\"",
    ));
    let at = ["--at", "2026-11-23T07:00"];
    let before = book.run(&["agenda", at[0], at[1]]).code(0);
    assert!(before.stdout.contains("Bill Jones"), "{}", before.stdout);

    let ran = book.run(&["set", "bill", "relationship=client", "status=paused"]).code(0);
    assert!(ran.stdout.contains("relationship = \"client\""), "{}", ran.stdout);
    assert!(ran.stdout.contains("nothing more is due for them"), "{}", ran.stdout);
    let text = std::fs::read_to_string(&book.config).unwrap();
    assert!(text.contains("relationship = \"client\"  # since the trade show"), "{text}");
    let paused = book.run(&["agenda", at[0], at[1]]).code(0);
    assert!(!paused.stdout.contains("Bill Jones"), "a paused prospect is still listed:\n{}", paused.stdout);

    // Back to active, by name, and an agreed next step: the agenda shows it on its day.
    book.run(&["set", "Bill Jones", "--unset", "status", "next_step=2026-11-25 present the ERP study"])
        .code(0);
    let text = std::fs::read_to_string(&book.config).unwrap();
    assert!(!text.contains("status ="), "{text}");
    assert!(text.contains("next_step = { on = 2026-11-25, what = \"present the ERP study\" }"), "{text}");
    let agenda = book.run(&["agenda", "--at", "2026-11-25T07:00"]).code(0);
    assert!(agenda.stdout.contains("present the ERP study"), "{}", agenda.stdout);
}

#[test]
fn set_refuses_unknown_keys_bad_values_and_ambiguous_names_writing_nothing() {
    let book = Book::new(&format!(
        "{BASE}\n[prospects.bill-smith]\nname = \"Bill Smith\"\nphone = \"+1 416 555 0100\"\n"
    ));
    let before = std::fs::read(&book.config).unwrap();
    let unknown = book.run(&["set", "bill-jones", "colour=blue"]).code(2);
    assert!(
        unknown.stderr.contains("unknown prospect key `colour`: expected one of name, company"),
        "{}",
        unknown.stderr
    );
    let status = book.run(&["set", "bill-jones", "status=asleep"]).code(2);
    assert!(status.stderr.contains("prospects.bill-jones.status"), "{}", status.stderr);
    assert!(status.stderr.contains("asleep"), "{}", status.stderr);
    let shape = book.run(&["set", "bill-jones", "status"]).code(2);
    assert!(shape.stderr.contains("is not KEY=VALUE"), "{}", shape.stderr);
    let step = book.run(&["set", "bill-jones", "next_step=2026-11-25"]).code(2);
    assert!(step.stderr.contains("YYYY-MM-DD what was agreed"), "{}", step.stderr);
    let ambiguous = book.run(&["set", "bill", "status=won"]).code(2);
    assert!(
        ambiguous.stderr.contains("bill-jones") && ambiguous.stderr.contains("bill-smith"),
        "{}",
        ambiguous.stderr
    );
    let name = book.run(&["set", "bill-jones", "--unset", "name"]).code(2);
    assert!(name.stderr.contains("needs a name"), "{}", name.stderr);
    // One bad change refuses the others given with it.
    book.run(&["set", "bill-jones", "status=won", "since=soon"]).code(2);
    assert_eq!(std::fs::read(&book.config).unwrap(), before, "a refused set changed the file");
}

/// `set` rewrites the prospect's own table alone when the quick reader reads the book, and the
/// whole document when it does not (here: a bare `[prospects]` header, which it leaves to the
/// general parser): the file comes out the same both ways, every other byte kept, and a wrong
/// value is reported at its line as the file would be.
#[test]
fn set_rewrites_one_table_and_keeps_every_other_byte() {
    let amy = "[prospects.amy]  # from the fair\nname = \"Amy Chen\"  # spelled so\ncompany = \"Boats Ltd\"\nhook = \"boats\"\n\n# last words\n";
    let quick = format!("{BASE}# ── next ──\n{amy}");
    let general = quick.replace("[prospects.bill-jones]", "[prospects]\n[prospects.bill-jones]");
    assert_ne!(general, quick, "BASE no longer has Bill's table");
    for text in [quick, general] {
        let book = Book::new(&text);
        let ran = book
            .run(&["set", "amy", "hook=kayaks", "notes=met at the \"Logistics\" fair", "--unset", "company"])
            .code(0);
        assert!(ran.stdout.contains("changed prospect `amy`"), "{}", ran.stdout);
        let edited = "[prospects.amy]  # from the fair\nname = \"Amy Chen\"  # spelled so\nhook = \"kayaks\"\nnotes = 'met at the \"Logistics\" fair'\n\n# last words\n";
        assert_eq!(std::fs::read_to_string(&book.config).unwrap(), text.replace(amy, edited));
        // What the person sees: the new hook in the script.
        let why = book.run(&["why", "amy", "--at", "2026-11-23T07:00"]).code(0);
        assert!(why.stdout.contains("Amy Chen"), "{}", why.stdout);
        let agenda = book.run(&["agenda", "--json", "--at", "2026-11-23T07:00"]).code(0);
        assert!(agenda.stdout.contains("kayaks"), "{}", agenda.stdout);

        let before = std::fs::read(&book.config).unwrap();
        let zone = book.run(&["set", "amy", "timezone=Mars/Base"]).code(2);
        let line = text.lines().position(|l| l.starts_with("[prospects.amy]")).unwrap() + 5;
        let place = format!("ringback.toml:{line}:12: prospects.amy.timezone: unknown time zone `Mars/Base`");
        assert!(zone.stderr.contains(&place), "expected `{place}` in:\n{}", zone.stderr);
        assert_eq!(std::fs::read(&book.config).unwrap(), before, "a refused set changed the file");
        // A value the quick reader leaves (a multi-line string) is read the general way.
        book.run(&["set", "amy", "notes=two\nlines"]).code(0);
        let text = std::fs::read_to_string(&book.config).unwrap();
        assert!(text.contains("notes = \"\"\"\ntwo\nlines\"\"\"\n\n# last words"), "{text}");
        let next = book.run(&["next", "--at", "2026-11-23T07:00"]).code(0);
        assert!(next.stdout.contains("  notes:\n    two\n    lines\n"), "{}", next.stdout);
    }
}

#[test]
fn a_config_behind_a_symlink_stays_a_symlink() {
    let book = Book::new(BASE);
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ringback.toml");
    std::os::unix::fs::symlink(&book.config, &link).unwrap();
    let state = dir.path().join("s.db");
    crate::helpers::ringback(
        &[
            "--config",
            link.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "set",
            "bill",
            "status=paused",
        ],
        &[],
    )
    .code(0);
    assert!(
        std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(),
        "the symlink was replaced by a file"
    );
    assert!(std::fs::read_to_string(&book.config).unwrap().contains("status = \"paused\""));
}

/// Twenty edits at once on one book (adds and sets on one prospect): each waits for the one
/// before it, and every one lands.
#[test]
fn twenty_edits_at_once_all_land() {
    let book = std::sync::Arc::new(Book::new(BASE));
    let sets = [
        "company=Acme North",
        "hook=the regatta",
        "value=a shorter close",
        "gatekeeper=Mary",
        "boss=Ruth",
        "notes=prefers mornings",
        "url=https://example.com/bill",
        "email=bill@acme.example",
    ];
    let mut runs = Vec::new();
    for i in 0..12 {
        let book = book.clone();
        runs.push(std::thread::spawn(move || {
            let (id, name) = (format!("p{i:02}"), format!("Person {i:02}"));
            let phone = format!("+1 416 555 01{i:02}");
            book.run(&["add", &id, "--name", &name, "--phone", &phone])
        }));
    }
    for set in sets {
        let book = book.clone();
        runs.push(std::thread::spawn(move || book.run(&["set", "bill", set])));
    }
    for run in runs {
        run.join().unwrap().code(0);
    }
    let text = std::fs::read_to_string(&book.config).unwrap();
    for i in 0..12 {
        assert!(text.contains(&format!("[prospects.p{i:02}]")), "add p{i:02} was lost:\n{text}");
    }
    for set in sets {
        let (key, value) = set.split_once('=').unwrap();
        assert!(text.contains(&format!("{key} = \"{value}\"")), "set {set} was lost:\n{text}");
    }
    book.run(&["check"]).code(0);
}

/// An editor that saves (writes a new file and renames it over) while an import works is not
/// undone: the import either includes the save or writes nothing and says why.
#[test]
fn an_editor_saving_during_an_import_is_not_undone() {
    use std::os::unix::fs::OpenOptionsExt as _;
    let book = Book::new(BASE);
    let dir = tempfile::tempdir().unwrap();
    // The export is a FIFO: the import takes the lock and reads the book, then waits on it
    // until the editor below has saved, so the save always lands inside the edit.
    let csv = dir.path().join("many.csv");
    let made = std::process::Command::new("mkfifo").arg(&csv).status().unwrap();
    assert!(made.success(), "mkfifo (coreutils) is needed");
    let mut rows = String::from("First Name,Last Name,Email\n");
    for i in 0..4000 {
        rows.push_str(&format!("Ann{i},Lee,ann{i}@example.com\n"));
    }
    let mut import = book.command(&["import", csv.to_str().unwrap()]);
    let child =
        import.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    // The import holds the lock beside the config from its read to its rename.
    let lock_path = book.config.with_file_name(".ringback.toml.lock");
    let held = || {
        let Ok(file) = std::fs::OpenOptions::new().read(true).write(true).mode(0o600).open(&lock_path) else {
            return false;
        };
        rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err()
    };
    let start = std::time::Instant::now();
    while !held() {
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "the import never took the lock");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // What an editor does on save: a new file with the buffer, renamed over the old one.
    let saved = format!("{BASE}\n# saved from the editor\n");
    let temp = book.config.with_file_name("ringback.toml.swp");
    std::fs::write(&temp, &saved).unwrap();
    std::fs::rename(&temp, &book.config).unwrap();
    assert!(held(), "the import let go of the book before reading its export");
    std::fs::write(&csv, rows).unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&book.config).unwrap();
    assert!(text.contains("# saved from the editor"), "the editor's save was undone:\n{stdout}{stderr}");
    if out.status.success() {
        assert!(
            text.contains("[prospects.ann3999-lee]"),
            "exit 0 but the import is not in the book:\n{stdout}"
        );
    } else {
        assert!(stderr.contains("changed on disk while this edit was being made"), "{stderr}");
        assert_eq!(text, saved, "a refused import wrote something");
    }
}

/// An edit never writes a book larger than a config may be (every command would then refuse
/// it, the daemon's restart included).
#[test]
fn an_edit_that_would_outgrow_the_config_limit_writes_nothing() {
    let base = format!("{BASE}\n[prospects.big]\nname = \"Big Notes\"\nnotes = \"\"\n");
    let room = 64 * 1024 * 1024 - base.len() - 4096;
    let book = Book::new(&base.replace("notes = \"\"", &format!("notes = \"{}\"", "n".repeat(room))));
    book.run(&["check"]).code(0);
    let before = std::fs::metadata(&book.config).unwrap().len();
    let ran = book.run(&["set", "bill", &format!("hook={}", "h".repeat(20_000))]).code(2);
    assert!(ran.stderr.contains("over the 64 MiB a config may be"), "{}", ran.stderr);
    assert_eq!(std::fs::metadata(&book.config).unwrap().len(), before, "written");
    book.run(&["check"]).code(0);
}
