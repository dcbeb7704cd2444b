//! One search box for the whole product: accounts (name, CRM id, domain), contacts (name,
//! email) and the people on the team (name, email), a few of each, as a person types.

use crate::{App, Caller, Result};
use sherpa_core::text::fold;
use sherpa_core::{Account, User};
use sherpa_store::{AccountQuery, FoundContact};

/// How many of each kind a search answers: enough to pick from while typing.
pub const SEARCH_EACH: usize = 6;
/// Shorter text matches too much of the book to be a useful answer.
pub const SEARCH_MIN_CHARS: usize = 2;

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub accounts: Vec<Account>,
    pub contacts: Vec<FoundContact>,
    pub people: Vec<User>,
}

impl Found {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.contacts.is_empty() && self.people.is_empty()
    }
}

impl App {
    /// Accounts, contacts and team members matching `text`. Everyone signed in reads the
    /// book, so everyone may search it; text shorter than two characters finds nothing.
    pub async fn search(&self, by: &Caller, text: &str) -> Result<Found> {
        by.person()?;
        let text = text.trim();
        if text.chars().count() < SEARCH_MIN_CHARS {
            return Ok(Found::default());
        }
        let q = AccountQuery {
            text: Some(text.to_string()),
            limit: SEARCH_EACH as i64,
            ..Default::default()
        };
        let (accounts, _) = self.store.accounts(&q).await?;
        let contacts = self.store.search_contacts(text, SEARCH_EACH as i64).await?;
        let people = self.find_people(by, text).await?;
        Ok(Found {
            accounts,
            contacts,
            people,
        })
    }

    /// The active team members whose name or email contains `text` (whatever its case), a
    /// few, by name: what a person picks from when they hand work to someone.
    pub async fn find_people(&self, by: &Caller, text: &str) -> Result<Vec<User>> {
        by.person()?;
        let key = fold(text.trim());
        if key.chars().count() < SEARCH_MIN_CHARS {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| u.active)
            .filter(|u| fold(&u.name).contains(&key) || fold(u.email.as_str()).contains(&key))
            .take(SEARCH_EACH)
            .collect())
    }
}
