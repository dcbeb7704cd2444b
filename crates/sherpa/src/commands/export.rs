//! `sherpa export accounts|contacts|contracts [--format csv|json|xlsx] [-o FILE]`, with Sherpa's
//! own import columns, so an export can be edited and imported back; and the book's work and
//! history (`tasks`, `activities`, `health`, `usage`, `audit`, see `export_history`).

use sherpa_core::export::{Column, Table};
use sherpa_core::text::date;
use sherpa_core::*;
use sherpa_store::{AccountQuery, ListQuery, Store};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// accounts, contacts or contracts (import columns, to edit and import back); tasks,
    /// activities, health (every snapshot), usage (daily rollups, last year) or audit.
    pub kind: String,
    /// csv, json or xlsx.
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Every account of the book, a page at a time.
async fn all_accounts(store: &Store) -> anyhow::Result<Vec<Account>> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = store
            .accounts(&AccountQuery {
                cursor,
                limit: 500,
                ..Default::default()
            })
            .await?;
        all.extend(page);
        match next {
            Some(n) => cursor = Some(n),
            None => return Ok(all),
        }
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

async fn accounts(store: &Store, emails: &HashMap<UserId, String>) -> anyhow::Result<Table> {
    let defs = store.custom_fields().await?;
    // sherpa_id first: the key that matches every account of this book on re-import, even one
    // without a CRM id or a domain.
    let mut headers = vec![
        "sherpa_id",
        "external_id",
        "name",
        "domain",
        "industry",
        "country",
        "employees",
        "parent_sherpa_id",
        "parent_external_id",
        "lifecycle",
        "customer_since",
        "csm_email",
        "ae_email",
        "cd_email",
        "sponsor_email",
        "arr",
        "currency",
        "renewal_date",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    headers.extend(defs.iter().map(|d| format!("custom.{}", d.key)));
    let mut table = Table {
        headers,
        ..Table::default()
    }
    .with(Column::Whole, &["employees"])
    .with(Column::Money, &["arr"])
    .with(
        Column::Text,
        &[
            "sherpa_id",
            "external_id",
            "parent_sherpa_id",
            "parent_external_id",
        ],
    );
    let all = all_accounts(store).await?;
    let external: HashMap<AccountId, Option<String>> = all
        .iter()
        .map(|a| (a.id, a.fields.external_id.clone()))
        .collect();
    let email = |u: Option<UserId>| u.and_then(|u| emails.get(&u).cloned()).unwrap_or_default();
    for a in all {
        let f = &a.fields;
        let mut row = vec![
            a.id.to_string(),
            opt(&f.external_id),
            f.name.clone(),
            f.domain
                .as_ref()
                .map(|d| d.as_str().to_string())
                .unwrap_or_default(),
            opt(&f.industry),
            opt(&f.country),
            f.employees.map(|e| e.to_string()).unwrap_or_default(),
            f.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            f.parent_id
                .and_then(|p| external.get(&p).cloned().flatten())
                .unwrap_or_default(),
            f.lifecycle
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            f.customer_since.map(date).unwrap_or_default(),
            email(f.owners.csm),
            email(f.owners.ae),
            email(f.owners.customer_development),
            email(f.owners.executive_sponsor),
            a.arr.fixed_amount(),
            a.arr.currency.to_string(),
            a.renewal_date.map(date).unwrap_or_default(),
        ];
        row.extend(defs.iter().map(|d| {
            f.custom
                .get(&d.key)
                .map(|v| v.to_cell())
                .unwrap_or_default()
        }));
        table.rows.push(row);
    }
    Ok(table)
}

pub async fn run(db: &str, args: Args) -> anyhow::Result<()> {
    let store = crate::open(db).await?;
    let emails: HashMap<UserId, String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.email.to_string()))
        .collect();
    let account_ext = || async {
        let all = all_accounts(&store).await?;
        anyhow::Ok(
            all.into_iter()
                .map(|a| (a.id, a.fields.external_id.unwrap_or_default()))
                .collect::<HashMap<_, _>>(),
        )
    };
    let table = match args.kind.as_str() {
        "accounts" => accounts(&store, &emails).await?,
        "contacts" => {
            let ext = account_ext().await?;
            let mut t = Table::new(&[
                "external_id",
                "account_external_id",
                "name",
                "email",
                "title",
                "roles",
                "departed_on",
            ])
            .with(Column::Text, &["external_id", "account_external_id"]);
            for c in store
                .contacts(&ListQuery {
                    limit: i64::MAX,
                    ..Default::default()
                })
                .await?
            {
                let f = c.fields;
                t.rows.push(vec![
                    opt(&f.external_id),
                    f.account_id
                        .and_then(|a| ext.get(&a).cloned())
                        .unwrap_or_default(),
                    f.name,
                    f.email.map(|e| e.to_string()).unwrap_or_default(),
                    opt(&f.title),
                    roles_to_text(&f.roles),
                    f.departed_on.map(date).unwrap_or_default(),
                ]);
            }
            t
        }
        "contracts" => {
            let ext = account_ext().await?;
            let mut t = Table::new(&[
                "external_id",
                "account_external_id",
                "product",
                "arr",
                "currency",
                "seats",
                "start_date",
                "end_date",
                "status",
                "outcome",
                "churn_reason",
                "terms",
                "auto_renew",
                "notice_days",
            ])
            .with(Column::Whole, &["seats", "notice_days"])
            .with(Column::Money, &["arr"])
            .with(Column::Text, &["external_id", "account_external_id"]);
            for c in store
                .contracts(&ListQuery {
                    limit: i64::MAX,
                    ..Default::default()
                })
                .await?
            {
                let f = c.fields;
                t.rows.push(vec![
                    opt(&f.external_id),
                    ext.get(&f.account_id).cloned().unwrap_or_default(),
                    f.products.join(";"),
                    f.arr.fixed_amount(),
                    f.arr.currency.to_string(),
                    f.seats.map(|s| s.to_string()).unwrap_or_default(),
                    date(f.start_date),
                    date(f.end_date),
                    f.status.as_str().into(),
                    f.outcome
                        .map(|o| o.as_str().to_string())
                        .unwrap_or_default(),
                    opt(&f.churn_reason),
                    opt(&f.terms),
                    match f.auto_renew {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => String::new(),
                    },
                    f.notice_days.map(|d| d.to_string()).unwrap_or_default(),
                ]);
            }
            t
        }
        "tasks" => {
            super::export_history::tasks(&store, &all_accounts(&store).await?, &emails).await?
        }
        "activities" => {
            super::export_history::activities(&store, &all_accounts(&store).await?, &emails).await?
        }
        "health" => super::export_history::health(&store, &all_accounts(&store).await?).await?,
        "usage" => super::export_history::usage(&store, &all_accounts(&store).await?).await?,
        "audit" => super::export_history::audit(&store, &emails).await?,
        other => anyhow::bail!(
            "\"{other}\" cannot be exported; expected accounts, contacts, contracts, tasks, activities, health, usage or audit"
        ),
    };
    super::write_table(&table, &args.format, &args.kind, args.output.as_deref())
}
