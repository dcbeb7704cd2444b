//! A scorecard edited as a form, not as TOML: each factor's weight and points (0 at one value,
//! 100 at another, or bands of "from: points"), a factor removed or one added from the metric
//! catalogue, and the colour thresholds. "Preview" says how many accounts would change colour
//! and how; "Save" puts it in force. Both go through the same checks as the TOML editor and
//! `PUT /api/v1/health/config`; a refusal sits beside its field, with what was typed kept.
//! The form's fields as the page shows them are the page's ([`super::scorecards::fields_of`]).

use super::form_state::Fields;
use super::scorecards::{page, render_page};
use crate::AppState;
use crate::web::session::Signed;
use crate::web::{FieldError, PageResult};
use axum::extract::{Path, State};
use sherpa_core::health::{Band, Factor, HealthConfig, Scorecard, ScoringRule, metric};

/// A refusal's key as the form field it belongs to: `scorecards[0].factors[2].weight` is
/// `f2.weight`, a rule's is its first value's field, a threshold's is its own.
fn form_field(key: &str, card: &Scorecard) -> Option<String> {
    let rest = key.split_once("].").map(|(_, r)| r)?;
    if let Some(t) = rest.strip_prefix("thresholds.") {
        return Some(t.to_string());
    }
    if rest.starts_with("thresholds") {
        return Some("green".into());
    }
    let f = rest.strip_prefix("factors[")?;
    let (i, what) = f.split_once(']')?;
    let i: usize = i.parse().ok()?;
    let what = what.trim_start_matches('.');
    Some(match what {
        "weight" => format!("f{i}.weight"),
        _ => match card.factors.get(i).map(|f| &f.rule) {
            Some(ScoringRule::Bands { .. }) => format!("f{i}.bands"),
            Some(_) => format!("f{i}.zero"),
            // An added factor is the last one.
            None => "new.metric".into(),
        },
    })
}

/// The scorecard the form asks for, or the field that does not read as a number.
fn card_from(before: &Scorecard, n: usize, f: &Fields) -> Result<Scorecard, FieldError> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let num = |field: &str, key: String| -> Result<f64, FieldError> {
        let v = get(field);
        v.replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or(FieldError {
                key,
                message: format!("\"{v}\" is not a number"),
            })
    };
    let at = |rest: &str| format!("scorecards[{n}].{rest}");
    let mut card = before.clone();
    card.thresholds.green = num("green", at("thresholds.green"))?;
    card.thresholds.yellow = num("yellow", at("thresholds.yellow"))?;
    card.thresholds.orange = num("orange", at("thresholds.orange"))?;
    let mut factors = Vec::new();
    for (i, factor) in before.factors.iter().enumerate() {
        if f.contains_key(&format!("f{i}.remove")) {
            continue;
        }
        let mut factor = factor.clone();
        factor.weight = num(&format!("f{i}.weight"), at(&format!("factors[{i}].weight")))?;
        factor.rule = match &factor.rule {
            ScoringRule::Linear { .. } => ScoringRule::Linear {
                zero: num(&format!("f{i}.zero"), at(&format!("factors[{i}].rule")))?,
                full: num(&format!("f{i}.full"), at(&format!("factors[{i}].rule")))?,
            },
            ScoringRule::Bands { .. } => ScoringRule::Bands {
                bands: bands(&get(&format!("f{i}.bands"))).map_err(|message| FieldError {
                    key: at(&format!("factors[{i}].rule")),
                    message,
                })?,
            },
        };
        factors.push(factor);
    }
    let added = get("new.metric");
    if !added.is_empty() {
        let key = at(&format!("factors[{}]", factors.len()));
        let m = metric(&added).ok_or(FieldError {
            key: format!("{key}.metric"),
            message: format!("\"{added}\" is not a metric of the catalogue"),
        })?;
        factors.push(Factor {
            metric: m.key.to_string(),
            name: m.name.to_string(),
            group: m.group,
            rule: ScoringRule::Linear {
                zero: num("new.zero", format!("{key}.rule"))?,
                full: num("new.full", format!("{key}.rule"))?,
            },
            weight: num("new.weight", format!("{key}.weight"))?,
        });
    }
    card.factors = factors;
    Ok(card)
}

/// "0: 0; 7: 60; 9: 100" as bands, rising by `from`.
fn bands(text: &str) -> Result<Vec<Band>, String> {
    text.split(';')
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            let (from, points) = b
                .split_once(':')
                .ok_or_else(|| format!("\"{}\" is not \"from: points\"", b.trim()))?;
            let n = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("\"{}\" is not a number", s.trim()))
            };
            Ok(Band {
                from: n(from)?,
                points: n(points)?,
            })
        })
        .collect()
}

/// Previews or saves one scorecard from its form.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(n): Path<usize>,
    axum::Form(f): axum::Form<Fields>,
) -> PageResult {
    let mut config: HealthConfig = s.store.health_config().await?;
    let Some(before) = config.scorecards.get(n).cloned() else {
        return Err(crate::web::Failure::not_found(format!("no scorecard {n}")));
    };
    let preview = f.get("action").map(String::as_str) == Some("preview");
    let refused = |error: FieldError| (n, f.clone(), error);
    let outcome = match card_from(&before, n, &f) {
        Err(e) => Err(refused(e)),
        Ok(card) => {
            config.scorecards[n] = card.clone();
            let caller = c.caller();
            let done = if preview {
                s.app.check_health_config(&caller, &config).await
            } else {
                s.app.save_health_config(&caller, &config).await
            };
            match done {
                Ok(change) if change.changes.is_empty() => {
                    Ok("It matches the scorecard in force: nothing to change.".to_string())
                }
                Ok(change) if preview => Ok(format!(
                    "Saving it would re-score every account. {}",
                    change.moves_in_words()
                )),
                Ok(_) => Ok(format!(
                    "Saved: scorecard {}. Every account's score follows it now.",
                    card.name
                )),
                Err(e) => Err(refused(FieldError::of(e)?)),
            }
        }
    };
    let (status, form) = match outcome {
        Ok(message) => {
            // A preview keeps the form as typed, to save it next; a save shows it in force.
            let typed = preview.then(|| (n, f.clone()));
            (
                axum::http::StatusCode::OK,
                page(&s, &c, None, None, typed, Some((n, true, message, None))).await?,
            )
        }
        Err((n, typed, error)) => {
            let field = form_field(&error.key, &before).unwrap_or_else(|| "green".into());
            let message = format!("{}. Nothing was changed.", error.message);
            (
                axum::http::StatusCode::BAD_REQUEST,
                page(
                    &s,
                    &c,
                    None,
                    None,
                    Some((n, typed)),
                    Some((n, false, message, Some((field, error)))),
                )
                .await?,
            )
        }
    };
    Ok(render_page(form, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_read_as_people_write_them() {
        let b = bands("0: 0; 7: 60 ; 9:100").unwrap();
        assert_eq!(
            b.iter().map(|b| (b.from, b.points)).collect::<Vec<_>>(),
            vec![(0.0, 0.0), (7.0, 60.0), (9.0, 100.0)]
        );
        assert_eq!(
            bands("7 60").unwrap_err(),
            "\"7 60\" is not \"from: points\""
        );
    }
}
