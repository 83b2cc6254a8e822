//! What a message means for the book: a reply, an auto-reply, a bounce, an accepted meeting,
//! or mail I sent to a prospect. Pure: a parsed message and the book in, findings out.
//!
//! Headers decide first and alone for strangers: a message from an address not in the book
//! is never read past its headers, unless its headers say it is a delivery report (whose
//! body names the address that bounced).

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use mail_parser::{Message, MimeHeaders, PartType};

use super::returns::{self, Back};
use crate::config::Config;
use crate::config::fold_accent;

/// Which folder a message was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Inbox,
    Sent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inbox => "inbox",
            Role::Sent => "sent",
        }
    }
}

/// The book's addresses: each prospect's (their `email` and `emails`, lower case).
#[derive(Debug, Clone, Default)]
pub struct Addresses {
    prospects: HashMap<String, String>,
}

impl Addresses {
    pub fn of(config: &Config) -> Addresses {
        let mut prospects = HashMap::new();
        for p in config.prospects.values() {
            for address in p.email.iter().chain(p.emails.iter()) {
                prospects.entry(address.trim().to_lowercase()).or_insert_with(|| p.id.clone());
            }
        }
        Addresses { prospects }
    }

    /// The prospect an address belongs to: the whole address, in any case.
    pub fn prospect(&self, address: &str) -> Option<&str> {
        self.prospects.get(&address.trim().to_lowercase()).map(String::as_str)
    }
}

/// What the headers alone say: whether the body is needed, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Look {
    /// Not for the book: nothing more is read.
    Pass,
    /// From a prospect: read the body (an auto-reply's return, a meeting's reply).
    FromProspect(String),
    /// A delivery report: read the body for the address that bounced.
    Report,
    /// I sent it to these prospects: the headers suffice.
    SentTo(Vec<String>),
}

/// What a message means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Reply { prospect: String, subject: String },
    AutoReply { prospect: String, subject: String, back: Option<Back> },
    Bounce { prospect: String, address: String, status: String, diagnostic: Option<String> },
    Meeting { prospect: String, title: String, starts: Option<Starts> },
    Sent { prospect: String, subject: String },
}

impl Finding {
    pub fn prospect(&self) -> &str {
        match self {
            Finding::Reply { prospect, .. }
            | Finding::AutoReply { prospect, .. }
            | Finding::Bounce { prospect, .. }
            | Finding::Meeting { prospect, .. }
            | Finding::Sent { prospect, .. } => prospect,
        }
    }
}

/// When an accepted meeting starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starts {
    At(Timestamp),
    /// An all-day event.
    Day(Date),
}

/// The header fields the first look fetches (`BODY.PEEK[HEADER.FIELDS (...)]`).
pub const HEADER_FIELDS: &str = "FROM SENDER TO CC BCC DATE SUBJECT MESSAGE-ID AUTO-SUBMITTED X-AUTOREPLY \
     X-AUTORESPOND PRECEDENCE X-AUTO-RESPONSE-SUPPRESS X-APPLE-ACTION X-FAILED-RECIPIENTS CONTENT-TYPE";

/// The first look, from the headers.
pub fn look(headers: &Message<'_>, role: Role, book: &Addresses) -> Look {
    match role {
        Role::Inbox => {
            if is_report(headers) {
                return Look::Report;
            }
            match from(headers).and_then(|a| book.prospect(&a).map(str::to_owned)) {
                Some(id) => Look::FromProspect(id),
                None => Look::Pass,
            }
        }
        // The sent folder holds what I sent, from whichever of my addresses (an alias, a
        // login that is not an address): all of it is mine, but for a prospect's own mail
        // filed there.
        Role::Sent => {
            if from(headers).is_some_and(|a| book.prospect(&a).is_some()) {
                return Look::Pass;
            }
            let mut to: Vec<String> = Vec::new();
            for list in [headers.to(), headers.cc(), headers.bcc()].into_iter().flatten() {
                for addr in list.iter() {
                    if let Some(id) = addr.address().and_then(|a| book.prospect(a))
                        && !to.iter().any(|t| t == id)
                    {
                        to.push(id.to_owned());
                    }
                }
            }
            if to.is_empty() { Look::Pass } else { Look::SentTo(to) }
        }
    }
}

