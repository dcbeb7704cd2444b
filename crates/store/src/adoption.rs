//! The adoption matrix's data: which offerings entitle which features (configuration, every
//! version kept), the offerings each account owns today, each account's whitespace kept from
//! its feature use (so that the matrix sorts and pages on it), and the matrix's rows.

use crate::sql::{Arg, Args};
use crate::versions::{ConfigVersion, Versioned};
use crate::{Result, Store};
use sherpa_core::adoption::{AdoptionConfig, Column, cells, whitespace};
use sherpa_core::effectiveness::FeatureUse;
use sherpa_core::*;
use std::collections::HashMap;

const ADOPTION: Versioned = Versioned {
    table: "adoption_config_versions",
    entity: "adoption_config",
};

/// Accounts read and written at a time.
const PART: usize = 500;

/// Who the matrix shows: filters, and where the page starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatrixQuery {
    pub csm: Option<UserId>,
    pub tier: Option<u8>,
    pub segment: Option<u8>,
    pub industry: Option<String>,
    /// The last row of the page before: its whitespace (-1 when unknown) and account.
    pub after: Option<(i64, AccountId)>,
    pub limit: i64,
}

/// One account of the matrix: who it is, what it owns and what its people use.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixAccount {
    pub id: AccountId,
    pub name: String,
    pub tier: Option<u8>,
    pub grade: Option<String>,
    pub csm: Option<UserId>,
    pub industry: Option<String>,
    pub segment: Option<u8>,
    /// ARR in minor units of the book's currency.
    pub arr_minor: i64,
    pub health: Option<String>,
    /// The offerings of its terms running today.
    pub owned: Vec<String>,
    pub used: Option<FeatureUse>,
    pub whitespace: Option<i64>,
}

/// An account's feature use with its whitespace as kept and when: (account, feature use,
/// whitespace, computed at).
type KeptWhitespace = (i64, Option<String>, Option<i64>, Option<String>);

#[derive(sqlx::FromRow)]
struct MatrixRow {
    id: i64,
    name: String,
    tier: Option<i64>,
    grade: Option<String>,
    csm_id: Option<i64>,
    industry: Option<String>,
    segment: Option<i64>,
    arr_minor: i64,
    colour: Option<String>,
    feature_use: Option<String>,
    whitespace: Option<i64>,
}

fn feature_use(text: Option<String>) -> Result<Option<FeatureUse>> {
    text.map(|t| serde_json::from_str(&t).map_err(|_| crate::rows::bad("feature_use", &t).into()))
        .transpose()
}

/// The filters of a matrix query as SQL over `a` (accounts) and `w` (account_adoption).
fn filters(q: &MatrixQuery, args: &mut Args) -> String {
    let mut w = vec!["COALESCE(a.lifecycle, '') <> 'churned'".to_string()];
    if let Some(c) = q.csm {
        w.push(format!("a.csm_id = {}", args.push(Arg::Int(c.0))));
    }
    if let Some(t) = q.tier {
        w.push(format!("a.tier = {}", args.push(Arg::Int(i64::from(t)))));
    }
    if let Some(s) = q.segment {
        w.push(format!("a.segment = {}", args.push(Arg::Int(i64::from(s)))));
    }
    if let Some(i) = &q.industry {
        w.push(format!("a.industry = {}", args.text(i.clone())));
    }
    w.join(" AND ")
}

impl Store {
    /// The adoption configuration in force (none set: every feature is part of every
    /// offering, and no function is named).
    pub async fn adoption_config(&self) -> Result<AdoptionConfig> {
        self.config_in_force(ADOPTION).await
    }

    pub async fn adoption_config_versions(&self) -> Result<Vec<ConfigVersion<AdoptionConfig>>> {
        self.config_versions(ADOPTION).await
    }

