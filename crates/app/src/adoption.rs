//! The adoption matrix and whitespace: which accounts do not use what they pay for (re-engage),
//! which offerings accounts like them own that they do not (upsell), and which healthy peers use
//! a feature they do not and could help them (cross-pollinate: "those that are thriving help
//! support those that may not be"). Peers are suggested as accounts, never as contacts, until
//! a reference program records who agreed to be asked.

use crate::{App, Caller, Error, Result};
use chrono::Days;
use sherpa_core::adoption::{
    AdoptionConfig, Cell, Column, NOT_BOUGHT_TEXT, SheetRow, UNKNOWN_TEXT, UNUSED_TEXT, cells,
    matrix_xlsx,
};
use sherpa_core::export::{Column as TableColumn, Table};
use sherpa_core::*;
use sherpa_store::{MatrixAccount, MatrixQuery};

/// A page of the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct AdoptionMatrix {
    pub columns: Vec<Column>,
    /// Each account with one cell per column.
    pub rows: Vec<(MatrixAccount, Vec<Cell>)>,
    /// Accounts the filters match.
    pub total: i64,
    /// Where the next page starts, when there is one.
    pub next: Option<(i64, AccountId)>,
}

/// The filters and page of a matrix request, checked: a bad one names its parameter
/// (`field`, why), the same through the API and the page.
pub fn matrix_query(
    csm: Option<&str>,
    tier: Option<u8>,
    segment: Option<u8>,
    industry: Option<String>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<MatrixQuery, (&'static str, String)> {
    let bad = |field: &'static str, why: &str| (field, why.to_string());
    let after = cursor
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.split_once(':')
                .and_then(|(w, id)| Some((w.parse::<i64>().ok()?, AccountId(id.parse().ok()?))))
                .ok_or_else(|| bad("cursor", "pass next_cursor as it came"))
        })
        .transpose()?;
    Ok(MatrixQuery {
        csm: csm
            .filter(|c| !c.is_empty())
            .map(|c| c.parse::<UserId>().map_err(|e| ("csm", e.0)))
            .transpose()?,
        tier: within(tier, 1..=3, "tier", "1, 2 or 3")?,
        segment: within(segment, 1..=10, "segment", "a segment number, 1 to 10")?,
        industry: industry.filter(|i| !i.trim().is_empty()),
        after,
        limit,
    })
}

/// A filter's number when in `range`; else the refusal naming it.
fn within(
    v: Option<u8>,
    range: std::ops::RangeInclusive<u8>,
    field: &'static str,
    words: &str,
) -> Result<Option<u8>, (&'static str, String)> {
    match v {
        Some(n) if !range.contains(&n) => Err((field, words.to_string())),
        v => Ok(v),
    }
}

impl AdoptionMatrix {
    /// Where the next page starts, as the cursor a client passes back.
    pub fn next_cursor(&self) -> Option<String> {
        self.next.map(|(w, id)| format!("{w}:{}", id.0))
    }
}

/// An offering accounts like this one own and it does not, that would entitle it to features
/// it has not bought.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsell {
    pub offering: String,
    /// The features it would add.
    pub adds: Vec<String>,
    /// Like accounts, and how many of them own it.
    pub like: usize,
    pub owning: usize,
    /// The ARR (minor units) of the like accounts that own it.
    pub owning_arr_minor: i64,
}

/// A healthy like account that uses a feature heavily.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub id: AccountId,
    pub name: String,
    pub users: u32,
    pub share: Option<f64>,
}

/// One account's whitespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Whitespace {
    /// Features it pays for and nobody used in 30 days; none known while its usage is not.
    pub reengage: Vec<Column>,
    pub upsell: Vec<Upsell>,
    /// For each feature to re-engage, the healthy like accounts that use it most.
    pub peers: Vec<(String, Vec<Peer>)>,
    /// What "like" meant: its industry and its Pareto segment.
    pub like: String,
    pub usage_known: bool,
}

/// How heavily a peer must use a feature to be suggested: this share of its seats, or this
/// many people when its seats are not known.
const HEAVY_SHARE: f64 = 25.0;
const HEAVY_USERS: u32 = 5;
/// Peers suggested for a feature at most.
const PEERS_EACH: usize = 3;

