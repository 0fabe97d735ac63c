//! One blocking HTTP/1.1 client for tests that ask an emulator or test server directly (is the
//! bucket there, what tags does it carry), on the workspace's one hyper stack instead of raw
//! sockets. Plain `http://` to loopback only: a URL naming any other host panics, so a test can
//! never reach out by mistake.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// An answer: status and body text.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The body, as text (lossy UTF-8).
    pub body: String,
}

/// Sends `method url` with `headers` and `body`; panics when the server cannot be reached or
/// `url` is not `http://127.0.0.1…`/`http://localhost…`.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    assert!(
        url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost"),
        "tests only talk to loopback, not {url}"
    );
    let mut req = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|e| panic!("request {method} {url}: {e}"));
    let (method, url) = (method.to_string(), url.to_string());
    // On a thread of its own, so that async tests (already inside a runtime) can call it too.
    std::thread::spawn(move || send(&method, &url, req))
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

fn send(method: &str, url: &str, req: hyper::Request<Full<Bytes>>) -> Answer {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for one request");
    rt.block_on(async {
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let resp = tokio::time::timeout(std::time::Duration::from_secs(30), client.request(req))
            .await
            .unwrap_or_else(|_| panic!("{method} {url}: no answer in 30 s"))
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: reading the body: {e}"))
            .to_bytes();
        Answer {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    })
}

/// `GET url`.
pub fn get(url: &str) -> Answer {
    request("GET", url, &[], "")
}
