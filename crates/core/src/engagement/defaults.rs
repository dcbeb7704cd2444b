//! The engagement models a new book starts with: seed 000's execution plans per tier for
//! annual contracts, with seed 002's onboarding milestones and ongoing moments. All editable.

use super::config::*;
use super::outreach::EmailAction;
use crate::assignment::{AssignmentRule, Condition};
use crate::book::{ActivityKind, OwnerFunction, Priority, RelationshipRole};
use crate::health::Colour;
use crate::plan::ObjectiveStatus;
use OwnerFunction::*;

fn milestone(
    key: &str,
    title: &str,
    owner: OwnerFunction,
    objective: &str,
    due_days: u32,
    completed_by: Option<Completion>,
) -> Milestone {
    Milestone {
        key: key.into(),
        title: title.into(),
        owner,
        objective: objective.into(),
        due_days,
        completed_by,
        escalate_after_days: 3,
    }
}

fn moment(
    key: &str,
    title: &str,
    owner: OwnerFunction,
    objective: &str,
    when: Trigger,
    due_in_days: u32,
    priority: Priority,
) -> Moment {
    Moment {
        key: key.into(),
        title: title.into(),
        owner,
        objective: objective.into(),
        when,
        due_in_days,
        priority,
        task: true,
        email: None,
        webhook: None,
        answered_by: Vec::new(),
    }
}

/// `m`, fulfilled by a logged activity of one of `kinds`.
fn answered_by(m: Moment, kinds: &[ActivityKind]) -> Moment {
    Moment {
        answered_by: kinds.to_vec(),
        ..m
    }
}

/// Seed 000's Tier 3 touch: an email driven by the customer's age, no task. Defaults ship as
/// dry runs: CS ops previews them and switches each on.
fn automated_email(
    key: &str,
    title: &str,
    objective: &str,
    when: Trigger,
    to: Vec<RelationshipRole>,
    subject: &str,
    body: &str,
) -> Moment {
    Moment {
        task: false,
        email: Some(EmailAction {
            to,
            subject: subject.into(),
            body: body.into(),
            live: false,
        }),
        ..moment(key, title, Csm, objective, when, 0, Priority::Low)
    }
}

/// Tier 3's automated touches by customer age and by usage events (inactivity, a fall in
/// use), and a renewal letter to the economic buyer.
fn automated_touches() -> Vec<Moment> {
    use RelationshipRole::*;
    vec![
        automated_email(
            "welcome_email",
            "Welcome email",
            "The customer's admins and champion know where to start",
            Trigger::CustomerDay(3),
            vec![Champion, Admin],
            "Welcome to the product, {{ contact.first_name }}",
            "Hi {{ contact.first_name }},\n\nWelcome aboard. The quickest way to value for \
             {{ account.name }} is to invite your team and set up your first report.\n\n\
             {% if account.csm_name %}{{ account.csm_name }}{% else %}Your customer success team{% endif %}\n\n\
             Stop these emails: {{ unsubscribe_url }}\n",
        ),
        automated_email(
            "adoption_email",
            "Adoption check email",
            "Customers who have not found value yet ask for help",
            Trigger::CustomerDay(45),
            vec![Champion],
            "{{ account.name }}: your first six weeks",
            "Hi {{ contact.first_name }},\n\n\
             {% if metrics.active_users_30d is defined %}{{ metrics.active_users_30d | int }} people at \
             {{ account.name }} used the product in the last 30 days. {% endif %}\
             Reply to this email if you would like a short session on the features your team \
             has not tried yet.\n\nStop these emails: {{ unsubscribe_url }}\n",
        ),
        // Events, not only age: a customer who stopped using the product, or whose use fell.
        automated_email(
            "inactive_email",
            "We miss you email",
            "A customer who stopped using the product comes back, or tells us why",
            Trigger::InactiveForDays(21),
            vec![Champion, Admin],
            "{{ account.name }}: can we help?",
            "Hi {{ contact.first_name }},\n\nNobody at {{ account.name }} has used the product for \
             three weeks. If something is in the way, reply to this email and we will help you \
             get going again.\n\nStop these emails: {{ unsubscribe_url }}\n",
        ),
        automated_email(
            "usage_down_email",
            "Usage fell email",
            "A customer whose use fell hears from us and can ask for help",
            Trigger::UsageDownPercent(40),
            vec![Champion],
            "{{ account.name }}: a quick check-in",
            "Hi {{ contact.first_name }},\n\nYour team used the product less last week than the \
             week before. If that is a holiday, enjoy it; if something is in the way, reply and \
             we will help.\n\nStop these emails: {{ unsubscribe_url }}\n",
        ),
        automated_email(
            "renewal_email",
            "Renewal letter",
            "The economic buyer knows the renewal date and whom to ask",
            Trigger::RenewalInDays(90),
            vec![EconomicBuyer],
            "{{ account.name }}: your renewal on {{ account.renewal_date }}",
            "Hi {{ contact.first_name }},\n\nYour subscription renews on {{ account.renewal_date }}. \
             Reply to this email with any question about it.\n\n\
             Stop these emails: {{ unsubscribe_url }}\n",
        ),
    ]
}

