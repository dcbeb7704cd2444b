//! The `sherpa` binary as a person uses it: CRM exports in, re-imports, bad files, exports,
//! users and tokens. Runs on SQLite and on PostgreSQL (`SHERPA_TEST_PG`).

#[path = "../../store/tests/support.rs"]
mod support;

mod common;

use common::{ok, sherpa, write};

#[tokio::test]
async fn crm_exports_import_once_and_bad_files_change_nothing() {
    let db = support::TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    ok(&sherpa(
        &url,
        &[
            "user",
            "add",
            "ana.lopez@example.com",
            "--role",
            "csm",
            "--name",
            "Ana Lopez",
        ],
    ));
    ok(&sherpa(
        &url,
        &[
            "user",
            "add",
            "ben.chen@example.com",
            "--role",
            "sales",
            "--name",
            "Ben Chen",
            "--function",
            "sales",
        ],
    ));

    // As Salesforce exports accounts (US dates, owner names, a Type column).
    let salesforce = write(
        dir.path(),
        "salesforce.csv",
        "\u{feff}Account ID,Account Name,Industry,Billing Country,Annual Revenue,Employees,Account Owner,Type\r\n\
         0015g00000A1,\"Acme, Inc.\",Software,United States,5000000,250,Ben Chen,Customer - Direct\r\n\
         0015g00000B2,Globex,Manufacturing,Germany,,1200,ben.chen@example.com,Customer - Channel\r\n\r\n\
         0015g00000C3,Hooli,Software,United States,,40,Ben Chen,Prospect\r\n\
         0015g00000D4,Resell Co,Software,France,,12,Ben Chen,Channel Partner / Reseller\r\n\
         0015g00000E5,Misc Ltd,Software,France,,3,Ben Chen,Other\r\n",
    );
    let out = ok(&sherpa(&url, &["import", "accounts", &salesforce]));
    assert!(out.contains("2 created, 0 updated, 0 unchanged"), "{out}");
    // Prospects and partners are in the export too: left out and counted, not refused.
    assert!(
        out.contains(
            "3 rows left out, not customers: 1 Channel Partner / Reseller, 1 Other, 1 Prospect."
        ),
        "{out}"
    );
    assert!(out.contains("ignored columns: Annual Revenue"), "{out}");
    // A value Sherpa does not know on what may be a customer is still refused, by line and
    // column, and nothing is imported.
    let typo = write(
        dir.path(),
        "typo.csv",
        "Account ID,Account Name,Type\r\n0015g00000F6,Initrode,Prospect\r\n0015g00000G7,Vandelay,Customr\r\n",
    );
    let o = sherpa(&url, &["import", "accounts", &typo]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 3, column \"Type\""), "{err}");
    let again = ok(&sherpa(&url, &["import", "accounts", &salesforce]));
    assert!(
        again.contains("0 created, 0 updated, 2 unchanged"),
        "{again}"
    );

    // As HubSpot exports companies (semicolons from a European Excel, a domain, a lifecycle).
    let hubspot = write(
        dir.path(),
        "hubspot.csv",
        "Record ID;Company name;Company Domain Name;Industry;Country/Region;Annual Revenue;Number of Employees;Company owner;Lifecycle Stage\n\
         9001;Initech;initech.com;Software;France;;80;Ana Lopez;customer\n\
         9002;Umbrella;https://www.umbrella.example/;Healthcare;Japan;;15000;;evangelist\n",
    );
    let out = ok(&sherpa(&url, &["import", "accounts", &hubspot]));
    assert!(out.contains("2 created"), "{out}");
    assert!(
        ok(&sherpa(&url, &["import", "accounts", &hubspot]))
            .contains("0 created, 0 updated, 2 unchanged")
    );

    // One bad row: nothing is written, the row and column are named, the exit code says so.
    let bad = write(
        dir.path(),
        "bad.csv",
        "Account ID,Account Name,Employees,Account Owner\n\
         0015g00000C3,Hooli,12,Ben Chen\n\
         0015g00000D4,Vandelay,lots,Ben Chen\n",
    );
    let out = sherpa(&url, &["import", "accounts", &bad]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3, column \"Employees\": \"lots\" is not a whole number"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");

    let export = ok(&sherpa(&url, &["export", "accounts", "--format", "csv"]));
    assert_eq!(
        export.lines().count(),
        5,
        "a header and the four good accounts:\n{export}"
    );
    assert!(!export.contains("Hooli"));
    assert!(export.contains("umbrella.example"));

    // A mapping file for anything else; contracts through it; the ARR shows in the export.
    let mapping = write(
        dir.path(),
        "map.toml",
        "[columns]\n\"Deal\" = \"external_id\"\n\"Customer\" = \"account_external_id\"\n\"Value\" = \"arr\"\n\"From\" = \"start_date\"\n\"To\" = \"end_date\"\n",
    );
    let deals = write(
        dir.path(),
        "deals.csv",
        "Deal,Customer,Value,From,To\nD-1,9001,\"36,000.00\",2026-01-01,2026-12-31\n",
    );
    let out = ok(&sherpa(
        &url,
        &["import", "contracts", &deals, "--mapping", &mapping],
    ));
    assert!(out.contains("1 created"), "{out}");
    let json = ok(&sherpa(&url, &["export", "accounts", "--format", "json"]));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let initech = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Initech")
        .unwrap()
        .clone();
    assert_eq!(initech["arr"], "36000.00");
    assert_eq!(
        initech["csm_email"],
        serde_json::Value::Null,
        "HubSpot's company owner is the AE"
    );
    // Counts are numbers in JSON; money stays decimal text.
    assert_eq!(initech["employees"], 80, "{initech}");
    assert_eq!(initech["ae_email"], "ana.lopez@example.com");

    // Custom fields: defined by an admin, then filled from custom.<key> columns and exported.
    let out = sherpa(
        &url,
        &[
            "import",
            "accounts",
            &write(
                dir.path(),
                "c.csv",
                "external_id,name,custom.renewal_risk\n9001,Initech,high\n",
            ),
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no custom field \"renewal_risk\" is defined")
    );
    ok(&sherpa(
        &url,
        &[
            "field",
            "add",
            "renewal_risk",
            "--kind",
            "text",
            "--label",
            "Renewal risk",
        ],
    ));
    ok(&sherpa(
        &url,
        &["field", "add", "go_live", "--kind", "date"],
    ));
    let custom = write(
        dir.path(),
        "custom.csv",
        "external_id,name,custom.renewal_risk,custom.go_live\n9001,Initech,high,2026-03-01\n",
    );
    assert!(ok(&sherpa(&url, &["import", "accounts", &custom])).contains("1 updated"));
    let bad_date = write(
        dir.path(),
        "custom2.csv",
        "external_id,name,custom.go_live\n9001,Initech,soon\n",
    );
    let out = sherpa(&url, &["import", "accounts", &bad_date]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("column \"custom.go_live\": \"soon\" is not a date")
    );
    let json = ok(&sherpa(&url, &["export", "accounts", "--format", "json"]));
    assert!(json.contains("\"custom.renewal_risk\": \"high\""), "{json}");

    // Dry run reports and writes nothing.
    let more = write(dir.path(), "more.csv", "external_id,name\nN-1,Newco\n");
    assert!(ok(&sherpa(&url, &["import", "accounts", &more, "--dry-run"])).contains("1 created"));
    assert!(!ok(&sherpa(&url, &["export", "accounts"])).contains("Newco"));

    // XLSX round trip: the export imports back unchanged.
    let xlsx = dir.path().join("accounts.xlsx");
    ok(&sherpa(
        &url,
        &[
            "export",
            "accounts",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    ));
    let out = ok(&sherpa(
        &url,
        &["import", "accounts", xlsx.to_str().unwrap()],
    ));
    assert!(out.contains("0 created, 0 updated, 4 unchanged"), "{out}");

    // Tokens are printed once; an unknown user is a clear error.
    let token = ok(&sherpa(
        &url,
        &["token", "create", "ana.lopez@example.com", "--scope", "api"],
    ));
    assert!(token.trim().starts_with("sherpa_api_"));
    let listed = ok(&sherpa(&url, &["token", "list", "ana.lopez@example.com"]));
    assert!(
        listed.contains("\tapi\t") && listed.contains("active"),
        "{listed}"
    );
    assert!(
        !listed.contains(token.trim()),
        "the secret is never shown again"
    );
    let id = listed.split('\t').next().unwrap().to_string();
    ok(&sherpa(&url, &["token", "revoke", &id]));
    assert!(ok(&sherpa(&url, &["token", "list", "ana.lopez@example.com"])).contains("revoked"));
    let out = sherpa(
        &url,
        &["token", "create", "nobody@example.com", "--scope", "api"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no team member nobody@example.com"));
}

#[test]
fn a_bad_database_url_is_one_clear_line() {
    let out = sherpa("mysql://localhost/x", &["migrate"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("neither sqlite://PATH nor postgres://"),
        "{err}"
    );
}

#[tokio::test]
async fn the_demo_loads_once_and_a_second_run_keeps_the_book() {
    let db = support::TestDb::new().await;
    let first = ok(&sherpa(
        &db.url,
        &["demo", "--accounts", "300", "--no-serve"],
    ));
    assert!(first.contains("300 accounts"), "{first}");
    assert!(first.contains("API token (admin): sherpa_api_"), "{first}");
    let second = ok(&sherpa(
        &db.url,
        &["demo", "--accounts", "300", "--no-serve"],
    ));
    assert!(
        second.contains("already holds a book of 300 accounts"),
        "{second}"
    );
    let token = second
        .lines()
        .find_map(|l| l.strip_prefix("API token (admin): "))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        db.store.authenticate_token(&token).await.unwrap().is_some(),
        "the new token works"
    );
    // The adoption matrix as a report: a table, and a spreadsheet coloured as the page is.
    let csv = ok(&sherpa(
        &db.url,
        &["report", "adoption", "--tier", "1", "--format", "csv"],
    ));
    let header = csv.lines().next().unwrap();
    assert!(header.contains("Reporting: Dashboard Viewed"), "{header}");
    assert!(csv.contains("unused"), "the demo has unused paid features");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("adoption.xlsx");
    ok(&sherpa(
        &db.url,
        &[
            "report",
            "adoption",
            "--tier",
            "1",
            "--format",
            "xlsx",
            "-o",
            path.to_str().unwrap(),
        ],
    ));
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let range = book.worksheet_range("Adoption").unwrap();
    assert_eq!(
        range.height() - 2,
        csv.lines().count() - 1,
        "one row per account"
    );
}

#[tokio::test]
async fn event_history_and_help_desk_exports_import_from_the_command_line() {
    let db = support::TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let accounts = write(
        dir.path(),
        "a.csv",
        "Account ID,Account Name\nACME,Acme Corp\n",
    );
    ok(&sherpa(&url, &["import", "accounts", &accounts]));

    let bad = write(
        dir.path(),
        "bad.ndjson",
        "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Login\",\"context\":{\"groupId\":\"ACME\"}}\n{\"type\":\"track\",\"userId\":\"u1\"}\n",
    );
    let o = sherpa(&url, &["import", "events", &bad]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 2") && err.contains("needs an \"event\""),
        "{err}"
    );
    assert!(
        db.store.events(None, 0, 10).await.unwrap().is_empty(),
        "nothing stored"
    );

    let good = write(
        dir.path(),
        "history.csv",
        "timestamp,user_id,event,account,message_id\n2026-10-01T10:00:00Z,u1,Report Built,ACME,h1\n2026-10-02T10:00:00Z,u2,Export,ACME,h2\n",
    );
    let out = ok(&sherpa(&url, &["import", "events", &good]));
    assert!(out.contains("2 events: 2 stored, 0 already there"), "{out}");
    // The daily rollups were written before the command exited: nothing is left to catch up.
    let days: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM usage_days")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(days, 2, "one rollup row a day of use");
    assert!(
        out.contains("usage rolled up and health worked out again for 1 account;"),
        "{out}"
    );
    let again = ok(&sherpa(&url, &["import", "events", &good]));
    assert!(again.contains("0 stored, 2 already there"), "{again}");

    let tickets = write(
        dir.path(),
        "zendesk.csv",
        "Id,Organization,Subject,Created at,Priority,Status\n9,Acme Corp,Login broken,2026-11-01 09:00,urgent,open\n",
    );
    let out = ok(&sherpa(&url, &["import", "tickets", &tickets]));
    assert!(out.contains("1 created"), "{out}");

    // The history exports: usage rollups a day a row, counts as numbers; the audit log names
    // what each import did.
    let json = |kind: &str| -> serde_json::Value {
        serde_json::from_str(&ok(&sherpa(&url, &["export", kind, "--format", "json"]))).unwrap()
    };
    let usage = json("usage");
    assert_eq!(usage.as_array().unwrap().len(), 2, "{usage}");
    assert_eq!(usage[0]["account_external_id"], "ACME");
    assert_eq!(usage[0]["day"], "2026-10-01");
    assert_eq!(
        (usage[0]["events"].clone(), usage[0]["active_users"].clone()),
        (1.into(), 1.into())
    );
    let audit = json("audit");
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["entity"] == "account"
                && e["action"] == "create"
                && e["after"].as_str().unwrap().contains("Acme Corp")),
        "{audit}"
    );
    for kind in ["tasks", "activities", "health"] {
        let csv = ok(&sherpa(&url, &["export", kind]));
        assert!(
            csv.starts_with("account_sherpa_id,account_external_id,account,"),
            "{kind}: {csv}"
        );
    }
    let o = sherpa(&url, &["export", "invoices"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains(
        "expected accounts, contacts, contracts, tasks, activities, health, usage or audit"
    ));
}

#[tokio::test]
async fn contract_terms_mean_what_their_dates_say_overlaps_are_refused_and_outcomes_follow_the_next_term()
 {
    let db = support::TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let accounts = write(
        dir.path(),
        "accounts.csv",
        "external_id,name\nA1,Renews Co\nA2,Grows Co\nA3,Leaves Co\n",
    );
    ok(&sherpa(&url, &["import", "accounts", &accounts]));

    // Two terms of one product whose days overlap: refused with the line and column, nothing
    // written.
    let overlapping = write(
        dir.path(),
        "overlap.csv",
        "external_id,account_external_id,product,arr,currency,start_date,end_date\n\
         T1,A1,Platform,12000,USD,2024-01-01,2024-12-31\n\
         T2,A1,Platform,12000,USD,2024-06-01,2025-05-31\n",
    );
    let o = sherpa(&url, &["import", "contracts", &overlapping]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 3") && err.contains("overlaps term T1 (2024-01-01 to 2024-12-31)"),
        "{err}"
    );

    // A renewal date is the next term's first day: the term ends the day before. Ended terms
    // without an outcome get one from the term that followed.
    let terms = write(
        dir.path(),
        "terms.csv",
        "external_id,account_external_id,product,arr,currency,start_date,renewal_date,Auto Renewal\n\
         R1,A1,Platform,12000,USD,2024-01-01,2025-01-01,Yes\n\
         R2,A1,Platform,12000,USD,2025-01-01,2026-01-01,yes\n\
         G1,A2,Platform,10000,USD,2024-03-01,2025-03-01,No\n\
         G2,A2,Platform,15000,USD,2025-03-01,2027-03-01,false\n\
         L1,A3,Platform,9000,USD,2024-02-01,2025-02-01,\n",
    );
    let out = ok(&sherpa(&url, &["import", "contracts", &terms, "--dry-run"]));
    // The dry run shows each account's ARR as it would be: Grows Co's running term.
    let grows = out
        .lines()
        .find(|l| l.contains("Grows Co"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        grows.contains("15,000") || grows.contains("15000"),
        "{grows}"
    );
    assert!(
        out.contains("4 ended terms without an outcome would be given one"),
        "{out}"
    );
    let out = ok(&sherpa(&url, &["import", "contracts", &terms]));
    assert!(
        out.contains("4 ended terms without an outcome were given one"),
        "{out}"
    );
    let exported = ok(&sherpa(&url, &["export", "contracts", "--format", "json"]));
    let rows: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let term = |id: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["external_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        term("R1")["end_date"],
        "2024-12-31",
        "the day before the renewal"
    );
    assert_eq!(term("R1")["outcome"], "renewed");
    assert_eq!(term("R2")["outcome"], "churned", "ended with no next term");
    assert_eq!(term("G1")["outcome"], "expanded");
    let g2 = term("G2");
    assert!(
        g2["outcome"].as_str().unwrap_or_default().is_empty(),
        "still running: {g2}"
    );
    assert_eq!(term("L1")["outcome"], "churned");
    // Whether a term renews by itself, as the CRM wrote it; blank is not known, not "no".
    assert_eq!(
        ["R1", "G2", "L1"].map(|id| term(id)["auto_renew"].clone()),
        [
            serde_json::json!("yes"),
            serde_json::json!("no"),
            serde_json::Value::Null
        ]
    );
    let unsure = write(
        dir.path(),
        "unsure.csv",
        "external_id,account_external_id,product,arr,currency,start_date,end_date,evergreen\n\
         U1,A3,Support,1000,USD,2025-02-01,2026-01-31,maybe\n",
    );
    let o = sherpa(&url, &["import", "contracts", &unsure]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("line 2") && err.contains("\"maybe\" is not yes or no"),
        "{err}"
    );

    // Asked not to, it leaves them as the file says.
    let more = write(
        dir.path(),
        "more.csv",
        "external_id,account_external_id,product,arr,currency,start_date,end_date\n\
         X1,A3,Support,1000,USD,2024-02-01,2025-01-31\n",
    );
    ok(&sherpa(
        &url,
        &["import", "contracts", &more, "--no-derive-outcomes"],
    ));
    let exported = ok(&sherpa(&url, &["export", "contracts", "--format", "json"]));
    assert!(exported.contains("\"X1\""));
    let rows: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let x1 = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["external_id"] == "X1")
        .unwrap();
    assert!(
        x1["outcome"].as_str().unwrap_or_default().is_empty(),
        "{x1}"
    );
}

/// Accounts made through the API with neither a CRM id nor a domain come back from Sherpa's
/// own export by their Sherpa id: an edited export updates them, never duplicates them, and a
/// parent without a CRM id stays the parent.
#[tokio::test]
async fn an_export_of_accounts_without_crm_ids_imports_back_onto_the_same_accounts() {
    use sherpa_core::*;
    let db = support::TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let sys = Actor::system("test");
    let named = |name: &str, parent: Option<AccountId>| AccountPatch {
        name: Some(name.into()),
        parent: parent.map(|p| Some(AccountRef::Id(p))),
        ..Default::default()
    };
    let group = db
        .store
        .create_account(&sys, &named("Solo Group", None))
        .await
        .unwrap();
    db.store
        .create_account(&sys, &named("Solo Branch", Some(group.id)))
        .await
        .unwrap();
    let export = ok(&sherpa(&db.url, &["export", "accounts", "--format", "csv"]));
    assert!(export.starts_with("sherpa_id,external_id,name"), "{export}");
    let file = write(dir.path(), "book.csv", &export);
    let out = ok(&sherpa(&db.url, &["import", "accounts", &file]));
    assert!(out.contains("0 created, 0 updated, 2 unchanged"), "{out}");
    let edited = write(
        dir.path(),
        "edited.csv",
        &export.replace("Solo Group", "Solo Holdings"),
    );
    let out = ok(&sherpa(&db.url, &["import", "accounts", &edited]));
    assert!(out.contains("0 created, 1 updated, 1 unchanged"), "{out}");
    let json = ok(&sherpa(
        &db.url,
        &["export", "accounts", "--format", "json"],
    ));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let branch = rows.iter().find(|r| r["name"] == "Solo Branch").unwrap();
    assert_eq!(branch["parent_sherpa_id"], group.id.to_string());
    // A Sherpa id this book does not have is named, not taken as a new account.
    let stranger = write(dir.path(), "other.csv", "sherpa_id,name\n999999,Stranger\n");
    let out = sherpa(&db.url, &["import", "accounts", &stranger]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2") && err.contains("no account with Sherpa id 999999"),
        "{err}"
    );
}

#[tokio::test]
async fn salesforce_ids_of_15_and_18_characters_are_one_record_and_report_footers_are_left_out() {
    let db = support::TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    // Data Loader writes 18-character ids and API names.
    let loader = write(
        dir.path(),
        "loader.csv",
        "\"Id\",\"Name\",\"BillingCountry\",\"Type\"\r\n\
         \"001D000000IqhSLIAZ\",\"Acme\",\"United States\",\"Customer - Direct\"\r\n\
         \"0015g00000AbcdeAAB\",\"Globex\",\"Germany\",\"Customer - Direct\"\r\n",
    );
    let out = ok(&sherpa(&url, &["import", "accounts", &loader]));
    assert!(out.contains("2 created"), "{out}");
    // A report writes the same records with 15 characters, then its footer.
    let report = write(
        dir.path(),
        "report.csv",
        "\"Account ID\",\"Account Name\",\"Billing Country\",\"Type\"\r\n\
         \"001D000000IqhSL\",\"Acme\",\"USA\",\"Customer - Direct\"\r\n\
         \"0015g00000Abcde\",\"Globex\",\"DE\",\"Customer - Direct\"\r\n\
         \r\n\
         \"Customers\"\r\n\
         \"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\r\n\
         \"Confidential Information - Do Not Distribute\"\r\n\
         \"Generated By:  Ana Lopez  12/3/2026, 9:14 AM\"\r\n",
    );
    // "USA" is the country "United States" was, "DE" is Germany: nothing changes.
    let out = ok(&sherpa(&url, &["import", "accounts", &report]));
    assert!(out.contains("0 created, 0 updated, 2 unchanged"), "{out}");
    assert!(
        out.contains("4 footer lines of the report left out: \"Customers\""),
        "{out}"
    );
    // Contacts keyed by the 18-character AccountId land on the accounts.
    let contacts = write(
        dir.path(),
        "contacts.csv",
        "Id,AccountId,FirstName,LastName,Email\r\n\
         0035g00000Xyz01AAA,001D000000IqhSLIAZ,Jane,Doe,jane@acme.example\r\n",
    );
    let out = ok(&sherpa(&url, &["import", "contacts", &contacts]));
    assert!(out.contains("1 created"), "{out}");
    let json = ok(&sherpa(&url, &["export", "contacts", "--format", "json"]));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["account_external_id"], "001D000000IqhSL", "{rows}");
    let accounts = ok(&sherpa(&url, &["export", "accounts", "--format", "csv"]));
    assert_eq!(accounts.lines().count(), 3, "{accounts}");
    assert!(
        accounts.contains(",US,") && accounts.contains(",DE,"),
        "ISO codes: {accounts}"
    );
    // HubSpot lists every company a contact is associated with: the first is theirs.
    let hubspot = write(
        dir.path(),
        "hubspot-contacts.csv",
        "Record ID,First Name,Last Name,Email,Associated Company IDs\r\n\
         501,Kim,Lee,kim@globex.example,0015g00000Abcde;001D000000IqhSL\r\n",
    );
    assert!(ok(&sherpa(&url, &["import", "contacts", &hubspot])).contains("1 created"));
    let json = ok(&sherpa(&url, &["export", "contacts", "--format", "json"]));
    assert!(
        json.contains(r#""account_external_id":"0015g00000Abcde""#)
            || json.contains(r#""account_external_id": "0015g00000Abcde""#),
        "{json}"
    );
}

#[tokio::test]
async fn intercom_and_freshdesk_ticket_exports_import_as_they_are_written() {
    let db = support::TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let accounts = write(
        dir.path(),
        "accounts.csv",
        "external_id,name\r\nA-1,Acme\r\nA-2,Globex\r\n",
    );
    ok(&sherpa(&url, &["import", "accounts", &accounts]));
    let freshdesk = write(
        dir.path(),
        "freshdesk.csv",
        "Ticket ID,Subject,Status,Priority,Source,Type,Agent,Group,Created time,Due by Time,Resolved time,Closed time,Last update time,Company Name\r\n\
         101,Login fails,Resolved,Medium,Email,Problem,Sam,Support,2026-11-02 09:15:00,2026-11-03 09:15:00,2026-11-02 17:40:11,2026-11-04 08:00:00,2026-11-04 08:00:00,Acme\r\n\
         102,Export slow,Waiting on Customer,Urgent,Portal,Incident,Sam,Support,2026-11-05 11:00:00,2026-11-05 15:00:00,,,2026-11-06 10:00:00,Globex\r\n",
    );
    let out = ok(&sherpa(&url, &["import", "tickets", &freshdesk]));
    assert!(out.contains("2 created"), "{out}");
    let intercom = write(
        dir.path(),
        "intercom.csv",
        "Conversation ID,Conversation started at,Last closed at,State,Priority,Company name,Company ID,Conversation rating\r\n\
         215469,2026-11-07 10:00:00 UTC,2026-11-07 10:30:00 UTC,closed,not_priority,Acme,A-1,5\r\n\
         215470,2026-11-08 12:00:00 UTC,,snoozed,priority,Globex,A-2,\r\n",
    );
    let out = ok(&sherpa(&url, &["import", "tickets", &intercom]));
    assert!(out.contains("2 created"), "{out}");
    let again = ok(&sherpa(&url, &["import", "tickets", &intercom]));
    assert!(again.contains("0 created"), "{again}");
}

#[tokio::test]
async fn an_admin_lists_the_team_changes_a_role_and_deactivates_a_member() {
    let db = support::TestDb::new().await;
    let url = db.url.clone();
    ok(&sherpa(
        &url,
        &[
            "user",
            "add",
            "ana@example.com",
            "--role",
            "admin",
            "--name",
            "Ana Lopez",
        ],
    ));
    ok(&sherpa(
        &url,
        &[
            "user",
            "add",
            "sam@example.com",
            "--role",
            "csm",
            "--name",
            "Sam Seller",
        ],
    ));
    let out = ok(&sherpa(
        &url,
        &["user", "set-role", "sam@example.com", "leader"],
    ));
    assert!(
        out.contains("Sam Seller <sam@example.com> is a leader"),
        "{out}"
    );
    let out = ok(&sherpa(&url, &["user", "deactivate", "sam@example.com"]));
    assert!(out.contains("deactivated"), "{out}");
    let list = ok(&sherpa(&url, &["user", "list"]));
    let sam = list
        .lines()
        .find(|l| l.contains("sam@example.com"))
        .unwrap();
    assert!(
        sam.contains("leader") && sam.trim_end().ends_with("no"),
        "{list}"
    );
    let ana = list
        .lines()
        .find(|l| l.contains("ana@example.com"))
        .unwrap();
    assert!(ana.trim_end().ends_with("yes"), "{list}");
    let o = sherpa(&url, &["user", "deactivate", "nobody@example.com"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no team member nobody@example.com"));
    let o = sherpa(&url, &["user", "set-role", "sam@example.com", "boss"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("boss"), "{o:?}");
}

#[tokio::test]
async fn an_owner_who_is_not_a_team_member_is_kept_by_name_until_they_are_added() {
    let db = support::TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    ok(&sherpa(
        &url,
        &[
            "user",
            "add",
            "ana@example.com",
            "--role",
            "csm",
            "--name",
            "Ana Lopez",
        ],
    ));
    let file = write(
        dir.path(),
        "salesforce.csv",
        "Account ID,Account Name,Account Owner,CSM\r\n\
         0015g00000A1,Acme,Sam Seller,Ana Lopez\r\n\
         0015g00000B2,Globex,Sam Seller,kim@example.com\r\n\
         0015g00000C3,Hooli,Ana Lopez,\r\n\
         0015g00000D4,Initech,,A. Lopez\r\n",
    );
    let out = ok(&sherpa(&url, &["import", "accounts", &file]));
    assert!(out.contains("4 created"), "{out}");
    assert!(
        out.contains(
            "kept by name on their accounts: A. Lopez (1 row), Sam Seller (2 rows), kim@example.com (1 row)"
        ),
        "{out}"
    );
    let list = ok(&sherpa(&url, &["user", "list"]));
    assert!(list.contains("Sam Seller: ae of 2 accounts"), "{list}");
    assert!(list.contains("kim@example.com: csm of 1 account"), "{list}");
    let owners = |json: &str, name: &str, field: &str| -> serde_json::Value {
        let rows: serde_json::Value = serde_json::from_str(json).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()[field]
            .clone()
    };
    let before = ok(&sherpa(&url, &["export", "accounts", "--format", "json"]));
    assert_eq!(owners(&before, "Acme", "ae_email"), serde_json::Value::Null);
    assert_eq!(owners(&before, "Acme", "csm_email"), "ana@example.com");
    // Adding Sam gives him his accounts; Kim by her email likewise.
    ok(&sherpa(
        &url,
        &[
            "user",
            "add",
            "sam@example.com",
            "--role",
            "sales",
            "--name",
            "Sam Seller",
            "--function",
            "sales",
        ],
    ));
    ok(&sherpa(
        &url,
        &["user", "add", "kim@example.com", "--role", "csm"],
    ));
    let after = ok(&sherpa(&url, &["export", "accounts", "--format", "json"]));
    assert_eq!(owners(&after, "Acme", "ae_email"), "sam@example.com");
    assert_eq!(owners(&after, "Globex", "ae_email"), "sam@example.com");
    assert_eq!(owners(&after, "Globex", "csm_email"), "kim@example.com");
    // "A. Lopez" in the CRM is Ana here: an admin gives her that name's accounts.
    let given = ok(&sherpa(
        &url,
        &["user", "assign-owner", "a. lopez", "ana@example.com"],
    ));
    assert!(
        given.contains("ana@example.com now owns 1 account"),
        "{given}"
    );
    let unknown = sherpa(&url, &["user", "assign-owner", "Nobody", "ana@example.com"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no account waits for an owner named \"Nobody\""),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let after = ok(&sherpa(&url, &["export", "accounts", "--format", "json"]));
    assert_eq!(owners(&after, "Initech", "csm_email"), "ana@example.com");
    assert!(!ok(&sherpa(&url, &["user", "list"])).contains("not team members yet"));

    // A later export without Initech deletes nothing: the import names what the file lacks.
    let later = write(
        dir.path(),
        "later.csv",
        "Account ID,Account Name\r\n0015g00000A1,Acme\r\n0015g00000B2,Globex\r\n0015g00000C3,Hooli\r\n",
    );
    let out = ok(&sherpa(
        &url,
        &["import", "accounts", &later, "--list-missing"],
    ));
    assert!(
        out.contains("1 account in Sherpa is not in this file; it was kept as it is.\n  Initech (external id 0015g00000D4"),
        "{out}"
    );
    let kept = ok(&sherpa(&url, &["export", "accounts", "--format", "json"]));
    assert!(kept.contains("Initech"), "{kept}");
    let audit = ok(&sherpa(&url, &["export", "audit", "--format", "json"]));
    assert!(
        audit.contains("owners.ae"),
        "the owner's arrival is audited"
    );
}
