//! Database rows and their conversion to and from the domain types. Every value read back is
//! parsed again, so a row edited by hand into something invalid is reported, not trusted.

use sherpa_core::prioritise::{AccountPriority, NineBox, Tier, TierChoice};
use sherpa_core::text::{parse_date, parse_timestamp};
use sherpa_core::*;
use sqlx::FromRow;

pub(crate) fn bad(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("column {column} holds {value:?}, which is not valid").into())
}

/// A stored date, or the column and value that are not one.
pub(crate) fn day(column: &str, v: &str) -> Result<chrono::NaiveDate, sqlx::Error> {
    parse_date(v).ok_or_else(|| bad(column, v))
}

pub(crate) fn date(
    column: &str,
    v: &Option<String>,
) -> Result<Option<chrono::NaiveDate>, sqlx::Error> {
    v.as_deref().map(|s| day(column, s)).transpose()
}

pub(crate) fn time(column: &str, v: &str) -> Result<chrono::DateTime<chrono::Utc>, sqlx::Error> {
    parse_timestamp(v).ok_or_else(|| bad(column, v))
}

pub(crate) fn parse<T: std::str::FromStr>(column: &str, v: &str) -> Result<T, sqlx::Error> {
    v.parse().map_err(|_| bad(column, v))
}

pub(crate) fn opt_date(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(sherpa_core::text::date)
}

#[derive(FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub function: String,
    pub role: String,
    pub manager_id: Option<i64>,
    pub active: i64,
    pub time_zone: Option<String>,
}

pub(crate) const USER_COLUMNS: &str =
    "id, email, name, function, role, manager_id, active, time_zone";

impl TryFrom<UserRow> for User {
    type Error = sqlx::Error;
    fn try_from(r: UserRow) -> Result<Self, sqlx::Error> {
        Ok(User {
            id: UserId(r.id),
            email: Email::parse(&r.email).map_err(|_| bad("email", &r.email))?,
            name: r.name,
            function: parse("function", &r.function)?,
            role: parse("role", &r.role)?,
            manager_id: r.manager_id.map(UserId),
            active: r.active != 0,
            time_zone: r.time_zone,
        })
    }
}

#[derive(FromRow)]
pub(crate) struct AccountRow {
    #[sqlx(flatten)]
    pub fields: AccountFieldsRow,
    pub arr_minor: i64,
    pub renewal_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub grade: Option<String>,
    pub potential_minor: Option<i64>,
    pub tier: Option<i64>,
    pub tier_decision_needed: i64,
    pub tier_choice: Option<String>,
    pub tier_reason: Option<String>,
    pub segment: Option<i64>,
    pub box_quarter: Option<String>,
    pub box_relationship: Option<i64>,
    pub box_upsell: Option<i64>,
    pub health_score: Option<f64>,
    pub health_colour: Option<String>,
}

pub(crate) const ACCOUNT_COLUMNS: &str = "id, external_id, domain, name, industry, country, employees, parent_id, \
    lifecycle, customer_since, csm_id, ae_id, cd_id, sponsor_id, custom, arr_minor, renewal_date, created_at, updated_at, \
    grade, potential_minor, tier, tier_decision_needed, tier_choice, tier_reason, segment, box_quarter, box_relationship, box_upsell, \
    (SELECT h.score FROM account_health h WHERE h.account_id = id) AS health_score, \
    (SELECT h.colour FROM account_health h WHERE h.account_id = id) AS health_colour";

impl AccountRow {
    fn priority(&self, currency: Currency) -> Result<AccountPriority, sqlx::Error> {
        let tier = |t: i64| Tier::new(t).ok_or_else(|| bad("tier", &t.to_string()));
        let tier_choice = match (&self.tier_choice, self.tier) {
            (Some(kind), Some(t)) => Some(TierChoice {
                kind: parse("tier_choice", kind)?,
                tier: tier(t)?,
                reason: self.tier_reason.clone().unwrap_or_default(),
            }),
            _ => None,
        };
        Ok(AccountPriority {
            grade: self
                .grade
                .as_deref()
                .map(|g| g.parse().map_err(|_| bad("grade", g)))
                .transpose()?,
            potential: self
                .potential_minor
                .map(|m| Money::from_minor_units(m, currency)),
            tier: self.tier.map(tier).transpose()?,
            tier_decision_needed: self.tier_decision_needed != 0,
            tier_choice,
            segment: self
                .segment
                .map(|s| u8::try_from(s).map_err(|_| bad("segment", &s.to_string())))
                .transpose()?,
            nine_box: match (&self.box_quarter, self.box_relationship, self.box_upsell) {
                (Some(q), Some(r), Some(u)) => Some((
                    q.parse().map_err(|_| bad("box_quarter", q))?,
                    NineBox::new(r, u).map_err(|_| bad("box", &format!("{r}-{u}")))?,
                )),
                _ => None,
            },
        })
    }

