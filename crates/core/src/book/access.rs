//! Who may do what. The REST API and the web UI both ask these rules, so a role means the same
//! thing wherever a person works:
//! - admin: everything, including users, API tokens and system settings;
//! - leader: everything except users, tokens and system settings; a tier override is theirs;
//! - csm: reads everything; edits the accounts where they hold any owner function, those
//!   accounts' contacts, contract terms and activities, and their own tasks;
//! - sales: reads everything; on the accounts where they are the AE, grades at close and logs
//!   activities (and, later, fills the handoff and requests references);
//! - viewer: reads only.

use super::{Owners, Role, Task, User};

/// A refusal, worded for the person refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

type Allowed = Result<(), Denied>;

fn deny(message: impl Into<String>) -> Allowed {
    Err(Denied(message.into()))
}

impl User {
    /// Users, API tokens and system settings.
    pub fn may_administer(&self) -> Allowed {
        match self.role {
            Role::Admin => Ok(()),
            r => deny(format!(
                "only an admin manages users, tokens and system settings; you are {}",
                crate::text::with_article(&r.to_string())
            )),
        }
    }

    /// Customer success configuration, imports, and any account in the book.
    pub fn may_manage_book(&self) -> Allowed {
        match self.role {
            Role::Admin | Role::Leader => Ok(()),
            r => deny(format!(
                "the {r} role cannot do this; ask a leader or an admin"
            )),
        }
    }

    /// Reading raw product events. They may hold personal data (user ids, emails in traits,
    /// addresses in context), so only those who run the intake read them, as they see its
    /// status and rejections; everyone else sees usage through the rollups (active users,
    /// features, events by day).
    pub fn may_read_raw_events(&self) -> Allowed {
        match self.role {
            Role::Admin => Ok(()),
            r => deny(format!(
                "raw product events may hold personal data: only an admin reads them; as {}, \
                 see usage on the account page",
                crate::text::with_article(&r.to_string())
            )),
        }
    }

    /// Lifting an unsubscribe: it was the person's choice, so only an admin lifts it, with the
    /// person's word as the reason (or the person, through their own link).
    pub fn may_lift_unsubscribe(&self) -> Allowed {
        match self.role {
            Role::Admin => Ok(()),
            _ => deny(
                "an unsubscribe is the person's choice: only an admin lifts it, with their word \
                 as the reason, or they do through the link in any email",
            ),
        }
    }

    /// Account fields and owners, contacts and contract terms of one account.
    pub fn may_edit_account(&self, owners: &Owners) -> Allowed {
        match self.role {
            Role::Admin | Role::Leader => Ok(()),
            Role::Csm if owners.includes(self.id) => Ok(()),
            Role::Csm => deny("a CSM edits only the accounts they own; this one is not yours"),
            Role::Sales => deny("the sales role logs activities but does not edit accounts"),
            Role::Viewer => deny("the viewer role is read-only"),
        }
    }

    /// Logging a call, meeting, email or note on one account.
    pub fn may_log_activity(&self, owners: &Owners) -> Allowed {
        match self.role {
            Role::Sales if owners.ae == Some(self.id) => Ok(()),
            Role::Sales => {
                deny("the sales role logs activities only on accounts where it is the AE")
            }
            _ => self.may_edit_account(owners),
        }
    }

    /// Grading an account: the AE grades at close (they know the deal best); after that the
    /// CS team re-grades (the account's owners, and anyone who manages the book).
    pub fn may_grade(&self, owners: &Owners, at_close: bool) -> Allowed {
        match self.role {
            Role::Sales if owners.ae == Some(self.id) && at_close => Ok(()),
            Role::Sales if owners.ae == Some(self.id) => deny(
                "the AE grades at close; later re-grades (the first 30 days, a change) are the \
                 CS team's",
            ),
            Role::Sales => deny("the sales role grades only accounts where it is the AE, at close"),
            _ => self.may_edit_account(owners),
        }
    }

    /// Deciding which of its two tiers a grade between two gets, and placing the account on the
    /// 9-box: the CS team's judgement (the account's owners, leaders, admins).
    pub fn may_decide_tier(&self, owners: &Owners) -> Allowed {
        match self.role {
            Role::Sales => {
                deny("the CS team decides the tier and the 9-box place; the AE grades at close")
            }
            _ => self.may_edit_account(owners),
        }
    }

    /// Overriding the tier grid (a tier the grade does not give) or lifting an override: a
    /// leader's decision, as it moves the account out of the plan every grade follows.
    pub fn may_override_tier(&self) -> Allowed {
        match self.role {
            Role::Admin | Role::Leader => Ok(()),
            r => deny(format!(
                "overriding the tier grid is a leader's decision; as {}, decide between the \
                 grade's two tiers or ask a leader",
                crate::text::with_article(&r.to_string())
            )),
        }
    }

