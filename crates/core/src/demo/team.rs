//! The demo team, sized as the engagement practice describes: named high-touch CSMs with 10-15
//! Tier 1 accounts each, mid-touch CSMs with 50-75 Tier 2 accounts, the long tail (Tier 3) in
//! one pooled digital book, AEs, customer development reps, executive sponsors (at most 5 named
//! accounts each), managers and an admin.

use crate::book::{Email, Function, Role};
use crate::prioritise::Tier;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub email: Email,
    pub name: String,
    pub function: Function,
    pub role: Role,
    /// Index of the manager in the team.
    pub manager: Option<usize>,
}

/// Which desk serves an account: where human time goes follows the tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    HighTouch,
    MidTouch,
    Digital,
}

impl Desk {
    /// Tier 1 high touch, Tier 2 mid touch, Tier 3 digital; without a tier, by Pareto segment.
    pub fn of(tier: Option<Tier>, segment: u8) -> Desk {
        match tier.map(Tier::get).unwrap_or(segment) {
            1 => Desk::HighTouch,
            2 => Desk::MidTouch,
            _ => Desk::Digital,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DemoTeam {
    pub users: Vec<DemoUser>,
    high_touch: Vec<usize>,
    mid_touch: Vec<usize>,
    digital: usize,
    aes: Vec<usize>,
    cds: Vec<usize>,
    sponsors: Vec<usize>,
    /// Each account's desk and its place in the desk's book.
    places: Vec<(Desk, usize)>,
    /// Accounts per desk.
    counts: [usize; 3],
}

/// Accounts per high-touch CSM (Tier 1) and per mid-touch CSM (Tier 2): as many as the default
/// engagement plans staff (Tier 1: 50 hours a year each, Tier 2: 19, of a CSM's 1,260 hours
/// for accounts), so that the demo's team is the one its staffing page asks for.
pub const HIGH_TOUCH_BOOK: usize = 25;
pub const MID_TOUCH_BOOK: usize = 66;
/// Accounts per executive sponsor (seed 003: no more than 5).
pub const SPONSOR_ACCOUNTS: usize = 5;

impl DemoTeam {
    /// A team for accounts served at `desks`, one per account.
    pub fn sized_for(desks: &[Desk]) -> Self {
        let accounts = desks.len();
        let mut counts = [0usize; 3];
        let places: Vec<(Desk, usize)> = desks
            .iter()
            .map(|d| {
                let n = &mut counts[*d as usize];
                *n += 1;
                (*d, *n - 1)
            })
            .collect();
        let [top, second, _] = counts;
        let sponsored = accounts.div_ceil(50).min(top);
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
            Function::DigitalPool,
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
            places,
            counts,
        }
    }

    /// Which of a desk's CSMs holds its account at `place`: the desk's book shared evenly.
    fn spread(&self, place: usize, desk: Desk, csms: &[usize]) -> usize {
        (place * csms.len() / self.counts[desk as usize].max(1)).min(csms.len() - 1)
    }

    /// The desk that serves the account at `index`.
    pub fn desk(&self, index: usize) -> Desk {
        self.places[index].0
    }

    /// CSM, AE, customer development rep and executive sponsor of the account at `index`.
    /// High-touch accounts have a customer development rep; the first of them by size an
    /// executive sponsor.
    pub fn owners_for(&self, index: usize) -> (usize, usize, Option<usize>, Option<usize>) {
        let ae = self.aes[index % self.aes.len()];
        let (desk, place) = self.places[index];
        let sponsored = self.places.len().div_ceil(50);
        match desk {
            Desk::HighTouch => {
                let csm = self.high_touch[self.spread(place, Desk::HighTouch, &self.high_touch)];
                let sponsor = (place < sponsored).then(|| {
                    self.sponsors[(place / SPONSOR_ACCOUNTS).min(self.sponsors.len() - 1)]
                });
                (csm, ae, Some(self.cds[place % self.cds.len()]), sponsor)
            }
            Desk::MidTouch => {
                let csm = self.mid_touch[self.spread(place, Desk::MidTouch, &self.mid_touch)];
                (csm, ae, None, None)
            }
            Desk::Digital => (self.digital, ae, None, None),
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
    fn books_are_sized_as_the_practice_says() {
        // A tenth of the book Tier 1, a fifth Tier 2, the rest the long tail.
        let desks: Vec<Desk> = (0..2_000)
            .map(|i| match i % 10 {
                0 => Desk::HighTouch,
                1 | 2 => Desk::MidTouch,
                _ => Desk::Digital,
            })
            .collect();
        let team = DemoTeam::sized_for(&desks);
        let mut per_csm = std::collections::HashMap::<usize, usize>::new();
        let mut per_sponsor = std::collections::HashMap::<usize, usize>::new();
        for (i, desk) in desks.iter().enumerate() {
            let (csm, _, cd, sponsor) = team.owners_for(i);
            *per_csm.entry(csm).or_default() += 1;
            if let Some(s) = sponsor {
                *per_sponsor.entry(s).or_default() += 1;
            }
            assert_eq!(cd.is_some(), *desk == Desk::HighTouch);
            assert_eq!(csm == team.digital, *desk == Desk::Digital);
        }
        for c in &team.high_touch {
            assert!(
                (20..=HIGH_TOUCH_BOOK).contains(&per_csm[c]),
                "high-touch book of {}",
                per_csm[c]
            );
        }
        for c in &team.mid_touch {
            assert!(
                (40..=MID_TOUCH_BOOK).contains(&per_csm[c]),
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

    #[test]
    fn a_demo_book_is_what_the_default_plans_staff() {
        let s = crate::prioritise::StaffingSettings::default();
        let book = |t: i64| {
            let hours = s.hours_per_account(Tier::new(t).unwrap());
            (s.account_hours_per_csm() / hours).floor()
        };
        assert_eq!(book(1), rust_decimal::Decimal::from(HIGH_TOUCH_BOOK));
        assert_eq!(book(2), rust_decimal::Decimal::from(MID_TOUCH_BOOK));
    }

    #[test]
    fn the_desk_follows_the_tier_and_the_segment_without_one() {
        assert_eq!(Desk::of(Tier::new(1), 3), Desk::HighTouch);
        assert_eq!(Desk::of(Tier::new(2), 1), Desk::MidTouch);
        assert_eq!(Desk::of(Tier::new(3), 1), Desk::Digital);
        assert_eq!(Desk::of(None, 1), Desk::HighTouch);
        assert_eq!(Desk::of(None, 3), Desk::Digital);
    }
}
