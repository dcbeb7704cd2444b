//! The account list that My book and the portfolio share: its filters as a query string, the
//! rows as they read on the page, sort links and pages.

use super::Failure;
use super::format::{self, query};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use sherpa_core::{Account, AccountId, Lifecycle, PersonRef, UserId};
use sherpa_store::{AccountQuery, AccountSort, PlanStanding, SortField, Store};
use std::collections::HashMap;

/// Rows per page.
pub const PAGE: i64 = 50;

/// The filters, sort and page of an account list, as the page's query string carries them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    pub q: String,
    pub owner: String,
    pub lifecycle: String,
    /// A1 .. C3.
    pub grade: String,
    /// 1, 2, 3, or "decide" for accounts waiting for a tier decision.
    pub tier: String,
    /// A Pareto segment number.
    pub segment: String,
    /// A 9-box, relationship-upsell ("3-3").
    pub nine_box: String,
    /// A health colour.
    pub health: String,
    pub industry: String,
    pub country: String,
    /// Renewing within this many days from today.
    pub renewal: String,
    pub arr_min: String,
    pub arr_max: String,
    /// A sort field, with a leading `-` for descending.
    pub sort: String,
    pub cursor: String,
    /// The cursors of the pages before this one (after the first), comma-separated: the way
    /// back for "Previous".
    pub trail: String,
    /// On My book: whose book (a leader looking at a team member's).
    pub user: String,
    /// What a bulk action on ticked accounts did, or why it did nothing.
    pub message: String,
    pub problem: String,
}

/// Renewal windows offered in the filter, in days.
pub const RENEWAL_WINDOWS: [(&str, &str); 5] = [
    ("30", "next 30 days"),
    ("60", "next 60 days"),
    ("90", "next 90 days"),
    ("120", "next 120 days"),
    ("365", "next 12 months"),
];

fn bad(field: &str, message: impl std::fmt::Display) -> Failure {
    Failure::bad(format!("{field}: {message}"))
}

impl ListParams {
    /// The store query, or a message naming the filter that does not parse.
    pub fn to_query(&self, today: NaiveDate, limit: i64) -> Result<AccountQuery, Failure> {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let money = |field: &str, s: &str| -> Result<Option<Decimal>, Failure> {
            match text(s) {
                None => Ok(None),
                Some(t) => t
                    .replace([',', '$', '€', '£', ' '], "")
                    .parse::<Decimal>()
                    .map(Some)
                    .map_err(|_| bad(field, format!("\"{t}\" is not an amount"))),
            }
        };
        let (sort_name, descending) = match self.sort.strip_prefix('-') {
            Some(s) => (s, true),
            None => (self.sort.as_str(), false),
        };
        let sort = match text(sort_name) {
            None => AccountSort::default(),
            Some(s) => AccountSort {
                field: SortField::parse(&s).ok_or_else(|| {
                    bad(
                        "sort",
                        format!("expected one of {}", SortField::NAMES.join(", ")),
                    )
                })?,
                descending,
            },
        };
        let renewal_to = match text(&self.renewal) {
            None => None,
            Some(d) => {
                let days: u64 = d
                    .parse()
                    .ok()
                    .filter(|d| *d <= 3660)
                    .ok_or_else(|| bad("renewal", "expected a number of days up to 3660"))?;
                Some(today + chrono::Days::new(days))
            }
        };
        Ok(AccountQuery {
            // Resolved by the caller: it may need the database (see `resolve_owner`).
            owner: None,
            lifecycle: match text(&self.lifecycle) {
                None => None,
                Some(l) => Some(l.parse::<Lifecycle>().map_err(|e| bad("lifecycle", e))?),
            },
            grade: match text(&self.grade) {
                None => None,
                Some(g) => Some(g.parse().map_err(|e| bad("grade", e))?),
            },
            tier: match text(&self.tier).as_deref() {
                None | Some("decide") => None,
                Some(t) => Some(
                    t.parse::<i64>()
                        .ok()
                        .and_then(sherpa_core::prioritise::Tier::new)
                        .ok_or_else(|| bad("tier", "expected 1, 2, 3 or decide"))?,
                ),
            },
            tier_decision_needed: self.tier == "decide",
            segment: match text(&self.segment) {
                None => None,
                Some(n) => Some(
                    n.parse::<u8>()
                        .ok()
                        .filter(|n| (1..=10).contains(n))
                        .ok_or_else(|| bad("segment", "expected a segment number"))?,
                ),
            },
            nine_box: match text(&self.nine_box) {
                None => None,
                Some(b) => Some(
                    sherpa_core::prioritise::NineBox::parse(&b)
                        .ok_or_else(|| bad("nine_box", "expected relationship-upsell, like 3-3"))?,
                ),
            },
            health: match text(&self.health) {
                None => None,
                Some(c) => Some(
                    c.parse()
                        .map_err(|_| bad("health", "expected green, yellow, orange or red"))?,
                ),
            },
            industry: text(&self.industry),
            country: match text(&self.country) {
                None => None,
                Some(c) => Some(sherpa_core::country_code(&c).map_err(|e| bad("country", e.0))?),
            },
            renewal_from: renewal_to.map(|_| today),
            renewal_to,
            arr_min: money("arr_min", &self.arr_min)?,
            arr_max: money("arr_max", &self.arr_max)?,
            text: text(&self.q),
            external_id: None,
            sort,
            cursor: text(&self.cursor),
            limit,
        })
    }

