//! Which file column feeds which field: Sherpa's own column names, the headers of Salesforce
//! and HubSpot exports, or a TOML mapping file for anything else.

use serde::Deserialize;
use std::collections::BTreeMap;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Accounts,
    Contacts,
    Contracts,
    Users,
    Activities,
    Tickets,
    Surveys,
    /// Customer-reported figures for success plan objectives.
    ObjectiveValues,
}

impl std::str::FromStr for ImportKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "accounts" => ImportKind::Accounts,
            "contacts" => ImportKind::Contacts,
            "contracts" => ImportKind::Contracts,
            "users" => ImportKind::Users,
            "activities" => ImportKind::Activities,
            "tickets" => ImportKind::Tickets,
            "surveys" => ImportKind::Surveys,
            "objective-values" | "objective_values" => ImportKind::ObjectiveValues,
            _ => {
                return Err(format!(
                    "\"{s}\" is not an import kind; expected accounts, contacts, contracts, users, activities, tickets, surveys or objective-values"
                ));
            }
        })
    }
}

/// A field a file may fill, with the header spellings recognised without a mapping file.
pub struct FieldSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
}

const fn f(name: &'static str, aliases: &'static [&'static str]) -> FieldSpec {
    FieldSpec { name, aliases }
}

const ACCOUNTS: &[FieldSpec] = &[
    f("sherpa_id", &["sherpa id"]),
    f("parent_sherpa_id", &["parent sherpa id"]),
    f(
        "external_id",
        &[
            "account id",
            "record id",
            "company id",
            "crm id",
            "id",
            "account_id",
        ],
    ),
    f(
        "name",
        &["account name", "company name", "company", "account"],
    ),
    f(
        "domain",
        &[
            "company domain name",
            "website",
            "web domain",
            "domain name",
        ],
    ),
    f("industry", &["industry"]),
    f(
        "country",
        &[
            "billing country",
            "country/region",
            "country region",
            "shipping country",
        ],
    ),
    f(
        "employees",
        &["number of employees", "numberofemployees", "employee count"],
    ),
    f(
        "parent_external_id",
        &["parent account id", "parent company id", "parent id"],
    ),
    f(
        "lifecycle",
        &["lifecycle stage", "type", "lifecycle_stage", "account type"],
    ),
    f(
        "customer_since",
        &[
            "customer since",
            "became a customer date",
            "customer since date",
        ],
    ),
    f(
        "csm_email",
        &["csm", "customer success manager", "csm owner", "csm_owner"],
    ),
    f(
        "ae_email",
        &[
            "account owner",
            "company owner",
            "owner",
            "account executive",
            "ae",
        ],
    ),
    f(
        "cd_email",
        &["customer development", "customer development rep", "cd"],
    ),
    f("sponsor_email", &["executive sponsor", "sponsor"]),
];

const CONTACTS: &[FieldSpec] = &[
    f(
        "external_id",
        &["contact id", "record id", "id", "contact_id"],
    ),
    f(
        "account_external_id",
        &[
            "account id",
            "associated company id",
            // HubSpot's exports name the column in the plural.
            "associated company ids",
            "company id",
            "account_id",
        ],
    ),
    f("name", &["full name", "contact name", "name"]),
    f("first_name", &["first name", "firstname"]),
    f("last_name", &["last name", "lastname"]),
    f("email", &["email", "email address"]),
    f("title", &["job title", "title"]),
    f(
        "roles",
        &[
            "role",
            "roles",
            "contact role",
            "relationship roles",
            "relationship role",
        ],
    ),
    f("departed_on", &["departed", "left on", "departure date"]),
];

const CONTRACTS: &[FieldSpec] = &[
    f(
        "external_id",
        &[
            "contract id",
            "opportunity id",
            "deal id",
            "record id",
            "id",
        ],
    ),
    f(
        "account_external_id",
        &[
            "account id",
            "associated company id",
            // HubSpot's exports name the column in the plural.
            "associated company ids",
            "company id",
            "account_id",
        ],
    ),
    f("product", &["products", "product name"]),
    f(
        "arr",
        &[
            "annual recurring revenue",
            "annual recurring revenue (arr)",
            "arr amount",
            "amount",
            "amount in company currency",
        ],
    ),
    f(
        "currency",
        &["currency code", "opportunity currency", "amount currency"],
    ),
    f("seats", &["quantity", "licenses", "licences"]),
    f(
        "start_date",
        &["start date", "contract start date", "term start"],
    ),
    f(
        "end_date",
        &["end date", "contract end date", "term end", "term end date"],
    ),
    // The first day of the next term, as CRMs write it: the term's last day is the day before.
    f(
        "renewal_date",
        &["renewal date", "next renewal date", "renews on", "renewal"],
    ),
    // Opportunity and deal exports: the close date starts the term, the stage says whether
    // the deal was won, the term's length in months ends it.
    f(
        "close_date",
        &["close date", "closed date", "closed won date"],
    ),
    f("stage", &["stage name", "deal stage", "opportunity stage"]),
    f(
        "term_months",
        &[
            "term (months)",
            "term months",
            "term length",
            "term length (months)",
            "contract term",
            "contract term (months)",
            "contract length",
            "subscription term",
        ],
    ),
    f("status", &["contract status"]),
    f("outcome", &["renewal outcome"]),
    f(
        "churn_reason",
        &["churn reason", "loss reason", "closed lost reason"],
    ),
    f(
        "terms",
        &["non-standard terms", "special terms", "non standard terms"],
    ),
    f(
        "notice_days",
        &[
            "notice period",
            "notice period (days)",
            "notice days",
            "cancellation notice days",
        ],
    ),
    f(
        "auto_renew",
        &[
            "auto renew",
            "auto-renew",
            "auto renewal",
            "auto-renewal",
            "auto renews",
            "automatic renewal",
            "evergreen",
        ],
    ),
];

const USERS: &[FieldSpec] = &[
    f("email", &["email address", "e-mail"]),
    f("name", &["full name"]),
    f("function", &["department", "team"]),
    f("role", &["sherpa role", "access"]),
    f("manager_email", &["manager", "reports to", "manager email"]),
    f("active", &["is active", "enabled"]),
];

const ACTIVITIES: &[FieldSpec] = &[
    f("external_id", &["activity id", "id"]),
    f(
        "account_external_id",
        &["account id", "company id", "account_id"],
    ),
    f("kind", &["type", "activity type"]),
    f(
        "occurred_at",
        &["date", "when", "activity date", "occurred at"],
    ),
    f(
        "user_email",
        &["user", "by", "owner", "assigned to", "logged by"],
    ),
    f("attendees", &["attendee emails", "participants"]),
    f("summary", &["subject", "description", "notes", "comments"]),
];

/// Help-desk exports as Zendesk (Id, Organization, Created at, Solved at, Satisfaction Score),
/// Intercom (Conversation ID, Company name, Conversation started at, Last closed at,
/// Conversation rating) and Freshdesk (Ticket ID, Company Name, Created time, Resolved time)
/// write them: the organization or company names the account.
const TICKETS: &[FieldSpec] = &[
    f(
        "external_id",
        &["id", "ticket id", "conversation id", "ticket number"],
    ),
    f(
        "account_external_id",
        &[
            "organization id",
            "organization external id",
            "company id",
            "account id",
        ],
    ),
    f(
        "account_name",
        &[
            "organization",
            "organization name",
            "company",
            "company name",
            "account name",
        ],
    ),
    f("subject", &["title", "summary", "description"]),
    f(
        "opened_at",
        &[
            "created",
            "created at",
            "created date",
            "created time",
            "opened",
            "conversation started at",
            "started at",
        ],
    ),
    f("severity", &["priority", "urgency"]),
    f("status", &["state", "ticket status"]),
    f(
        "resolved_at",
        &[
            "solved",
            "solved at",
            "resolved",
            "resolved at",
            "resolved time",
            "closed at",
            "closed time",
            "closed",
            "last closed at",
        ],
    ),
    f("escalated", &["is escalated", "escalation"]),
    f(
        "csat",
        &[
            "satisfaction",
            "satisfaction score",
            "satisfaction rating",
            "rating",
            "csat score",
            "conversation rating",
        ],
    ),
];

/// Survey tools' exports (Delighted, Typeform, in-app NPS).
const SURVEYS: &[FieldSpec] = &[
    f("external_id", &["id", "response id"]),
    f(
        "account_external_id",
        &["organization id", "company id", "account id"],
    ),
    f(
        "account_name",
        &["organization", "company", "company name", "account name"],
    ),
    f(
        "contact_email",
        &["email", "respondent", "respondent email", "person email"],
    ),
    f("kind", &["survey", "survey type", "type", "question"]),
    f("score", &["rating", "nps", "nps score", "value"]),
    f("answer", &["would renew", "renewal intent", "response"]),
    f("comment", &["comments", "feedback", "verbatim", "reason"]),
    f(
        "answered_on",
        &[
            "date",
            "created",
            "created at",
            "answered at",
            "responded at",
        ],
    ),
];

const OBJECTIVE_VALUES: &[FieldSpec] = &[
    f(
        "account_external_id",
        &[
            "account external id",
            "account id",
            "external id",
            "crm id",
            "account",
        ],
    ),
    f("sherpa_id", &["sherpa id"]),
    f("objective", &["objective key", "objective title", "metric"]),
    f("value", &["figure", "amount", "current value"]),
    f(
        "measured_on",
        &["date", "on", "measured", "as of", "reported on", "day"],
    ),
    f("note", &["notes", "comment", "source"]),
];

impl ImportKind {
    pub fn fields(&self) -> &'static [FieldSpec] {
        match self {
            ImportKind::Accounts => ACCOUNTS,
            ImportKind::Contacts => CONTACTS,
            ImportKind::Contracts => CONTRACTS,
            ImportKind::Users => USERS,
            ImportKind::Activities => ACTIVITIES,
            ImportKind::Tickets => TICKETS,
            ImportKind::Surveys => SURVEYS,
            ImportKind::ObjectiveValues => OBJECTIVE_VALUES,
        }
    }

    /// Fields that must have a column; alternatives are separated by `|`.
    pub fn required(&self) -> &'static [&'static str] {
        match self {
            ImportKind::Accounts => &["name", "external_id|domain|sherpa_id"],
            ImportKind::Contacts => &["account_external_id", "name|first_name|last_name"],
            ImportKind::Contracts => &[
                "account_external_id",
                "arr",
                "start_date|close_date",
                "end_date|renewal_date|term_months|close_date",
            ],
            ImportKind::Users => &["email"],
            ImportKind::Activities => &["account_external_id", "kind", "occurred_at"],
            ImportKind::Tickets => &["account_external_id|account_name", "opened_at"],
            ImportKind::Surveys => &["account_external_id|account_name", "kind", "answered_on"],
            ImportKind::ObjectiveValues => &[
                "account_external_id|sherpa_id",
                "objective",
                "value",
                "measured_on",
            ],
        }
    }
}

