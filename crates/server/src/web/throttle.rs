//! Sign-in throttling: after repeated failures for one account, or from one address, further
//! attempts are refused for a while, so passwords cannot be guessed at speed.
//!
//! Counts live in memory: a restart forgives, and each server of a cluster counts on its own
//! (so the limit is per server). That keeps a failed guess from costing a database write.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per account within the window.
pub const PER_ACCOUNT: usize = 5;
/// Failures allowed per address within the window (an office shares one address).
pub const PER_ADDRESS: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Why a sign-in is refused before its password is checked.
#[derive(Debug, PartialEq, Eq)]
pub struct Throttled {
    pub message: String,
    pub retry_after: Duration,
}

impl LoginThrottle {
    /// Refuses when the account or the address has used up its failures in the window.
    pub fn check(&self, email: &str, address: &str, now: Instant) -> Result<(), Throttled> {
        let mut map = self.failures.lock().expect("throttle lock");
        for (key, limit, what) in [
            (account_key(email), PER_ACCOUNT, "this account"),
            (address_key(address), PER_ADDRESS, "your address"),
        ] {
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    q.pop_front();
                }
                if q.len() >= limit {
                    let wait = WINDOW - now.duration_since(*q.front().expect("not empty"));
                    let minutes = wait.as_secs().div_ceil(60).max(1);
                    return Err(Throttled {
                        message: format!(
                            "Too many failed sign-ins for {what}: try again in {minutes} minute{}.",
                            if minutes == 1 { "" } else { "s" }
                        ),
                        retry_after: wait,
                    });
                }
            }
        }
        Ok(())
    }

    pub fn failed(&self, email: &str, address: &str, now: Instant) {
        let mut map = self.failures.lock().expect("throttle lock");
        for key in [account_key(email), address_key(address)] {
            map.entry(key).or_default().push_back(now);
        }
        // Forget keys whose failures have all aged out, so the map cannot grow without bound.
        if map.len() > 10_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn succeeded(&self, email: &str) {
        self.failures
            .lock()
            .expect("throttle lock")
            .remove(&account_key(email));
    }
}

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_account_for_the_window_then_it_opens_again() {
        let t = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..PER_ACCOUNT {
            assert!(t.check("ana@example.com", "10.0.0.1", start).is_ok());
            t.failed("ana@example.com", "10.0.0.1", start);
        }
        let refused = t.check("ANA@example.com", "10.0.0.2", start).unwrap_err();
        assert!(
            refused.message.contains("this account"),
            "{}",
            refused.message
        );
        assert!(
            refused.message.contains("15 minutes"),
            "{}",
            refused.message
        );
        // Another account from the same address is still allowed.
        assert!(t.check("bo@example.com", "10.0.0.1", start).is_ok());
        assert!(
            t.check("ana@example.com", "10.0.0.1", start + WINDOW)
                .is_ok()
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_stopped() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..PER_ADDRESS {
            t.failed(&format!("user{i}@example.com"), "10.9.9.9", now);
        }
        let refused = t.check("new@example.com", "10.9.9.9", now).unwrap_err();
        assert!(refused.message.contains("your address"));
    }
}