impl App {
    pub async fn adoption_config(&self) -> Result<AdoptionConfig> {
        Ok(self.store.adoption_config().await?)
    }

    /// What the entitlement form edits: the catalogue's features, and the offerings the
    /// book's contracts and the configuration name.
    pub async fn adoption_catalogue(&self) -> Result<(Vec<String>, Vec<String>)> {
        let features: Vec<String> = self
            .store
            .adoption_columns()
            .await?
            .into_iter()
            .map(|c| c.feature)
            .collect();
        let mut offerings = self.store.offerings().await?;
        for p in self
            .store
            .adoption_config()
            .await?
            .features
            .iter()
            .flat_map(|f| &f.products)
        {
            if !offerings.iter().any(|o| o.eq_ignore_ascii_case(p)) {
                offerings.push(p.clone());
            }
        }
        Ok((features, offerings))
    }

    /// Saves which offerings entitle which features and the functions they serve (leaders and
    /// admins); every feature named must be in the catalogue. Whitespace is worked out again.
    pub async fn set_adoption_config(&self, by: &Caller, config: &AdoptionConfig) -> Result<()> {
        by.may(|u| u.may_manage_book())?;
        config.check().map_err(|e| Error::invalid("adoption", e))?;
        let known = self.strategic_features().await?.catalogue;
        if let Some((i, f)) = config
            .features
            .iter()
            .enumerate()
            .find(|(_, f)| !known.contains_key(&f.feature))
        {
            return Err(Error::invalid(
                "adoption",
                format!(
                    "features[{i}].feature: \"{}\" is not a feature of the catalogue",
                    f.feature
                ),
            ));
        }
        if &self.store.adoption_config().await? == config {
            return Ok(());
        }
        self.store
            .set_adoption_config(&by.actor(), config, "features' functions and offerings")
            .await?;
        self.store.keep_whitespace(None).await?;
        Ok(())
    }

    /// A page of the adoption matrix: anyone signed in reads it.
    pub async fn adoption_matrix(&self, _by: &Caller, q: &MatrixQuery) -> Result<AdoptionMatrix> {
        let columns = self.store.adoption_columns().await?;
        let (accounts, total) = self.store.adoption_matrix(q).await?;
        let next = (accounts.len() as i64 == q.limit)
            .then(|| accounts.last().map(|a| (a.whitespace.unwrap_or(-1), a.id)))
            .flatten();
        Ok(AdoptionMatrix {
            rows: with_cells(&columns, accounts),
            columns,
            total,
            next,
        })
    }

    /// Every account of the filters in the matrix (no page), with its CSM's name: for a
    /// spreadsheet or a report.
    pub async fn adoption_sheet(&self, _by: &Caller, q: &MatrixQuery) -> Result<AdoptionSheet> {
        let columns = self.store.adoption_columns().await?;
        let accounts = self.store.adoption_accounts(q).await?;
        let csms: Vec<UserId> = accounts.iter().filter_map(|a| a.csm).collect();
        let names = self.store.user_names(&csms).await?;
        let matrix = AdoptionMatrix {
            total: accounts.len() as i64,
            rows: with_cells(&columns, accounts),
            columns,
            next: None,
        };
        Ok(AdoptionSheet { matrix, names })
    }

