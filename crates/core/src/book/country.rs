//! Countries: an account's country is kept as its ISO 3166-1 alpha-2 code, whatever a CRM or a
//! person wrote ("US", "USA", "United States", "U.S.", "united states of america" are one
//! country, so they filter and count together), and shown by the name people use.

use super::Invalid;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;

/// Spellings CRMs write that the ISO tables do not list.
const EXTRA: [(&str, &str); 4] = [
    ("uk", "GB"),
    ("britain", "GB"),
    ("deutschland", "DE"),
    ("korea", "KR"),
];

/// Names people use where the ISO short name is a long official one.
const COMMON_NAMES: [(&str, &str); 17] = [
    ("US", "United States"),
    ("GB", "United Kingdom"),
    ("KR", "South Korea"),
    ("KP", "North Korea"),
    ("RU", "Russia"),
    ("IR", "Iran"),
    ("VE", "Venezuela"),
    ("TW", "Taiwan"),
    ("LA", "Laos"),
    ("MD", "Moldova"),
    ("TZ", "Tanzania"),
    ("MK", "North Macedonia"),
    ("PS", "Palestine"),
    ("FM", "Micronesia"),
    ("SH", "Saint Helena"),
    ("CD", "DR Congo"),
    ("VA", "Vatican City"),
];

/// The ISO 3166-1 alpha-2 code of a country given by code (alpha-2 or alpha-3), name or a
/// common alias, in any case and with any spacing or dots.
pub fn country_code(written: &str) -> Result<String, Invalid> {
    // "Côte d'Ivoire" and "Cote dIvoire" alike: accents come off with the punctuation.
    let key: String = written
        .nfd()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let key = key
        .strip_prefix("the")
        .filter(|k| k.len() > 3)
        .unwrap_or(&key);
    if let Some((_, code)) = EXTRA.iter().find(|(k, _)| *k == key) {
        return Ok((*code).to_string());
    }
    celes::Country::from_str(key)
        .map(|c| c.alpha2.to_string())
        .map_err(|_| {
            Invalid(format!(
                "\"{}\" is not a country Sherpa knows; write its name or ISO 3166 code (US, DE, \
                 United Kingdom)",
                written.trim()
            ))
        })
}

/// A country field as typed or imported: blank is none, anything else must be a country.
pub fn optional_country(written: &str) -> Result<Option<String>, Invalid> {
    match written.trim() {
        "" => Ok(None),
        t => country_code(t).map(Some),
    }
}

/// The name a page shows for a stored code; a value that is not a code (kept from before
/// countries were codes, or one no table knows) is shown as written.
pub fn country_name(code: &str) -> String {
    if let Some((_, name)) = COMMON_NAMES.iter().find(|(c, _)| *c == code) {
        return (*name).to_string();
    }
    match celes::Country::from_alpha2(code) {
        Ok(c) => {
            let name = c.long_name.strip_prefix("The ").unwrap_or(c.long_name);
            // The tables capitalise every word ("Bosnia And Herzegovina").
            name.replace(" And ", " and ")
                .replace(" Of ", " of ")
                .replace(" The ", " the ")
        }
        Err(_) => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_a_crm_writes_a_country_is_one_code() {
        for written in [
            "US",
            "us",
            "USA",
            "U.S.",
            "United States",
            "united states of america",
            "The United States of America",
            "America",
        ] {
            assert_eq!(country_code(written).unwrap(), "US", "{written}");
        }
        for (written, code) in [
            ("UK", "GB"),
            ("United Kingdom", "GB"),
            ("Great Britain", "GB"),
            ("GBR", "GB"),
            ("Germany", "DE"),
            ("Deutschland", "DE"),
            ("the Netherlands", "NL"),
            ("Holland", "NL"),
            ("South Korea", "KR"),
            ("Côte d'Ivoire", "CI"),
            ("France", "FR"),
        ] {
            assert_eq!(country_code(written).unwrap(), code, "{written}");
        }
        let e = country_code("Atlantis").unwrap_err();
        assert!(e.0.contains("\"Atlantis\" is not a country"), "{}", e.0);
    }

    #[test]
    fn a_code_is_shown_by_the_name_people_use() {
        assert_eq!(country_name("US"), "United States");
        assert_eq!(country_name("GB"), "United Kingdom");
        assert_eq!(country_name("DE"), "Germany");
        assert_eq!(country_name("NL"), "Netherlands");
        assert_eq!(country_name("BA"), "Bosnia and Herzegovina");
        assert_eq!(country_name("Atlantis"), "Atlantis");
    }
}