    /// Whether any filter narrows the list (whose book it is does not).
    pub fn any_filter(&self) -> bool {
        [
            &self.q,
            &self.owner,
            &self.lifecycle,
            &self.grade,
            &self.tier,
            &self.segment,
            &self.nine_box,
            &self.health,
            &self.industry,
            &self.country,
            &self.renewal,
            &self.arr_min,
            &self.arr_max,
        ]
        .iter()
        .any(|f| !f.trim().is_empty())
    }

    /// The filters as a query string, without the page cursor (and without `sort` when
    /// `keep_sort` is false).
    pub fn filters_query(&self, keep_sort: bool) -> String {
        query(&[
            ("user", &self.user),
            ("q", &self.q),
            ("owner", &self.owner),
            ("lifecycle", &self.lifecycle),
            ("grade", &self.grade),
            ("tier", &self.tier),
            ("segment", &self.segment),
            ("nine_box", &self.nine_box),
            ("health", &self.health),
            ("industry", &self.industry),
            ("country", &self.country),
            ("renewal", &self.renewal),
            ("arr_min", &self.arr_min),
            ("arr_max", &self.arr_max),
            ("sort", if keep_sort { &self.sort } else { "" }),
        ])
    }

    /// The link of a column header: sorts by it, the other way round when already sorted so.
    pub fn sort_link(&self, field: &str) -> String {
        let next = format::next_sort(&self.sort, field);
        let filters = self.filters_query(false);
        let sep = if filters.is_empty() { "" } else { "&" };
        format!("?{filters}{sep}sort={}", format::url_encode(&next))
    }

    /// `aria-sort` of a column header.
    pub fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort(&self.sort, field, "name")
    }

    /// The earlier pages' cursors, oldest first.
    fn trail(&self) -> Vec<&str> {
        self.trail.split(',').filter(|c| !c.is_empty()).collect()
    }

    /// A page's link: at `cursor` (the first page when empty), with the way back.
    fn page_link(&self, cursor: &str, trail: &[&str]) -> String {
        let filters = self.filters_query(true);
        let sep = if filters.is_empty() { "" } else { "&" };
        if cursor.is_empty() {
            return format!("?{filters}");
        }
        format!(
            "?{filters}{sep}{}",
            query(&[("cursor", cursor), ("trail", &trail.join(","))])
        )
    }

    pub fn next_link(&self, cursor: &str) -> String {
        let mut trail = self.trail();
        if !self.cursor.is_empty() {
            trail.push(&self.cursor);
        }
        self.page_link(cursor, &trail)
    }

    /// The page before this one, if this is not the first.
    pub fn previous_link(&self) -> Option<String> {
        if self.cursor.is_empty() {
            return None;
        }
        let mut trail = self.trail();
        let back = trail.pop().unwrap_or_default();
        Some(self.page_link(back, &trail))
    }

    /// This page's number, counting from 1.
    pub fn page_number(&self) -> usize {
        if self.cursor.is_empty() {
            1
        } else {
            self.trail().len() + 2
        }
    }
}

