//! Email addresses and web domains: parsed once, stored lower-case.

use super::Invalid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim().to_lowercase();
        let bad = || {
            Invalid(format!(
                "\"{s}\" is not an email address like ana@example.com"
            ))
        };
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && t.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !t.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
            && !domain.contains('@');
        if ok { Ok(Email(t)) } else { Err(bad()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Email::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A company's web domain, as CRMs export it (`https://www.acme.com/` becomes `acme.com`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Domain(String);

impl Domain {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let mut t = s.trim().to_lowercase();
        for prefix in ["https://", "http://"] {
            if let Some(rest) = t.strip_prefix(prefix) {
                t = rest.to_string();
            }
        }
        if let Some(rest) = t.strip_prefix("www.") {
            t = rest.to_string();
        }
        let t = t.split('/').next().unwrap_or("").to_string();
        let ok = t.contains('.')
            && t.len() <= 253
            && t.split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
        if ok {
            Ok(Domain(t))
        } else {
            Err(Invalid(format!(
                "\"{s}\" is not a web domain like acme.com"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Domain::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_folded_and_checked() {
        assert_eq!(
            Email::parse(" Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@example",
            "a b@x.com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn domains_come_from_urls_too() {
        assert_eq!(
            Domain::parse("https://www.Acme.com/about")
                .unwrap()
                .as_str(),
            "acme.com"
        );
        assert!(Domain::parse("acme").is_err());
        assert!(Domain::parse("acme..com").is_err());
    }
}
