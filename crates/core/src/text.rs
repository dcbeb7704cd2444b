//! Small text rules shared by imports, the API and the store: a case-folded sort/search key and
//! the fixed-width time format that sorts the same on both engines.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};

/// The key used for case-insensitive sorting and search, identical on SQLite and PostgreSQL
/// because it is computed here rather than by each engine's collation.
pub fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The key a list held in memory is sorted by: neither case nor accents count, so "Émile"
/// sorts with the e's. (The stored [`fold`] keeps accents: changing it would mean rewriting
/// every stored key.)
pub fn sort_key(s: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    s.trim()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// `word` with its indefinite article: "an economic buyer", "a champion", "a user", "an
/// hour". By the sound of its first letters, for the words Sherpa puts after "a" (roles, field
/// kinds, cadences), not English at large.
pub fn with_article(word: &str) -> String {
    let w = word.trim_start().to_lowercase();
    let vowel = match w.chars().next() {
        Some('a' | 'e' | 'i' | 'o') => true,
        // "a user", "a unique", but "an unknown".
        Some('u') => !(w.starts_with("us") || w.starts_with("uni") || w.starts_with("eu")),
        Some('h') => w.starts_with("hour") || w.starts_with("honest"),
        _ => false,
    };
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// What text search over accounts looks in: the folded name, CRM id and domain.
pub fn account_search_key(name: &str, external_id: Option<&str>, domain: Option<&str>) -> String {
    format!(
        "{} {} {}",
        fold(name),
        external_id.unwrap_or("").to_lowercase(),
        domain.unwrap_or("")
    )
}

/// RFC 3339 with microseconds and `Z`: fixed width, so text order is time order.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc())
}

pub fn date(d: NaiveDate) -> String {
    // Written directly: chrono parses its format string at every call, and the store writes
    // and reads millions of days (a demo's year of usage).
    match d.year() {
        y @ 0..=9999 => format!("{y:04}-{:02}-{:02}", d.month(), d.day()),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    // "YYYY-MM-DD", as every stored day is, read directly; anything else as chrono reads it.
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10))
    {
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_and_read_as_chrono_does() {
        let mut d = NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        while d.year() < 2031 {
            let text = date(d);
            assert_eq!(text, d.format("%Y-%m-%d").to_string());
            assert_eq!(parse_date(&text), Some(d));
            d = d.succ_opt().unwrap();
        }
        for odd in [
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "2026-1-05",
            "+2026-01-05",
            "2026/01/05",
            "2026-01-0x",
            "",
            "20260105",
            "2026-01-05 ",
            "0000-01-01",
        ] {
            assert_eq!(
                parse_date(odd),
                NaiveDate::parse_from_str(odd, "%Y-%m-%d").ok(),
                "{odd:?}"
            );
        }
    }
}

#[cfg(test)]
mod article_tests {
    use super::with_article;

    #[test]
    fn a_word_gets_the_article_its_sound_wants() {
        assert_eq!(with_article("economic buyer"), "an economic buyer");
        assert_eq!(with_article("champion"), "a champion");
        assert_eq!(with_article("admin"), "an admin");
        assert_eq!(with_article("user buyer"), "a user buyer");
        assert_eq!(with_article("unknown role"), "an unknown role");
        assert_eq!(with_article("hour"), "an hour");
        assert_eq!(with_article("number"), "a number");
    }
}
