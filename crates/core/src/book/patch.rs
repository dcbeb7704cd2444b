//! Changes to records, shaped like JSON Merge Patch: a field left out is unchanged, `null`
//! clears it, a value sets it. Imports and the REST API both produce these; the store resolves
//! the references (people by email or name, accounts by external id) and applies them.

use super::*;
use crate::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// A team member, as files and forms name them: by id, email, or full name (CRM exports carry
/// owner names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PersonRef {
    Id(UserId),
    Email(Email),
    Name(String),
}

impl PersonRef {
    /// Text containing `@` is an email address, anything else a full name.
    pub fn from_text(s: &str) -> Result<Option<Self>, Invalid> {
        let t = s.trim();
        if t.is_empty() {
            Ok(None)
        } else if t.contains('@') {
            Email::parse(t).map(|e| Some(PersonRef::Email(e)))
        } else {
            Ok(Some(PersonRef::Name(t.to_string())))
        }
    }
}

impl std::fmt::Display for PersonRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PersonRef::Id(id) => write!(f, "user {id}"),
            PersonRef::Email(e) => write!(f, "{e}"),
            PersonRef::Name(n) => write!(f, "\"{n}\""),
        }
    }
}

/// An account, by Sherpa id, by its CRM id, or by its name (help-desk exports name the
/// organization).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccountRef {
    Id(AccountId),
    ExternalId(String),
    Name(String),
}

impl std::fmt::Display for AccountRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccountRef::Id(id) => write!(f, "account {id}"),
            AccountRef::ExternalId(x) => write!(f, "account with external id \"{x}\""),
            AccountRef::Name(n) => write!(f, "account named \"{n}\""),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub external_id: Option<Option<String>>,
    pub domain: Option<Option<Domain>>,
    pub industry: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub employees: Option<Option<i64>>,
    pub parent: Option<Option<AccountRef>>,
    pub lifecycle: Option<Option<Lifecycle>>,
    pub customer_since: Option<Option<NaiveDate>>,
    pub owners: BTreeMap<OwnerFunction, Option<PersonRef>>,
    pub custom: BTreeMap<String, Option<CustomValue>>,
}

/// The ids a patch's references resolved to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    pub parent: Option<Option<AccountId>>,
    pub owners: BTreeMap<OwnerFunction, Option<UserId>>,
}

impl AccountPatch {
    pub fn apply(&self, to: &mut AccountFields, resolved: &Resolved) {
        if let Some(v) = &self.name {
            to.name = v.clone();
        }
        set(&mut to.external_id, &self.external_id);
        set(&mut to.domain, &self.domain);
        set(&mut to.industry, &self.industry);
        set(&mut to.country, &self.country);
        set(&mut to.employees, &self.employees);
        set(&mut to.lifecycle, &self.lifecycle);
        set(&mut to.customer_since, &self.customer_since);
        set(&mut to.parent_id, &resolved.parent);
        for (f, u) in &resolved.owners {
            to.owners.set(*f, *u);
        }
        for (k, v) in &self.custom {
            match v {
                Some(v) => to.custom.insert(k.clone(), v.clone()),
                None => to.custom.remove(k),
            };
        }
    }
}

