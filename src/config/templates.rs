//! Templates: the built-in sources, exactly what a template can see, and the strict check that
//! every template passes at load so none fails when a script or digest is rendered.
//!
//! The render contexts are defined here, as [`ScriptContext`] and [`DigestContext`], for the
//! real renders (`crate::render::script`, `crate::render::digest`) and for the samples the check
//! renders with: a template that renders against every sample and names no variable outside the
//! context finds every variable it names at runtime. The built-in sources are config data (a
//! `[templates]` entry overrides them), so they live here, `digest.html` included.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value, context};

use super::{DripItem, Prospect};

/// The digest's built-in HTML template, included once.
pub const DIGEST_HTML: &str = include_str!("digest.html");

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

const EMAIL: &str = "Subject: {% if prospect.value %}{{ prospect.value | sentence }}{% else %}A quick idea{% endif %}\
{% if prospect.company %} for {{ prospect.company }}{% endif %}\n\n\
Hi {{ prospect.first_name }},\n\n\
I've tried to reach you by phone, so I thought I'd write instead. \
{% if prospect.value %}I'm writing about {{ prospect.value }}{% if prospect.company %} for {{ prospect.company }}{% endif %}. {% endif %}\
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
{% if overdue %}Last time we spoke we agreed on a next step for {{ due }}: {{ next_step }}, and I'm sorry it has taken me longer. \
{% else %}Last time we spoke we agreed on a next step for today: {{ next_step }}. {% endif %}\
{% if prospect.value %}It's a step towards {{ prospect.value }}. {% endif %}\
Is now still a good time? \
{% if callback %}If I don't hear from you by {{ callback.hear_by }}, I'll call you on {{ callback.on }}. {% endif %}\
Again, it's {{ me.name }}{% if me.phone %}, {{ me.phone }}{% endif %}.";

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
        ("digest_html", DIGEST_HTML),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The environment every template renders in: undefined variables are errors, so a typo shows
/// at load instead of as an empty name. `html` escapes every value (the digest's HTML part).
pub fn environment<'s>(html: bool) -> Environment<'s> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // `capitalize` lowercases the rest ("the erp review"): a subject keeps its words as written.
    env.add_filter("sentence", |text: String| -> String { sentence(&text) });
    // HTML only: the text escaped, with each phone number and time range in a span that
    // never wraps (a 390 px phone otherwise breaks `+1 416-` / `555-0199` in a script).
    env.add_filter("unbroken", |text: String| -> Value { Value::from_safe_string(unbroken_html(&text)) });
    env.set_debug(true);
    if html {
        env.set_auto_escape_callback(|_| AutoEscape::Html);
    }
    env
}

