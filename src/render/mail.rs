//! What the mailbox told, as the digest says it: replies to answer first, then who is away
//! and which addresses bounce.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::config::Config;
use crate::plan::{Event, Outcome, short_date};

/// The digest's lines about the mailbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailNews {
    /// "Bill Jones (ABC Inc) replied Tue 10:14: Re: month-end close": the latest reply of
    /// each prospect who has replied and was not answered since (nothing logged after it).
    pub replies: Vec<String>,
    /// Auto-replies that snooze a prospect (while the snooze lasts) or named no return (while
    /// nothing was logged since), and addresses that bounce (while they are the prospect's).
    pub notes: Vec<MailNote>,
}

/// One line of "From your mailbox".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailNote {
    pub text: String,
    /// An address that bounces (what `check` warns about).
    pub bounce: bool,
}

impl MailNote {
    fn new(text: String, bounce: bool) -> MailNote {
        MailNote { text, bounce }
    }
}

/// The news in `events` (from `State::mail_news`: each `replied`, `auto-reply` and `bounced`
/// event with its prospect's latest outcome), as of `at`.
pub fn mail_news(config: &Config, events: &[(Event, Outcome)], at: Timestamp) -> MailNews {
    let tz = &config.me.timezone;
    let today = at.to_zoned(tz.clone()).date();
    // Each prospect's latest event of each outcome (the list is oldest first).
    let mut latest: HashMap<(&str, Outcome), &(Event, Outcome)> = HashMap::new();
    for entry in events {
        latest.insert((&*entry.0.prospect, entry.0.outcome), entry);
    }
    let mut found: Vec<&(Event, Outcome)> = latest.into_values().collect();
    found.sort_by_key(|(e, _)| (e.at, e.seq));
    let mut news = MailNews::default();
    for (event, last) in found {
        let Some(p) = config.prospects.get(&*event.prospect) else { continue };
        let who = match &p.company {
            Some(c) => format!("{} ({c})", p.name),
            None => p.name.clone(),
        };
        let when = event.at.to_zoned(tz.clone());
        let note = event.note.as_deref().unwrap_or("(no subject)");
        match event.outcome {
            Outcome::Replied if *last == Outcome::Replied => {
                news.replies.push(format!("{who} replied {}: {note}", when.strftime("%a %H:%M")));
            }
            Outcome::AutoReply => match event.until {
                Some(until) if until > today => news.notes.push(MailNote::new(
                    format!(
                        "{who} is away (auto-reply {}): nothing for them is due before {}",
                        short_date(when.date()),
                        short_date(until)
                    ),
                    false,
                )),
                None if *last == Outcome::AutoReply => news.notes.push(MailNote::new(
                    format!(
                        "{who} sent an auto-reply {} that names no return day: nothing changed",
                        short_date(when.date())
                    ),
                    false,
                )),
                _ => {}
            },
            Outcome::Bounced => {
                let address = event.item.as_deref().unwrap_or_default();
                if p.is_email(address) {
                    news.notes.push(MailNote::new(
                        format!(
                            "{address} bounces ({note}): {}'s email steps are calls until the address changes",
                            p.name
                        ),
                        true,
                    ));
                }
            }
            _ => {}
        }
    }
    news
}

/// The text part's block: "Replies to answer" and "From your mailbox", or nothing.
pub fn news_text(news: &MailNews) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if !news.replies.is_empty() {
        let _ = writeln!(out, "\n== Replies to answer ({}) ==", news.replies.len());
        for line in &news.replies {
            let _ = writeln!(out, "{}", super::text::wrap(line, Some(super::text::DIGEST_WIDTH), "* ", "  "));
        }
    }
    if !news.notes.is_empty() {
        let _ = writeln!(out, "\n== From your mailbox ==");
        for note in &news.notes {
            let _ = writeln!(
                out,
                "{}",
                super::text::wrap(&note.text, Some(super::text::DIGEST_WIDTH), "* ", "  ")
            );
        }
    }
    out
}
