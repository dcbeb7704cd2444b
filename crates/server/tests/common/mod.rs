//! A browser's view of the server for tests: sessions opened straight in the store (no argon2
//! per request), forms posted with their CSRF token, API calls with Bearer tokens.

#![allow(dead_code)]

#[path = "../../../store/tests/support.rs"]
pub mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use sherpa_core::*;
use tower::ServiceExt;

pub struct Web {
    pub db: support::TestDb,
    pub router: axum::Router,
}

/// A signed-in browser.
#[derive(Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
    pub user: User,
}

pub struct Answer {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
    pub content_type: String,
    /// The body as sent: a download's bytes.
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The body with HTML's character references turned back into text, to look for messages.
    pub fn text(&self) -> String {
        self.body
            .replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#60;", "<")
            .replace("&lt;", "<")
            .replace("&#62;", ">")
            .replace("&gt;", ">")
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    }
}

impl Web {
    pub async fn new() -> Self {
        let db = support::TestDb::new().await;
        let router = sherpa_server::app(db.store.clone());
        Web { db, router }
    }

    pub async fn user(&self, email: &str, role: Role, function: Function) -> User {
        let input = UserInput {
            email: Email::parse(email).unwrap(),
            name: email.split('@').next().unwrap().replace('.', " "),
            function,
            role,
            manager_email: None,
            active: true,
        };
        self.db
            .store
            .upsert_user(&Actor::system("test"), &input, None)
            .await
            .unwrap()
    }

