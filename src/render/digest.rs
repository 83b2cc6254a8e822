//! The morning digest as an email: the plain text part, an HTML part from a minijinja template
//! (every field escaped), and the subject with the counts.

use super::mail::MailNews;
use super::script::Scripts;
use super::text;
use crate::config::Config;
use crate::config::templates::{self, DigestComing, DigestContext, DigestItem};
use crate::plan::{self, Agenda, History, Kind, Promises, short_date};

/// A rendered digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// What it was rendered from (today plus the next three workdays).
    pub agenda: Agenda,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What the state says of this week's digests before this one (see `State::digests_between`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Week {
    pub sent: bool,
    pub missed: bool,
}

/// Plans and renders the digest at `at`.
pub fn build(config: &Config, history: &History, at: jiff::Timestamp, week: Week, news: &MailNews) -> Digest {
    let today = at.to_zoned(config.me.timezone.clone()).date();
    let agenda = plan::plan(config, history, at, plan::coming_up_days(config, today));
    let record = plan::promise_record(config, history, at);
    let scripts = Scripts::new(config);
    let month = agenda.at.strftime("%B").to_string();
    let mut plain = text::digest_text(config, &agenda, &scripts);
    // What the mailbox told comes first, after the greeting: a reply waits for an answer.
    if let Some(greeting) = plain.find("Good morning")
        && let Some(end) = plain[greeting..].find('\n')
    {
        plain.insert_str(greeting + end + 1, &super::mail::news_text(news));
    }
    // The first digest of a week reviews the week before; when that one was missed, the first
    // digest sent in the week does.
    let catch_up = !week.sent && week.missed;
    let review = (crate::schedule::first_digest_of_week(config, at) || catch_up).then(|| {
        let last_monday = plan::monday_of(today).saturating_sub(jiff::Span::new().days(7));
        plan::review(config, history, last_monday, at)
    });
    if let Some(review) = &review {
        plain.push_str(&text::review_text(review));
    }
    plain.push_str(&format!(
        "\n== Your promises in {month} ==\n  {} due, {} kept on time, {} kept late, {} missed, {} still open\n",
        record.made, record.kept_on_time, record.kept_late, record.missed, record.open
    ));
    let mut subject = text::digest_subject(&agenda);
    if !news.replies.is_empty() {
        let replies = text::count(news.replies.len(), "reply to answer", "replies to answer");
        subject = match subject.split_once(": ") {
            Some((day, "nothing due")) => format!("{day}: {replies}"),
            Some((day, counts)) => format!("{day}: {replies}, {counts}"),
            None => subject,
        };
        plain = plain.replacen(&text::digest_subject(&agenda), &subject, 1);
    }
    let html = html(config, &agenda, &scripts, record, review.as_ref(), news, &subject);
    Digest { agenda, subject, text: plain, html }
}

/// The built-in HTML template (the same text as `builtin_templates()["digest_html"]`).
const DIGEST_HTML: &str = templates::DIGEST_HTML;

/// The review for the HTML part: its text lines, and bars as `<td>` widths (Gmail and Outlook
/// render no SVG, and block images by default).
fn digest_review(review: &plan::Review) -> templates::DigestReview {
    let text = text::review_text(review);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let title = lines.next().unwrap_or_default().trim().trim_matches('=').trim().to_owned();
    let lines =
        lines.map(str::trim).take_while(|l| !l.starts_with("four weeks")).map(str::to_owned).collect();
    let most = review.trend.iter().map(|(_, r)| r.of).max().unwrap_or(0).max(1);
    let weeks = review
        .trend
        .iter()
        .map(|(start, rate)| {
            let calls_width = (rate.of * 100 / most) as u32;
            let rate_width = rate.ratio().map_or(0, |r| (r * 100.0).round() as u32);
            (
                format!("week of {}", short_date(*start)),
                rate.of,
                text::rate_text(*rate),
                calls_width.max(1),
                rate_width.max(1),
            )
        })
        .collect();
    templates::DigestReview { title, lines, weeks }
}

fn html(
    config: &Config,
    agenda: &Agenda,
    scripts: &Scripts<'_>,
    record: Promises,
    review: Option<&plan::Review>,
    news: &MailNews,
    subject: &str,
) -> String {
    let today = agenda.first_day;
    let mut sections: Vec<(Kind, Vec<DigestItem>)> = Vec::new();
    for item in agenda.items.iter().filter(|i| i.day == today) {
        let Some(p) = config.prospects.get(&item.prospect) else { continue };
        let call = item.kind.is_call();
        let value = DigestItem {
            id: p.id.clone(),
            name: p.name.clone(),
            company: p.company.clone(),
            phone: p.shown_phone().filter(|_| call),
            no_phone: call && p.phone.is_none(),
            tel: p.number.as_ref().map(|n| n.tel_uri().trim_start_matches("tel:").to_owned()),
            email: p.email.clone().filter(|_| !call),
            window: call.then(|| text::best_window(config, p, item)),
            late: Some(text::late_text(item)).filter(|l| !l.is_empty()),
            why: item.why.clone(),
            gatekeeper: p.gatekeeper.clone(),
            boss: p.boss.clone(),
            notes: p.notes.clone(),
            url: p.url.clone(),
            script: scripts.render(item),
        };
        match sections.last_mut() {
            Some((kind, items)) if *kind == item.kind => items.push(value),
            _ => sections.push((item.kind, vec![value])),
        }
    }
    let coming: Vec<DigestComing> = agenda
        .items
        .iter()
        .filter(|i| i.day > today && matches!(i.kind, Kind::Promise | Kind::NextStep))
        .filter_map(|i| {
            let p = config.prospects.get(&i.prospect)?;
            let what = match i.kind {
                Kind::Promise => "promised callback".to_owned(),
                _ => format!("next step: {}", i.next_step.as_deref().unwrap_or("")),
            };
            Some(DigestComing {
                day: short_date(i.day),
                id: p.id.clone(),
                name: p.name.clone(),
                company: p.company.clone(),
                what,
            })
        })
        .collect();
    // Every value a prospect's config or a template produced is escaped; nothing is trusted.
    let env = templates::environment(true);
    // The built-in (src/config/digest.html) unless [templates] overrides `digest_html`; the
    // config check rendered it with the same context and strictness.
    let source = config.templates.get("digest_html").map_or(DIGEST_HTML, String::as_str);
    let context = DigestContext {
        subject: subject.to_owned(),
        first_name: config.me.name.split_whitespace().next().unwrap_or("").to_owned(),
        day: short_date(today),
        month: agenda.at.strftime("%B").to_string(),
        sections: sections.into_iter().map(|(k, items)| (text::section_title(k).to_owned(), items)).collect(),
        coming,
        record: (record.kept_on_time, record.kept_late, record.missed, record.open),
        review: review.map(digest_review),
        replies: news.replies.clone(),
        mailbox: news.notes.iter().map(|n| n.text.clone()).collect(),
    };
    let rendered = env.template_from_str(source).and_then(|t| t.render(context.value()));
    rendered.unwrap_or_else(|e| {
        format!("<p>The digest template failed: {}</p>", minijinja::HtmlEscape(&e.to_string()))
    })
}
