//! Editing an account's fields and owners from the account 360.

use super::*;

#[derive(Deserialize)]
pub struct AccountForm {
    name: String,
    domain: String,
    industry: String,
    country: String,
    employees: String,
    lifecycle: String,
    customer_since: String,
    #[serde(flatten)]
    owners: BTreeMap<String, String>,
}

/// The edit form's fields as shown: the account's values, or what was typed.
pub(super) struct EditValues {
    pub name: String,
    pub domain: String,
    pub industry: String,
    pub country: String,
    pub employees: String,
    pub lifecycle: String,
    pub customer_since: String,
    /// By owner function (`csm`, `ae`, ...): the owner's email, or what was typed.
    pub owners: BTreeMap<String, String>,
}

impl EditValues {
    pub(super) fn of(a: &Account, owners: &[OwnerChoice]) -> EditValues {
        let f = &a.fields;
        EditValues {
            name: f.name.clone(),
            domain: f
                .domain
                .as_ref()
                .map(|d| d.as_str().to_string())
                .unwrap_or_default(),
            industry: f.industry.clone().unwrap_or_default(),
            country: f
                .country
                .as_deref()
                .map(sherpa_core::country_name)
                .unwrap_or_default(),
            employees: f.employees.map(|n| n.to_string()).unwrap_or_default(),
            lifecycle: f
                .lifecycle
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            customer_since: f.customer_since.map(|d| d.to_string()).unwrap_or_default(),
            owners: owners
                .iter()
                .map(|o| (o.function.to_string(), o.email.clone()))
                .collect(),
        }
    }

    fn typed(f: &AccountForm) -> EditValues {
        EditValues {
            name: f.name.clone(),
            domain: f.domain.clone(),
            industry: f.industry.clone(),
            country: f.country.clone(),
            employees: f.employees.clone(),
            lifecycle: f.lifecycle.clone(),
            customer_since: f.customer_since.clone(),
            owners: f
                .owners
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("owner_")?.to_string(), v.clone())))
                .collect(),
        }
    }

    /// The owner field of a function, as shown.
    pub(super) fn owner(&self, function: &str) -> &str {
        self.owners.get(function).map_or("", String::as_str)
    }
}

/// The form field a refusal names ("employees: ..." or "owners.csm: ..."), if one does.
fn refused_field(message: &str) -> Option<String> {
    let (head, _) = message.split_once(": ")?;
    let field = match head {
        "customer since" | "customer_since" => "customer_since".to_string(),
        h if h.starts_with("owner_") => h.to_string(),
        h if h.starts_with("owners.") => format!("owner_{}", &h["owners.".len()..]),
        h @ ("name" | "domain" | "industry" | "country" | "employees" | "lifecycle") => {
            h.to_string()
        }
        _ => return None,
    };
    Some(field)
}

/// The change the form asks for, or the first field that does not parse. Owners are named by
/// email or full name; `current` holds the present owners' emails, to see which changed.
fn account_change(
    a: &Account,
    f: &AccountForm,
    current: &BTreeMap<OwnerFunction, String>,
) -> Result<AccountPatch, Invalid> {
    fn changed<T: PartialEq + Clone>(old: &T, new: T) -> Option<T> {
        (old != &new).then_some(new)
    }
    let opt = |field: &str, v: &str| optional_text(field, v, limits::SHORT_TEXT);
    let name = required_text("name", &f.name, limits::NAME)?;
    let domain = match f.domain.trim() {
        "" => None,
        d => Some(Domain::parse(d).map_err(|e| Invalid(format!("domain: {}", e.0)))?),
    };
    let employees = match f.employees.trim() {
        "" => None,
        n => Some(
            n.replace(',', "")
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=limits::MAX_EMPLOYEES).contains(n))
                .ok_or_else(|| {
                    Invalid(format!(
                        "employees: \"{n}\" is not a whole number between 0 and {}",
                        limits::MAX_EMPLOYEES
                    ))
                })?,
        ),
    };
    let lifecycle = match f.lifecycle.trim() {
        "" => None,
        l => Some(
            l.parse::<Lifecycle>()
                .map_err(|e| Invalid(format!("lifecycle: {e}")))?,
        ),
    };
    let customer_since = match f.customer_since.trim() {
        "" => None,
        d => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                Invalid(format!(
                    "customer since: \"{d}\" is not a date (YYYY-MM-DD)"
                ))
            })?,
        ),
    };
    let mut owners = BTreeMap::new();
    for function in OwnerFunction::ALL {
        let key = format!("owner_{}", function.as_str());
        let Some(v) = f.owners.get(&key) else {
            continue;
        };
        let was = current.get(function).map(String::as_str).unwrap_or("");
        if v.trim().eq_ignore_ascii_case(was) {
            continue;
        }
        let person = PersonRef::from_text(v).map_err(|e| Invalid(format!("{key}: {}", e.0)))?;
        owners.insert(*function, person);
    }
    let fields = &a.fields;
    Ok(AccountPatch {
        name: changed(&fields.name, name),
        domain: changed(&fields.domain, domain),
        industry: changed(&fields.industry, opt("industry", &f.industry)?),
        country: changed(
            &fields.country,
            optional_country(&f.country).map_err(|e| Invalid(format!("country: {}", e.0)))?,
        ),
        employees: changed(&fields.employees, employees),
        lifecycle: changed(&fields.lifecycle, lifecycle),
        customer_since: changed(&fields.customer_since, customer_since),
        owners,
        ..AccountPatch::default()
    })
}

pub async fn edit(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<AccountForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let a = s.store.account(id).await?;
    let mut current = BTreeMap::new();
    for function in OwnerFunction::ALL {
        if let Some(u) = a.fields.owners.get(*function) {
            current.insert(*function, s.store.user(u).await?.email.as_str().to_string());
        }
    }
    let outcome = match account_change(&a, &f, &current) {
        Err(e) => Some((false, e.0)),
        Ok(patch) => match s.app.edit_account(&c.caller(), id, &patch).await {
            Ok(_) if patch == AccountPatch::default() => Some((true, "Nothing changed.".into())),
            Ok(_) => return Ok(Redirect::to(&format!("/accounts/{id}?saved=1")).into_response()),
            Err(e) => Some((false, problem(e)?)),
        },
    };
    let ok = outcome.as_ref().is_some_and(|(ok, _)| *ok);
    let refusal = outcome
        .as_ref()
        .filter(|(ok, _)| !ok)
        .map(|(_, m)| m.clone());
    let mut shown = page(&s, &c, id, outcome).await?;
    if let Some(m) = refusal {
        // The form again as typed, the message beside the field it concerns.
        shown.edit = EditValues::typed(&f);
        shown.edit_error = refused_field(&m).map(|field| {
            let said = m.split_once(": ").map_or(m.as_str(), |(_, rest)| rest);
            (field, said.to_string())
        });
    }
    let mut resp = render(&shown);
    if !ok {
        *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(resp)
}