    /// Saves the adoption configuration, checked by the caller.
    pub async fn set_adoption_config(
        &self,
        actor: &Actor,
        config: &AdoptionConfig,
        summary: &str,
    ) -> Result<()> {
        let before = self.adoption_config().await?;
        self.save_config_version(ADOPTION, actor, (&before, config), summary, false)
            .await?;
        Ok(())
    }

    /// The matrix's feature columns: every feature of the catalogue, grouped as configured.
    pub async fn adoption_columns(&self) -> Result<Vec<Column>> {
        let config = self.adoption_config().await?;
        let features: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT feature FROM feature_catalog ORDER BY feature")
                .fetch_all(&self.pool)
                .await?;
        Ok(config.columns(features.iter().map(String::as_str)))
    }

    /// Every offering the book's contracts name (cancelled terms aside), by name; the same
    /// offering in another case is one.
    pub async fn offerings(&self) -> Result<Vec<String>> {
        let named: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT products FROM contracts WHERE status <> 'cancelled' AND products <> ''",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<String> = Vec::new();
        for p in named.iter().flat_map(|p| p.split(';')).map(str::trim) {
            if !p.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(p)) {
                out.push(p.to_string());
            }
        }
        out.sort_by_key(|o| o.to_lowercase());
        Ok(out)
    }

    /// The offerings of each account's contract terms running today.
    pub async fn owned_products(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, Vec<String>>> {
        let today = sherpa_core::text::date(self.clock().today());
        let mut out: HashMap<AccountId, Vec<String>> = HashMap::new();
        for part in ids.chunks(PART) {
            let mut a = Args::default();
            let list = a.ids(part);
            let on = a.text(today.clone());
            let rows: Vec<(i64, String)> = sqlx::query_as_with(
                &format!(
                    "SELECT account_id, products FROM contracts WHERE account_id IN ({list}) \
                     AND start_date <= {on} AND end_date >= {on} AND status <> 'cancelled'"
                ),
                a.into_arguments(),
            )
            .fetch_all(&self.pool)
            .await?;
            for (id, products) in rows {
                let owned = out.entry(AccountId(id)).or_default();
                for p in products.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    if !owned.iter().any(|o| o.eq_ignore_ascii_case(p)) {
                        owned.push(p.to_string());
                    }
                }
            }
        }
        Ok(out)
    }

    /// Works out the whitespace of `ids` (every account with metrics when none are given)
    /// from their kept feature use and the offerings they own, and keeps the ones that
    /// changed. Answers how many changed.
    pub async fn keep_whitespace(&self, ids: Option<&[AccountId]>) -> Result<usize> {
        let columns = self.adoption_columns().await?;
        // The whole book goes in larger parts: fewer statements and write transactions.
        let part_size = if ids.is_some() { PART } else { 5_000 };
        let ids: Vec<AccountId> = match ids {
            Some(ids) => ids.to_vec(),
            None => sqlx::query_scalar::<_, i64>("SELECT account_id FROM health_metrics")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(AccountId)
                .collect(),
        };
        let now = self.now();
        let mut changed = 0;
        for part in ids.chunks(part_size) {
            let mut a = Args::default();
            let list = a.ids(part);
            let rows: Vec<KeptWhitespace> = sqlx::query_as_with(
                &format!(
                    "SELECT m.account_id, m.feature_use, w.whitespace, w.computed_at \
                     FROM health_metrics m LEFT JOIN account_adoption w ON w.account_id = m.account_id \
                     WHERE m.account_id IN ({list})"
                ),
                a.into_arguments(),
            )
            .fetch_all(&self.pool)
            .await?;
            let owned = self.owned_products(part).await?;
            let mut kept = Vec::new();
            for (id, used, before, computed) in rows {
                let used = feature_use(used)?;
                let owned = owned.get(&AccountId(id)).map_or(&[][..], Vec::as_slice);
                let now_ws = whitespace(&cells(&columns, owned, used.as_ref())).map(|w| w as i64);
                if computed.is_none() || before != now_ws {
                    kept.push(vec![
                        Arg::Int(id),
                        Arg::OptInt(now_ws),
                        Arg::Text(now.clone()),
                    ]);
                }
            }
            changed += kept.len();
            if kept.is_empty() {
                continue;
            }
            let mut tx = self.write_tx().await?;
            crate::bulk::upsert_rows(
                &mut tx,
                self.engine,
                "account_adoption",
                &["account_id", "whitespace", "computed_at"],
                kept,
                "ON CONFLICT (account_id) DO UPDATE SET whitespace = excluded.whitespace, \
                 computed_at = excluded.computed_at",
            )
            .await?;
            tx.commit().await?;
        }
        Ok(changed)
    }

    /// A page of the matrix: accounts (churned ones aside) most whitespace first (unknown
    /// last), then by id; and how many the filters match.
    pub async fn adoption_matrix(&self, q: &MatrixQuery) -> Result<(Vec<MatrixAccount>, i64)> {
        let mut a = Args::default();
        let mut where_ = filters(q, &mut a);
        if let Some((w, id)) = q.after {
            let (w1, w2, i) = (
                a.push(Arg::Int(w)),
                a.push(Arg::Int(w)),
                a.push(Arg::Int(id.0)),
            );
            where_.push_str(&format!(
                " AND (COALESCE(w.whitespace, -1) < {w1} OR (COALESCE(w.whitespace, -1) = {w2} AND a.id > {i}))"
            ));
        }
        let limit = a.push(Arg::Int(q.limit));
        let rows: Vec<MatrixRow> = sqlx::query_as_with(
            &format!(
                "SELECT a.id, a.name, a.tier, a.grade, a.csm_id, a.industry, a.segment, a.arr_minor, \
                 h.colour, m.feature_use, w.whitespace FROM accounts a \
                 LEFT JOIN account_adoption w ON w.account_id = a.id \
                 LEFT JOIN health_metrics m ON m.account_id = a.id \
                 LEFT JOIN account_health h ON h.account_id = a.id \
                 WHERE {where_} ORDER BY COALESCE(w.whitespace, -1) DESC, a.id LIMIT {limit}"
            ),
            a.into_arguments(),
        )
        .fetch_all(&self.pool)
        .await?;
        let mut c = Args::default();
        let counted = filters(q, &mut c);
        let total: i64 = sqlx::query_scalar_with(
            &format!("SELECT COUNT(*) FROM accounts a WHERE {counted}"),
            c.into_arguments(),
        )
        .fetch_one(&self.pool)
        .await?;
        let ids: Vec<AccountId> = rows.iter().map(|r| AccountId(r.id)).collect();
        let mut owned = self.owned_products(&ids).await?;
        let out = rows
            .into_iter()
            .map(|r| {
                Ok(MatrixAccount {
                    id: AccountId(r.id),
                    owned: owned.remove(&AccountId(r.id)).unwrap_or_default(),
                    name: r.name,
                    tier: r.tier.and_then(|t| u8::try_from(t).ok()),
                    grade: r.grade,
                    csm: r.csm_id.map(UserId),
                    industry: r.industry,
                    segment: r.segment.and_then(|s| u8::try_from(s).ok()),
                    arr_minor: r.arr_minor,
                    health: r.colour,
                    used: feature_use(r.feature_use)?,
                    whitespace: r.whitespace,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((out, total))
    }

    /// Every account of the matrix's filters with its feature use and offerings (no page): the
    /// whitespace of one account against its peers, and exports.
    pub async fn adoption_accounts(&self, q: &MatrixQuery) -> Result<Vec<MatrixAccount>> {
        let mut all = Vec::new();
        let mut q = MatrixQuery {
            limit: 5_000,
            after: None,
            ..q.clone()
        };
        loop {
            let (page, _) = self.adoption_matrix(&q).await?;
            let Some(last) = page.last() else { break };
            q.after = Some((last.whitespace.unwrap_or(-1), last.id));
            let full = page.len() as i64 == q.limit;
            all.extend(page);
            if !full {
                break;
            }
        }
        Ok(all)
    }
}