/// A user-supplied mapping: `[columns]` from the file's header to Sherpa's field names.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// The currency of money columns that have no currency column (default USD).
    pub currency: Option<String>,
    /// Contract terms: work out the outcome of ended terms that have none from the term that
    /// followed (default yes); `false` leaves them empty.
    pub derive_outcomes: Option<bool>,
}

impl Mapping {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("mapping file: {e}"))
    }
}

/// Where each field's values are in the file.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub fields: BTreeMap<&'static str, usize>,
    /// `custom.<key>` columns.
    pub custom: Vec<(String, usize)>,
    /// Headers that feed nothing; the summary lists them.
    pub ignored: Vec<String>,
    pub headers: Vec<String>,
}

impl Columns {
    pub fn header(&self, field: &str) -> String {
        self.fields
            .get(field)
            .map(|i| self.headers[*i].clone())
            .unwrap_or_else(|| field.to_string())
    }
}

/// A header as words: lower case, `_` and `-` as spaces, and a camelCase API name (what
/// Salesforce's Data Loader writes: `BillingCountry`, `ParentId`, `AccountId`) split where a
/// small letter meets a capital.
fn normalise(h: &str) -> String {
    let mut split = String::with_capacity(h.len() + 4);
    let mut prev: Option<char> = None;
    for c in h.trim().chars() {
        if c.is_uppercase() && prev.is_some_and(|p| p.is_lowercase()) {
            split.push(' ');
        }
        split.push(c);
        prev = Some(c);
    }
    split
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn match_columns(
    kind: ImportKind,
    headers: &[String],
    mapping: &Mapping,
) -> Result<Columns, String> {
    let specs = kind.fields();
    let mut cols = Columns {
        headers: headers.to_vec(),
        ..Default::default()
    };
    for (i, header) in headers.iter().enumerate() {
        let target = match mapping.columns.get(header.trim()) {
            Some(t) => Some(
                specs
                    .iter()
                    .find(|s| s.name == t)
                    .map(|s| s.name)
                    .ok_or_else(|| {
                        let names: Vec<_> = specs.iter().map(|s| s.name).collect();
                        format!(
                            "mapping file: \"{t}\" is not a {kind:?} field; expected one of: {}",
                            names.join(", ")
                        )
                    })?,
            ),
            None => {
                let h = normalise(header);
                specs
                    .iter()
                    .find(|s| normalise(s.name) == h)
                    .or_else(|| {
                        specs
                            .iter()
                            .find(|s| s.aliases.iter().any(|a| normalise(a) == h))
                    })
                    .map(|s| s.name)
            }
        };
        if let Some(key) = header.trim().strip_prefix("custom.") {
            cols.custom.push((key.to_string(), i));
        } else if let Some(t) = target.filter(|t| !cols.fields.contains_key(t)) {
            cols.fields.insert(t, i);
        } else {
            cols.ignored.push(header.clone());
        }
    }
    for req in kind.required() {
        if !req.split('|').any(|f| cols.fields.contains_key(f)) {
            let spec = specs
                .iter()
                .find(|s| req.starts_with(s.name))
                .expect("required field has a spec");
            let alts = req.split('|').collect::<Vec<_>>().join("\" or \"");
            return Err(format!(
                "missing required column \"{alts}\" (also recognised: {}); add it or map a column to it with --mapping",
                spec.aliases.join(", ")
            ));
        }
    }
    Ok(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<String> {
        s.split(',').map(|x| x.trim().to_string()).collect()
    }

    #[test]
    fn salesforce_and_hubspot_headers_are_recognised() {
        let sf = h(
            "Account ID, Account Name, Industry, Billing Country, Annual Revenue, Employees, Account Owner, Type",
        );
        let c = match_columns(ImportKind::Accounts, &sf, &Mapping::default()).unwrap();
        assert_eq!(c.fields["external_id"], 0);
        assert_eq!(c.fields["ae_email"], 6);
        assert_eq!(c.ignored, vec!["Annual Revenue"]);
        let hs = h(
            "Record ID, Company name, Company Domain Name, Industry, Country/Region, Annual Revenue, Number of Employees, Company owner, Lifecycle Stage",
        );
        let c = match_columns(ImportKind::Accounts, &hs, &Mapping::default()).unwrap();
        assert_eq!(c.fields["domain"], 2);
        assert_eq!(c.fields["lifecycle"], 8);
    }

    #[test]
    fn salesforce_data_loader_api_names_are_recognised() {
        let dl = h("Id, Name, BillingCountry, ParentId, NumberOfEmployees, Type, AnnualRevenue");
        let c = match_columns(ImportKind::Accounts, &dl, &Mapping::default()).unwrap();
        assert_eq!(c.fields["external_id"], 0);
        assert_eq!(c.fields["country"], 2);
        assert_eq!(c.fields["parent_external_id"], 3);
        assert_eq!(c.fields["employees"], 4);
        assert_eq!(c.fields["lifecycle"], 5);
        assert_eq!(c.ignored, vec!["AnnualRevenue"]);
        let contacts = h("Id, AccountId, FirstName, LastName, Email, Title");
        let c = match_columns(ImportKind::Contacts, &contacts, &Mapping::default()).unwrap();
        assert_eq!(c.fields["account_external_id"], 1);
        assert_eq!(c.fields["first_name"], 2);
        assert_eq!(c.fields["last_name"], 3);
        let hubspot = h("Record ID, First Name, Last Name, Email, Associated Company IDs");
        let c = match_columns(ImportKind::Contacts, &hubspot, &Mapping::default()).unwrap();
        assert_eq!(c.fields["account_external_id"], 4);
    }

    #[test]
    fn a_missing_column_is_named() {
        let e = match_columns(
            ImportKind::Accounts,
            &h("Account ID, Industry"),
            &Mapping::default(),
        )
        .unwrap_err();
        assert!(e.contains("missing required column \"name\""), "{e}");
    }

    #[test]
    fn a_mapping_file_maps_anything() {
        let m =
            Mapping::from_toml("[columns]\n\"Client\" = \"name\"\n\"Acct #\" = \"external_id\"\n")
                .unwrap();
        let c = match_columns(ImportKind::Accounts, &h("Acct #, Client"), &m).unwrap();
        assert_eq!((c.fields["external_id"], c.fields["name"]), (0, 1));
        let bad = Mapping::from_toml("[columns]\n\"Client\" = \"nom\"\n").unwrap();
        assert!(
            match_columns(ImportKind::Accounts, &h("Client"), &bad)
                .unwrap_err()
                .contains("\"nom\"")
        );
    }
}
