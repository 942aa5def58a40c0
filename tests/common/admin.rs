//! A client of the admin REST API for the integration tests.

use quizcast::host::RunningHost;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

/// Sends admin requests to a host with a chosen key (the right one by default).
pub struct Admin {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
}

impl Admin {
    /// Returns a client that sends `host`'s admin key.
    pub fn new(host: &RunningHost) -> Admin {
        Admin {
            http: reqwest::Client::new(),
            base: format!("http://{}/api/admin", host.addr),
            key: Some(host.admin_key.clone()),
        }
    }

    /// Returns a client of the same host that sends `key`, or no `Authorization` header.
    pub fn with_key(&self, key: Option<&str>) -> Admin {
        Admin {
            http: self.http.clone(),
            base: self.base.clone(),
            key: key.map(str::to_string),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.key {
            Some(key) => builder.header(AUTHORIZATION, format!("Bearer {key}")),
            None => builder,
        }
    }

    /// Sends `GET path` and returns the status and JSON body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    /// Sends `POST path` with a JSON body (or none) and returns the status and JSON body.
    pub async fn post(&self, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut builder = self.request(reqwest::Method::POST, path);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        read(builder.send().await.unwrap()).await
    }

    /// Sends `POST path` with a raw body of `content_type`.
    pub async fn post_raw(&self, path: &str, body: &str, content_type: &str) -> (u16, Value) {
        let response = self
            .request(reqwest::Method::POST, path)
            .header(CONTENT_TYPE, content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        read(response).await
    }

    /// Posts `body` as raw bytes, which need not be UTF-8, with `content_type`.
    pub async fn post_bytes(&self, path: &str, body: Vec<u8>, content_type: &str) -> (u16, Value) {
        let response = self
            .request(reqwest::Method::POST, path)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    /// Creates a game with `code` from a TOML question file and returns the reply body.
    pub async fn create_game(&self, toml: &str, code: &str) -> Value {
        let (status, body) = self
            .post_raw(&format!("/games?code={code}"), toml, "application/toml")
            .await;
        assert_eq!(status, 201, "create game {code}: {body}");
        body
    }

    /// Sends an action (`start`, `next`, `end`) to game `code` and returns the reply.
    pub async fn action(&self, code: &str, action: &str) -> (u16, Value) {
        self.post(&format!("/games/{code}/{action}"), None).await
    }
}

async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Returns a TOML question file titled `title` with `n` questions whose texts start with
/// `prefix`; options a/b/c/d, `b` correct, 5 s each.
pub fn bank_toml(title: &str, prefix: &str, n: usize) -> String {
    let mut text = format!("title = \"{title}\"\ntime_limit = 5\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[questions]]\ntext = \"{prefix} {i}\"\noptions = [\"a\", \"b\", \"c\", \"d\"]\ncorrect = 2\n"
        ));
    }
    text
}
