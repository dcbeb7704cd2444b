//! Contacts: the people at an account and the roles they play in the relationship.

use super::enums::vocabulary;
use super::{AccountId, ContactId, Email};
use chrono::NaiveDate;

vocabulary!(
    /// A person's part in the buying and using of our product; one person can hold several.
    RelationshipRole, "relationship role" {
        EconomicBuyer => "economic_buyer" | "eb" | "decision_maker",
        Champion => "champion",
        Coach => "coach",
        TechnicalBuyer => "technical_buyer",
        UserBuyer => "user_buyer",
        Admin => "admin" | "administrator",
        Executive => "executive" | "exec",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub fields: ContactFields,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactFields {
    pub account_id: Option<AccountId>,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<Email>,
    pub title: Option<String>,
    pub roles: Vec<RelationshipRole>,
    pub departed_on: Option<NaiveDate>,
}

impl ContactFields {
    pub fn active(&self) -> bool {
        self.departed_on.is_none()
    }
}

/// Parses `champion; economic buyer` into a sorted, de-duplicated role list.
pub fn parse_roles(s: &str) -> Result<Vec<RelationshipRole>, super::ParseEnumError> {
    let mut roles = s
        .split([';', ',', '|'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::parse)
        .collect::<Result<Vec<RelationshipRole>, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

pub fn roles_to_text(roles: &[RelationshipRole]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_crm_spellings() {
        let r = parse_roles("Champion; Economic Buyer;champion").unwrap();
        assert_eq!(
            r,
            vec![RelationshipRole::EconomicBuyer, RelationshipRole::Champion]
        );
        let e = parse_roles("champion;boss").unwrap_err();
        assert!(
            e.to_string()
                .contains("\"boss\" is not a relationship role")
        );
    }
}
