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
            let default = match security {
                Security::Tls => 465,
                Security::StartTls => 587,
                Security::None => 25,
            };
            let port = port(v, "notify.email.smtp.port", smtp.port.as_ref(), default)?;
            if security == Security::None && smtp.username.is_some() {
                v.error(
                    smtp.security.as_ref().map_or(span.clone(), |s| s.span()),
                    "notify.email.smtp.security",
                    "AUTH is sent only over TLS: with `none`, remove `username` (a loopback relay that needs no login)",
                );
                ok = false;
            }
            let secrets = Secrets {
                command: smtp.password_command.as_ref(),
                file: smtp.password_file.as_ref(),
                literal: smtp.password.as_ref(),
            };
            let password =
                password_source(v, "notify.email.smtp", span, secrets, privacy, file, "smtp-password")?;
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

/// A `port` key: 1 to 65535, else an error at its place; `default` when absent.
pub(super) fn port(
    v: &mut Validator,
    key: &str,
    port: Option<&toml::Spanned<i64>>,
    default: u16,
) -> Option<u16> {
    let Some(p) = port else { return Some(default) };
    match u16::try_from(*p.get_ref()) {
        Ok(port) if port > 0 => Some(port),
        _ => {
            v.error(p.span(), key, format!("expected a port from 1 to 65535, found `{}`", p.get_ref()));
            None
        }
    }
}

/// A table's `password_command`, `password_file` and `password` keys.
pub(super) struct Secrets<'a> {
    pub command: Option<&'a toml::Spanned<String>>,
    pub file: Option<&'a toml::Spanned<String>>,
    pub literal: Option<&'a toml::Spanned<String>>,
}

/// Where a password comes from: at most one of the three keys, a command only from a file no
/// one else can write, a literal only in a file no one else can read; none of them means the
/// systemd credential `credential`. `table` is the keys' table (`notify.email.smtp`).
pub(super) fn password_source(
    v: &mut Validator,
    table: &str,
    span: std::ops::Range<usize>,
    secrets: Secrets<'_>,
    privacy: Privacy,
    file: &str,
    credential: &str,
) -> Option<PasswordSource> {
    let given = [secrets.command, secrets.file, secrets.literal];
    if given.iter().filter(|s| s.is_some()).count() > 1 {
        v.error(span, table, "give at most one of `password_command`, `password_file` and `password`");
        return None;
    }
    if let Some(c) = secrets.command {
        if let Some(mode) = privacy.writable_by_others() {
            // Anyone who can edit the file could make ringback run their command.
            v.error(
                c.span(),
                format!("{table}.password_command"),
                format!(
                    "refused because {file} is writable by group or others (mode {mode:04o}): run `chmod go-w {file}`"
                ),
            );
            return None;
        }
        Some(PasswordSource::Command(c.get_ref().clone()))
    } else if let Some(f) = secrets.file {
        Some(PasswordSource::File(expand_home(f.get_ref())))
    } else if let Some(p) = secrets.literal {
        if let Some(mode) = privacy.readable_by_others() {
            // Never echo the value: only where it is and how to fix it.
            v.error(
                p.span(),
                format!("{table}.password"),
                format!(
                    "a literal password is refused because {file} is readable by group or others (mode {mode:04o}): run `chmod 600 {file}`, or use `password_command`, `password_file` or the systemd credential `{credential}`"
                ),
            );
            return None;
        }
        Some(PasswordSource::Literal(p.get_ref().clone()))
    } else {
        Some(PasswordSource::Credential)
    }
}

pub(super) fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// `~/x` means the user's home; everything else is taken as written.
pub(super) fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