/// What the whole message means, after [`look`] asked for it; `sent` is when it was sent
/// (its Date, else when the server received it).
pub fn read(
    message: &Message<'_>,
    look: &Look,
    config: &Config,
    book: &Addresses,
    sent: Timestamp,
) -> Vec<Finding> {
    let subject = subject(message);
    match look {
        Look::Pass => Vec::new(),
        Look::SentTo(ids) => {
            ids.iter().map(|id| Finding::Sent { prospect: id.clone(), subject: subject.clone() }).collect()
        }
        Look::Report => bounces(message)
            .into_iter()
            .filter_map(|b| {
                let prospect = book.prospect(&b.address)?.to_owned();
                Some(Finding::Bounce {
                    prospect,
                    address: b.address,
                    status: b.status,
                    diagnostic: b.diagnostic,
                })
            })
            .collect(),
        Look::FromProspect(id) => {
            let Some(prospect) = config.prospects.get(id) else { return Vec::new() };
            let mine = |a: &str| book.prospect(a) == Some(id.as_str());
            if let Some(reply) = calendar_reply(message)
                && reply.accepted_by.iter().any(|a| mine(a))
            {
                let title = reply.summary.unwrap_or_else(|| subject.clone());
                return vec![Finding::Meeting { prospect: id.clone(), title, starts: reply.starts }];
            }
            match automated(message) {
                Automated::Human => vec![Finding::Reply { prospect: id.clone(), subject }],
                Automated::AutoReply => {
                    let their_day = sent.to_zoned(prospect.timezone.clone()).date();
                    let month_first = prospect.timezone_name.starts_with("America/");
                    let body = message.body_text(0).unwrap_or_default();
                    let back = returns::return_day(&body, their_day, month_first);
                    vec![Finding::AutoReply { prospect: id.clone(), subject, back }]
                }
                // A notification, a digest, a list mail sent in their name: not a reply.
                Automated::Other => Vec::new(),
            }
        }
    }
}

/// The sender's address, lower case.
pub fn from(message: &Message<'_>) -> Option<String> {
    message.from().and_then(|a| a.first()).and_then(|a| a.address()).map(|a| a.trim().to_lowercase())
}

/// The subject on one line, or `(no subject)`.
pub fn subject(message: &Message<'_>) -> String {
    let s = message.subject().map(crate::config::single_line).unwrap_or_default();
    let s = s.trim();
    if s.is_empty() { "(no subject)".to_owned() } else { s.chars().take(200).collect() }
}

/// When the message says it was sent.
pub fn sent_at(message: &Message<'_>) -> Option<Timestamp> {
    message.date().and_then(|d| Timestamp::from_second(d.to_timestamp()).ok())
}

fn header_text(message: &Message<'_>, name: &str) -> Option<String> {
    let value = message.header(name)?;
    value.as_text().map(|t| t.trim().to_lowercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Automated {
    Human,
    AutoReply,
    Other,
}

/// Subjects of out-of-office replies, accent-folded and lower case, as they start.
const AWAY_SUBJECTS: &[&str] = &[
    "automatic reply",
    "automatische antwort",
    "reponse automatique",
    "respuesta automatica",
    "risposta automatica",
    "automatisch antwoord",
    "resposta automatica",
    "out of office",
    "out of the office",
    "auto-reply",
    "autoreply",
    "auto reply",
    "auto:",
    "auto response",
    "autoresponse",
    "on vacation",
    "abwesenheitsnotiz",
    "abwesend",
    "nicht im buro",
    "absence",
    "absent du bureau",
    "absente du bureau",
    "absent(e) du bureau",
    "en conge",
    "fuera de la oficina",
    "ausente",
    "de vacaciones",
    "fuori ufficio",
    "assente",
    "in ferie",
    "afwezig",
    "buiten kantoor",
    "met vakantie",
    "fora do escritorio",
    "de ferias",
];

fn automated(message: &Message<'_>) -> Automated {
    let keyword =
        |name: &str| header_text(message, name).map(|v| v.split(';').next().unwrap_or("").trim().to_owned());
    let submitted = keyword("Auto-Submitted");
    if submitted.as_deref() == Some("auto-replied")
        || message.header("X-Autoreply").is_some()
        || message.header("X-Autorespond").is_some()
        || keyword("Precedence").as_deref() == Some("auto_reply")
        || keyword("X-Apple-Action").as_deref() == Some("vacation")
        || away_subject(&subject(message))
    {
        return Automated::AutoReply;
    }
    let bulk = matches!(keyword("Precedence").as_deref(), Some("bulk" | "junk" | "list"));
    if submitted.is_some_and(|s| s != "no") || bulk {
        return Automated::Other;
    }
    Automated::Human
}

/// Whether a subject is an out-of-office reply's, in any of the book's usual languages.
pub fn away_subject(subject: &str) -> bool {
    let mut s: String = subject.chars().flat_map(|c| c.to_lowercase()).flat_map(fold_accent).collect();
    // Replies and forwards of an auto-reply keep its words after their prefix.
    loop {
        let trimmed = s.trim_start();
        let rest = ["re:", "aw:", "wg:", "fwd:", "fw:", "tr:", "rv:", "sv:"]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p));
        match rest {
            Some(rest) => s = rest.to_owned(),
            None => {
                s = trimmed.to_owned();
                break;
            }
        }
    }
    AWAY_SUBJECTS.iter().any(|p| s.starts_with(p))
}

