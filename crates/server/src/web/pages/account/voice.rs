//! The account 360's evidence of use and voice: product usage over 90 days, support tickets,
//! and survey answers.

use super::*;

/// Product usage over the last 90 days.
pub(super) struct Usage {
    pub chart: Option<String>,
    pub seats_in_use: i64,
    pub contracted_seats: Option<i64>,
    /// Seats in use over contracted seats, as a percentage.
    pub utilisation: Option<i64>,
    pub events_30_days: i64,
    pub top_features: Vec<(String, i64, bool)>,
    pub never_used: Vec<String>,
}

pub(super) struct TicketLine {
    pub subject: String,
    pub opened: String,
    pub severity: String,
    pub status: String,
    pub escalated: bool,
}

pub(super) struct Support {
    pub open: i64,
    pub last_30_days: i64,
    pub average_resolution: String,
    pub longest_resolution: String,
    pub escalated_90_days: i64,
    pub recent: Vec<TicketLine>,
}

pub(super) struct Answer {
    pub on: String,
    pub kind: String,
    pub value: String,
    /// detractor, passive or promoter for NPS; poor for a low score or "no".
    pub tone: &'static str,
    pub comment: String,
}

pub(super) struct Voice {
    pub nps_12_months: Option<i64>,
    pub nps_previous_12_months: Option<i64>,
    pub answers: Vec<Answer>,
}

/// "2 d 4 h", "5 h", "35 min".
pub(super) fn duration(d: Option<chrono::Duration>) -> String {
    let Some(d) = d else { return "–".into() };
    let minutes = d.num_minutes();
    if minutes >= 24 * 60 {
        format!("{} d {} h", minutes / (24 * 60), minutes % (24 * 60) / 60)
    } else if minutes >= 60 {
        format!("{} h", minutes / 60)
    } else {
        format!("{minutes} min")
    }
}

pub(super) async fn usage(
    s: &AppState,
    a: &Account,
    contracts: &[Contract],
    today: chrono::NaiveDate,
) -> Result<Usage, Failure> {
    let from = today - chrono::Days::new(89);
    let days = s.store.usage(a.id, from, today).await?;
    let contracted: i64 = contracts
        .iter()
        .filter(|t| t.fields.is_current(today))
        .filter_map(|t| t.fields.seats)
        .sum();
    let contracted = (contracted > 0).then_some(contracted);
    let seats_in_use = s.store.seats_in_use(a.id, today).await?;
    let features = s
        .store
        .feature_usage(a.id, today - chrono::Days::new(29), today)
        .await?;
    Ok(Usage {
        chart: chart::usage(&days, from, today, contracted),
        seats_in_use,
        contracted_seats: contracted,
        utilisation: contracted.map(|c| seats_in_use * 100 / c),
        events_30_days: days
            .iter()
            .filter(|d| d.day > today - chrono::Days::new(30))
            .map(|d| d.events)
            .sum(),
        never_used: features
            .iter()
            .filter(|(_, n, _)| *n == 0)
            .map(|(f, _, _)| f.clone())
            .collect(),
        top_features: features
            .into_iter()
            .filter(|(_, n, _)| *n > 0)
            .take(5)
            .collect(),
    })
}

pub(super) async fn voice(
    s: &AppState,
    a: &Account,
    today: chrono::NaiveDate,
) -> Result<(Support, Voice), Failure> {
    let sum = s.store.ticket_summary(a.id).await?;
    let recent = s
        .store
        .tickets(Some(a.id), 8)
        .await?
        .into_iter()
        .map(|t| TicketLine {
            subject: t.fields.subject,
            opened: format::date(Some(t.fields.opened_at.date_naive())),
            severity: t.fields.severity.to_string(),
            status: t.fields.status.to_string(),
            escalated: t.fields.escalated,
        })
        .collect();
    let answers = s.store.surveys(Some(a.id), 200).await?;
    let nps_between = |from: chrono::NaiveDate, to: chrono::NaiveDate| {
        let scores: Vec<i64> = answers
            .iter()
            .filter(|x| {
                x.fields.kind == SurveyKind::Nps
                    && x.fields.answered_on > from
                    && x.fields.answered_on <= to
            })
            .filter_map(|x| x.fields.score)
            .collect();
        nps(&scores)
    };
    let year_ago = today - chrono::Days::new(365);
    let voice = Voice {
        nps_12_months: nps_between(year_ago, today),
        nps_previous_12_months: nps_between(year_ago - chrono::Days::new(365), year_ago),
        answers: answers
            .iter()
            .take(8)
            .map(|x| {
                let f = &x.fields;
                let (value, tone) = match (f.kind, f.score, f.intent) {
                    (SurveyKind::Nps, Some(n), _) => (
                        n.to_string(),
                        if n >= 9 {
                            "promoter"
                        } else if n >= 7 {
                            "passive"
                        } else {
                            "poor"
                        },
                    ),
                    (SurveyKind::Csat, Some(n), _) => {
                        (format!("{n} / 5"), if n <= 2 { "poor" } else { "" })
                    }
                    (SurveyKind::Ces, Some(n), _) => (format!("{n} / 7"), ""),
                    (_, _, Some(i)) => (
                        i.to_string(),
                        if i == RenewIntent::No { "poor" } else { "" },
                    ),
                    _ => (String::new(), ""),
                };
                Answer {
                    on: f.answered_on.to_string(),
                    kind: f.kind.to_string(),
                    value,
                    tone,
                    comment: f.comment.clone().unwrap_or_default(),
                }
            })
            .collect(),
    };
    let support = Support {
        open: sum.open,
        last_30_days: sum.opened_last_30_days,
        average_resolution: duration(sum.average_resolution),
        longest_resolution: duration(sum.longest_resolution),
        escalated_90_days: sum.escalated_last_90_days,
        recent,
    };
    Ok((support, voice))
}