/// One account as a row of the list.
pub struct Row {
    pub id: AccountId,
    pub name: String,
    pub external_id: String,
    pub arr: String,
    pub renewal: String,
    pub days_to_renewal: String,
    /// `soon` within 90 days, `late` when past.
    pub renewal_class: &'static str,
    pub lifecycle: String,
    /// "A1", or empty when ungraded.
    pub grade: String,
    /// "1".."3", "?" when a tier decision is needed, or empty.
    pub tier: String,
    /// The applied Pareto segment number, or empty.
    pub segment: String,
    /// The latest 9-box, "3-3", or empty.
    pub nine_box: String,
    /// The health score rounded, or empty before the first.
    pub health: String,
    /// green, yellow, orange or red, or empty.
    pub health_colour: &'static str,
    pub industry: String,
    pub country: String,
    pub csm: String,
    pub last_touch: String,
    pub touch_class: &'static str,
    /// Why the last touch is marked: the personal touch the tier's cadence wants.
    pub touch_title: String,
    /// Where the success plan stands: "in place", "update due", "refresh due" with any
    /// objective slipping ("1 off track"), or empty without a plan.
    pub plan: String,
    /// `late` when an objective is off track or missed or the update is overdue, `soon` when
    /// one is at risk or the refresh is due.
    pub plan_class: &'static str,
}

/// A plan's standing in a list's words and class.
pub fn plan_standing(p: &PlanStanding, today: NaiveDate) -> (String, &'static str) {
    use sherpa_core::plan::{ObjectiveStatus as S, PlanDue};
    let (mut words, mut class) = match p.dates.due(today) {
        Some(PlanDue::Refresh { .. }) => ("refresh due".to_string(), "soon"),
        Some(PlanDue::Update { .. }) => ("update due".to_string(), "late"),
        None => ("in place".to_string(), ""),
    };
    for (status, cls) in [
        (S::OffTrack, "late"),
        (S::Missed, "late"),
        (S::AtRisk, "soon"),
    ] {
        let n = p.statuses.values().filter(|s| **s == status).count();
        if n > 0 {
            words.push_str(&format!(", {n} {}", status.as_str().replace('_', " ")));
            if class != "late" {
                class = cls;
            }
        }
    }
    (words, class)
}

impl Row {
    pub fn new(
        a: &Account,
        today: NaiveDate,
        names: &HashMap<UserId, String>,
        last_touch: Option<NaiveDate>,
    ) -> Row {
        let days = a.renewal_date.map(|d| format::days_between(today, d));
        let since = last_touch.map(|d| format::days_between(d, today));
        Row {
            id: a.id,
            name: a.fields.name.clone(),
            external_id: a.fields.external_id.clone().unwrap_or_default(),
            arr: format::money(&a.arr),
            renewal: format::date(a.renewal_date),
            days_to_renewal: days.map(|d| d.to_string()).unwrap_or_default(),
            renewal_class: match days {
                Some(d) if d < 0 => "late",
                Some(d) if d <= 90 => "soon",
                _ => "",
            },
            lifecycle: a
                .fields
                .lifecycle
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            grade: a.priority.grade.map(|g| g.to_string()).unwrap_or_default(),
            tier: match (a.priority.tier, a.priority.tier_decision_needed) {
                (Some(t), _) => t.get().to_string(),
                (None, true) => "?".into(),
                (None, false) => String::new(),
            },
            segment: a
                .priority
                .segment
                .map(|s| s.to_string())
                .unwrap_or_default(),
            nine_box: a
                .priority
                .nine_box
                .map(|(_, b)| b.code())
                .unwrap_or_default(),
            health: a.health.map(|(s, _)| format!("{s:.0}")).unwrap_or_default(),
            health_colour: a.health.map(|(_, c)| c.as_str()).unwrap_or_default(),
            industry: a.fields.industry.clone().unwrap_or_default(),
            country: a
                .fields
                .country
                .as_deref()
                .map(sherpa_core::country_name)
                .unwrap_or_default(),
            csm: a
                .fields
                .owners
                .csm
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_default(),
            last_touch: match since {
                Some(d) => d.to_string(),
                None => "never".into(),
            },
            touch_class: "",
            touch_title: String::new(),
            plan: String::new(),
            plan_class: "",
        }
    }