/// Seed 002's onboarding moments, the kickoff run by `kickoff_owner`.
fn onboarding(kickoff_owner: OwnerFunction) -> Vec<Milestone> {
    vec![
        milestone(
            "kickoff",
            "Kickoff meeting",
            kickoff_owner,
            "The customer meets the team; goals and how they will measure value are agreed",
            14,
            Some(Completion::Activity(ActivityKind::Kickoff)),
        ),
        milestone(
            "access_activated",
            "Access activated (first login)",
            Csm,
            "The customer has logged in",
            7,
            Some(Completion::FirstLogin),
        ),
        milestone(
            "initial_training",
            "Initial product training",
            Csm,
            "The customer's users know how the product works",
            30,
            Some(Completion::Activity(ActivityKind::Training)),
        ),
        milestone(
            "first_value",
            "First value",
            Csm,
            "The customer gets a first quick win from a high-value feature",
            45,
            Some(Completion::FirstValue),
        ),
        milestone(
            "first_metrics_review",
            "First metrics review",
            Csm,
            "A formal review of the first adoption, usage and effectiveness metrics",
            60,
            None,
        ),
        milestone(
            "self_sufficiency",
            "Self-sufficiency checkpoint",
            Csm,
            "The customer understands the product and feels self-sufficient",
            90,
            None,
        ),
    ]
}

