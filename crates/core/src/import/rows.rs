//! Turns a sheet's rows into validated changes, one function per kind of file.

use super::cells::Cells;
use super::columns::{Columns, ImportKind, Mapping, match_columns};
use super::{RowError, Sheet};
use crate::book::*;
use crate::money::{Currency, Money};
use std::collections::HashSet;

/// The rows of a file that passed, the errors of those that did not, and the ignored columns.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
    /// Where each field came from, to name the file's own header in later errors.
    pub columns: Columns,
}

/// How an imported account is matched to one already in the book.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AccountKey {
    ExternalId(String),
    Domain(Domain),
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
        rows: Vec::new(),
        errors: Vec::new(),
        ignored_columns: columns.ignored.clone(),
        columns: columns.clone(),
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
    parse_rows(ImportKind::Accounts, sheet, mapping, |c| {
        let mut p = AccountPatch {
            name: {
                let v = c.text("name", limits::NAME).or(Some(None));
                c.required("name", v)
            },
            external_id: c.text("external_id", limits::EXTERNAL_ID),
            domain: c.parse("domain", |s| Domain::parse(s).map_err(|e| e.0)),
            industry: c.text("industry", limits::SHORT_TEXT),
            country: c.text("country", limits::SHORT_TEXT),
            employees: c.whole_number("employees", limits::MAX_EMPLOYEES),
            parent: c
                .text("parent_external_id", limits::EXTERNAL_ID)
                .map(|o| o.map(AccountRef::ExternalId)),
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
        let key = match (p.external_id.clone().flatten(), p.domain.clone().flatten()) {
            (Some(x), _) => AccountKey::ExternalId(x),
            (None, Some(d)) => AccountKey::Domain(d),
            (None, None) => {
                let field = if c.get("external_id").is_some() {
                    "external_id"
                } else {
                    "domain"
                };
                c.error(
                    field,
                    "each account needs an external id or a domain to be matched on re-import",
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
    })
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
        };
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
    parse_rows(ImportKind::Contracts, sheet, mapping, |c| {
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
            .map(AccountRef::ExternalId),
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
            start_date: {
                let v = c.date("start_date");
                c.required("start_date", v)
            },
            end_date: {
                let v = c.date("end_date");
                c.required("end_date", v)
            },
            status: c.vocabulary("status"),
            outcome: c.vocabulary("outcome"),
            churn_reason: c.text("churn_reason", limits::LONG_TEXT),
            terms: c.text("terms", limits::LONG_TEXT),
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
    })
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