    /// Marks the last touch by the tier's cadence: red when the personal touch it wants was
    /// due before today, amber when it is due today. A touch long ago on an account whose
    /// cadence is kept (or that has none) is not a warning.
    pub fn with_touch_due(mut self, due: Option<NaiveDate>, today: NaiveDate) -> Row {
        if let Some(due) = due {
            let days = format::days_between(due, today);
            (self.touch_class, self.touch_title) = match days {
                d if d > 0 => (
                    "late",
                    format!(
                        "a personal touch was due by {} ({d} d overdue)",
                        format::date(Some(due))
                    ),
                ),
                0 => ("soon", "a personal touch is due today".to_string()),
                _ => (
                    "",
                    format!(
                        "the next personal touch is due by {}",
                        format::date(Some(due))
                    ),
                ),
            };
        }
        self
    }
}

/// One page of an account list, with the totals of everything its filters match.
pub struct Listing {
    pub rows: Vec<Row>,
    pub count: i64,
    pub arr: String,
    pub pager: Pager,
}

/// Where a page sits in its list: the rows it shows of how many, and the ways on and back.
pub struct Pager {
    /// The first and last row shown, counting from 1 (0 and 0 for an empty list).
    pub from: usize,
    pub to: usize,
    pub count: i64,
    pub page: usize,
    pub pages: i64,
    pub first: Option<String>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(p: &ListParams, count: i64, shown: usize, next: Option<String>) -> Pager {
        let page = p.page_number();
        let from = if shown == 0 {
            0
        } else {
            (page - 1) * PAGE as usize + 1
        };
        Pager {
            from,
            to: if shown == 0 { 0 } else { from + shown - 1 },
            count,
            page,
            pages: ((count + PAGE - 1) / PAGE).max(1),
            first: (page > 2).then(|| format!("?{}", p.filters_query(true))),
            previous: p.previous_link(),
            next: next.map(|n| p.next_link(&n)),
        }
    }
}

/// Reads the page `q` asks for and its totals (at once, on two connections), with each row's
/// last personal touch and CSM.
pub async fn load(
    store: &Store,
    q: &AccountQuery,
    p: &ListParams,
    today: NaiveDate,
) -> Result<Listing, Failure> {
    let (page, totals) = tokio::join!(store.accounts(q), store.account_totals(q));
    let ((accounts, next), (count, arr)) = (page?, totals?);
    let ids: Vec<_> = accounts.iter().map(|a| a.id).collect();
    // The rows' own facts, read side by side on the pool's connections: each is a small
    // indexed read, and one after another they were most of a page's wait.
    let (touches, touches_due, names, plans) = tokio::try_join!(
        async { Ok::<_, Failure>(store.last_personal_touches(&ids).await?) },
        async { Ok::<_, Failure>(store.personal_touches_due(&ids).await?) },
        csm_names(store, &accounts),
        async { Ok::<_, Failure>(store.plan_standings(&ids).await?) },
    )?;
    let shown = accounts.len();
    Ok(Listing {
        pager: Pager::new(p, count, shown, next),
        rows: accounts
            .iter()
            .map(|a| {
                let mut row =
                    Row::new(a, today, &names, touches.get(&a.id).map(|t| t.date_naive()))
                        .with_touch_due(touches_due.get(&a.id).copied(), today);
                if let Some(p) = plans.get(&a.id) {
                    (row.plan, row.plan_class) = plan_standing(p, today);
                }
                row
            })
            .collect(),
        count,
        arr: format::money(&arr),
    })
}

/// The CSMs' names of a page of accounts.
pub async fn csm_names(
    store: &Store,
    accounts: &[Account],
) -> Result<HashMap<UserId, String>, Failure> {
    let ids: Vec<UserId> = accounts
        .iter()
        .filter_map(|a| a.fields.owners.csm)
        .collect();
    Ok(store.user_names(&ids).await?)
}

/// The person an `owner` filter names: an id, an email or a full name.
pub async fn resolve_owner(store: &Store, owner: &str) -> Result<Option<UserId>, Failure> {
    let owner = owner.trim();
    if owner.is_empty() {
        return Ok(None);
    }
    let person = match owner.parse::<UserId>() {
        Ok(id) => PersonRef::Id(id),
        Err(_) => PersonRef::from_text(owner)
            .map_err(|e| bad("owner", e))?
            .expect("not empty"),
    };
    match store.find_person(&person).await {
        Ok(id) => Ok(Some(id)),
        Err(sherpa_store::StoreError::Invalid { message, .. }) => Err(bad("owner", message)),
        Err(e) => Err(e.into()),
    }
}
