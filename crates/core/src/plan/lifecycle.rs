//! A plan's rhythm: it covers twelve rolling months, is refreshed each quarter (a new version)
//! and updated each month (a value recorded, a step done, a blocker moved). A plan is "in
//! place" while its monthly update is not overdue: the health metric of that name reads this.

use chrono::{Months, NaiveDate};

/// What a plan needs next, and why, in words for the task that asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanDue {
    /// A quarter has passed since the last version: review it with the customer.
    Refresh { due_on: NaiveDate, reason: String },
    /// A month has passed with no update.
    Update { due_on: NaiveDate, reason: String },
}

/// The dates a plan's rhythm runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanDates {
    /// The day the current version was made (a new plan or its last refresh).
    pub refreshed_on: NaiveDate,
    /// The last update: a value recorded, a step done, a blocker raised or resolved, or the
    /// version itself.
    pub updated_on: NaiveDate,
}

impl PlanDates {
    /// The last day the current version covers: twelve months on, rolling with each refresh.
    pub fn covers_until(&self) -> NaiveDate {
        self.refreshed_on + Months::new(12)
    }

    pub fn refresh_due_on(&self) -> NaiveDate {
        self.refreshed_on + Months::new(3)
    }

    pub fn update_due_on(&self) -> NaiveDate {
        self.updated_on.max(self.refreshed_on) + Months::new(1)
    }

    /// A live plan whose monthly update is not overdue.
    pub fn in_place(&self, today: NaiveDate) -> bool {
        today <= self.update_due_on()
    }

    /// What is due on `today`, a refresh before an update (a refresh is an update too).
    pub fn due(&self, today: NaiveDate) -> Option<PlanDue> {
        let refresh = self.refresh_due_on();
        if today >= refresh {
            return Some(PlanDue::Refresh {
                due_on: refresh,
                reason: format!(
                    "the plan was last refreshed on {}: a quarter on, review its objectives, \
                     steps and blockers with the customer and save the new version",
                    self.refreshed_on
                ),
            });
        }
        let update = self.update_due_on();
        if today >= update {
            return Some(PlanDue::Update {
                due_on: update,
                reason: format!(
                    "nothing on the plan has moved since {}: record the objectives' values and \
                     where the steps and blockers stand",
                    self.updated_on.max(self.refreshed_on)
                ),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_month_without_an_update_asks_for_one_and_a_quarter_asks_for_a_refresh() {
        let p = PlanDates {
            refreshed_on: day("2026-01-15"),
            updated_on: day("2026-01-20"),
        };
        assert_eq!(p.covers_until(), day("2027-01-15"));
        assert_eq!(p.due(day("2026-02-19")), None);
        assert!(p.in_place(day("2026-02-20")));
        match p.due(day("2026-02-20")) {
            Some(PlanDue::Update { due_on, reason }) => {
                assert_eq!(due_on, day("2026-02-20"));
                assert!(reason.contains("since 2026-01-20"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!p.in_place(day("2026-02-21")), "the update is overdue");
        // Updated since: only the quarterly refresh comes, on its day.
        let updated = PlanDates {
            updated_on: day("2026-04-01"),
            ..p
        };
        assert_eq!(updated.due(day("2026-04-14")), None);
        assert!(matches!(
            updated.due(day("2026-04-15")),
            Some(PlanDue::Refresh { due_on, .. }) if due_on == day("2026-04-15")
        ));
    }

    #[test]
    fn month_ends_roll_to_the_last_day_of_a_shorter_month() {
        let p = PlanDates {
            refreshed_on: day("2026-01-31"),
            updated_on: day("2026-01-31"),
        };
        assert_eq!(p.update_due_on(), day("2026-02-28"));
        assert_eq!(p.refresh_due_on(), day("2026-04-30"));
    }
}