/// Checks what every stored account must have.
pub fn validate_account(a: &AccountFields) -> Result<(), Invalid> {
    if a.name.trim().is_empty() {
        return Err(Invalid("name is required".into()));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactPatch {
    pub account: Option<Option<AccountRef>>,
    pub external_id: Option<Option<String>>,
    pub name: Option<String>,
    pub email: Option<Option<Email>>,
    pub title: Option<Option<String>>,
    pub roles: Option<Vec<RelationshipRole>>,
    pub departed_on: Option<Option<NaiveDate>>,
}

impl ContactPatch {
    pub fn apply(&self, to: &mut ContactFields, account: Option<Option<AccountId>>) {
        set(&mut to.account_id, &account);
        set(&mut to.external_id, &self.external_id);
        if let Some(v) = &self.name {
            to.name = v.clone();
        }
        set(&mut to.email, &self.email);
        set(&mut to.title, &self.title);
        if let Some(r) = &self.roles {
            to.roles = r.clone();
        }
        set(&mut to.departed_on, &self.departed_on);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContractPatch {
    pub account: Option<AccountRef>,
    pub external_id: Option<Option<String>>,
    pub products: Option<Vec<String>>,
    pub arr: Option<Money>,
    pub seats: Option<Option<i64>>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: Option<Option<ContractStatus>>,
    pub outcome: Option<Option<Outcome>>,
    pub churn_reason: Option<Option<String>>,
    pub terms: Option<Option<String>>,
    pub auto_renew: Option<Option<bool>>,
    pub notice_days: Option<Option<i64>>,
}

impl ContractPatch {
    /// Applies the patch to an existing term, or builds a new one; names what is missing.
    pub fn build(
        &self,
        existing: Option<&ContractFields>,
        account_id: Option<AccountId>,
        today: NaiveDate,
    ) -> Result<ContractFields, Invalid> {
        let missing = |f: &str| Invalid(format!("{f} is required for a new contract term"));
        let account_id = account_id
            .or(existing.map(|e| e.account_id))
            .ok_or_else(|| missing("account"))?;
        let arr = self
            .arr
            .or(existing.map(|e| e.arr))
            .ok_or_else(|| missing("arr"))?;
        let start_date = self
            .start_date
            .or(existing.map(|e| e.start_date))
            .ok_or_else(|| missing("start_date"))?;
        let end_date = self
            .end_date
            .or(existing.map(|e| e.end_date))
            .ok_or_else(|| missing("end_date"))?;
        if end_date < start_date {
            return Err(Invalid(format!(
                "end_date {end_date} is before start_date {start_date}"
            )));
        }
        if arr.amount.is_sign_negative() {
            return Err(Invalid("arr must not be negative".into()));
        }
        let pick = |p: &Option<Option<String>>, e: Option<&Option<String>>| match p {
            Some(v) => v.clone(),
            None => e.cloned().flatten(),
        };
        let outcome = match self.outcome {
            Some(v) => v,
            None => existing.and_then(|e| e.outcome),
        };
        let status = match self.status {
            Some(Some(s)) => s,
            Some(None) | None => match existing {
                Some(e) if self.status.is_none() => e.status,
                _ => ContractFields::status_on(start_date, end_date, today),
            },
        };
        let churn_reason = pick(&self.churn_reason, existing.map(|e| &e.churn_reason));
        if churn_reason.is_some() && outcome != Some(Outcome::Churned) {
            return Err(Invalid(
                "churn_reason is only for a term whose outcome is churned".into(),
            ));
        }
        Ok(ContractFields {
            account_id,
            external_id: pick(&self.external_id, existing.map(|e| &e.external_id)),
            products: self
                .products
                .clone()
                .or(existing.map(|e| e.products.clone()))
                .unwrap_or_default(),
            arr,
            seats: match self.seats {
                Some(v) => v,
                None => existing.and_then(|e| e.seats),
            },
            start_date,
            end_date,
            status,
            outcome,
            churn_reason,
            terms: pick(&self.terms, existing.map(|e| &e.terms)),
            auto_renew: match self.auto_renew {
                Some(v) => v,
                None => existing.and_then(|e| e.auto_renew),
            },
            notice_days: match self.notice_days {
                Some(v) => v,
                None => existing.and_then(|e| e.notice_days),
            },
        })
    }
}

/// A team member row from an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPatch {
    pub email: Email,
    pub name: Option<String>,
    pub function: Option<Function>,
    pub role: Option<Role>,
    pub manager: Option<Option<PersonRef>>,
    pub active: Option<bool>,
}

/// An activity row from an import or a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityInput {
    pub account: AccountRef,
    pub external_id: Option<String>,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    pub by: Option<PersonRef>,
    pub attendees: Vec<Email>,
    pub summary: String,
}

fn set<T: Clone>(field: &mut Option<T>, patch: &Option<Option<T>>) {
    if let Some(v) = patch {
        *field = v.clone();
    }
}
