//! The morning digest as an email: the plain text part, an HTML part from a minijinja template
//! (every field escaped), and the subject with the counts.

use minijinja::{AutoEscape, Environment, context};

use crate::config::Config;
use crate::output;
use crate::plan::{self, Agenda, History, Kind, PromiseRecord, short_date};
use crate::script::Scripts;

/// A rendered digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// What it was rendered from (today plus the next three workdays).
    pub agenda: Agenda,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Plans and renders the digest at `at`.
pub fn build(config: &Config, history: &History, at: jiff::Timestamp) -> Digest {
    let today = at.to_zoned(config.me.timezone.clone()).date();
    let agenda = plan::plan(config, history, at, output::coming_up_days(config, today));
    let record = plan::promise_record(config, history, at);
    let scripts = Scripts::new(config);
    let month = agenda.at.strftime("%B").to_string();
    let mut text = output::digest_text(config, &agenda, &scripts);
    text.push_str(&format!(
        "\n== Your promises in {month} ==\n  {} kept on time, {} kept late, {} still open\n",
        record.on_time, record.late, record.open
    ));
    let subject = output::digest_subject(&agenda);
    let html = html(config, &agenda, &scripts, record);
    Digest { agenda, subject, text, html }
}

const DIGEST_HTML: &str = include_str!("digest.html");

/// Digits and a leading `+`: what a `tel:` link may hold.
fn tel(phone: &str) -> String {
    phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
}

fn html(config: &Config, agenda: &Agenda, scripts: &Scripts<'_>, record: PromiseRecord) -> String {
    let today = agenda.first_day;
    let mut sections: Vec<(Kind, Vec<minijinja::Value>)> = Vec::new();
    for item in agenda.items.iter().filter(|i| i.day == today) {
        let Some(p) = config.prospects.get(&item.prospect) else { continue };
        let window = (item.kind.action() == "call").then(|| output::best_window(config, p, item));
        let late = Some(output::late_text(item)).filter(|l| !l.is_empty());
        let value = context! {
            name => &p.name,
            company => &p.company,
            phone => p.phone.as_ref().filter(|_| item.kind.action() == "call"),
            tel => p.phone.as_deref().map(tel),
            email => p.email.as_ref().filter(|_| item.kind.action() != "call"),
            window => window,
            late => late,
            why => &item.why,
            gatekeeper => &p.gatekeeper,
            boss => &p.boss,
            script => scripts.render(item),
        };
        match sections.last_mut() {
            Some((kind, items)) if *kind == item.kind => items.push(value),
            _ => sections.push((item.kind, vec![value])),
        }
    }
    let coming: Vec<minijinja::Value> = agenda
        .items
        .iter()
        .filter(|i| i.day > today && matches!(i.kind, Kind::Promise | Kind::NextStep))
        .filter_map(|i| {
            let p = config.prospects.get(&i.prospect)?;
            let what = match i.kind {
                Kind::Promise => "promised callback".to_owned(),
                _ => format!("next step: {}", i.next_step.as_deref().unwrap_or("")),
            };
            Some(context! { day => short_date(i.day), name => &p.name, company => &p.company, what => what })
        })
        .collect();
    let mut env = Environment::new();
    // Every value a prospect's config or a template produced is escaped; nothing is trusted.
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // The built-in (src/notify/digest.html) unless [templates] overrides `digest_html`.
    let source = config.templates.get("digest_html").map_or(DIGEST_HTML, String::as_str);
    let rendered = env.template_from_str(source).and_then(|t| {
        t.render(context! {
            subject => output::digest_subject(agenda),
            first_name => config.me.name.split_whitespace().next().unwrap_or(""),
            day => short_date(today),
            month => agenda.at.strftime("%B").to_string(),
            sections => sections.into_iter().map(|(k, items)| context! { title => output::section_title(k), items => items }).collect::<Vec<_>>(),
            coming => coming,
            record => context! { on_time => record.on_time, late => record.late, open => record.open },
        })
    });
    rendered.unwrap_or_else(|e| {
        format!("<p>The digest template failed: {}</p>", minijinja::HtmlEscape(&e.to_string()))
    })
}
