//! Voicemail scripts and email drafts: minijinja templates with built-in defaults that
//! `[templates]` in the config can override or add to.

use std::collections::BTreeMap;

use jiff::civil::Date;
use minijinja::{Environment, context};

use crate::config::{Config, Prospect};
use crate::plan::{Item, Kind, short_date};

/// Names of the built-in templates.
pub const BUILTIN_NAMES: &[&str] = &["call", "email", "off_the_hook", "next_step", "drip", "digest_html"];

/// The voicemail script, in AIDA order: who you are, the hook, the value for them, the ask,
/// and the callback promise the cadence will keep.
const CALL: &str = "Hi {{ prospect.first_name }}, it's {{ me.name }}\
{% if me.phone %} on {{ me.phone }}{% endif %}. \
{% if kind == 'promise' %}{% if overdue %}I said I'd call you back on {{ promise_on }}, and I'm sorry it has taken me longer. \
{% elif promise_made %}On {{ promise_made }} I said I'd call you back today, so here I am. \
{% else %}I said I'd call you back today, so here I am. {% endif %}{% endif %}\
{% if prospect.hook %}[hook: {{ prospect.hook }}] {% endif %}\
{% if keep_in_touch %}It's been a while since we spoke, and I wanted to hear how things are going. \
{% elif prospect.value %}I'm calling about {{ prospect.value }}{% if prospect.company %} for {{ prospect.company }}{% endif %}. \
{% else %}I have an idea I think is worth ten minutes of your time. {% endif %}\
{% if keep_in_touch %}Give me a call back when it suits you. \
{% else %}Could we find fifteen minutes this week to talk it through? {% endif %}\
{% if callback %}If I don't hear from you by {{ callback.hear_by }}, I'll call you on {{ callback.on }}. {% endif %}\
Again, it's {{ me.name }}{% if me.phone %}, {{ me.phone }}{% endif %}.";

const EMAIL: &str = "Subject: {% if prospect.value %}{{ prospect.value | capitalize }}{% else %}A quick idea{% endif %}\
{% if prospect.company %} for {{ prospect.company }}{% endif %}\n\n\
Hi {{ prospect.first_name }},\n\n\
I've tried to reach you by phone, so I thought I'd write instead. \
{% if prospect.value %}I'd like to show you how to get {{ prospect.value }}. {% endif %}\
{% if prospect.hook %}[hook: {{ prospect.hook }}] {% endif %}\
Would fifteen minutes this week suit you? Just reply with a time that works.\n\n\
Best regards,\n{{ me.name }}{% if me.phone %}\n{{ me.phone }}{% endif %}";

const OFF_THE_HOOK: &str = "Subject: Shall I close your file?\n\n\
Hi {{ prospect.first_name }},\n\n\
I've been in touch a few times about {% if prospect.value %}{{ prospect.value }}{% else %}an idea for you{% endif %} \
and haven't heard back, which is fine: the timing may simply be wrong. \
It's perfectly all right to say no. Just let me know, so I don't become a pest, \
and I'll only send you something of value now and then.\n\n\
Best regards,\n{{ me.name }}{% if me.phone %}\n{{ me.phone }}{% endif %}";

const NEXT_STEP: &str = "Hi {{ prospect.first_name }}, it's {{ me.name }}. \
Last time we spoke we agreed to talk today about {{ next_step }}. \
{% if prospect.value %}It's the step towards {{ prospect.value }}. {% endif %}\
Is now still a good time?";

const DRIP: &str = "Subject: {{ drip.title }}\n\n\
Hi {{ prospect.first_name }},\n\n\
I came across this and thought of you{% if prospect.company %} and {{ prospect.company }}{% endif %}: \
{{ drip.title }}{% if drip.url %}\n{{ drip.url }}{% endif %}\n\n\
No reply needed.\n\n\
Best regards,\n{{ me.name }}";

/// The built-in template sources by name.
pub fn builtin_templates() -> BTreeMap<String, String> {
    [
        ("call", CALL),
        ("email", EMAIL),
        ("off_the_hook", OFF_THE_HOOK),
        ("next_step", NEXT_STEP),
        ("drip", DRIP),
        ("digest_html", include_str!("notify/digest.html")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Compiles a template to find syntax errors; the message names the template's own line.
pub fn check_template(name: &str, source: &str) -> Result<(), String> {
    let mut env = Environment::new();
    env.add_template(name, source).map(|_| ()).map_err(|e| {
        let line = e.line().map(|l| format!(" (line {l} of the template)")).unwrap_or_default();
        format!("template error: {}{line}", e.detail().unwrap_or("invalid syntax"))
    })
}

/// Renders scripts for agenda items, compiling the config's templates once.
pub struct Scripts<'c> {
    env: Environment<'c>,
    config: &'c Config,
}

impl<'c> Scripts<'c> {
    pub fn new(config: &'c Config) -> Self {
        let mut env = Environment::new();
        for (name, source) in &config.templates {
            // Validation compiled every template already, so this cannot fail.
            env.add_template(name, source).expect("templates are validated with the config");
        }
        Scripts { env, config }
    }

    /// The script for an item; a render failure reads as the error, never as silence.
    pub fn render(&self, item: &Item) -> String {
        let Some(prospect) = self.config.prospects.get(&item.prospect) else {
            return String::new();
        };
        let template = match self.env.get_template(&item.template) {
            Ok(t) => t,
            Err(e) => return format!("(template `{}` failed: {e})", item.template),
        };
        let callback = item.callback_on.map(|on| {
            let hear_by = self.config.me.calendar.previous_before(on);
            context! { on => long_date(on), hear_by => hear_by.strftime("%A").to_string() }
        });
        let ctx = context! {
            me => context! {
                name => &self.config.me.name,
                first_name => first_name(&self.config.me.name),
                phone => &self.config.me.phone,
            },
            prospect => prospect_context(prospect),
            kind => item.kind.as_str(),
            due => short_date(item.due),
            attempt => item.attempt,
            of => item.of,
            note => &item.note,
            promise_made => item.promise_made.map(short_date),
            promise_on => (item.kind == Kind::Promise).then(|| item.due.strftime("%A %-d %B").to_string()),
            overdue => item.overdue,
            keep_in_touch => item.kind == Kind::Call && item.attempt.is_none(),
            callback => callback,
            next_step => &item.next_step,
            drip => item.drip_item.as_ref().map(|d| context! { title => &d.title, url => &d.url }),
        };
        let text =
            template.render(ctx).unwrap_or_else(|e| format!("(template `{}` failed: {e})", item.template));
        if item.kind == Kind::Drip || item.kind == Kind::Email { text } else { squeeze(&text) }
    }
}

fn prospect_context(p: &Prospect) -> minijinja::Value {
    context! {
        id => &p.id,
        name => &p.name,
        first_name => first_name(&p.name),
        company => &p.company,
        phone => &p.phone,
        email => &p.email,
        hook => &p.hook,
        value => &p.value,
        gatekeeper => &p.gatekeeper,
        boss => &p.boss,
    }
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// `Tuesday the 24th`.
pub fn long_date(date: Date) -> String {
    let day = date.day();
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{} the {day}{suffix}", date.strftime("%A"))
}

/// Spoken scripts are one paragraph: collapse the whitespace templates leave behind.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