    /// Editing an account's success plan and recording its values: any of its owners, whatever
    /// their function (the AE shapes it at close, the CSM runs it), and leaders; others read it.
    pub fn may_edit_plan(&self, owners: &Owners) -> Allowed {
        match self.role {
            Role::Admin | Role::Leader => Ok(()),
            Role::Csm | Role::Sales if owners.includes(self.id) => Ok(()),
            Role::Viewer => deny("the viewer role is read-only"),
            _ => {
                deny("only the account's owners and leaders edit its success plan; you can read it")
            }
        }
    }

    /// Making the call on an account's renewal and qualifying it (MEDDICC): its owners, who
    /// know the customer (the CSM calls it, the AE and Customer Development weigh in), and
    /// leaders.
    pub fn may_call_renewal(&self, owners: &Owners) -> Allowed {
        match self.role {
            Role::Admin | Role::Leader => Ok(()),
            Role::Csm | Role::Sales if owners.includes(self.id) => Ok(()),
            Role::Viewer => deny("the viewer role is read-only"),
            _ => deny("only the account's owners and leaders make the call on its renewal"),
        }
    }

    /// Opening a task by hand on an account.
    pub fn may_open_task(&self, owners: &Owners) -> Allowed {
        self.may_log_activity(owners)
    }

    /// Changing a task: leaders and admins any, others their own.
    /// Whether tasks may be handed to this person: someone active who can act on them.
    pub fn may_own_tasks(&self) -> Allowed {
        if !self.active {
            return deny(format!(
                "{} is no longer active; hand the task to someone who is",
                self.name
            ));
        }
        match self.role {
            Role::Viewer => deny(format!(
                "{} has the viewer role and cannot work tasks; hand it to someone who can",
                self.name
            )),
            _ => Ok(()),
        }
    }

    pub fn may_change_task(&self, task: &Task) -> Allowed {
        match self.role {
            Role::Admin | Role::Leader => Ok(()),
            Role::Viewer => deny("the viewer role is read-only"),
            _ if task.fields.owner_id == Some(self.id) => Ok(()),
            _ => deny("you can change only your own tasks"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{Email, Function, UserId};

    fn user(id: i64, role: Role) -> User {
        User {
            id: UserId(id),
            email: Email::parse(&format!("u{id}@example.com")).unwrap(),
            name: format!("User {id}"),
            function: Function::Csm,
            role,
            manager_id: None,
            active: true,
            time_zone: None,
        }
    }

    #[test]
    fn a_csm_edits_only_accounts_they_own_in_any_function() {
        let csm = user(7, Role::Csm);
        let mut owners = Owners::default();
        assert!(csm.may_edit_account(&owners).is_err());
        owners.executive_sponsor = Some(UserId(7));
        assert!(csm.may_edit_account(&owners).is_ok());
        assert!(csm.may_log_activity(&owners).is_ok());
    }

    #[test]
    fn sales_logs_activities_where_they_are_the_ae_but_edits_nothing() {
        let ae = user(3, Role::Sales);
        let owners = Owners {
            ae: Some(UserId(3)),
            ..Owners::default()
        };
        assert!(ae.may_log_activity(&owners).is_ok());
        assert!(ae.may_edit_account(&owners).is_err());
        let csm_only = Owners {
            csm: Some(UserId(3)),
            ..Owners::default()
        };
        assert!(ae.may_log_activity(&csm_only).is_err());
    }

    #[test]
    fn the_ae_grades_at_close_the_cs_team_decides_tiers_and_a_leader_overrides() {
        let ae = user(3, Role::Sales);
        let csm = user(7, Role::Csm);
        let owners = Owners {
            ae: Some(UserId(3)),
            csm: Some(UserId(7)),
            ..Owners::default()
        };
        assert!(ae.may_grade(&owners, true).is_ok());
        assert!(
            ae.may_grade(&owners, false).is_err(),
            "re-grades are the CS team's"
        );
        assert!(csm.may_grade(&owners, false).is_ok());
        assert!(ae.may_decide_tier(&owners).is_err());
        assert!(csm.may_decide_tier(&owners).is_ok());
        assert!(csm.may_override_tier().is_err());
        assert!(user(1, Role::Leader).may_override_tier().is_ok());
        assert!(
            user(9, Role::Csm).may_decide_tier(&owners).is_err(),
            "not theirs"
        );
    }

    #[test]
    fn leaders_manage_the_book_but_only_admins_administer() {
        let leader = user(1, Role::Leader);
        assert!(leader.may_manage_book().is_ok());
        assert!(leader.may_edit_account(&Owners::default()).is_ok());
        assert!(leader.may_administer().is_err());
        assert!(user(2, Role::Admin).may_administer().is_ok());
        let viewer = user(4, Role::Viewer);
        assert!(viewer.may_log_activity(&Owners::default()).is_err());
        assert!(viewer.may_manage_book().is_err());
    }
}
