//! Sign-in throttling: after repeated failures for one account, or from one address, further
//! attempts are refused for a while, so passwords cannot be guessed at speed. An attempt is
//! counted before its password is checked, so a burst sent at once gets no more tries than
//! the limit. The address is the client's as `forwarded` believes it (a forged
//! X-Forwarded-For from an untrusted peer does not move it).
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
    /// Counts a sign-in attempt before its password is checked, or refuses it when the account
    /// or the address has used up its failures in the window. Checking and counting happen
    /// under one lock, so attempts sent at once cannot all pass the check before any is
    /// counted: each is a failure until [`succeeded`](Self::succeeded) says otherwise.
    pub fn begin(&self, email: &str, address: &str, now: Instant) -> Result<(), Throttled> {
        let mut map = self.failures.lock().expect("throttle lock");
        let keys = [
            (account_key(email), PER_ACCOUNT, "this account"),
            (address_key(address), PER_ADDRESS, "your address"),
        ];
        for (key, limit, what) in &keys {
            if let Some(q) = map.get_mut(key) {
                while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    q.pop_front();
                }
                if q.len() >= *limit {
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
        for (key, _, _) in keys {
            map.entry(key).or_default().push_back(now);
        }
        // Forget keys whose failures have all aged out, so the map cannot grow without bound.
        if map.len() > 10_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        Ok(())
    }

    /// The attempt begun at `at` was right: the account's failures are cleared, and the
    /// attempt no longer counts against the address.
    pub fn succeeded(&self, email: &str, address: &str, at: Instant) {
        let mut map = self.failures.lock().expect("throttle lock");
        map.remove(&account_key(email));
        if let Some(q) = map.get_mut(&address_key(address))
            && let Some(i) = q.iter().rposition(|t| *t == at)
        {
            q.remove(i);
        }
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
            assert!(t.begin("ana@example.com", "10.0.0.1", start).is_ok());
        }
        let refused = t.begin("ANA@example.com", "10.0.0.2", start).unwrap_err();
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
        assert!(t.begin("bo@example.com", "10.0.0.1", start).is_ok());
        assert!(
            t.begin("ana@example.com", "10.0.0.1", start + WINDOW)
                .is_ok()
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_stopped() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..PER_ADDRESS {
            t.begin(&format!("user{i}@example.com"), "10.9.9.9", now)
                .unwrap();
        }
        let refused = t.begin("new@example.com", "10.9.9.9", now).unwrap_err();
        assert!(refused.message.contains("your address"));
    }

    #[test]
    fn attempts_sent_at_once_are_counted_before_any_password_is_checked() {
        let t = std::sync::Arc::new(LoginThrottle::default());
        let now = Instant::now();
        let passed: usize = (0..40)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || t.begin("ana@example.com", "10.0.0.1", now).is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum();
        assert_eq!(passed, PER_ACCOUNT);
    }

    #[test]
    fn a_right_password_clears_the_account_and_does_not_count_against_the_address() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..PER_ACCOUNT - 1 {
            t.begin("ana@example.com", "10.0.0.1", now).unwrap();
        }
        t.begin("ana@example.com", "10.0.0.1", now).unwrap();
        t.succeeded("ana@example.com", "10.0.0.1", now);
        for _ in 0..PER_ACCOUNT {
            t.begin("ana@example.com", "10.0.0.1", now).unwrap();
        }
        // The address counts the failures only: 4 + 5, not 10.
        let map = t.failures.lock().unwrap();
        assert_eq!(map[&address_key("10.0.0.1")].len(), 2 * PER_ACCOUNT - 1);
    }
}