    pub fn into_account(
        self,
        defs: &[CustomFieldDef],
        currency: Currency,
    ) -> Result<Account, sqlx::Error> {
        let priority = self.priority(currency)?;
        Ok(Account {
            id: AccountId(self.fields.id),
            fields: self.fields.into_fields(defs)?,
            arr: Money::from_minor_units(self.arr_minor, currency),
            renewal_date: date("renewal_date", &self.renewal_date)?,
            priority,
            health: match (self.health_score, &self.health_colour) {
                (Some(s), Some(c)) => Some((s, parse("health_colour", c)?)),
                _ => None,
            },
            created_at: time("created_at", &self.created_at)?,
            updated_at: time("updated_at", &self.updated_at)?,
        })
    }
}

/// An account's own fields: part of every account read, and what an import reads of the whole
/// book to compare a file with it (as a JSON array, see `sql::json_array`).
#[derive(FromRow, serde::Deserialize)]
pub(crate) struct AccountFieldsRow {
    pub id: i64,
    pub external_id: Option<String>,
    pub domain: Option<String>,
    pub name: String,
    pub industry: Option<String>,
    pub country: Option<String>,
    pub employees: Option<i64>,
    pub parent_id: Option<i64>,
    pub lifecycle: Option<String>,
    pub customer_since: Option<String>,
    pub csm_id: Option<i64>,
    pub ae_id: Option<i64>,
    pub cd_id: Option<i64>,
    pub sponsor_id: Option<i64>,
    pub custom: String,
}

pub(crate) const ACCOUNT_FIELDS_COLUMNS: &str = "id, external_id, domain, name, industry, country, \
    employees, parent_id, lifecycle, customer_since, csm_id, ae_id, cd_id, sponsor_id, custom";

impl AccountFieldsRow {
    pub fn into_fields(self, defs: &[CustomFieldDef]) -> Result<AccountFields, sqlx::Error> {
        Ok(AccountFields {
            name: self.name,
            domain: self
                .domain
                .as_deref()
                .map(|d| Domain::parse(d).map_err(|_| bad("domain", d)))
                .transpose()?,
            external_id: self.external_id,
            industry: self.industry,
            country: self.country,
            employees: self.employees,
            parent_id: self.parent_id.map(AccountId),
            lifecycle: self
                .lifecycle
                .as_deref()
                .map(|l| parse("lifecycle", l))
                .transpose()?,
            customer_since: date("customer_since", &self.customer_since)?,
            owners: Owners {
                csm: self.csm_id.map(UserId),
                ae: self.ae_id.map(UserId),
                customer_development: self.cd_id.map(UserId),
                executive_sponsor: self.sponsor_id.map(UserId),
            },
            custom: custom_values_from_json(&self.custom, defs),
        })
    }
}

/// The account as the audit trail records it (keys in alphabetical order, as a JSON object
/// is written).
#[derive(serde::Serialize)]
pub(crate) struct AccountAudit<'a> {
    ae_id: Option<String>,
    cd_id: Option<String>,
    country: &'a Option<String>,
    csm_id: Option<String>,
    custom: serde_json::Value,
    customer_since: Option<String>,
    domain: &'a Option<Domain>,
    employees: Option<i64>,
    external_id: &'a Option<String>,
    industry: &'a Option<String>,
    lifecycle: Option<Lifecycle>,
    name: &'a str,
    parent_id: Option<String>,
    sponsor_id: Option<String>,
}

impl<'a> AccountAudit<'a> {
    pub fn of(a: &'a AccountFields) -> Self {
        let id = |u: Option<UserId>| u.map(|u| u.to_string());
        AccountAudit {
            ae_id: id(a.owners.ae),
            cd_id: id(a.owners.customer_development),
            country: &a.country,
            csm_id: id(a.owners.csm),
            custom: custom_values_to_json(&a.custom),
            customer_since: opt_date(a.customer_since),
            domain: &a.domain,
            employees: a.employees,
            external_id: &a.external_id,
            industry: &a.industry,
            lifecycle: a.lifecycle,
            name: &a.name,
            parent_id: a.parent_id.map(|p| p.to_string()),
            sponsor_id: id(a.owners.executive_sponsor),
        }
    }

