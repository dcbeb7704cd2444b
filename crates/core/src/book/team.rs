//! Team members: who works the book, in which function, with which permissions.

use super::enums::vocabulary;
use super::{Email, UserId};
use serde::Serialize;

vocabulary!(
    /// What a person does in the company (Sales, CSM, Customer Development, ...). A digital
    /// pool is the one member that is not a person: a shared queue serving the long tail
    /// one-to-many, which holds accounts and tasks but is never counted as a CSM.
    Function, "function" {
        Sales => "sales",
        Csm => "csm" | "customer_success" | "customer_success_manager",
        CustomerDevelopment => "customer_development" | "cd",
        Executive => "executive" | "exec",
        Operations => "operations" | "ops" | "cs_ops",
        DigitalPool => "digital_pool" | "pool" | "pooled" | "digital" | "digital_success" | "tech_touch",
    }
);

impl Function {
    /// Whether this member can be an account's CSM: a CSM, or a pooled digital queue.
    pub fn serves_accounts(self) -> bool {
        matches!(self, Function::Csm | Function::DigitalPool)
    }
}

vocabulary!(
    /// What a person may do in Sherpa.
    Role, "role" {
        Admin => "admin",
        Leader => "leader",
        Csm => "csm",
        Sales => "sales",
        Viewer => "viewer",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub function: Function,
    pub role: Role,
    pub manager_id: Option<UserId>,
    pub active: bool,
    /// Their time zone (an IANA name) for their "today"; none follows the team's.
    pub time_zone: Option<String>,
}

/// A team member to create or update, keyed by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInput {
    pub email: Email,
    pub name: String,
    pub function: Function,
    pub role: Role,
    /// The manager's email; resolved to an id by the store.
    pub manager_email: Option<Email>,
    pub active: bool,
}

/// The scope of an API token: `api` reads and writes the REST API; `ingest` only sends events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenScope {
    Api,
    Ingest,
}

impl TokenScope {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenScope::Api => "api",
            TokenScope::Ingest => "ingest",
        }
    }
}

impl std::str::FromStr for TokenScope {
    type Err = super::Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "api" => Ok(TokenScope::Api),
            "ingest" => Ok(TokenScope::Ingest),
            _ => Err(super::Invalid(format!(
                "\"{s}\" is not a token scope; expected api or ingest"
            ))),
        }
    }
}
