//! One macro for the closed vocabularies of the book (lifecycle stages, roles, outcomes...):
//! each is stored and sent as its lower-case name, and a wrong value names the allowed ones.

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("\"{value}\" is not a {what}; expected one of: {allowed}")]
pub struct ParseEnumError {
    pub what: &'static str,
    pub value: String,
    pub allowed: String,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::book::ParseEnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let key = s.trim().to_lowercase().replace([' ', '-'], "_");
                match key.as_str() {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => Err($crate::book::ParseEnumError {
                        what: $what,
                        value: s.to_string(),
                        allowed: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use vocabulary;