/// `text` HTML-escaped, its phone numbers (`+1 416-555-0199`) and time ranges (`17:00-18:30`)
/// each in a `white-space: nowrap` span.
pub fn unbroken_html(text: &str) -> String {
    static WHOLE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let whole = WHOLE.get_or_init(|| {
        regex::Regex::new(r"\+\d[\d \-()]*\d|\b\d{1,2}:\d{2}-\d{1,2}:\d{2}\b").expect("a valid pattern")
    });
    let escaped = minijinja::HtmlEscape(text).to_string();
    whole.replace_all(&escaped, r#"<span class="nw" style="white-space: nowrap;">$0</span>"#).into_owned()
}

/// The kinds of agenda item a script template renders for (the agenda's `kind` values).
pub const KINDS: &[&str] = &["promise", "next_step", "call", "email", "drip"];

/// The prospect as a template sees it.
#[derive(Debug, Clone, Default)]
pub struct ProspectFields {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub hook: Option<String>,
    pub value: Option<String>,
    pub gatekeeper: Option<String>,
    pub boss: Option<String>,
}

impl From<&Prospect> for ProspectFields {
    fn from(p: &Prospect) -> Self {
        ProspectFields {
            id: p.id.clone(),
            name: p.name.clone(),
            company: p.company.clone(),
            phone: p.shown_phone(),
            email: p.email.clone(),
            hook: p.hook.clone(),
            value: p.value.clone(),
            gatekeeper: p.gatekeeper.clone(),
            boss: p.boss.clone(),
        }
    }
}

/// The callback a voicemail left now would promise.
#[derive(Debug, Clone)]
pub struct Callback {
    /// `Tuesday the 24th`.
    pub on: String,
    /// The workday before it: "if I don't hear from you by Monday"; "the end of today" when
    /// that is the day the script is read.
    pub hear_by: String,
}

/// Everything a voicemail script or email draft sees: `me`, `prospect`, `kind`, `due`,
/// `attempt`, `of`, `note`, `promise_made`, `promise_on`, `overdue`, `keep_in_touch`,
/// `callback` (`on`, `hear_by`), `next_step` and `drip` (`title`, `url`). Absent values are
/// `none`, never undefined.
#[derive(Debug, Clone)]
pub struct ScriptContext {
    pub me_name: String,
    pub me_phone: Option<String>,
    pub prospect: ProspectFields,
    /// One of [`KINDS`].
    pub kind: &'static str,
    pub due: String,
    pub attempt: Option<usize>,
    pub of: Option<usize>,
    pub note: Option<String>,
    pub promise_made: Option<String>,
    pub promise_on: Option<String>,
    pub overdue: bool,
    pub keep_in_touch: bool,
    pub callback: Option<Callback>,
    pub next_step: Option<String>,
    pub drip: Option<DripItem>,
}

/// The variables (with their fields) a script template may name.
const SCRIPT_VARIABLES: &[&str] = &[
    "me.name",
    "me.first_name",
    "me.phone",
    "prospect.id",
    "prospect.name",
    "prospect.first_name",
    "prospect.company",
    "prospect.phone",
    "prospect.email",
    "prospect.hook",
    "prospect.value",
    "prospect.gatekeeper",
    "prospect.boss",
    "kind",
    "due",
    "attempt",
    "of",
    "note",
    "promise_made",
    "promise_on",
    "overdue",
    "keep_in_touch",
    "callback.on",
    "callback.hear_by",
    "next_step",
    "drip.title",
    "drip.url",
];

impl ScriptContext {
    /// The template context.
    pub fn value(&self) -> Value {
        let p = &self.prospect;
        context! {
            me => context! {
                name => &self.me_name,
                first_name => first_name(&self.me_name),
                phone => &self.me_phone,
            },
            prospect => context! {
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
            },
            kind => self.kind,
            due => &self.due,
            attempt => self.attempt,
            of => self.of,
            note => &self.note,
            promise_made => &self.promise_made,
            promise_on => &self.promise_on,
            overdue => self.overdue,
            keep_in_touch => self.keep_in_touch,
            callback => self.callback.as_ref().map(|c| context! { on => &c.on, hear_by => &c.hear_by }),
            next_step => &self.next_step,
            drip => self.drip.as_ref().map(|d| context! { title => &d.title, url => &d.url }),
        }
    }

    /// Samples of an item of `kind` as the planner can make it: with every optional value set,
    /// and with every value that can be absent for that kind absent, each overdue or not.
    pub fn samples(kind: &'static str) -> Vec<(ScriptContext, &'static str)> {
        let mut out = Vec::new();
        for full in [true, false] {
            for flag in [false, true] {
                let some = |s: &str| full.then(|| s.to_owned());
                let sample = ScriptContext {
                    me_name: "Dana Reyes".to_owned(),
                    me_phone: some("+1 416 555 0199"),
                    prospect: ProspectFields {
                        id: "bill-jones".to_owned(),
                        name: "Bill Jones".to_owned(),
                        company: some("ABC Inc"),
                        phone: some("+1 604 555 0100"),
                        email: some("bill@abc.example"),
                        hook: some("sails"),
                        value: some("a 23% productivity gain"),
                        gatekeeper: some("Mary at reception"),
                        boss: some("Susan Park"),
                    },
                    kind,
                    due: "Tue 24 Nov".to_owned(),
                    attempt: (full || kind == "email").then_some(3),
                    of: (full || kind == "email").then_some(7),
                    note: some("switch medium").filter(|_| matches!(kind, "call" | "email")),
                    promise_made: some("Fri 20 Nov").filter(|_| kind == "promise"),
                    promise_on: (kind == "promise").then(|| "Tuesday 24 November".to_owned()),
                    overdue: flag,
                    keep_in_touch: kind == "call" && flag,
                    callback: (full && matches!(kind, "promise" | "call" | "next_step")).then(|| Callback {
                        on: "Friday the 27th".to_owned(),
                        hear_by: "Thursday".to_owned(),
                    }),
                    next_step: (kind == "next_step").then(|| "the ERP study".to_owned()),
                    drip: (kind == "drip").then(|| DripItem {
                        title: "Q4 ERP benchmark report".to_owned(),
                        url: some("https://example.com/erp"),
                    }),
                };
                out.push((sample, if full { "" } else { "with its optional values empty" }));
            }
        }
        out
    }
}

/// One item of a digest section, as the HTML template sees it.
#[derive(Debug, Clone, Default)]
pub struct DigestItem {
    /// What `ringback log` takes.
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    /// A call to someone with no number in the book.
    pub no_phone: bool,
    pub tel: Option<String>,
    pub email: Option<String>,
    pub window: Option<String>,
    pub late: Option<String>,
    pub why: String,
    pub gatekeeper: Option<String>,
    pub boss: Option<String>,
    pub notes: Option<String>,
    pub url: Option<String>,
    pub script: String,
}

/// A promise or next step coming up in the next workdays.
#[derive(Debug, Clone, Default)]
pub struct DigestComing {
    pub day: String,
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub what: String,
}

/// Everything the digest's HTML template (`digest_html`) sees.
#[derive(Debug, Clone, Default)]
pub struct DigestContext {
    pub subject: String,
    pub first_name: String,
    pub day: String,
    pub month: String,
    /// Section titles with their items, in agenda order.
    pub sections: Vec<(String, Vec<DigestItem>)>,
    pub coming: Vec<DigestComing>,
    /// Promises this month: kept on time, kept late, missed, still open.
    pub record: (usize, usize, usize, usize),
    /// The weekly review, on the first digest of a week.
    pub review: Option<DigestReview>,
    /// "Bill Jones replied Tue 10:14: Re: month-end close", from the mailbox.
    pub replies: Vec<String>,
    /// Who is away and which addresses bounce, from the mailbox.
    pub mailbox: Vec<String>,
}

/// The weekly review as the HTML template sees it: its lines, and a bar per week.
#[derive(Debug, Clone, Default)]
pub struct DigestReview {
    pub title: String,
    pub lines: Vec<String>,
    /// (label, calls, connects as `3/12`, calls bar width in percent, connect-rate width).
    pub weeks: Vec<(String, usize, String, u32, u32)>,
}

const DIGEST_VARIABLES: &[&str] = &[
    "subject",
    "first_name",
    "day",
    "month",
    "sections",
    "coming",
    "record.on_time",
    "record.late",
    "record.missed",
    "record.open",
    "review",
    "review.title",
    "review.lines",
    "review.weeks",
    "replies",
    "mailbox",
];

impl DigestContext {
    /// The template context.
    pub fn value(&self) -> Value {
        let item = |i: &DigestItem| {
            context! {
                id => &i.id,
                name => &i.name,
                company => &i.company,
                phone => &i.phone,
                no_phone => i.no_phone,
                notes => &i.notes,
                url => &i.url,
                tel => &i.tel,
                email => &i.email,
                window => &i.window,
                late => &i.late,
                why => &i.why,
                gatekeeper => &i.gatekeeper,
                boss => &i.boss,
                script => &i.script,
            }
        };
        let sections: Vec<Value> = self
            .sections
            .iter()
            .map(|(title, items)| {
                context! { title => title, items => items.iter().map(item).collect::<Vec<_>>() }
            })
            .collect();
        let coming: Vec<Value> = self
            .coming
            .iter()
            .map(|c| context! { day => &c.day, id => &c.id, name => &c.name, company => &c.company, what => &c.what })
            .collect();
        let review = self.review.as_ref().map(|r| {
            let weeks: Vec<Value> = r
                .weeks
                .iter()
                .map(|(label, calls, connects, calls_width, rate_width)| {
                    context! { label => label, calls => calls, connects => connects, calls_width => calls_width, rate_width => rate_width }
                })
                .collect();
            context! { title => &r.title, lines => &r.lines, weeks => weeks }
        });
        let (on_time, late, missed, open) = self.record;
        context! {
            subject => &self.subject,
            first_name => &self.first_name,
            day => &self.day,
            month => &self.month,
            sections => sections,
            coming => coming,
            record => context! { on_time => on_time, late => late, missed => missed, open => open },
            review => review,
            replies => &self.replies,
            mailbox => &self.mailbox,
        }
    }

    /// A digest with every field set, one with every optional field empty, and an empty day.
    pub fn samples() -> Vec<(DigestContext, &'static str)> {
        let item = |full: bool| {
            let some = |s: &str| full.then(|| s.to_owned());
            DigestItem {
                id: "bill-jones".to_owned(),
                name: "Bill Jones".to_owned(),
                company: some("ABC Inc"),
                phone: some("+1 604 555 0100"),
                no_phone: !full,
                tel: some("+16045550100"),
                email: some("bill@abc.example"),
                window: some("17:00-18:30"),
                late: some("2 days late"),
                why: "attempt 2 of 7".to_owned(),
                gatekeeper: some("Mary"),
                boss: some("Susan Park"),
                notes: some("Met at the trade show.\nPrefers mornings."),
                url: some("https://www.linkedin.com/in/bill"),
                script: "Hi Bill".to_owned(),
            }
        };
        let digest = |full: bool, items: bool| DigestContext {
            subject: "ringback — Tue 24 Nov: 1 call".to_owned(),
            first_name: "Dana".to_owned(),
            day: "Tue 24 Nov".to_owned(),
            month: "November".to_owned(),
            sections: if items { vec![("Calls".to_owned(), vec![item(full)])] } else { Vec::new() },
            coming: if items {
                vec![DigestComing {
                    day: "Wed 25 Nov".to_owned(),
                    id: "bill-jones".to_owned(),
                    name: "Bill Jones".to_owned(),
                    company: full.then(|| "ABC Inc".to_owned()),
                    what: "promised callback".to_owned(),
                }]
            } else {
                Vec::new()
            },
            record: (1, 0, 1, 2),
            review: full.then(|| DigestReview {
                title: "Last week: Mon 16 Nov – Sun 22 Nov".to_owned(),
                lines: vec!["calls: 12, contacts: 3 (3/12 (25%))".to_owned()],
                weeks: vec![("week of Mon 16 Nov".to_owned(), 12, "3/12 (25%)".to_owned(), 100, 25)],
            }),
            replies: if full {
                vec!["Bill Jones (ABC Inc) replied Tue 10:14: Re: month-end close".to_owned()]
            } else {
                Vec::new()
            },
            mailbox: if full {
                vec!["ann@x.example bounces (5.1.1): Ann Lee's email steps are calls until the address changes".to_owned()]
            } else {
                Vec::new()
            },
        };
        vec![
            (digest(true, true), ""),
            (digest(false, true), "with its optional values empty"),
            (digest(false, false), "on a day with nothing due"),
        ]
    }
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// Checks a template as strictly as it will be rendered: it compiles, names only variables the
/// context has, uses only known filters, and renders against every sample of the items it is
/// used for (`kinds`, from [`KINDS`]; `digest_html` renders the digest instead).
///
/// # Errors
/// What is wrong, naming the expression and the line within the template.
pub fn check_template(name: &str, source: &str, kinds: &BTreeSet<&'static str>) -> Result<(), String> {
    let html = name == "digest_html";
    let mut env = environment(html);
    env.add_template(name, source).map_err(|e| describe(&e, source, ""))?;
    let template = env.get_template(name).map_err(|e| describe(&e, source, ""))?;

    if html {
        for (sample, variant) in DigestContext::samples() {
            let variant = format!("the digest {variant}");
            template.render(sample.value()).map_err(|e| describe(&e, source, &variant))?;
        }
    } else {
        for kind in kinds {
            for (sample, variant) in ScriptContext::samples(kind) {
                let article = if kind.starts_with('e') { "an" } else { "a" };
                let variant = format!("{article} {kind} item {variant}");
                template.render(sample.value()).map_err(|e| describe(&e, source, &variant))?;
            }
        }
    }

    // What no sample reached: variables and filters in branches the samples did not take.
    let known = if html { DIGEST_VARIABLES } else { SCRIPT_VARIABLES };
    let globals: BTreeSet<String> = env.globals().map(|(n, _)| n.to_owned()).collect();
    let mut undeclared: Vec<String> = template.undeclared_variables(true).into_iter().collect();
    undeclared.sort();
    for path in undeclared {
        let root = path.split('.').next().unwrap_or(&path);
        let fits = known
            .iter()
            .any(|k| *k == path || k.starts_with(&format!("{path}.")) || path.starts_with(&format!("{k}.")));
        if !fits && !globals.contains(root) {
            let line = source.find(&path).map(|at| source[..at].matches('\n').count() + 1);
            let line = line.map(|l| format!(" (line {l} of the template)")).unwrap_or_default();
            let hint = super::diag::closest(&path, known.iter().copied())
                .map(|k| format!(": did you mean `{k}`?"))
                .unwrap_or_default();
            return Err(format!("template error: unknown variable `{path}`{line}{hint}"));
        }
    }
    for filter in filter_names(source) {
        let probe = format!("{{{{ none | {filter} }}}}");
        if let Err(e) = env.render_str(&probe, ())
            && e.kind() == ErrorKind::UnknownFilter
        {
            let line = source
                .find(&filter)
                .map(|at| format!(" (line {} of the template)", source[..at].matches('\n').count() + 1))
                .unwrap_or_default();
            return Err(format!("template error: unknown filter `{filter}`{line}"));
        }
    }

    Ok(())
}

/// minijinja's error as one line: what, the failing expression, the line within the template,
/// and for which sample item it failed.
fn describe(e: &minijinja::Error, source: &str, variant: &str) -> String {
    let mut text = match (e.kind(), e.detail()) {
        (ErrorKind::SyntaxError, Some(detail)) => format!("template error: {detail}"),
        (kind, Some(detail)) => format!("template error: {kind}: {detail}"),
        (kind, None) => format!("template error: {kind}"),
    };
    if e.kind() != ErrorKind::SyntaxError
        && let Some(expr) = e.range().and_then(|r| source.get(r))
        && !e.detail().is_some_and(|d| d.contains(expr.trim()))
    {
        text.push_str(&format!(" in `{}`", expr.trim()));
    }
    if let Some(line) = e.line() {
        text.push_str(&format!(" (line {line} of the template)"));
    }
    let variant = variant.trim();
    if !variant.is_empty() && e.kind() != ErrorKind::SyntaxError {
        text.push_str(&format!(", rendering {variant}"));
        if variant.contains("empty") {
            text.push_str(": guard optional values with `{% if … %}`");
        }
    }
    text
}

/// The names after `|` inside `{{ … }}` and `{% … %}`, outside string literals.
fn filter_names(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = source;
    while let Some(open) = rest.find(['{']) {
        let after = &rest[open + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => {
                rest = after;
                continue;
            }
        };
        let body_end = after.find(close).unwrap_or(after.len());
        let body = &after[1..body_end.max(1)];
        let mut quote: Option<char> = None;
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), '\\') => {
                    chars.next();
                }
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '|') => {
                    let name: String = body[i + 1..]
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        names.insert(name);
                    }
                }
                _ => {}
            }
        }
        rest = &after[body_end.min(after.len())..];
    }
    names
}

