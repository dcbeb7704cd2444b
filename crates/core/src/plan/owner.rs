//! Who owns a part of a plan: a person on our side, a contact at the customer, or an owner
//! function of the account (its CSM, its AE), which follows the account when it changes hands.
//! On the wire: `"user:12"`, `"contact:40"`, or the function's name (`"csm"`).

use crate::book::{ContactId, OwnerFunction, Owners, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanOwner {
    User(UserId),
    Contact(ContactId),
    Function(OwnerFunction),
}

impl PlanOwner {
    /// The team member this owner is on an account with these owners: the person named, or
    /// who holds the function; none for a contact at the customer or a vacant function.
    pub fn user(&self, owners: &Owners) -> Option<UserId> {
        match self {
            PlanOwner::User(u) => Some(*u),
            PlanOwner::Function(f) => owners.get(*f),
            PlanOwner::Contact(_) => None,
        }
    }
}

impl std::fmt::Display for PlanOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanOwner::User(u) => write!(f, "user:{u}"),
            PlanOwner::Contact(c) => write!(f, "contact:{c}"),
            PlanOwner::Function(o) => write!(f, "{o}"),
        }
    }
}

impl std::str::FromStr for PlanOwner {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let wrong = || {
            format!(
                "\"{s}\" is not an owner; write user:ID, contact:ID or a function (csm, ae, \
                 customer_development, executive_sponsor)"
            )
        };
        if let Some(id) = s.strip_prefix("user:") {
            return id.parse().map(PlanOwner::User).map_err(|_| wrong());
        }
        if let Some(id) = s.strip_prefix("contact:") {
            return id.parse().map(PlanOwner::Contact).map_err(|_| wrong());
        }
        s.parse().map(PlanOwner::Function).map_err(|_| wrong())
    }
}

impl serde::Serialize for PlanOwner {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PlanOwner {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_reads_back_as_written() {
        for s in ["user:12", "contact:40", "csm", "customer_development"] {
            assert_eq!(s.parse::<PlanOwner>().unwrap().to_string(), s);
        }
        assert!("user:x".parse::<PlanOwner>().is_err());
        assert!("boss".parse::<PlanOwner>().is_err());
    }
}