    /// As JSON text, written without building the object first: an import of 100,000 rows
    /// keeps one for each.
    pub fn text(&self) -> String {
        serde_json::to_string(self).expect("an account serialises")
    }
}

pub(crate) fn account_json(a: &AccountFields) -> serde_json::Value {
    serde_json::to_value(AccountAudit::of(a)).expect("an account serialises")
}

#[derive(FromRow)]
pub(crate) struct ContactRow {
    pub id: i64,
    pub account_id: Option<i64>,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub roles: String,
    pub departed_on: Option<String>,
}

pub(crate) const CONTACT_COLUMNS: &str =
    "id, account_id, external_id, name, email, title, roles, departed_on";

impl TryFrom<ContactRow> for Contact {
    type Error = sqlx::Error;
    fn try_from(r: ContactRow) -> Result<Self, sqlx::Error> {
        Ok(Contact {
            id: ContactId(r.id),
            fields: ContactFields {
                account_id: r.account_id.map(AccountId),
                external_id: r.external_id,
                name: r.name,
                email: r
                    .email
                    .as_deref()
                    .map(|e| Email::parse(e).map_err(|_| bad("email", e)))
                    .transpose()?,
                title: r.title,
                roles: parse_roles(&r.roles).map_err(|_| bad("roles", &r.roles))?,
                departed_on: date("departed_on", &r.departed_on)?,
            },
        })
    }
}

pub(crate) fn contact_json(c: &ContactFields) -> serde_json::Value {
    serde_json::json!({
        "account_id": c.account_id.map(|a| a.to_string()),
        "external_id": c.external_id,
        "name": c.name,
        "email": c.email,
        "title": c.title,
        "roles": c.roles,
        "departed_on": opt_date(c.departed_on),
    })
}

#[derive(FromRow)]
pub(crate) struct ContractRow {
    pub id: i64,
    pub account_id: i64,
    pub external_id: Option<String>,
    pub products: String,
    pub arr_minor: i64,
    pub currency: String,
    pub seats: Option<i64>,
    pub start_date: String,
    pub end_date: String,
    pub status: String,
    pub outcome: Option<String>,
    pub churn_reason: Option<String>,
    pub terms: Option<String>,
    pub auto_renew: Option<i64>,
    pub notice_days: Option<i64>,
}

pub(crate) const CONTRACT_COLUMNS: &str = "id, account_id, external_id, products, arr_minor, currency, seats, \
    start_date, end_date, status, outcome, churn_reason, terms, auto_renew, notice_days";

impl TryFrom<ContractRow> for Contract {
    type Error = sqlx::Error;
    fn try_from(r: ContractRow) -> Result<Self, sqlx::Error> {
        let currency = Currency::parse(&r.currency).map_err(|_| bad("currency", &r.currency))?;
        Ok(Contract {
            id: ContractId(r.id),
            fields: ContractFields {
                account_id: AccountId(r.account_id),
                external_id: r.external_id,
                products: r
                    .products
                    .split(';')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
                arr: Money::from_minor_units(r.arr_minor, currency),
                seats: r.seats,
                start_date: parse_date(&r.start_date)
                    .ok_or_else(|| bad("start_date", &r.start_date))?,
                end_date: parse_date(&r.end_date).ok_or_else(|| bad("end_date", &r.end_date))?,
                status: parse("status", &r.status)?,
                outcome: r
                    .outcome
                    .as_deref()
                    .map(|o| parse("outcome", o))
                    .transpose()?,
                churn_reason: r.churn_reason,
                terms: r.terms,
                auto_renew: r.auto_renew.map(|a| a != 0),
                notice_days: r.notice_days,
            },
        })
    }
}

pub(crate) fn contract_json(c: &ContractFields) -> serde_json::Value {
    serde_json::json!({
        "account_id": c.account_id.to_string(),
        "external_id": c.external_id,
        "products": c.products,
        "arr": c.arr,
        "seats": c.seats,
        "start_date": sherpa_core::text::date(c.start_date),
        "end_date": sherpa_core::text::date(c.end_date),
        "status": c.status,
        "outcome": c.outcome,
        "churn_reason": c.churn_reason,
        "terms": c.terms,
        "auto_renew": c.auto_renew,
        "notice_days": c.notice_days,
    })
}
