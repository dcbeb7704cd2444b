//! What the server logs, at every level: routes by their template, never a secret. Alone in
//! its own test binary, so that no other test's threads race the log subscriber it installs.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::Web;
use sherpa_core::*;

fn login_request(email: &str, password: &str) -> Request<Body> {
    let body = serde_urlencoded::to_string([("email", email), ("password", password)]).unwrap();
    Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

/// A log buffer for the test below.
#[derive(Clone, Default)]
struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// At every level, the log names routes by their template: a calendar feed's secret, an
/// unsubscribe link's id, an API token, a password or a session never reach it.
#[tokio::test]
async fn no_secret_reaches_the_log_at_any_level() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let web = Web::new().await;
    let ana = web
        .with_password("ana@example.com", Role::Admin, "correct horse battery")
        .await;
    let feed = web
        .db
        .store
        .issue_calendar_feed(&Actor::system("test"), ana.id)
        .await
        .unwrap()
        .secret;
    let token = web.token(&ana).await;
    let browser = web.sign_in(&ana).await;
    web.get(&format!("/calendar/{feed}.ics"), None).await;
    web.get("/unsubscribe/sherpa.1.secret-link-id", None).await;
    web.api(
        "GET",
        "/api/v1/accounts?q=private-words",
        Some(&token),
        None,
    )
    .await;
    web.send(login_request("ana@example.com", "correct horse battery"))
        .await;
    web.send(login_request("ana@example.com", "a wrong secret!"))
        .await;
    web.get("/book", Some(&browser)).await;
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("/calendar/{file}"),
        "the requests were logged: {text}"
    );
    for secret in [
        feed.as_str(),
        "secret-link-id",
        token.as_str(),
        "correct horse battery",
        "a wrong secret!",
        "private-words",
        browser.cookie.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} in the log");
    }
}
