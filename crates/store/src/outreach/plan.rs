//! Who a moment's action goes to and what it says: the account's contacts in the email's
//! roles (less those departed, without an address or unsubscribed), each letter filled from
//! the account, the contact and the metrics; the webhook's body. The same plan is written as
//! send records when a moment fires and shown as the dry-run preview.

use crate::rows::parse;
use crate::{Result, Store};
use sherpa_core::book::{RelationshipRole, parse_roles};
use sherpa_core::engagement::*;
use sherpa_core::{AccountId, Currency, Money};
use sqlx::AnyConnection;

/// Put where the unsubscribe link goes: the sender knows the server's public address, the
/// engine that fires the moment does not.
pub const UNSUBSCRIBE_MARK: &str = "%unsubscribe_url%";

/// One send a moment's action makes, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSend {
    pub channel: Channel,
    pub contact_id: Option<i64>,
    /// The address, or the webhook's URL.
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body: String,
    /// Pending when live, a dry run when not; skipped or failed with the reason.
    pub status: SendStatus,
    pub error: Option<String>,
    /// A signed webhook's: the environment variable holding its secret.
    pub signing_env: Option<String>,
}

/// The moment a plan is for: its merge fields and its actions.
pub struct Occasion<'a> {
    pub account: i64,
    pub merge: MergeMoment,
    pub email: Option<&'a EmailAction>,
    pub webhook: Option<&'a WebhookAction>,
}

#[derive(sqlx::FromRow)]
struct AccountMergeRow {
    id: i64,
    name: String,
    external_id: Option<String>,
    tier: Option<i64>,
    segment: Option<i64>,
    arr_minor: i64,
    renewal_date: Option<String>,
    customer_since: Option<String>,
    score: Option<f64>,
    colour: Option<String>,
    csm_name: Option<String>,
    csm_email: Option<String>,
}

type ContactRow = (i64, String, Option<String>, Option<String>, String);

/// The account's merge fields and metrics as of `today`.
async fn account_merge(
    conn: &mut AnyConnection,
    account: i64,
    currency: Currency,
    today: chrono::NaiveDate,
) -> Result<(MergeAccount, sherpa_core::health::Metrics)> {
    let r: AccountMergeRow = sqlx::query_as(
        "SELECT a.id, a.name, a.external_id, a.tier, a.segment, a.arr_minor, a.renewal_date, \
         a.customer_since, h.score, h.colour, u.name AS csm_name, u.email AS csm_email \
         FROM accounts a LEFT JOIN users u ON u.id = a.csm_id \
         LEFT JOIN account_health h ON h.account_id = a.id WHERE a.id = $1",
    )
    .bind(account)
    .fetch_one(&mut *conn)
    .await?;
    let since: Option<chrono::NaiveDate> = r
        .customer_since
        .as_deref()
        .map(|s| parse("customer_since", s))
        .transpose()?;
    let merge = MergeAccount {
        id: r.id,
        name: r.name,
        external_id: r.external_id,
        tier: r.tier,
        segment: r.segment.map(|s| format!("segment {s}")),
        arr: Some(Money::from_minor_units(r.arr_minor, currency).fixed_amount()),
        renewal_date: r.renewal_date,
        customer_day: since.map(|s| (today - s).num_days()),
        health_score: r.score,
        health_colour: r.colour,
        csm_name: r.csm_name,
        csm_email: r.csm_email,
    };
    let metrics = crate::health::kept_metrics(conn, AccountId(account))
        .await?
        .map(|(m, _)| m)
        .unwrap_or_default();
    Ok((merge, metrics))
}

/// The plan of one occasion's sends.
pub(crate) async fn plan(
    conn: &mut AnyConnection,
    store: &Store,
    o: &Occasion<'_>,
) -> Result<Vec<PlannedSend>> {
    let (account, metrics) =
        account_merge(conn, o.account, store.currency(), store.clock().today()).await?;
    let mut merge = Merge {
        account,
        contact: None,
        metrics,
        moment: o.merge.clone(),
        unsubscribe_url: UNSUBSCRIBE_MARK.into(),
    };
    let mut out = Vec::new();
    if let Some(email) = o.email {
        out.extend(plan_email(conn, email, &mut merge).await?);
    }
    if let Some(hook) = o.webhook {
        merge.contact = None;
        let (status, body, error) = match hook.body(&merge) {
            Ok(b) => (live(hook.live), b.to_string(), None),
            Err(e) => (SendStatus::Failed, String::new(), Some(e)),
        };
        out.push(PlannedSend {
            channel: Channel::Webhook,
            signing_env: hook.secret_env.clone(),
            contact_id: None,
            recipient: hook.target(),
            recipient_name: hook.destination(),
            subject: String::new(),
            body,
            status,
            error,
        });
    }
    Ok(out)
}

fn live(on: bool) -> SendStatus {
    if on {
        SendStatus::Pending
    } else {
        SendStatus::DryRun
    }
}

async fn plan_email(
    conn: &mut AnyConnection,
    email: &EmailAction,
    merge: &mut Merge,
) -> Result<Vec<PlannedSend>> {
    let contacts: Vec<ContactRow> = sqlx::query_as(
        "SELECT id, name, email, title, roles FROM contacts \
         WHERE account_id = $1 AND departed_on IS NULL ORDER BY id",
    )
    .bind(merge.account.id)
    .fetch_all(&mut *conn)
    .await?;
    let unsubscribed = super::unsubscribed_of(conn, AccountId(merge.account.id)).await?;
    let mut out = Vec::new();
    for (id, name, address, title, roles) in contacts {
        let roles: Vec<RelationshipRole> = parse_roles(&roles).unwrap_or_default();
        if !roles.iter().any(|r| email.to.contains(r)) {
            continue;
        }
        let skip = |recipient: String, why: String| PlannedSend {
            channel: Channel::Email,
            signing_env: None,
            contact_id: Some(id),
            recipient,
            recipient_name: name.clone(),
            subject: String::new(),
            body: String::new(),
            status: SendStatus::Skipped,
            error: Some(why),
        };
        let Some(address) = address.filter(|a| !a.trim().is_empty()) else {
            out.push(skip(
                format!("contact {id}"),
                "the contact has no email address".into(),
            ));
            continue;
        };
        if unsubscribed.contains(&address.to_lowercase()) {
            out.push(skip(address, "unsubscribed".into()));
            continue;
        }
        merge.contact = Some(MergeContact {
            id,
            first_name: first_name(&name),
            name: name.clone(),
            email: address.clone(),
            title,
            roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
        });
        let (status, letter, error) = match email.letter(merge) {
            Ok(l) => (live(email.live), l, None),
            Err(e) => (
                SendStatus::Failed,
                Letter {
                    subject: String::new(),
                    body: String::new(),
                },
                Some(e),
            ),
        };
        out.push(PlannedSend {
            channel: Channel::Email,
            signing_env: None,
            contact_id: Some(id),
            recipient: address,
            recipient_name: name,
            subject: letter.subject,
            body: letter.body,
            status,
            error,
        });
    }
    if out.is_empty() {
        out.push(PlannedSend {
            channel: Channel::Email,
            signing_env: None,
            contact_id: None,
            recipient: String::new(),
            recipient_name: String::new(),
            subject: String::new(),
            body: String::new(),
            status: SendStatus::Skipped,
            error: Some(format!(
                "no current contact of the account is {}",
                sherpa_core::text::with_article(&role_words(&email.to, " or "))
            )),
        });
    }
    Ok(out)
}
