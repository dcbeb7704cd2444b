//! The audit trail: who changed what, when, with the record before and after.

use super::{AccountId, AuditId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Who made a change: a person (through the UI, the API or the CLI) or Sherpa itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: Option<super::UserId>,
    /// `api`, `cli`, `import`, `demo`, `system`, `web`...
    pub via: String,
}

impl Actor {
    pub fn system(via: &str) -> Self {
        Actor {
            user_id: None,
            via: via.to_string(),
        }
    }

    pub fn user(user_id: super::UserId, via: &str) -> Self {
        Actor {
            user_id: Some(user_id),
            via: via.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// `create`, `update`, `delete` or `erase` (an erasure request).
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The account the record belongs to (the account itself, or the one its record names).
    pub account_id: Option<AccountId>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}
