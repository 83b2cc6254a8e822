//! What a seller types forty times a day: names as people say them, short outcomes, times of
//! day, and the help that explains them.

use crate::helpers::{BASE, Book};

/// Jürgen Müller, Siobhan O'Connor and Kevin Doyle beside the base book's Bill Jones, all in
/// Toronto with me, on a Tuesday.
fn people() -> Book {
    let mut config = BASE.to_owned();
    for (id, name) in [
        ("jurgen-muller", "Jürgen Müller"),
        ("siobhan-oconnor", "Siobhan O'Connor"),
        ("kevin-doyle", "Kevin Doyle"),
        ("anna-muller-lang", "Anna Müller-Lang"),
    ] {
        config.push_str(&format!(
            "\n[prospects.{id}]\nname = \"{name}\"\nphone = \"+1 416 555 0{}\"\nsince = 2026-11-20\n",
            100 + id.len()
        ));
    }
    Book::new(&config)
}

#[test]
fn names_are_found_as_people_type_them() {
    let book = people();
    let at = ["--at", "2026-11-24T07:00"];
    let why = |query: &str| book.run(&[&["why", query][..], &at[..]].concat());
    for (query, name) in [
        ("Jürgen", "Jürgen Müller"),
        ("jurgen", "Jürgen Müller"),
        ("JURGEN MULLER", "Jürgen Müller"),
        ("oconnor", "Siobhan O'Connor"),
        ("O'Connor", "Siobhan O'Connor"),
        ("siobhan o", "Siobhan O'Connor"),
        ("doyle", "Kevin Doyle"),
        ("lang", "Anna Müller-Lang"),
    ] {
        let ran = why(query).code(0);
        assert!(ran.stdout.contains(name), "`why {query}`:\n{}", ran.stdout);
    }
    // Two Müllers: both listed, nothing chosen.
    let ran = why("Muller").code(2);
    assert!(ran.stderr.contains("jurgen-muller  (Jürgen Müller)"), "{}", ran.stderr);
    assert!(ran.stderr.contains("anna-muller-lang  (Anna Müller-Lang)"), "{}", ran.stderr);
    // A typo anywhere gets the nearest suggested: at the start, the middle, the end, swapped.
    for typo in ["kevn-doyle", "levin-doyle", "kevin-doyel", "doyel", "kvein doyle", "oconor"] {
        let ran = why(typo).code(2);
        let expected = if typo == "oconor" { "siobhan-oconnor" } else { "kevin-doyle" };
        assert!(
            ran.stderr.contains(&format!("unknown prospect `{typo}`: did you mean `{expected}`?")),
            "`why {typo}`: {}",
            ran.stderr
        );
    }
    let ran = why("zzzz").code(2);
    assert!(!ran.stderr.contains("did you mean"), "{}", ran.stderr);
}

#[test]
fn outcomes_have_short_forms_and_log_takes_a_time_of_day() {
    let book = people();
    for (args, outcome) in [
        (&["log", "kevin", "vm", "--at", "2026-11-24T08:00", "--no-promise"][..], "voicemail"),
        (&["log", "kevin", "na", "--at", "2026-11-24T08:05"][..], "no-answer"),
        (&["log", "kevin", "no", "answer", "--at", "2026-11-24T08:10"][..], "no-answer"),
        (&["log", "kevin", "No Answer", "--at", "2026-11-24T08:15"][..], "no-answer"),
        (&["log", "kevin", "GK", "--at", "2026-11-24T08:20"][..], "gatekeeper"),
    ] {
        book.run(args).code(0);
        let history = book.run(&["history", "kevin-doyle", "--json"]).code(0).json();
        let last = history["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["outcome"], outcome, "{args:?}: {history}");
    }

    // A time of day is today in my zone; `yesterday 16:00` is yesterday's.
    let zone = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    let today = jiff::Zoned::now().with_time_zone(zone.clone()).date();
    book.run(&["log", "siobhan", "na", "--at", "07:40"]).code(0);
    book.run(&["log", "jurgen", "na", "--at", "yesterday 16:00"]).code(0);
    let today_after = jiff::Zoned::now().with_time_zone(zone.clone()).date();
    let logged_at = |id: &str| {
        let history = book.run(&["history", id, "--json"]).code(0).json();
        history["events"][0]["at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .to_zoned(zone.clone())
    };
    let siobhan = logged_at("siobhan-oconnor");
    assert!([today, today_after].contains(&siobhan.date()), "{siobhan}");
    assert_eq!(siobhan.strftime("%H:%M").to_string(), "07:40");
    let jurgen = logged_at("jurgen-muller");
    assert!([today, today_after].iter().any(|d| d.yesterday().unwrap() == jurgen.date()), "{jurgen}");
    assert_eq!(jurgen.strftime("%H:%M").to_string(), "16:00");

    let ran = book.run(&["log", "kevin", "na", "--at", "at noon"]).code(2);
    for shape in ["07:40", "yesterday 16:00", "2026-11-24T07:40", "RFC 3339", "America/Toronto"] {
        assert!(ran.stderr.contains(shape), "the error lists `{shape}`: {}", ran.stderr);
    }
    // `ics` and `digest --send` refuse it before the state is so much as made.
    let fresh = Book::standard();
    for args in [&["ics", "--at", "at noon"][..], &["digest", "--send", "--at", "at noon"]] {
        let ran = fresh.run(args).code(2);
        assert!(ran.stderr.contains("yesterday 16:00"), "{args:?}: {}", ran.stderr);
        assert!(!fresh.state.exists(), "{args:?} made the state");
    }
    let ran = book.run(&["log", "kevin", "voicemale"]).code(2);
    assert!(ran.stderr.contains("vm (voicemail)") && ran.stderr.contains("no-answer"), "{}", ran.stderr);
}

#[test]
fn a_book_wide_value_and_hook_fill_the_scripts_of_prospects_without_their_own() {
    let config = BASE.replace(
        "[cadences.standard]",
        "[defaults]\nvalue = \"month-end close in three days\"\nhook = \"the January reporting rules\"\n\n[cadences.standard]",
    ) + "\n[prospects.kevin-doyle]\nname = \"Kevin Doyle\"\nphone = \"+1 416 555 0150\"\ntimezone = \"America/Toronto\"\nsince = 2026-11-20\ncall_windows = [\"17:00-18:30\"]\n";
    let book = Book::new(&config);
    let json = book.run(&["agenda", "--at", "2026-11-20T07:00", "--json"]).code(0).json();
    let script = |id: &str| {
        let item = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["prospect"] == id)
            .unwrap_or_else(|| panic!("{id}: {json}"));
        item["script"].as_str().unwrap().to_owned()
    };
    let kevin = script("kevin-doyle");
    assert!(kevin.contains("month-end close in three days"), "{kevin}");
    // Bill has his own value, which stays.
    let bill = script("bill-jones");
    assert!(bill.contains("23% productivity gain") && !bill.contains("month-end close"), "{bill}");
    assert!(kevin.contains("the January reporting rules"), "{kevin}");
}

#[test]
fn every_flag_is_explained_and_a_digest_sent_to_a_file_says_where() {
    let book = Book::standard();
    for command in ["digest", "next", "agenda", "why", "ics", "log"] {
        let help = book.run(&[command, "--help"]).code(0).stdout;
        let at = help
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("--at"))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(at.contains("07:") && at.contains("RFC 3339"), "`{command} --help` on --at: {help}");
    }
    let digest_help = book.run(&["digest", "--help"]).code(0).stdout;
    assert!(digest_help.contains("prints the path"), "{digest_help}");
    let ran = book.run(&["digest", "--send", "--at", "2026-11-24T07:00"]).code(0);
    let path = ran
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("written to "))
        .unwrap_or_else(|| panic!("{}", ran.stdout));
    let eml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(eml.contains("Subject:"), "{eml}");
}