/// Seed 002's event-based moments every model reacts to, owned by the CSM.
fn events() -> Vec<Moment> {
    vec![
        moment(
            "high_severity_ticket",
            "Call about the high-severity ticket",
            Csm,
            "The customer knows we are on it; the cause is understood",
            Trigger::HighSeverityTicket,
            1,
            Priority::Urgent,
        ),
        moment(
            "sponsor_departed",
            "Rebuild the relationship: a champion or buyer left",
            Csm,
            "A new champion or economic buyer is found and briefed",
            Trigger::Departed(vec![
                RelationshipRole::Champion,
                RelationshipRole::EconomicBuyer,
            ]),
            7,
            Priority::High,
        ),
        moment(
            "poor_survey",
            "Follow up on a poor survey answer",
            Csm,
            "The reason behind the answer is understood and acted on",
            Trigger::PoorSurvey(PoorSurvey {
                nps_at_most: Some(6),
                csat_at_most: Some(2),
                would_not_renew: true,
            }),
            3,
            Priority::High,
        ),
        moment(
            "usage_down",
            "Usage fell: find out why",
            Csm,
            "The drop is explained (holiday, re-organisation, a competitor) and a plan agreed",
            Trigger::UsageDownPercent(40),
            5,
            Priority::Normal,
        ),
        moment(
            "plan_refresh",
            "Refresh the success plan with the customer",
            Csm,
            "The plan's objectives, steps and blockers still say what the customer wants this \
             year; the new version is saved",
            Trigger::PlanRefresh,
            14,
            Priority::Normal,
        ),
        moment(
            "plan_update",
            "Update the success plan",
            Csm,
            "The objectives' values and the steps and blockers are current",
            Trigger::PlanUpdate,
            7,
            Priority::Normal,
        ),
        moment(
            "renewal_checkpoint_6m",
            "Renewal checkpoint: six months out",
            Csm,
            "The renewal is qualified (MEDDICC) and the CSM's call is on record",
            Trigger::RenewalInDays(crate::revenue::FIRST_CHECKPOINT_DAYS),
            14,
            Priority::Normal,
        ),
        moment(
            "renewal_checkpoint_3m",
            "Renewal checkpoint: three months out",
            Csm,
            "The call on the renewal is confirmed and every risk has an owner",
            Trigger::RenewalInDays(crate::revenue::CALL_DUE_DAYS),
            7,
            Priority::High,
        ),
        moment(
            "renewal_without_call",
            "Renewal in three months with no call",
            CustomerDevelopment,
            "The CSM makes the call on the renewal, or Customer Development takes it over",
            Trigger::RenewalWithoutCall(crate::revenue::CALL_DUE_DAYS),
            3,
            Priority::High,
        ),
        moment(
            "objective_slipping",
            "A success plan objective is slipping",
            Csm,
            "The objective's owner knows why it slipped and what brings it back on track",
            Trigger::ObjectiveTurned(vec![ObjectiveStatus::AtRisk, ObjectiveStatus::OffTrack]),
            3,
            Priority::High,
        ),
    ]
}

/// Seed 001's personal touch each period of the tier's cadence, owned by the CSM.
fn personal_touch(priority: Priority) -> Moment {
    moment(
        "personal_touch",
        "Personal touch",
        Csm,
        "A call, meeting or email with a contact: the customer hears from us each period",
        Trigger::TierCadence,
        0,
        priority,
    )
}