/// Whether the headers say delivery report: a DSN, or a mailer daemon's or postmaster's mail.
fn is_report(message: &Message<'_>) -> bool {
    let dsn = message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct.attribute("report-type").is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let daemon = from(message).is_some_and(|a| {
        let local = a.split('@').next().unwrap_or("");
        local == "mailer-daemon" || local == "postmaster"
    });
    dsn || daemon || message.header("X-Failed-Recipients").is_some()
}

/// One failed recipient of a delivery report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounced {
    pub address: String,
    /// The RFC 3463 status, `5.1.1`.
    pub status: String,
    pub diagnostic: Option<String>,
}

/// The permanent failures a delivery report names: its `message/delivery-status` part's
/// recipients with `Action: failed` and a 5.x.x status; without such a part (an old Exchange
/// report), `X-Failed-Recipients` with the first 5.x.x code in the text.
pub fn bounces(message: &Message<'_>) -> Vec<Bounced> {
    let mut found = Vec::new();
    for part in &message.parts {
        let is_status = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| {
                    s.eq_ignore_ascii_case("delivery-status")
                        || s.eq_ignore_ascii_case("global-delivery-status")
                })
        });
        if !is_status {
            continue;
        }
        let text = match &part.body {
            PartType::Text(t) => t.to_string(),
            PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b).into_owned(),
            PartType::Message(m) => String::from_utf8_lossy(m.raw_message()).into_owned(),
            _ => String::from_utf8_lossy(part.contents()).into_owned(),
        };
        found.extend(delivery_status(&text));
    }
    if found.is_empty()
        && let Some(failed) = message.header("X-Failed-Recipients").and_then(|h| h.as_text())
    {
        let text = message.body_text(0).unwrap_or_default();
        let status = first_status(&text);
        if let Some(status) = status.filter(|s| s.starts_with('5')) {
            for address in failed.split(',').map(|a| a.trim().trim_matches(['<', '>']).to_lowercase()) {
                if !address.is_empty() {
                    found.push(Bounced { address, status: status.clone(), diagnostic: None });
                }
            }
        }
    }
    found
}

fn first_status(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.')).find_map(|w| {
        let parts: Vec<&str> = w.trim_end_matches('.').split('.').collect();
        let ok = parts.len() == 3
            && matches!(parts[0], "4" | "5")
            && parts[1..].iter().all(|p| !p.is_empty() && p.len() <= 3);
        ok.then(|| parts.join("."))
    })
}

/// The recipients of a `message/delivery-status` body that failed for good.
pub fn delivery_status(text: &str) -> Vec<Bounced> {
    let unfolded = unfold(text, true);
    let mut out = Vec::new();
    for block in unfolded.split("\n\n") {
        let mut fields: HashMap<String, String> = HashMap::new();
        for line in block.lines() {
            if let Some((name, value)) = line.split_once(':') {
                fields.insert(name.trim().to_lowercase(), value.trim().to_owned());
            }
        }
        let Some(recipient) = fields.get("final-recipient").or_else(|| fields.get("original-recipient"))
        else {
            continue;
        };
        // `rfc822; bill@abc.example`, sometimes in angle brackets.
        let address =
            recipient.rsplit(';').next().unwrap_or("").trim().trim_matches(['<', '>']).to_lowercase();
        let action = fields.get("action").map(|a| a.to_lowercase());
        let status = fields.get("status").map(|s| s.split_whitespace().next().unwrap_or("").to_owned());
        if let (Some("failed"), Some(status)) = (action.as_deref(), status)
            && status.starts_with("5.")
            && !address.is_empty()
        {
            let diagnostic = fields.get("diagnostic-code").map(|d| crate::config::single_line(d));
            out.push(Bounced { address, status, diagnostic });
        }
    }
    out
}

