//! `[mailbox]`: the IMAP server, the login, and the folders ringback watches.

use std::ops::Range;

use super::email::{Secrets, expand_home, is_loopback, password_source, port};
use super::parse::Validator;
use super::*;

/// How far back the first connection looks by default, and at most.
pub const LOOKBACK: (i64, i64) = (14, 90);

/// The sent and drafts folders are looked at this often by default, and at least this often.
const CHECK_EVERY: (i64, &str) = (5 * 60, "1h");

pub(super) fn mailbox(
    v: &mut Validator,
    span: Range<usize>,
    raw: raw::Mailbox,
    privacy: Privacy,
    file: &str,
) -> Option<Mailbox> {
    let mut ok = true;
    let security = raw.security.as_ref().map_or(Some(Security::Tls), |s| {
        v.choice(
            "mailbox.security",
            s,
            &[("tls", Security::Tls), ("starttls", Security::StartTls), ("none", Security::None)],
        )
    })?;
    let host = raw.host.get_ref().trim().to_owned();
    if host.is_empty() {
        v.error(raw.host.span(), "mailbox.host", "expected the IMAP server's name, like `imap.fastmail.com`");
        ok = false;
    }
    if security == Security::None && !is_loopback(&host) {
        v.error(
            raw.security.as_ref().map_or(span.clone(), |s| s.span()),
            "mailbox.security",
            format!("`none` sends your password and mail in clear text, so it is allowed only for loopback hosts, not `{host}`: use `tls` or `starttls`"),
        );
        ok = false;
    }
    let default = match security {
        Security::Tls => 993,
        Security::StartTls | Security::None => 143,
    };
    let port = port(v, "mailbox.port", raw.port.as_ref(), default)?;
    let username = raw.username.get_ref().trim().to_owned();
    if username.is_empty() {
        v.error(raw.username.span(), "mailbox.username", "expected the login, usually your full address");
        ok = false;
    }
    let secrets = Secrets {
        command: raw.password_command.as_ref(),
        file: raw.password_file.as_ref(),
        literal: raw.password.as_ref(),
    };
    let password = password_source(v, "mailbox", span, secrets, privacy, file, "imap-password")?;
    let lookback = match &raw.lookback {
        None => Some(SignedDuration::from_hours(24 * LOOKBACK.0)),
        Some(text) => {
            let days = text.get_ref().trim().strip_suffix('d').and_then(|d| d.trim().parse::<i64>().ok());
            match days {
                Some(days) if (1..=LOOKBACK.1).contains(&days) => Some(SignedDuration::from_hours(24 * days)),
                _ => {
                    v.error(
                        text.span(),
                        "mailbox.lookback",
                        format!(
                            "expected days from `1d` to `{}d`, like `14d`, found `{}`",
                            LOOKBACK.1,
                            text.get_ref()
                        ),
                    );
                    None
                }
            }
        }
    };
    let check_every = match &raw.check_every {
        None => Some(SignedDuration::from_secs(CHECK_EVERY.0)),
        Some(text) => match parse_clock(text.get_ref(), SignedDuration::from_hours(1), CHECK_EVERY.1) {
            Ok(d) if d >= SignedDuration::from_secs(1) => Some(d),
            Ok(_) => {
                v.error(
                    text.span(),
                    "mailbox.check_every",
                    format!("`{}` is too short: at least `1s`", text.get_ref()),
                );
                None
            }
            Err(m) => {
                v.error(text.span(), "mailbox.check_every", m);
                None
            }
        },
    };
    let name = |n: Option<String>| n.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let folders = Folders {
        inbox: name(raw.folders.inbox).unwrap_or_else(|| "INBOX".to_owned()),
        sent: name(raw.folders.sent),
        drafts: name(raw.folders.drafts),
    };
    let (lookback, check_every) = (lookback?, check_every?);
    ok.then(|| Mailbox {
        host,
        port,
        security,
        username,
        password,
        ca_file: raw.ca_file.as_ref().map(|c| expand_home(c.get_ref())),
        lookback,
        drafts: raw.drafts,
        check_every,
        folders,
    })
}