/// The three plans of seed 000 and the rules that assign them by tier.
pub fn default_engagement() -> EngagementConfig {
    let tier = |t: u8, then: &str| AssignmentRule {
        when: Condition {
            tier: Some(t),
            ..Default::default()
        },
        then: then.into(),
    };
    let mut tier_1 = events();
    tier_1.extend([
        personal_touch(Priority::High),
        moment(
            "growth_plan",
            "Build the custom growth plan",
            CustomerDevelopment,
            "A growth plan of attack for this account, agreed with the customer",
            Trigger::CustomerDay(30),
            14,
            Priority::High,
        ),
        // A business review shows the metrics too: the month of a QBR needs no other review.
        answered_by(
            moment(
                "monthly_metrics_review",
                "Monthly metrics review",
                Csm,
                "The customer sees progress against the success metrics agreed at kickoff",
                Trigger::Every("FREQ=MONTHLY".into()),
                14,
                Priority::Normal,
            ),
            &[ActivityKind::Qbr, ActivityKind::Ebr],
        ),
        answered_by(
            moment(
                "qbr",
                "Quarterly business review",
                Csm,
                "Value delivered is shown; next quarter's goals are agreed with the sponsor",
                Trigger::Every("FREQ=MONTHLY;INTERVAL=3".into()),
                30,
                Priority::High,
            ),
            &[ActivityKind::Qbr, ActivityKind::Ebr],
        ),
        answered_by(
            moment(
                "annual_review",
                "Annual account review",
                ExecutiveSponsor,
                "The year's outcomes reviewed with the economic buyer before renewal",
                Trigger::RenewalInDays(120),
                30,
                Priority::High,
            ),
            &[ActivityKind::Ebr],
        ),
        moment(
            "release_walkthrough",
            "Walk the customer through the new release",
            CustomerDevelopment,
            "The customer knows what the release does for their goals",
            Trigger::ProductRelease,
            14,
            Priority::Normal,
        ),
        moment(
            "health_red",
            "Health turned red: sponsor call",
            ExecutiveSponsor,
            "The executive sponsor hears the risk and backs the recovery plan",
            Trigger::HealthTurned(vec![Colour::Red]),
            3,
            Priority::Urgent,
        ),
        moment(
            "renewal_90",
            "Secure the renewal",
            Ae,
            "The renewal is agreed 90 days before the term ends",
            Trigger::RenewalInDays(90),
            30,
            Priority::High,
        ),
    ]);
    let mut tier_2 = events();
    tier_2.extend([
        personal_touch(Priority::Normal),
        answered_by(
            moment(
                "sales_kickoff",
                "Join the kickoff call",
                Ae,
                "Sales hands over what it learned and keeps the momentum of the sale",
                Trigger::CustomerDay(0),
                14,
                Priority::High,
            ),
            &[ActivityKind::Kickoff],
        ),
        moment(
            "customer_development_intro",
            "Introduce Customer Development",
            CustomerDevelopment,
            "Growth, retention or churn prevention: the account's case is judged and planned",
            Trigger::CustomerDay(30),
            30,
            Priority::Normal,
        ),
        moment(
            "q2_success_check_in",
            "Q2 check-in on success metrics",
            CustomerDevelopment,
            "Success metrics reviewed; everything is going well with the account",
            Trigger::ContractDay(91),
            30,
            Priority::Normal,
        ),
        moment(
            "sales_reintroduction",
            "Sales re-introduces itself",
            Ae,
            "The renewal is secured early, in the second or third quarter",
            Trigger::ContractDay(182),
            45,
            Priority::Normal,
        ),
        moment(
            "renewal_60",
            "Renewal in 60 days",
            Csm,
            "Nothing stands in the way of the renewal",
            Trigger::RenewalInDays(60),
            14,
            Priority::High,
        ),
    ]);
    let mut tier_3 = events();
    tier_3.retain(|m| m.key != "usage_down");
    tier_3.push(personal_touch(Priority::Normal));
    tier_3.extend(automated_touches());
    tier_3.push(moment(
        "renewal_60",
        "Renewal in 60 days",
        Csm,
        "Nothing stands in the way of the renewal",
        Trigger::RenewalInDays(60),
        14,
        Priority::Normal,
    ));
    // A tier 3 kickoff is the CSM's; escalations, not meetings, carry its onboarding.
    let mut tier_3_onboarding = onboarding(Csm);
    tier_3_onboarding.retain(|m| m.completed_by.is_some());
    EngagementConfig {
        rules: vec![
            tier(1, "Tier 1: growth"),
            tier(2, "Tier 2: retention"),
            AssignmentRule {
                when: Condition::default(),
                then: "Tier 3: automated".into(),
            },
        ],
        models: vec![
            EngagementModel {
                name: "Tier 1: growth".into(),
                description: "Top priorities: Customer Development runs the kickoff \
                              and a custom growth plan; the most human time."
                    .into(),
                milestones: onboarding(CustomerDevelopment),
                moments: tier_1,
            },
            EngagementModel {
                name: "Tier 2: retention".into(),
                description: "The bread and butter: Sales joins the kickoff, Customer \
                              Development is introduced within 60 days, a Q2 check-in, Sales \
                              back in Q2 or Q3 to secure the renewal."
                    .into(),
                milestones: onboarding(Csm),
                moments: tier_2,
            },
            EngagementModel {
                name: "Tier 3: automated".into(),
                description: "Hard to prioritise: little human time, touches driven \
                              by the customer's age and events."
                    .into(),
                milestones: tier_3_onboarding,
                moments: tier_3,
            },
        ],
    }
}

impl Default for EngagementConfig {
    fn default() -> Self {
        default_engagement()
    }
}
