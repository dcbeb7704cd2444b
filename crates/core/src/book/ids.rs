//! Typed ids: an `AccountId` can never be passed where a `ContactId` is expected. On the wire an
//! id is an opaque string.

macro_rules! typed_id {
    ($($name:ident),+) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::book::Invalid;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map($name)
                    .ok_or_else(|| $crate::book::Invalid(format!("\"{s}\" is not a valid id")))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    )+};
}

typed_id!(
    AccountId, UserId, ContactId, ContractId, ActivityId, TaskId, JobId, TokenId, AuditId,
    TicketId, SurveyId
);