/// `source <(ringback completions bash)` in a real bash, then what its completion function
/// offers at a TAB, as bash calls it.
#[test]
fn tab_completes_ids_outcomes_and_keys_from_the_book_in_a_real_bash() {
    crate::helpers::require(&["bash"], "bash");
    let book = people();
    let script = r#"
source <(ringback completions bash)
complete_line() {
    COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
    read -r -a COMP_WORDS <<< "$COMP_LINE"
    if [[ "$COMP_LINE" == *" " ]]; then COMP_WORDS+=(""); fi
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMPREPLY=()
    _clap_complete_ringback ringback "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    echo "[$1]"
    printf '%s\n' "${COMPREPLY[@]}"
}
complete_line "ringback --config $BOOK log "
complete_line "ringback --config $BOOK log k"
complete_line "ringback --config $BOOK log kevin-doyle n"
complete_line "ringback --config $BOOK why s"
complete_line "ringback --config $BOOK undo j"
complete_line "ringback --config $BOOK history b"
complete_line "ringback --config $BOOK set kevin-doyle st"
complete_line "ringback set a"
"#;
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_ringback")).parent().unwrap().to_owned();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let output = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .env("PATH", path)
        .env("BOOK", &book.config)
        // The last line names no --config: the book comes from the environment, as in a shell.
        .env("RINGBACK_CONFIG", &book.config)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{out}\n{}", String::from_utf8_lossy(&output.stderr));
    let offered = |line: &str| -> Vec<String> {
        let start = out.find(&format!("[{line}]\n")).unwrap_or_else(|| panic!("no `{line}` in:\n{out}"));
        out[start..].lines().skip(1).take_while(|l| !l.starts_with('[')).map(str::to_owned).collect()
    };
    let config = book.config.display();
    let all = offered(&format!("ringback --config {config} log "));
    for id in ["bill-jones", "jurgen-muller", "siobhan-oconnor", "kevin-doyle", "anna-muller-lang"] {
        assert!(all.contains(&id.to_owned()), "{id} in {all:?}");
    }
    assert_eq!(offered(&format!("ringback --config {config} log k")), ["kevin-doyle"]);
    assert_eq!(
        offered(&format!("ringback --config {config} log kevin-doyle n")),
        ["no-answer", "not-interested"]
    );
    assert_eq!(offered(&format!("ringback --config {config} why s")), ["siobhan-oconnor"]);
    assert_eq!(offered(&format!("ringback --config {config} undo j")), ["jurgen-muller"]);
    assert_eq!(offered(&format!("ringback --config {config} history b")), ["bill-jones"]);
    assert_eq!(offered(&format!("ringback --config {config} set kevin-doyle st")), ["status="]);
    assert_eq!(offered("ringback set a"), ["anna-muller-lang"]);
    // zsh and fish get the same dynamic completer.
    for shell in ["zsh", "fish"] {
        let script = book.run(&["completions", shell]).code(0).stdout;
        assert!(script.contains("COMPLETE=") || script.contains("COMPLETE "), "{shell}: {script}");
    }
}
