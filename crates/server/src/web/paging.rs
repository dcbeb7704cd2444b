//! Paging of the team lists (team page, users page): a few thousand people at most, read in one
//! query, searched and cut into pages in memory.

use serde::Deserialize;
use sherpa_core::User;
use sherpa_core::text::fold;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeopleQuery {
    /// Text in a person's name or email.
    pub q: String,
    /// The page, from 1.
    pub page: String,
    /// The column the list is sorted by, where it sorts (`-` first: descending).
    pub sort: String,
}

/// One page of a filtered list, and links to the pages beside it.
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// The link that sorts a list of people by `field` (the other way when it is sorted by it
/// already), keeping its search.
pub fn sort_link(q: &str, sort: &str, field: &str) -> String {
    format!(
        "?{}",
        super::format::query(&[
            ("q", q.trim()),
            ("sort", &super::format::next_sort(sort, field))
        ])
    )
}

impl PeopleQuery {
    pub fn matches(&self, u: &User) -> bool {
        let q = fold(self.q.trim());
        q.is_empty() || fold(&u.name).contains(&q) || u.email.as_str().contains(&q)
    }

    /// The page of `items` this query asks for, `per` to a page.
    pub fn page<T>(&self, items: Vec<T>, per: usize) -> Page<T> {
        let total = items.len();
        let pages = total.div_ceil(per).max(1);
        let n = self
            .page
            .trim()
            .parse::<usize>()
            .unwrap_or(1)
            .clamp(1, pages);
        let link = |n: usize| {
            format!(
                "?{}",
                super::format::query(&[
                    ("q", self.q.trim()),
                    ("sort", self.sort.trim()),
                    ("page", &n.to_string()),
                ])
            )
        };
        Page {
            items: items.into_iter().skip((n - 1) * per).take(per).collect(),
            total,
            previous: (n > 1).then(|| link(n - 1)),
            next: (n < pages).then(|| link(n + 1)),
        }
    }
}
