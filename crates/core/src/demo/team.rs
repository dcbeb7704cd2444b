//! The demo team, sized as seeds 002 and 003 describe: named CSMs with 10-15 accounts in the
//! top segment and 50-75 in the second, the long tail in one pooled digital book, AEs, customer
//! development reps, executive sponsors (at most 5 named accounts each), managers and an admin.

use crate::book::{Email, Function, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub email: Email,
    pub name: String,
    pub function: Function,
    pub role: Role,
    /// Index of the manager in the team.
    pub manager: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct DemoTeam {
    pub users: Vec<DemoUser>,
    high_touch: Vec<usize>,
    mid_touch: Vec<usize>,
    digital: usize,
    aes: Vec<usize>,
    cds: Vec<usize>,
    sponsors: Vec<usize>,
}

/// Accounts per high-touch CSM (seed 002: 10-15) and per mid-touch CSM (50-75).
pub const HIGH_TOUCH_BOOK: usize = 12;
pub const MID_TOUCH_BOOK: usize = 60;
/// Accounts per executive sponsor (seed 003: no more than 5).
pub const SPONSOR_ACCOUNTS: usize = 5;

impl DemoTeam {
    pub fn sized_for(accounts: usize) -> Self {
        let top = accounts.div_ceil(10);
        let second = (accounts * 3).div_ceil(10) - top;
        let sponsored = accounts.div_ceil(50);
        let mut users = Vec::new();
        add_user(
            &mut users,
            "Avery Admin".into(),
            "admin@sherpa.example".into(),
            Function::Operations,
            Role::Admin,
            None,
        );
        let vp = add_user(
            &mut users,
            "Morgan Vega".into(),
            "vp.cs@sherpa.example".into(),
            Function::CustomerDevelopment,
            Role::Leader,
            None,
        );
        let spec = [
            (
                "csm",
                Function::Csm,
                Role::Csm,
                top.div_ceil(HIGH_TOUCH_BOOK).max(1),
            ),
            (
                "mcsm",
                Function::Csm,
                Role::Csm,
                second.div_ceil(MID_TOUCH_BOOK).max(1),
            ),
            (
                "ae",
                Function::Sales,
                Role::Sales,
                accounts.div_ceil(150).max(2),
            ),
            (
                "cd",
                Function::CustomerDevelopment,
                Role::Csm,
                top.div_ceil(40).max(1),
            ),
            (
                "exec",
                Function::Executive,
                Role::Csm,
                sponsored.div_ceil(SPONSOR_ACCOUNTS).max(1),
            ),
        ];
        let mut ranges = Vec::new();
        let mut managers_made = 0;
        for (slug, function, role, count) in spec {
            let start = users.len();
            let mut manager = vp;
            for i in 0..count {
                // One manager for every eight people, as a span of control a manager can coach.
                if i % 8 == 0 {
                    managers_made += 1;
                    let (first, last) = person_name(managers_made + 500);
                    manager = add_user(
                        &mut users,
                        format!("{first} {last}"),
                        format!("manager.{managers_made}@sherpa.example"),
                        Function::CustomerDevelopment,
                        Role::Leader,
                        Some(vp),
                    );
                }
                let (first, last) = person_name(users.len());
                add_user(
                    &mut users,
                    format!("{first} {last}"),
                    format!("{slug}.{}@sherpa.example", i + 1),
                    function,
                    role,
                    Some(manager),
                );
            }
            // The reports of this team, without their managers.
            ranges.push(
                (start..users.len())
                    .filter(|i| users[*i].role != Role::Leader)
                    .collect::<Vec<_>>(),
            );
        }
        let digital = add_user(
            &mut users,
            "Digital Success (pooled)".into(),
            "digital@sherpa.example".into(),
            Function::Csm,
            Role::Csm,
            Some(vp),
        );
        let [high_touch, mid_touch, aes, cds, sponsors]: [Vec<usize>; 5] =
            ranges.try_into().expect("five teams");
        DemoTeam {
            users,
            high_touch,
            mid_touch,
            digital,
            aes,
            cds,
            sponsors,
        }
    }

    /// CSM, AE, customer development rep and executive sponsor of the account at `index`.
    pub fn owners_for(
        &self,
        index: usize,
        accounts: usize,
    ) -> (usize, usize, Option<usize>, Option<usize>) {
        let top = accounts.div_ceil(10);
        let second_end = (accounts * 3).div_ceil(10);
        let ae = self.aes[index % self.aes.len()];
        if index < top {
            let csm = self.high_touch[(index / HIGH_TOUCH_BOOK).min(self.high_touch.len() - 1)];
            let sponsor = (index < accounts.div_ceil(50))
                .then(|| self.sponsors[(index / SPONSOR_ACCOUNTS).min(self.sponsors.len() - 1)]);
            (csm, ae, Some(self.cds[index % self.cds.len()]), sponsor)
        } else if index < second_end {
            let csm =
                self.mid_touch[((index - top) / MID_TOUCH_BOOK).min(self.mid_touch.len() - 1)];
            (csm, ae, None, None)
        } else {
            (self.digital, ae, None, None)
        }
    }
}

fn add_user(
    users: &mut Vec<DemoUser>,
    name: String,
    email: String,
    function: Function,
    role: Role,
    manager: Option<usize>,
) -> usize {
    users.push(DemoUser {
        email: Email::parse(&email).expect("demo email"),
        name,
        function,
        role,
        manager,
    });
    users.len() - 1
}

fn person_name(i: usize) -> (&'static str, &'static str) {
    const FIRST: &[&str] = &[
        "Alex", "Blake", "Casey", "Dana", "Emery", "Finley", "Harper", "Jordan", "Kai", "Logan",
        "Riley", "Sage",
    ];
    const LAST: &[&str] = &[
        "Adams", "Baker", "Clark", "Diaz", "Ellis", "Flores", "Gray", "Hughes", "Irwin", "Jones",
        "Kim", "Lee", "Moore",
    ];
    (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn books_are_sized_as_the_seeds_say() {
        let n = 2_000;
        let team = DemoTeam::sized_for(n);
        let mut per_csm = std::collections::HashMap::<usize, usize>::new();
        let mut per_sponsor = std::collections::HashMap::<usize, usize>::new();
        for i in 0..n {
            let (csm, _, _, sponsor) = team.owners_for(i, n);
            *per_csm.entry(csm).or_default() += 1;
            if let Some(s) = sponsor {
                *per_sponsor.entry(s).or_default() += 1;
            }
        }
        for c in &team.high_touch {
            assert!(
                (8..=15).contains(&per_csm[c]),
                "high-touch book of {}",
                per_csm[c]
            );
        }
        for c in &team.mid_touch {
            assert!(
                (40..=75).contains(&per_csm[c]),
                "mid-touch book of {}",
                per_csm[c]
            );
        }
        assert_eq!(per_csm[&team.digital], 1_400);
        assert!(per_sponsor.values().all(|n| *n <= SPONSOR_ACCOUNTS));
        assert_eq!(
            team.users.iter().filter(|u| u.role == Role::Admin).count(),
            1
        );
    }
}