/// Header-style text with folded lines joined (a line starting with a space or tab continues
/// the one before), line ends as `\n`. Mail headers keep the folding white space (RFC 5322
/// §2.2.3); iCalendar drops it (RFC 5545 §3.1): `keep_space`.
fn unfold(text: &str, keep_space: bool) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        if (line.starts_with(' ') || line.starts_with('\t')) && !out.is_empty() && !out.ends_with("\n\n") {
            out.pop();
            out.push_str(if keep_space { line } else { &line[1..] });
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// What an iMIP `METHOD:REPLY` says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarReply {
    /// Attendees (lower case) whose PARTSTAT is ACCEPTED.
    pub accepted_by: Vec<String>,
    pub summary: Option<String>,
    pub starts: Option<Starts>,
}

/// The first calendar part that is a reply (RFC 6047: `text/calendar` or `application/ics`
/// holding `METHOD:REPLY`).
pub fn calendar_reply(message: &Message<'_>) -> Option<CalendarReply> {
    for part in &message.parts {
        let calendar = part.content_type().is_some_and(|ct| {
            let (t, s) = (ct.ctype().to_ascii_lowercase(), ct.subtype().unwrap_or("").to_ascii_lowercase());
            (t == "text" && s == "calendar") || (t == "application" && s == "ics")
        });
        if !calendar {
            continue;
        }
        let text = match &part.body {
            PartType::Text(t) => t.to_string(),
            _ => String::from_utf8_lossy(part.contents()).into_owned(),
        };
        if let Some(reply) = parse_reply(&text) {
            return Some(reply);
        }
    }
    None
}

/// Reads an iCalendar text's METHOD, and its first VEVENT's attendees, summary and start.
pub fn parse_reply(text: &str) -> Option<CalendarReply> {
    let mut reply = CalendarReply::default();
    let mut is_reply = false;
    let mut in_event = false;
    for line in unfold(text, false).lines() {
        let (head, value) = split_property(line);
        let mut params = head.split(';');
        let name = params.next().unwrap_or("").to_ascii_uppercase();
        let params: Vec<(String, String)> = params
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_ascii_uppercase(), v.trim_matches('"').to_owned()))
            .collect();
        let param = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        match name.as_str() {
            "METHOD" => is_reply = value.trim().eq_ignore_ascii_case("REPLY"),
            "BEGIN" if value.trim().eq_ignore_ascii_case("VEVENT") => in_event = true,
            "END" if value.trim().eq_ignore_ascii_case("VEVENT") => break,
            "ATTENDEE" if in_event => {
                let address = value.trim();
                let address = address
                    .get(..7)
                    .filter(|p| p.eq_ignore_ascii_case("mailto:"))
                    .map_or(address, |_| &address[7..]);
                if param("PARTSTAT").is_some_and(|s| s.eq_ignore_ascii_case("ACCEPTED")) {
                    reply.accepted_by.push(address.trim().to_lowercase());
                }
            }
            "SUMMARY" if in_event => {
                reply.summary = Some(crate::config::single_line(
                    &value.replace("\\,", ",").replace("\\;", ";").replace("\\n", " "),
                ));
            }
            "DTSTART" if in_event => reply.starts = starts(value.trim(), param("TZID"), param("VALUE")),
            _ => {}
        }
    }
    is_reply.then_some(reply)
}

/// `NAME;PARAMS` and the value: split at the first `:` outside double quotes, since
/// `CN="Jones, Bill: CFO"` and `mailto:` hold colons.
fn split_property(line: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return (&line[..i], &line[i + 1..]),
            _ => {}
        }
    }
    (line, "")
}