/// Which item kinds each template renders for: the built-in uses, plus every cadence step's.
pub fn template_kinds<'a>(
    steps: impl Iterator<Item = (Option<&'a str>, bool)>,
) -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut kinds: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut add = |name: &str, kind: &'static str| {
        kinds.entry(name.to_owned()).or_default().insert(kind);
    };
    add("call", "promise");
    add("call", "call");
    add("next_step", "next_step");
    add("drip", "drip");
    add("email", "email");
    for (template, is_call) in steps {
        let kind = if is_call { "call" } else { "email" };
        add(template.unwrap_or(kind), kind);
    }
    kinds
}

/// The first letter capitalized, the rest as written (`capitalize` would lowercase "ERP").
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(list: &[&'static str]) -> BTreeSet<&'static str> {
        list.iter().copied().collect()
    }

    #[test]
    fn every_builtin_passes_the_strict_check_for_its_kinds() {
        let uses = template_kinds([(Some("off_the_hook"), false)].into_iter());
        for (name, source) in builtin_templates() {
            let for_kinds = uses.get(&name).cloned().unwrap_or_else(|| kinds(&["call", "email"]));
            check_template(&name, &source, &for_kinds).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn a_misspelt_variable_is_an_error_with_a_suggestion() {
        let error = check_template("x", "Hi {{ prospect.frist_name }}", &kinds(&["call"])).unwrap_err();
        assert!(error.contains("frist_name"), "{error}");
        assert!(error.contains("line 1 of the template"), "{error}");
    }

    #[test]
    fn a_misspelt_variable_in_a_branch_not_taken_is_an_error() {
        let source = "{% if kind == 'nothing' %}\n{{ prospect.frist_name }}{% endif %}";
        let error = check_template("x", source, &kinds(&["call"])).unwrap_err();
        assert_eq!(
            error,
            "template error: unknown variable `prospect.frist_name` (line 2 of the template): did you mean `prospect.first_name`?"
        );
    }

    #[test]
    fn an_unknown_filter_is_an_error_even_in_a_branch_not_taken() {
        let source = "{% if false %}{{ prospect.name | shout }}{% endif %}";
        let error = check_template("x", source, &kinds(&["call"])).unwrap_err();
        assert_eq!(error, "template error: unknown filter `shout` (line 1 of the template)");
        check_template("x", "{{ prospect.name | upper | trim }}", &kinds(&["call"])).expect("known filters");
    }

    #[test]
    fn an_unguarded_optional_value_is_an_error() {
        let error = check_template("x", "{{ callback.on }}", &kinds(&["call"])).unwrap_err();
        assert!(error.contains("optional values empty"), "{error}");
        check_template("x", "{% if callback %}{{ callback.on }}{% endif %}", &kinds(&["call"]))
            .expect("guarded");
    }

    #[test]
    fn the_drip_template_is_checked_for_the_kinds_that_use_it() {
        let source = builtin_templates()["drip"].clone();
        check_template("drip", &source, &kinds(&["drip"])).expect("drip items have a drip");
        // A call step naming the drip template would render it without a drip.
        assert!(check_template("drip", &source, &kinds(&["call"])).is_err());
    }
}

#[cfg(test)]
mod unbroken {
    #[test]
    fn numbers_and_time_ranges_are_held_whole_and_the_rest_escaped() {
        let html = super::unbroken_html("Call <b>Bill</b> on +1 604-555-0100, 17:00-18:30 & 9:05-9:35.");
        assert_eq!(
            html,
            "Call &lt;b&gt;Bill&lt;&#x2f;b&gt; on <span class=\"nw\" style=\"white-space: nowrap;\">+1 604-555-0100</span>, \
             <span class=\"nw\" style=\"white-space: nowrap;\">17:00-18:30</span> &amp; \
             <span class=\"nw\" style=\"white-space: nowrap;\">9:05-9:35</span>."
        );
    }
}
