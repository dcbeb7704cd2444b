//! Passwords: argon2id PHC strings. Never logged, never stored in clear.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

pub fn hash(password: &str) -> anyhow::Result<String> {
    if password.chars().count() < 10 {
        anyhow::bail!("the password is too short: use at least 10 characters");
    }
    let hash: argon2::PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// A hash no password matches, checked when a sign-in names an unknown email so that the answer
/// takes as long as for a known one.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        hash(&hex::encode(bytes)).expect("a 32-character password hashes")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_short_passwords_are_refused() {
        let h = super::hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery", &h));
        assert!(!super::verify("wrong horse battery", &h));
        assert!(super::hash("short").is_err());
    }
}
