//! Keeping every account's health current: the refresher's pass over the accounts that writes
//! marked (within a second of the write), and the operator's re-score of the whole book.

use crate::{App, Caller, Result};
use sherpa_core::AccountId;
use sherpa_store::HealthRefresh;

/// One refresher pass: what it did, and the accounts it refreshed one by one (empty when it
/// worked out the whole book again), for the engagement engine to look at next.
#[derive(Debug, Default)]
pub struct MarkedRefresh {
    pub done: HealthRefresh,
    pub refreshed: Vec<AccountId>,
}

/// A re-score of the whole book, and the accounts that had no metrics yet and were worked
/// out from the book.
#[derive(Debug, Default)]
pub struct BookRescore {
    pub done: HealthRefresh,
    pub never_computed: usize,
}

impl App {
    /// Works out the health of the accounts marked since the last pass (every account when a
    /// write marked the book), re-scoring the book when what assigns scorecards changed. A pass
    /// that fails keeps its marks, so the next one tries again.
    pub async fn refresh_marked_health(&self) -> Result<MarkedRefresh> {
        let watch = self.store.health_watch();
        let dirty = watch.take();
        let ids: Vec<AccountId> = dirty.accounts.iter().copied().collect();
        let done = async {
            if dirty.all {
                let done = self.store.rebuild_health().await?;
                self.assess_moved(None).await?;
                return Ok(done);
            }
            let mut done = self.store.refresh_health(&ids).await?;
            if dirty.rescore {
                done = self.store.recompute_health().await?;
                // What assigns models (tiers, segments) may have moved too.
                self.assess_moved(None).await?;
            } else {
                self.assess_moved(Some(&ids)).await?;
            }
            Ok::<_, crate::Error>(done)
        }
        .await;
        watch.finish(&dirty);
        match done {
            Ok(done) => Ok(MarkedRefresh {
                done,
                refreshed: if dirty.all { Vec::new() } else { ids },
            }),
            Err(e) => {
                watch.mark(ids);
                if dirty.all {
                    watch.mark_all();
                }
                if dirty.rescore {
                    watch.mark_rescore();
                }
                Err(e)
            }
        }
    }

    /// Re-scores every account from its kept metrics or, with `rebuild`, works every
    /// account's metrics out again from the book first (leaders and admins); accounts never
    /// worked out are, now.
    pub async fn rescore_book(&self, by: &Caller, rebuild: bool) -> Result<BookRescore> {
        by.may(|u| u.may_manage_book())?;
        let done = if rebuild {
            self.store.rebuild_health().await?
        } else {
            self.store.recompute_health().await?
        };
        let watch = self.store.health_watch();
        let never = watch.take();
        let ids: Vec<AccountId> = never.accounts.iter().copied().collect();
        if !ids.is_empty() {
            self.store.refresh_health(&ids).await?;
        }
        watch.finish(&never);
        self.assess_moved(None).await?;
        Ok(BookRescore {
            done,
            never_computed: ids.len(),
        })
    }
}
