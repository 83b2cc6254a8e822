//! `completions` and `man`: what a package installs beside the binary, generated from the same
//! clap definitions the command line parses with, so they cannot drift from it.

use clap::CommandFactory;

use super::{Cli, Failure, write_out};

pub fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut command = Cli::command();
    write_out(|out| {
        clap_complete::generate(shell, &mut command, "ringback", out);
        Ok(())
    })
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