fn starts(value: &str, tzid: Option<&str>, kind: Option<&str>) -> Option<Starts> {
    if kind.is_some_and(|k| k.eq_ignore_ascii_case("DATE")) || value.len() == 8 {
        return Date::strptime("%Y%m%d", value).ok().map(Starts::Day);
    }
    if let Some(utc) = value.strip_suffix('Z') {
        let dt = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%S", utc).ok()?;
        return dt.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| Starts::At(z.timestamp()));
    }
    let dt = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%S", value).ok()?;
    // An IANA zone is read as such; a Windows name ("W. Europe Standard Time") is not known
    // here, so only the day is kept.
    match tzid.and_then(|t| jiff::tz::TimeZone::get(t).ok()) {
        Some(tz) => dt.to_zoned(tz).ok().map(|z| Starts::At(z.timestamp())),
        None => Some(Starts::Day(dt.date())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_status_names_the_recipient_that_failed_for_good() {
        let text = "Reporting-MTA: dns; mx.example\r\nArrival-Date: Tue, 1 Dec 2026\r\n\r\n\
            Final-Recipient: rfc822;\r\n  <Bill@ABC.example>\r\nAction: failed\r\nStatus: 5.1.1\r\n\
            Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n\
            Final-Recipient: rfc822; ann@x.example\r\nAction: delayed\r\nStatus: 4.4.1\r\n";
        let found = delivery_status(text);
        assert_eq!(
            found,
            vec![Bounced {
                address: "bill@abc.example".into(),
                status: "5.1.1".into(),
                diagnostic: Some("smtp; 550 5.1.1 user unknown".into())
            }]
        );
    }

    #[test]
    fn a_calendar_reply_is_read_with_quoted_colons_and_zones() {
        let text = "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n\
            ATTENDEE;CN=\"Jones, Bill: CFO\";PARTSTAT=ACCEPTED:MAILTO:Bill@abc.example\r\n\
            SUMMARY:Month-end\\, close\r\nDTSTART;TZID=Europe/Berlin:20261210T\r\n 150000\r\n\
            END:VEVENT\r\nEND:VCALENDAR\r\n";
        let reply = parse_reply(text).expect("a reply");
        assert_eq!(reply.accepted_by, ["bill@abc.example"]);
        assert_eq!(reply.summary.as_deref(), Some("Month-end, close"));
        assert_eq!(reply.starts, Some(Starts::At("2026-12-10T14:00:00Z".parse().unwrap())));
        assert_eq!(parse_reply(&text.replace("METHOD:REPLY", "METHOD:REQUEST")), None);
    }

    #[test]
    fn out_of_office_subjects_in_several_languages_behind_reply_prefixes() {
        for s in [
            "Automatic reply: Month-end close",
            "AW: Abwesenheitsnotiz",
            "Réponse automatique : Votre appel",
            "RE: Fuera de la oficina",
            "Out of Office: call",
        ] {
            assert!(away_subject(s), "{s}");
        }
        assert!(!away_subject("Re: month-end close"));
        assert!(!away_subject("Absolutely, let's talk"));
    }
}

#[cfg(test)]
mod whole_messages {
    use super::*;

    #[test]
    fn a_calendar_reply_in_base64_inside_an_alternative_is_found() {
        let raw = "From: Bill Jones <bill@abc.example>\r\nSubject: Accepted: ERP review\r\nDate: Tue, 01 Dec 2026 10:40:00 -0500\r\n\
            MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n--A\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n\
            Bill Jones has accepted this invitation.\r\n--A\r\nContent-Type: text/calendar; charset=UTF-8; method=REPLY\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nQkVHSU46VkNBTEVOREFSDQpNRVRIT0Q6UkVQTFkNCkJFR0lOOlZFVkVOVA0KQVRURU5ERUU7UEFSVFNUQVQ9QUNDRVBURUQ6bWFpbHRvOmJpbGxAYWJjLmV4YW1wbGUNCkVORDpWRVZFTlQNCkVORDpWQ0FMRU5EQVINCg==\r\n--A--\r\n";
        let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
        let reply = calendar_reply(&message).expect("a calendar reply");
        assert_eq!(reply.accepted_by, ["bill@abc.example"]);
    }
}

#[cfg(test)]
mod markers {
    use super::*;

    fn headers(extra: &str) -> String {
        format!("From: bill@abc.example\r\nSubject: Re: your call\r\n{extra}\r\n")
    }

    #[test]
    fn auto_reply_markers_and_other_automated_mail() {
        let parse =
            |text: &str| automated(&mail_parser::MessageParser::default().parse(text.as_bytes()).unwrap());
        for marker in [
            "Auto-Submitted: auto-replied",
            "Auto-Submitted: Auto-Replied; owner-email=\"x@y\"",
            "X-Autoreply: yes",
            "X-Autorespond: Out of office",
            "Precedence: auto_reply",
            "X-Apple-Action: vacation",
        ] {
            assert_eq!(parse(&headers(marker)), Automated::AutoReply, "{marker}");
        }
        for automatic in ["Auto-Submitted: auto-generated", "Precedence: bulk", "Precedence: list"] {
            assert_eq!(parse(&headers(automatic)), Automated::Other, "{automatic}");
        }
        assert_eq!(parse(&headers("Auto-Submitted: no")), Automated::Human);
        assert_eq!(parse(&headers("")), Automated::Human);
    }
}