    /// An account's whitespace: what to re-engage, what to offer, whom to learn from.
    pub async fn whitespace(&self, _by: &Caller, id: AccountId) -> Result<Whitespace> {
        let account = self.store.account(id).await?;
        let columns = self.store.adoption_columns().await?;
        let industry = account.fields.industry.clone();
        let segment = account.priority.segment;
        let mut like: Vec<MatrixAccount> = Vec::new();
        for q in [
            industry.clone().map(|i| MatrixQuery {
                industry: Some(i),
                ..Default::default()
            }),
            segment.map(|s| MatrixQuery {
                segment: Some(s),
                ..Default::default()
            }),
        ]
        .into_iter()
        .flatten()
        {
            for a in self.store.adoption_accounts(&q).await? {
                if a.id != id && !like.iter().any(|l| l.id == a.id) {
                    like.push(a);
                }
            }
        }
        let owned = self
            .store
            .owned_products(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let used = self.store.feature_use(id).await?;
        let mine = cells(&columns, &owned, used.as_ref());
        let reengage: Vec<Column> = columns
            .iter()
            .zip(&mine)
            .filter(|(_, c)| **c == Cell::Unused)
            .map(|(c, _)| c.clone())
            .collect();
        let mut offerings: Vec<String> = Vec::new();
        for o in like.iter().flat_map(|a| &a.owned) {
            if !offerings.iter().any(|p| p.eq_ignore_ascii_case(o))
                && !owned.iter().any(|p| p.eq_ignore_ascii_case(o))
            {
                offerings.push(o.clone());
            }
        }
        // An offering is an upsell only when it adds features: a smaller plan of the same
        // product is not one.
        let adds = |offering: &str| -> Vec<String> {
            columns
                .iter()
                .filter(|c| !c.entitled(&owned))
                .filter(|c| c.products.iter().any(|p| p.eq_ignore_ascii_case(offering)))
                .map(|c| c.feature.clone())
                .collect()
        };
        let mut upsell: Vec<Upsell> = offerings
            .into_iter()
            .filter(|o| !adds(o).is_empty())
            .map(|offering| {
                let owning: Vec<&MatrixAccount> = like
                    .iter()
                    .filter(|a| a.owned.iter().any(|o| o.eq_ignore_ascii_case(&offering)))
                    .collect();
                Upsell {
                    adds: adds(&offering),
                    like: like.len(),
                    owning: owning.len(),
                    owning_arr_minor: owning.iter().map(|a| a.arr_minor).sum(),
                    offering,
                }
            })
            .collect();
        upsell.sort_by(|a, b| b.owning.cmp(&a.owning).then(a.offering.cmp(&b.offering)));
        let peers = reengage
            .iter()
            .map(|c| (c.feature.clone(), heavy_users(&like, &c.feature)))
            .collect();
        let like_words = match (&industry, segment) {
            (Some(i), Some(s)) => format!("accounts in {i} or in Pareto segment {s}"),
            (Some(i), None) => format!("accounts in {i}"),
            (None, Some(s)) => format!("accounts in Pareto segment {s}"),
            (None, None) => "no like accounts: the account has no industry or segment".into(),
        };
        Ok(Whitespace {
            reengage,
            upsell,
            peers,
            like: like_words,
            usage_known: used.is_some(),
        })
    }

    /// Opens a task for the account's CSM to introduce it to a healthy peer that uses a
    /// feature it does not: once per feature and peer while open.
    pub async fn introduce_peer(
        &self,
        by: &Caller,
        id: AccountId,
        feature: &str,
        peer: AccountId,
    ) -> Result<Task> {
        let account = self.store.account(id).await?;
        by.may(|u| u.may_open_task(&account.fields.owners))?;
        let suggested = self.whitespace(by, id).await?;
        let Some(p) = suggested
            .peers
            .iter()
            .filter(|(f, _)| f == feature)
            .flat_map(|(_, ps)| ps)
            .find(|p| p.id == peer)
        else {
            return Err(Error::invalid(
                "peer_account_id",
                format!("account {peer} is not a suggested peer for \"{feature}\" of this account"),
            ));
        };
        let owner = account
            .fields
            .owners
            .get(OwnerFunction::Csm)
            .or(by.person().ok().map(|u| u.id));
        let share = p
            .share
            .map(|s| format!("{s:.0}% of its seats"))
            .unwrap_or_else(|| format!("{} people", p.users));
        let fields = TaskFields {
            account_id: id,
            title: format!(
                "Introduce {} to {} on {feature}",
                account.fields.name, p.name
            ),
            owner_id: owner,
            due_on: Some(self.store.clock().today() + Days::new(14)),
            priority: Priority::Normal,
            source: TaskSource::Manual,
            reason: format!(
                "{} pays for {feature} and nobody used it in 30 days; {} is healthy and {share} use it. \
                 Ask its CSM whether they would share how they use it.",
                account.fields.name, p.name
            ),
            dedup_key: Some(format!("introduce:{feature}:{peer}")),
        };
        let (task, _) = self.store.open_task(&by.actor(), &fields).await?;
        Ok(task)
    }
}

/// Each account with its cells.
fn with_cells(columns: &[Column], accounts: Vec<MatrixAccount>) -> Vec<(MatrixAccount, Vec<Cell>)> {
    accounts
        .into_iter()
        .map(|a| {
            let c = cells(columns, &a.owned, a.used.as_ref());
            (a, c)
        })
        .collect()
}

/// The whole matrix of some filters and the names of its accounts' CSMs.
#[derive(Debug, Clone, PartialEq)]
pub struct AdoptionSheet {
    pub matrix: AdoptionMatrix,
    pub names: std::collections::HashMap<UserId, String>,
}

impl AdoptionSheet {
    fn csm(&self, a: &MatrixAccount) -> &str {
        a.csm
            .and_then(|u| self.names.get(&u))
            .map_or("", String::as_str)
    }

