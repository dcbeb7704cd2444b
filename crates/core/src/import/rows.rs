//! Turns a sheet's rows into validated changes, one function per kind of file.

use super::cells::{Cells, salesforce_id};
use super::columns::{Columns, ImportKind, Mapping, match_columns};
use super::{RowError, Sheet};
use crate::book::*;
use crate::money::{Currency, Money};
use std::collections::{BTreeMap, HashSet};

/// The rows of a file that passed, the errors of those that did not, and the ignored columns.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
    /// Where each field came from, to name the file's own header in later errors.
    pub columns: Columns,
    /// Contract terms: whether ended terms without an outcome get one from the next term.
    pub derive_outcomes: bool,
    /// Rows left out because the CRM says they are not customers (prospects, partners,
    /// leads) or not closed-won deals, counted by the value as the file writes it.
    pub left_out: BTreeMap<String, usize>,
    /// A report's footer lines, left out (see `Sheet::footer`).
    pub footer: Vec<String>,
    /// Contract terms: deals taken as 12-month terms for want of an end date or term length.
    pub assumed_annual: usize,
    /// Read from a file, an export of every record of its kind, so the import reports what the
    /// book holds that the file lacks; the API's bulk items are a few records, not a file.
    pub whole_file: bool,
}

/// How an imported account is matched to one already in the book: by its CRM id, else its
/// domain, else (a row of Sherpa's own export for an account that has neither) by Sherpa's id,
/// which matches only an account of this book.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AccountKey {
    ExternalId(String),
    Domain(Domain),
    SherpaId(AccountId),
}

