//! `completions` and `man`: what a package installs beside the binary, generated from the same
//! clap definitions the command line parses with, so they cannot drift from it.

use clap::CommandFactory;

use super::{Cli, Failure, write_out};

/// The shell's registration script: it asks ringback itself (`COMPLETE=SHELL ringback -- …`)
/// at each TAB, so prospect ids and a `set`'s keys come from the book in use.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let name = shell.to_string();
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells.completer(&name).ok_or_else(|| {
        Failure::Usage(format!("no completion for `{name}`: bash, zsh, fish, elvish or powershell"))
    })?;
    write_out(|out| completer.write_registration(COMPLETE_VAR, "ringback", "ringback", "ringback", out))
}

/// The variable the registration script sets when it asks ringback for completions.
pub const COMPLETE_VAR: &str = "COMPLETE";

/// Answers a completion request (when [`COMPLETE_VAR`] is set) and exits; otherwise returns.
pub fn complete_if_asked() {
    clap_complete::CompleteEnv::with_factory(Cli::command).var(COMPLETE_VAR).complete();
}

/// The book a command line being completed names: its `--config`, else `$RINGBACK_CONFIG`, else
/// the default. What the shell typed comes after the `--` of `COMPLETE=… ringback -- …`.
fn book_being_completed() -> Option<crate::config::Config> {
    let typed: Vec<String> = std::env::args().skip_while(|a| a != "--").collect();
    let given = typed
        .windows(2)
        .find(|w| w[0] == "--config")
        .map(|w| w[1].clone())
        .or_else(|| typed.iter().find_map(|a| a.strip_prefix("--config=").map(str::to_owned)));
    let path = given
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("RINGBACK_CONFIG").map(Into::into))
        .unwrap_or_else(crate::files::default_config_path);
    crate::files::read_config(&path).ok()
}

/// Prospect ids, each with its name as help (zsh and fish show it).
pub fn prospect_ids() -> Vec<clap_complete::CompletionCandidate> {
    let Some(config) = book_being_completed() else { return Vec::new() };
    config
        .prospects
        .values()
        .map(|p| clap_complete::CompletionCandidate::new(&p.id).help(Some(p.name.clone().into())))
        .collect()
}

/// Outcomes by their full names.
pub fn outcomes() -> Vec<clap_complete::CompletionCandidate> {
    crate::plan::Outcome::ALL.iter().map(|o| clap_complete::CompletionCandidate::new(o.as_str())).collect()
}

/// A `set`'s keys, each ending in `=` for its value.
pub fn prospect_keys() -> Vec<clap_complete::CompletionCandidate> {
    crate::book::PROSPECT_KEYS
        .iter()
        .map(|(k, _)| clap_complete::CompletionCandidate::new(format!("{k}=")))
        .collect()
}

/// Text for roff: a leading `.` or `'` would be read as a request, and `\` starts an escape.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|line| if line.starts_with(['.', '\'']) { format!("\\&{line}") } else { line.to_owned() })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn man() -> Result<(), Failure> {
    let command = Cli::command();
    let page = clap_mangen::Man::new(command.clone()).section("1").manual("ringback manual");
    write_out(|out| {
        page.render_title(out)?;
        page.render_name_section(out)?;
        page.render_synopsis_section(out)?;
        page.render_description_section(out)?;
        writeln!(
            out,
            ".PP\nringback reads a TOML book of prospects and cadence rules, keeps what happened in \
             an SQLite state, and tells you who to call next, when in their own time zone, which \
             callbacks you promised, and what to say: by desktop notification, a morning email, \
             and a calendar feed. It never contacts anyone itself."
        )?;
        page.render_options_section(out)?;
        // Each command with its arguments, on this one page (no ringback-run(1) pages ship).
        writeln!(out, ".SH COMMANDS")?;
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut usage = sub.clone().bin_name(format!("ringback {}", sub.get_name()));
            let synopsis = usage.render_usage().to_string();
            let synopsis = synopsis.trim_start_matches("Usage:").trim();
            writeln!(out, ".SS \"{}\"", roff(synopsis))?;
            if let Some(about) = sub.get_long_about().or(sub.get_about()) {
                writeln!(out, "{}", roff(&about.to_string()))?;
            }
            for arg in sub.get_arguments().filter(|a| !a.is_hide_set() && !a.is_global_set()) {
                let values = arg.get_value_names().filter(|_| arg.get_action().takes_values());
                let name = match (arg.get_long(), values) {
                    (Some(long), Some(values)) => {
                        format!(
                            "\\-\\-{} {}",
                            roff(long),
                            values.iter().map(|v| roff(v)).collect::<Vec<_>>().join(" ")
                        )
                    }
                    (Some(long), None) => format!("\\-\\-{}", roff(long)),
                    (None, Some(values)) => values.iter().map(|v| roff(v)).collect::<Vec<_>>().join(" "),
                    (None, None) => roff(arg.get_id().as_str()).to_uppercase(),
                };
                writeln!(out, ".TP\n\\fB{name}\\fR")?;
                if let Some(help) = arg.get_long_help().or(arg.get_help()) {
                    writeln!(out, "{}", roff(&help.to_string()))?;
                }
            }
        }
        writeln!(
            out,
            ".SH FILES\n.TP\n\\fI$XDG_CONFIG_HOME/ringback/ringback.toml\\fR\nThe book: you, your \
             cadences, drips and prospects (\\fB\\-\\-config\\fR, \\fB$RINGBACK_CONFIG\\fR). \
             \\fBringback init\\fR writes a commented starter.\n.TP\n\
             \\fI/usr/share/doc/ringback/examples/ringback.toml\\fR\nThe example book, every key \
             described (\\fIconfig/ringback.toml\\fR in the repository).\n.TP\n\
             \\fI$XDG_STATE_HOME/ringback/ringback.db\\fR\nThe state: every logged event, what was \
             sent, the email outbox (\\fB\\-\\-state\\fR, \\fB$RINGBACK_STATE\\fR).\n.TP\n\
             \\fI/usr/lib/systemd/user/ringback.service\\fR\nThe user unit: \\fBsystemctl \\-\\-user \
             enable \\-\\-now ringback\\fR."
        )?;
        writeln!(
            out,
            ".SH \"EXIT STATUS\"\n.TP\n0\nDone.\n.TP\n1\nA runtime error: a file that cannot be \
             read or written, a failed send.\n.TP\n2\nA usage error: a bad date, outcome, flag or \
             unknown id; nothing was changed.\n.TP\n78\nThe config is invalid (EX_CONFIG), from \
             every command: systemd does not restart the daemon on it."
        )?;
        writeln!(
            out,
            ".SH EXAMPLES\n.nf\nringback agenda\nringback log carla voicemail \\-\\-note \"left the pitch\"\n\
             ringback import contacts.csv \\-\\-dry\\-run\nringback set bill status=won\n\
             ringback ics > plan.ics\n.fi"
        )?;
        page.render_version_section(out)
    })
}
