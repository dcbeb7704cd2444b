//! A person's saved views: named portfolio filters, kept as the page's query string so that a
//! view opens exactly the list it was saved from.

use crate::{App, Caller, Error, Result};
use sherpa_core::required_text;
use sherpa_store::SavedView;

/// The longest name a view may have.
pub const VIEW_NAME: usize = 80;

impl App {
    /// Saves the caller's view of that name, or replaces it.
    pub async fn save_view(&self, by: &Caller, name: &str, query: &str) -> Result<SavedView> {
        let me = by.person()?;
        let name =
            required_text("view name", name, VIEW_NAME).map_err(|e| Error::invalid("name", e.0))?;
        Ok(self.store.save_view(me.id, &name, query).await?)
    }

    /// Deletes one of the caller's own views; another person's is not found.
    pub async fn delete_view(&self, by: &Caller, id: i64) -> Result<()> {
        let me = by.person()?;
        Ok(self.store.delete_view(me.id, id).await?)
    }
}