/// An account's id in this book, as Sherpa's exports write it.
fn sherpa_id(s: &str) -> Result<AccountId, String> {
    s.parse::<AccountId>()
        .map_err(|_| format!("\"{s}\" is not a Sherpa account id (a whole number)"))
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub line: usize,
    pub key: AccountKey,
    pub patch: AccountPatch,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContactKey {
    ExternalId(String),
    Email(Email),
}

#[derive(Debug, Clone)]
pub struct ContactRow {
    pub line: usize,
    pub key: ContactKey,
    pub patch: ContactPatch,
}

#[derive(Debug, Clone)]
pub struct ContractRow {
    pub line: usize,
    pub patch: ContractPatch,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub line: usize,
    pub patch: UserPatch,
}

#[derive(Debug, Clone)]
pub struct ActivityRow {
    pub line: usize,
    pub input: ActivityInput,
}

fn parse_rows<T>(
    kind: ImportKind,
    sheet: &Sheet,
    mapping: &Mapping,
    mut row: impl FnMut(&mut Cells) -> Option<T>,
) -> Result<Parsed<T>, String> {
    let columns: Columns = match_columns(kind, &sheet.headers, mapping)?;
    let mut out = Parsed {
        rows: Vec::with_capacity(sheet.rows.len()),
        errors: Vec::new(),
        ignored_columns: columns.ignored.clone(),
        columns: columns.clone(),
        derive_outcomes: mapping.derive_outcomes.unwrap_or(true),
        left_out: BTreeMap::new(),
        footer: sheet.footer.clone(),
        assumed_annual: 0,
        whole_file: true,
    };
    for r in &sheet.rows {
        let mut cells = Cells::new(r, &columns);
        let parsed = row(&mut cells);
        if cells.errors.is_empty() {
            out.rows.extend(parsed);
        } else {
            out.errors.append(&mut cells.errors);
        }
    }
    Ok(out)
}

fn currency(mapping: &Mapping) -> Result<Currency, String> {
    mapping
        .currency
        .as_deref()
        .map(Currency::parse)
        .transpose()
        .map_err(|e| e.to_string())
        .map(|c| c.unwrap_or(Currency::USD))
}

/// The standard CRM picklist values of records that are not customers: Salesforce's account
/// `Type` and HubSpot's `Lifecycle Stage` (by internal name and by label).
const NOT_CUSTOMERS: [&str; 20] = [
    "prospect",
    "channel partner / reseller",
    "installation partner",
    "technology partner",
    "partner",
    "reseller",
    "integrator",
    "competitor",
    "analyst",
    "press",
    "investor",
    "other",
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "marketing qualified lead",
    "salesqualifiedlead",
    "sales qualified lead",
    "opportunity",
    "prospect - other",
];

/// Whether a lifecycle cell says the record is not a customer at all.
fn not_a_customer(cell: &str) -> bool {
    NOT_CUSTOMERS.contains(&cell.trim().to_lowercase().as_str())
}

/// Lifecycle as CRMs export it: Salesforce `Type` ("Customer - Direct", "Former Customer") and
/// HubSpot `Lifecycle Stage` ("customer", "evangelist") as well as Sherpa's own names.
fn crm_lifecycle(s: &str) -> Result<Lifecycle, String> {
    let l = s.trim().to_lowercase();
    if l.contains("former") || l.contains("churn") {
        Ok(Lifecycle::Churned)
    } else if l.starts_with("customer") || l == "evangelist" {
        Ok(Lifecycle::Ongoing)
    } else {
        s.parse::<Lifecycle>().map_err(|e| e.to_string())
    }
}

pub fn parse_accounts(
    sheet: &Sheet,
    mapping: &Mapping,
    defs: &[CustomFieldDef],
) -> Result<Parsed<AccountRow>, String> {
    let money = currency(mapping)?;
    let columns = match_columns(ImportKind::Accounts, &sheet.headers, mapping)?;
    for (key, _) in &columns.custom {
        if !defs.iter().any(|d| &d.key == key) {
            let known: Vec<_> = defs.iter().map(|d| d.key.as_str()).collect();
            return Err(format!(
                "column \"custom.{key}\": no custom field \"{key}\" is defined (defined: {}); an admin defines it first",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
    }
    let mut seen = HashSet::new();
    let mut left_out: BTreeMap<String, usize> = BTreeMap::new();
    let mut parsed = parse_rows(ImportKind::Accounts, sheet, mapping, |c| {
        // A CRM export holds prospects and partners too: they are left out and counted, not
        // refused; a customer row with a value Sherpa does not know still is.
        if let Some(v) = c.get("lifecycle").filter(|v| not_a_customer(v)) {
            *left_out.entry(v.trim().to_string()).or_default() += 1;
            return None;
        }
        let mut p = AccountPatch {
            name: {
                let v = c.text("name", limits::NAME).or(Some(None));
                c.required("name", v)
            },
            external_id: c.text("external_id", limits::EXTERNAL_ID),
            domain: c.parse("domain", |s| Domain::parse(s).map_err(|e| e.0)),
            industry: c.text("industry", limits::SHORT_TEXT),
            country: c.parse("country", |s| crate::book::country_code(s).map_err(|e| e.0)),
            employees: c.whole_number("employees", limits::MAX_EMPLOYEES),
            parent: {
                // Sherpa's own id of the parent wins: it is there even when the parent has no
                // CRM id.
                let by_id = c.parse("parent_sherpa_id", sherpa_id);
                let by_crm = c.text("parent_external_id", limits::EXTERNAL_ID);
                match (by_id, by_crm) {
                    (Some(Some(id)), _) => Some(Some(AccountRef::Id(id))),
                    (_, Some(Some(x))) => Some(Some(AccountRef::ExternalId(x))),
                    (None, None) => None,
                    _ => Some(None),
                }
            },
            lifecycle: c.parse("lifecycle", crm_lifecycle),
            customer_since: c.date("customer_since"),
            ..Default::default()
        };
        for (field, function) in [
            ("csm_email", OwnerFunction::Csm),
            ("ae_email", OwnerFunction::Ae),
            ("cd_email", OwnerFunction::CustomerDevelopment),
            ("sponsor_email", OwnerFunction::ExecutiveSponsor),
        ] {
            if let Some(v) = c.parse(field, |s| PersonRef::from_text(s).map_err(|e| e.0)) {
                p.owners.insert(function, v.flatten());
            }
        }
        for (key, i) in &c.columns.custom {
            let def = defs.iter().find(|d| &d.key == key).expect("checked above");
            match def.parse_value(c.row.cell(*i), money) {
                Ok(v) => {
                    p.custom.insert(key.clone(), v);
                }
                Err(e) => c.errors.push(RowError {
                    line: c.row.line,
                    column: Some(format!("custom.{key}")),
                    message: e.0,
                }),
            }
        }
        let own_id = c.parse("sherpa_id", sherpa_id).flatten();
        let key = match (
            p.external_id.clone().flatten(),
            p.domain.clone().flatten(),
            own_id,
        ) {
            (Some(x), _, _) => AccountKey::ExternalId(x),
            (None, Some(d), _) => AccountKey::Domain(d),
            (None, None, Some(id)) => AccountKey::SherpaId(id),
            (None, None, None) => {
                let field = if c.get("external_id").is_some() {
                    "external_id"
                } else {
                    "domain"
                };
                c.error(
                    field,
                    "each account needs an external id or a domain (or, in Sherpa's own export, \
                     its sherpa_id) to be matched on re-import",
                );
                return None;
            }
        };
        if seen.contains(&key) {
            c.error(
                "external_id",
                "this account appears on an earlier row of this file",
            );
            return None;
        }
        seen.insert(key.clone());
        Some(AccountRow {
            line: c.row.line,
            key,
            patch: p,
        })
    })?;
    parsed.left_out = left_out;
    Ok(parsed)
}

/// HubSpot lists every company a contact or deal is associated with ("1234;5678"): the record
/// belongs to one account in Sherpa, the first (HubSpot's primary company).
fn first_company(ids: String) -> String {
    match ids.split(';').map(str::trim).find(|x| !x.is_empty()) {
        Some(first) => salesforce_id(first).to_string(),
        None => ids,
    }
}

/// Whether a deal's stage is won: Salesforce's "Closed Won", HubSpot's "Closed Won" label or
/// `closedwon` internal name.
fn closed_won(stage: &str) -> bool {
    let key: String = stage
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    key == "closedwon" || key == "won"
}

/// The term a deal buys: the close date starts it when the file has no start date; it ends
/// at the end date, the day before the renewal date, or after the term's months (12 when the
/// file says nothing, counted in `assumed_annual`).
fn term_dates(
    c: &mut Cells,
    assumed_annual: &mut usize,
) -> (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) {
    let start = if c.get("start_date").is_some() || c.get("close_date").is_none() {
        let v = c.date("start_date");
        c.required("start_date", v)
    } else {
        let v = c.date("close_date");
        c.required("close_date", v)
    };
    let end = if c.get("end_date").is_some() {
        let v = c.date("end_date");
        c.required("end_date", v)
    } else if c.get("renewal_date").is_some() {
        let v = c.date("renewal_date");
        c.required("renewal_date", v)
            .map(|renews| renews - chrono::Days::new(1))
    } else {
        let annual = |assumed: &mut usize| {
            *assumed += 1;
            Some(12)
        };
        let months = match c.get("term_months") {
            None => annual(assumed_annual),
            Some(_) => match c.whole_number("term_months", 120) {
                Some(Some(0)) => {
                    c.error("term_months", "a term lasts at least 1 month");
                    None
                }
                Some(Some(m)) => Some(m),
                Some(None) => annual(assumed_annual),
                None => None,
            },
        };
        match (start, months) {
            (Some(s), Some(m)) => s
                .checked_add_months(chrono::Months::new(m as u32))
                .map(|d| d - chrono::Days::new(1)),
            _ => None,
        }
    };
    (start, end)
}

pub fn parse_contacts(sheet: &Sheet, mapping: &Mapping) -> Result<Parsed<ContactRow>, String> {
    let mut seen = HashSet::new();
    parse_rows(ImportKind::Contacts, sheet, mapping, |c| {
        let name = match c.text("name", limits::NAME) {
            Some(Some(n)) => Some(n),
            _ => {
                let first = c
                    .text("first_name", limits::SHORT_TEXT)
                    .flatten()
                    .unwrap_or_default();
                let last = c
                    .text("last_name", limits::SHORT_TEXT)
                    .flatten()
                    .unwrap_or_default();
                Some(format!("{first} {last}").trim().to_string()).filter(|n| !n.is_empty())
            }
        };
        let Some(name) = name else {
            let field = if c.get("name").is_some() {
                "name"
            } else {
                "last_name"
            };
            c.error(field, "a contact needs a name");
            return None;
        };
        let account = {
            let v = c.text("account_external_id", limits::EXTERNAL_ID);
            c.required("account_external_id", v)
        }
        .map(first_company);
        let p = ContactPatch {
            account: account.map(|a| Some(AccountRef::ExternalId(a))),
            external_id: c.text("external_id", limits::EXTERNAL_ID),
            name: Some(name),
            email: c.parse("email", |s| Email::parse(s).map_err(|e| e.0)),
            title: c.text("title", limits::SHORT_TEXT),
            roles: c
                .parse("roles", |s| parse_roles(s).map_err(|e| e.to_string()))
                .map(Option::unwrap_or_default),
            departed_on: c.date("departed_on"),
        };
        let key = match (p.external_id.clone().flatten(), p.email.clone().flatten()) {
            (Some(x), _) => ContactKey::ExternalId(x),
            (None, Some(e)) => ContactKey::Email(e),
            (None, None) => {
                c.error(
                    "email",
                    "each contact needs an external id or an email to be matched on re-import",
                );
                return None;
            }
        };
        if !seen.insert(key.clone()) {
            c.error(
                "external_id",
                "this contact appears on an earlier row of this file",
            );
            return None;
        }
        Some(ContactRow {
            line: c.row.line,
            key,
            patch: p,
        })
    })
}

pub fn parse_contracts(sheet: &Sheet, mapping: &Mapping) -> Result<Parsed<ContractRow>, String> {
    let default_currency = currency(mapping)?;
    let mut seen = HashSet::new();
    let mut left_out: BTreeMap<String, usize> = BTreeMap::new();
    let mut assumed_annual = 0;
    let mut parsed = parse_rows(ImportKind::Contracts, sheet, mapping, |c| {
        // An opportunity or deal export holds open and lost deals too: only won ones are terms.
        if let Some(stage) = c.get("stage").filter(|s| !closed_won(s)) {
            *left_out.entry(stage.trim().to_string()).or_default() += 1;
            return None;
        }
        let (start_date, end_date) = term_dates(c, &mut assumed_annual);
        let cur = match c.parse("currency", |s| {
            Currency::parse(s).map_err(|e| e.to_string())
        }) {
            Some(Some(cur)) => cur,
            _ => default_currency,
        };
        let arr = {
            let v = c.parse("arr", |s| Money::parse(s, cur).map_err(|e| e.to_string()));
            c.required("arr", v)
        };
        let p = ContractPatch {
            account: {
                let v = c.text("account_external_id", limits::EXTERNAL_ID);
                c.required("account_external_id", v)
            }
            .map(|ids| AccountRef::ExternalId(first_company(ids))),
            external_id: c.text("external_id", limits::EXTERNAL_ID),
            products: c.text("product", limits::LONG_TEXT).map(|o| {
                o.map(|s| {
                    s.split([';', '|'])
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .unwrap_or_default()
            }),
            arr,
            seats: c.whole_number("seats", 100_000_000),
            start_date,
            end_date,
            status: c.vocabulary("status"),
            outcome: c.vocabulary("outcome"),
            churn_reason: c.text("churn_reason", limits::LONG_TEXT),
            terms: c.text("terms", limits::LONG_TEXT),
            auto_renew: c.parse("auto_renew", flag),
            notice_days: c.whole_number("notice_days", limits::MAX_NOTICE_DAYS),
        };
        if let (Some(s), Some(e)) = (p.start_date, p.end_date)
            && e < s
        {
            c.error("end_date", format!("end date {e} is before start date {s}"));
        }
        if let Some(Some(_)) = p.churn_reason
            && p.outcome != Some(Some(Outcome::Churned))
        {
            c.error(
                "churn_reason",
                "a churn reason needs the outcome \"churned\"",
            );
        }
        if let Some(x) = p.external_id.clone().flatten()
            && !seen.insert(x)
        {
            c.error(
                "external_id",
                "this contract term appears on an earlier row of this file",
            );
        }
        Some(ContractRow {
            line: c.row.line,
            patch: p,
        })
    })?;
    parsed.left_out = left_out;
    parsed.assumed_annual = assumed_annual;
    Ok(parsed)
}

pub fn parse_users(sheet: &Sheet, mapping: &Mapping) -> Result<Parsed<UserRow>, String> {
    let mut seen = HashSet::new();
    parse_rows(ImportKind::Users, sheet, mapping, |c| {
        let email = {
            let v = c.parse("email", |s| Email::parse(s).map_err(|e| e.0));
            c.required("email", v)
        }?;
        if !seen.insert(email.clone()) {
            c.error("email", "this user appears on an earlier row of this file");
        }
        let active = c.parse("active", |s| match s.trim().to_lowercase().as_str() {
            "yes" | "true" | "1" | "active" => Ok(true),
            "no" | "false" | "0" | "inactive" => Ok(false),
            _ => Err(format!("\"{s}\" is not yes or no")),
        });
        Some(UserRow {
            line: c.row.line,
            patch: UserPatch {
                email,
                name: c.text("name", limits::NAME).flatten(),
                function: c.vocabulary("function").flatten(),
                role: c.vocabulary("role").flatten(),
                manager: c
                    .parse("manager_email", |s| {
                        PersonRef::from_text(s).map_err(|e| e.0)
                    })
                    .map(Option::flatten),
                active: active.flatten(),
            },
        })
    })
}

pub fn parse_activities(sheet: &Sheet, mapping: &Mapping) -> Result<Parsed<ActivityRow>, String> {
    let mut seen = HashSet::new();
    parse_rows(ImportKind::Activities, sheet, mapping, |c| {
        let account = {
            let v = c.text("account_external_id", limits::EXTERNAL_ID);
            c.required("account_external_id", v)
        };
        let kind = {
            let v = c.vocabulary::<ActivityKind>("kind");
            c.required("kind", v)
        };
        let occurred_at = {
            let v = c.time("occurred_at");
            c.required("occurred_at", v)
        };
        let external_id = c.text("external_id", limits::EXTERNAL_ID).flatten();
        let by = c
            .parse("user_email", |s| PersonRef::from_text(s).map_err(|e| e.0))
            .flatten()
            .flatten();
        let attendees = c
            .parse("attendees", |s| {
                s.split([';', ','])
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(|e| Email::parse(e).map_err(|x| x.0))
                    .collect::<Result<Vec<_>, _>>()
            })
            .flatten()
            .unwrap_or_default();
        let summary = c
            .text("summary", limits::LONG_TEXT)
            .flatten()
            .unwrap_or_default();
        if let Some(x) = &external_id
            && !seen.insert(x.clone())
        {
            c.error(
                "external_id",
                "this activity appears on an earlier row of this file",
            );
        }
        Some(ActivityRow {
            line: c.row.line,
            input: ActivityInput {
                account: AccountRef::ExternalId(account?),
                external_id,
                kind: kind?,
                occurred_at: occurred_at?,
                by,
                attendees,
                summary,
            },
        })
    })
}

/// A ticket of a help-desk export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub line: usize,
    pub account: AccountRef,
    /// The ticket with a placeholder account, set once the reference resolves.
    pub ticket: TicketFields,
}

/// A survey answer of a survey tool's export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRow {
    pub line: usize,
    pub account: AccountRef,
    pub contact_email: Option<Email>,
    pub survey: SurveyFields,
}

/// The account a row names: its CRM id, else its name.
fn account_ref(c: &mut Cells) -> Option<AccountRef> {
    let x = c.text("account_external_id", limits::EXTERNAL_ID).flatten();
    let n = c.text("account_name", limits::NAME).flatten();
    match (x, n) {
        (Some(x), _) => Some(AccountRef::ExternalId(x)),
        (None, Some(n)) => Some(AccountRef::Name(n)),
        (None, None) => {
            c.error(
                "account_external_id",
                "the account is required (its CRM id or its name)",
            );
            None
        }
    }
}

/// Yes/no cells as CRMs and help desks write them.
fn flag(s: &str) -> Result<bool, String> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "escalated" => Ok(true),
        "no" | "n" | "false" | "0" | "" => Ok(false),
        other => Err(format!("\"{other}\" is not yes or no")),
    }
}

/// Satisfaction as a 1-5 score, or Zendesk's "good"/"bad".
fn satisfaction(s: &str) -> Result<Option<i64>, String> {
    match s.trim().to_lowercase().as_str() {
        "" | "unoffered" | "offered" => Ok(None),
        "good" => Ok(Some(5)),
        "bad" => Ok(Some(1)),
        n => n
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .map(Some)
            .ok_or_else(|| format!("\"{s}\" is not a satisfaction score from 1 to 5, good or bad")),
    }
}

pub fn parse_tickets(sheet: &Sheet, mapping: &Mapping) -> Result<Parsed<TicketRow>, String> {
    let mut seen = HashSet::new();
    parse_rows(ImportKind::Tickets, sheet, mapping, |c| {
        let account = account_ref(c);
        let opened_at = {
            let v = c.time("opened_at");
            c.required("opened_at", v)
        };
        let external_id = c.text("external_id", limits::EXTERNAL_ID).flatten();
        let subject = c
            .text("subject", limits::SHORT_TEXT * 4)
            .flatten()
            .unwrap_or_default();
        let severity = c
            .vocabulary::<Severity>("severity")
            .flatten()
            .unwrap_or(Severity::Normal);
        let resolved_at = c.time("resolved_at").flatten();
        let status =
            c.vocabulary::<TicketStatus>("status")
                .flatten()
                .unwrap_or(if resolved_at.is_some() {
                    TicketStatus::Solved
                } else {
                    TicketStatus::Open
                });
        let escalated = c.parse("escalated", flag).flatten().unwrap_or(false);
        let csat = c.parse("csat", satisfaction).flatten().flatten();
        if let Some(x) = &external_id
            && !seen.insert(x.clone())
        {
            c.error(
                "external_id",
                "this ticket appears on an earlier row of this file",
            );
        }
        let ticket = TicketFields {
            account_id: AccountId(0),
            external_id,
            subject,
            opened_at: opened_at?,
            severity,
            status,
            resolved_at,
            escalated,
            csat,
        };
        if let Err(e) = ticket.check() {
            let (field, message) = e.0.split_once(": ").unwrap_or(("resolved_at", &e.0));
            c.error(field, message.to_string());
            return None;
        }
        Some(TicketRow {
            line: c.row.line,
            account: account?,
            ticket,
        })
    })
}

pub fn parse_surveys(sheet: &Sheet, mapping: &Mapping) -> Result<Parsed<SurveyRow>, String> {
    let mut seen = HashSet::new();
    parse_rows(ImportKind::Surveys, sheet, mapping, |c| {
        let account = account_ref(c);
        let kind = {
            let v = c.vocabulary::<SurveyKind>("kind");
            c.required("kind", v)
        };
        let answered_on = {
            let v = c.date("answered_on");
            c.required("answered_on", v)
        };
        let external_id = c.text("external_id", limits::EXTERNAL_ID).flatten();
        let contact_email = c
            .parse("contact_email", |s| Email::parse(s).map_err(|e| e.0))
            .flatten();
        // The scale is the survey's: checked below, with the scale in the message.
        let score = c.whole_number("score", 1_000).flatten();
        let intent = c
            .parse("answer", |s| {
                s.replace('\'', "")
                    .parse::<RenewIntent>()
                    .map_err(|e| e.to_string())
            })
            .flatten();
        let comment = c.text("comment", limits::LONG_TEXT).flatten();
        if let Some(x) = &external_id
            && !seen.insert(x.clone())
        {
            c.error(
                "external_id",
                "this answer appears on an earlier row of this file",
            );
        }
        let survey = SurveyFields {
            account_id: AccountId(0),
            contact_id: None,
            external_id,
            kind: kind?,
            score,
            intent,
            comment,
            answered_on: answered_on?,
        };
        if let Err(e) = survey.check() {
            let (field, message) = e.0.split_once(": ").unwrap_or(("score", &e.0));
            c.error(field, message.to_string());
            return None;
        }
        Some(SurveyRow {
            line: c.row.line,
            account: account?,
            contact_email,
            survey,
        })
    })
}

/// A customer-reported figure for an objective of an account's success plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectiveValueRow {
    pub line: usize,
    pub account: AccountKey,
    /// The objective's key or title, as the file names it.
    pub objective: String,
    pub value: rust_decimal::Decimal,
    pub measured_on: chrono::NaiveDate,
    pub note: String,
}

pub fn parse_objective_values(
    sheet: &Sheet,
    mapping: &Mapping,
) -> Result<Parsed<ObjectiveValueRow>, String> {
    parse_rows(ImportKind::ObjectiveValues, sheet, mapping, |c| {
        let external = c.text("account_external_id", limits::EXTERNAL_ID).flatten();
        let id = c.parse("sherpa_id", sherpa_id).flatten();
        let account = match (id, external) {
            (Some(id), _) => Some(AccountKey::SherpaId(id)),
            (None, Some(x)) => Some(AccountKey::ExternalId(x)),
            (None, None) => {
                c.error(
                    "account_external_id",
                    "name the account: its CRM id or Sherpa id",
                );
                None
            }
        };
        let objective = {
            let v = c.text("objective", 200);
            c.required("objective", v)
        };
        let value = {
            let v = c.parse("value", |s| {
                s.replace([',', '_', ' '], "")
                    .parse::<rust_decimal::Decimal>()
                    .map_err(|_| format!("\"{s}\" is not a number"))
            });
            c.required("value", v)
        };
        let measured_on = {
            let v = c.date("measured_on");
            c.required("measured_on", v)
        };
        let note = c
            .text("note", limits::LONG_TEXT)
            .flatten()
            .unwrap_or_default();
        Some(ObjectiveValueRow {
            line: c.row.line,
            account: account?,
            objective: objective?,
            value: value?,
            measured_on: measured_on?,
            note,
        })
    })
}
