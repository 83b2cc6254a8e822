//! `[notify.email]`: addresses, the transport, and where the SMTP password comes from.

use std::path::PathBuf;

use super::parse::Validator;
use super::*;

pub(super) fn email(v: &mut Validator, raw: raw::Email, privacy: Privacy, file: &str) -> Option<Email> {
    let mut ok = true;
    for (key, addr) in [("notify.email.to", &raw.to), ("notify.email.from", &raw.from)] {
        if addr.get_ref().parse::<lettre::message::Mailbox>().is_err() {
            v.error(
                addr.span(),
                key,
                format!("expected an address like `Dana <dana@example.com>`, found `{}`", addr.get_ref()),
            );
            ok = false;
        }
    }
    let kind =
        v.choice("notify.email.transport", &raw.transport, &[("smtp", 0), ("sendmail", 1), ("file", 2)])?;
    let transport = match kind {
        2 => match &raw.dir {
            Some(dir) => Transport::File { dir: expand_home(dir.get_ref()) },
            None => {
                v.error(
                    raw.transport.span(),
                    "notify.email.dir",
                    "the file transport needs `dir`, the folder for .eml files",
                );
                return None;
            }
        },
        1 => {
            if let (Some(c), Some(mode)) = (&raw.command, privacy.writable_by_others()) {
                // Anyone who can edit the file could make ringback run their program.
                v.error(
                    c.span(),
                    "notify.email.command",
                    format!(
                        "refused because {file} is writable by group or others (mode {mode:04o}): run `chmod go-w {file}`"
                    ),
                );
                return None;
            }
            Transport::Sendmail {
                command: raw
                    .command
                    .as_ref()
                    .map_or(PathBuf::from("/usr/sbin/sendmail"), |c| expand_home(c.get_ref())),
            }
        }
        _ => {
            let Some(smtp) = raw.smtp else {
                v.error(
                    raw.transport.span(),
                    "notify.email.smtp",
                    "the smtp transport needs a [notify.email.smtp] table with at least `host`",
                );
                return None;
            };
            let span = smtp.span();
            let smtp = smtp.into_inner();
            let security = smtp.security.as_ref().map_or(Some(Security::StartTls), |s| {
                v.choice(
                    "notify.email.smtp.security",
                    s,
                    &[("starttls", Security::StartTls), ("tls", Security::Tls), ("none", Security::None)],
                )
            })?;
            let host = smtp.host.get_ref().clone();
            if security == Security::None && !is_loopback(&host) {
                v.error(
                    smtp.security.as_ref().map_or(span.clone(), |s| s.span()),
                    "notify.email.smtp.security",
                    format!("`none` sends mail and passwords in clear text, so it is allowed only for loopback hosts, not `{host}`: use `starttls` or `tls`"),
                );
                ok = false;
            }
            let port = match &smtp.port {
                Some(p) => match u16::try_from(*p.get_ref()) {
                    Ok(port) if port > 0 => port,
                    _ => {
                        v.error(
                            p.span(),
                            "notify.email.smtp.port",
                            format!("expected a port from 1 to 65535, found `{}`", p.get_ref()),
                        );
                        return None;
                    }
                },
                None => match security {
                    Security::Tls => 465,
                    Security::StartTls => 587,
                    Security::None => 25,
                },
            };
            if security == Security::None && smtp.username.is_some() {
                v.error(
                    smtp.security.as_ref().map_or(span.clone(), |s| s.span()),
                    "notify.email.smtp.security",
                    "AUTH is sent only over TLS: with `none`, remove `username` (a loopback relay that needs no login)",
                );
                ok = false;
            }
            let sources = [&smtp.password_command, &smtp.password_file, &smtp.password];
            if sources.iter().filter(|s| s.is_some()).count() > 1 {
                v.error(
                    span,
                    "notify.email.smtp",
                    "give at most one of `password_command`, `password_file` and `password`",
                );
                return None;
            }
            let password = if let Some(c) = &smtp.password_command {
                if let Some(mode) = privacy.writable_by_others() {
                    // Anyone who can edit the file could make ringback run their command.
                    v.error(
                        c.span(),
                        "notify.email.smtp.password_command",
                        format!(
                            "refused because {file} is writable by group or others (mode {mode:04o}): run `chmod go-w {file}`"
                        ),
                    );
                    return None;
                }
                PasswordSource::Command(c.get_ref().clone())
            } else if let Some(f) = &smtp.password_file {
                PasswordSource::File(expand_home(f.get_ref()))
            } else if let Some(p) = &smtp.password {
                if let Some(mode) = privacy.readable_by_others() {
                    // Never echo the value: only where it is and how to fix it.
                    v.error(
                        p.span(),
                        "notify.email.smtp.password",
                        format!(
                            "a literal password is refused because {file} is readable by group or others (mode {mode:04o}): run `chmod 600 {file}`, or use `password_command`, `password_file` or the systemd credential `smtp-password`"
                        ),
                    );
                    return None;
                }
                PasswordSource::Literal(p.get_ref().clone())
            } else {
                PasswordSource::Credential
            };
            Transport::Smtp(Smtp {
                host,
                port,
                security,
                username: smtp.username,
                password,
                ca_file: smtp.ca_file.as_ref().map(|c| expand_home(c.get_ref())),
            })
        }
    };
    ok.then(|| Email { to: raw.to.into_inner(), from: raw.from.into_inner(), transport })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// `~/x` means the user's home; everything else is taken as written.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