    /// An ongoing account with these owners.
    pub async fn account(&self, name: &str, owners: &[(OwnerFunction, UserId)]) -> Account {
        let owners = owners
            .iter()
            .map(|(f, u)| (*f, Some(PersonRef::Id(*u))))
            .collect();
        self.db
            .store
            .create_account(
                &Actor::system("test"),
                &AccountPatch {
                    name: Some(name.into()),
                    lifecycle: Some(Some(Lifecycle::Ongoing)),
                    owners,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }

    pub async fn sign_in(&self, user: &User) -> Browser {
        let s = self
            .db
            .store
            .open_session(user.id, chrono::Duration::hours(1))
            .await
            .unwrap();
        Browser {
            cookie: s.cookie,
            csrf: s.csrf,
            user: user.clone(),
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Answer {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let header_text = |h| {
            resp.headers()
                .get(h)
                .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let location = header_text(header::LOCATION);
        let content_type = header_text(header::CONTENT_TYPE);
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            content_type,
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, who: Option<&Browser>) -> Answer {
        let mut req = Request::builder().uri(path);
        if let Some(b) = who {
            req = req.header(header::COOKIE, format!("sherpa_session={}", b.cookie));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Posts a URL-encoded form, with the browser's CSRF token unless `csrf` is false.
    pub async fn post(
        &self,
        path: &str,
        who: Option<&Browser>,
        fields: &[(&str, &str)],
        csrf: bool,
    ) -> Answer {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let (Some(b), true) = (who, csrf) {
            pairs.push(("csrf", &b.csrf));
        }
        pairs.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&pairs).unwrap();
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(b) = who {
            req = req.header(header::COOKIE, format!("sherpa_session={}", b.cookie));
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Sends a form as its page showed it (`shown`, from [`form_fields`]) with `changes` made
    /// as a person would: a field set, or cleared when its value is empty.
    #[allow(dead_code)]
    pub async fn post_edited(
        &self,
        path: &str,
        who: &Browser,
        shown: &[(String, String)],
        changes: &[(&str, &str)],
    ) -> Answer {
        let mut all: Vec<(String, String)> = shown.to_vec();
        for (k, v) in changes {
            all.retain(|(f, _)| f != k);
            if !v.is_empty() {
                all.push((k.to_string(), v.to_string()));
            }
        }
        let fields: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post(path, Some(who), &fields, true).await
    }

    /// Asks for the page at `path` and expects it refused (400), naming what was wrong in
    /// `words`.
    pub async fn refused(&self, path: &str, who: &Browser, words: &str) {
        let answer = self.get(path, Some(who)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            answer.body
        );
        assert!(answer.text().contains(words), "{path}: {}", answer.body);
    }

    /// Uploads a file for import, as the import form does.
    pub async fn upload(&self, who: &Browser, kind: &str, name: &str, content: &str) -> Answer {
        let boundary = "sherpa-test-boundary";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n",
            who.csrf
        );
        let req = Request::builder()
            .method("POST")
            .uri("/import")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, format!("sherpa_session={}", who.cookie))
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// An API call with a Bearer token.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let kind = if method == "PATCH" {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, kind)
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    /// A user who signs in with this password.
    pub async fn with_password(&self, email: &str, role: Role, password: &str) -> User {
        let u = self.user(email, role, Function::Csm).await;
        let hash = sherpa_app::password::hash(password).unwrap();
        self.db
            .store
            .set_password_hash(&Actor::system("test"), u.id, &hash)
            .await
            .unwrap();
        u
    }

    /// An ingest token (a Segment write key) of an admin.
    pub async fn ingest_key(&self, admin: &User) -> String {
        self.db
            .store
            .create_token(
                &Actor::system("test"),
                admin.id,
                TokenScope::Ingest,
                "segment",
            )
            .await
            .unwrap()
            .secret
    }

    /// A Segment batch posted with `key` as a Bearer write key.
    pub fn segment_batch(key: &str, batch: &serde_json::Value) -> Request<Body> {
        Request::builder()
            .method("POST")
            .uri("/v1/batch")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .body(Body::from(batch.to_string()))
            .unwrap()
    }

    /// Makes every account follow one engagement model of the defaults, through the API.
    pub async fn everyone_follows(&self, token: &str, model: &str) -> Answer {
        let mut config = engagement::default_engagement();
        config.rules.retain(|r| r.when == Default::default());
        config.rules[0].then = model.into();
        self.api(
            "PUT",
            "/api/v1/engagement/config",
            Some(token),
            Some(serde_json::to_value(&config).unwrap()),
        )
        .await
    }

    pub async fn token(&self, user: &User) -> String {
        self.db
            .store
            .create_token(&Actor::system("test"), user.id, TokenScope::Api, "t")
            .await
            .unwrap()
            .secret
    }
}

/// The fields a page's form (by its `action`) sends as shown, as a browser would: each input's
/// value (a checkbox only when checked, as "on"), each textarea's text, each select's chosen
/// option (its first when none is marked); hidden fields included.
#[allow(dead_code)]
pub fn form_fields(page: &str, action: &str) -> Vec<(String, String)> {
    let start = page
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action}"));
    let form = &page[start..start + page[start..].find("</form>").expect("the form's end")];
    let unescape = |text: &str| {
        text.replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = at + tag[at..].find('"')?;
        Some(unescape(&tag[at..end]))
    };
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let tag = &rest[..rest.find('>').expect("a tag's end") + 1];
        if tag.starts_with("<input") {
            if let Some(name) = attr(tag, "name") {
                let checkbox = attr(tag, "type").as_deref() == Some("checkbox");
                if !checkbox {
                    out.push((name, attr(tag, "value").unwrap_or_default()));
                } else if tag.contains(" checked") {
                    out.push((name, "on".into()));
                }
            }
        } else if tag.starts_with("<textarea") {
            let body = &rest[tag.len()..];
            let content = &body[..body.find("</textarea>").expect("a textarea's end")];
            if let Some(name) = attr(tag, "name") {
                out.push((name, unescape(content)));
            }
        } else if tag.starts_with("<select") {
            let body = &rest[..rest.find("</select>").expect("a select's end")];
            let options: Vec<&str> = body
                .split("<option")
                .skip(1)
                .map(|o| &o[..o.find('>').unwrap_or(o.len())])
                .collect();
            let chosen = options
                .iter()
                .find(|o| o.contains(" selected"))
                .or(options.first());
            if let (Some(name), Some(o)) = (attr(tag, "name"), chosen) {
                out.push((name, attr(o, "value").unwrap_or_default()));
            }
        }
        rest = &rest[1..];
    }
    out
}