    /// The spreadsheet, coloured as the page is.
    pub fn xlsx(&self) -> Result<Vec<u8>> {
        let rows: Vec<SheetRow> = self
            .matrix
            .rows
            .iter()
            .map(|(a, cells)| SheetRow {
                account: &a.name,
                tier: a.tier,
                grade: a.grade.as_deref(),
                csm: self.csm(a),
                industry: a.industry.as_deref().unwrap_or(""),
                whitespace: a.whitespace,
                cells,
            })
            .collect();
        matrix_xlsx(&self.matrix.columns, &rows).map_err(|e| Error::invalid("format", e))
    }

    /// As a plain table (a terminal, CSV, JSON): a used cell is its share of seats ("40%") or
    /// its people, the others say what they are.
    pub fn table(&self) -> Table {
        let mut headers: Vec<String> =
            ["Account", "Tier", "Grade", "CSM", "Industry", "Whitespace"]
                .map(String::from)
                .to_vec();
        headers.extend(
            self.matrix
                .columns
                .iter()
                .map(|c| format!("{}: {}", c.function, c.feature)),
        );
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&refs).with(TableColumn::Whole, &["Tier", "Whitespace"]);
        for (a, cells) in &self.matrix.rows {
            let mut row = vec![
                a.name.clone(),
                a.tier.map(|t| t.to_string()).unwrap_or_default(),
                a.grade.clone().unwrap_or_default(),
                self.csm(a).to_string(),
                a.industry.clone().unwrap_or_default(),
                a.whitespace.map(|w| w.to_string()).unwrap_or_default(),
            ];
            row.extend(cells.iter().map(|c| match c {
                Cell::Used { share: Some(s), .. } => format!("{s:.0}%"),
                Cell::Used { users, share: None } => format!("used by {users}"),
                Cell::Unused => UNUSED_TEXT.into(),
                Cell::NotEntitled => NOT_BOUGHT_TEXT.into(),
                Cell::Unknown => UNKNOWN_TEXT.into(),
            }));
            t.rows.push(row);
        }
        t
    }
}

/// The healthy (green) like accounts that use a feature most, heavily enough to help.
fn heavy_users(like: &[MatrixAccount], feature: &str) -> Vec<Peer> {
    let mut peers: Vec<Peer> = like
        .iter()
        .filter(|a| a.health.as_deref() == Some("green"))
        .filter_map(|a| {
            let used = a.used.as_ref()?;
            let users = used.users_of(feature);
            let share = used.seat_share(feature).map(|s| s.min(100.0));
            let heavy = match share {
                Some(s) => s >= HEAVY_SHARE,
                None => users >= HEAVY_USERS,
            };
            (users > 0 && heavy).then(|| Peer {
                id: a.id,
                name: a.name.clone(),
                users,
                share,
            })
        })
        .collect();
    peers.sort_by(|a, b| {
        b.share
            .unwrap_or(0.0)
            .total_cmp(&a.share.unwrap_or(0.0))
            .then(b.users.cmp(&a.users))
            .then(a.id.0.cmp(&b.id.0))
    });
    peers.truncate(PEERS_EACH);
    peers
}
