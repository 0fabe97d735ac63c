//! Turning [`GoogleError`]s into [`ProviderError`]s: the API method, Google's code (`NOT_FOUND`,
//! or Cloud Storage's reason such as `conflict`) and Google's message with the HTTP status.
//!
//! The engine adds the resource address; messages here name the Google object (`bucket x`,
//! `cluster projects/p/locations/l/clusters/c`) so the three together say what failed where.

use hangar_google_client::GoogleError;
use hangar_provider::ProviderError;

/// `e` as the engine reports it.
pub fn api(e: GoogleError) -> ProviderError {
    ProviderError {
        call: e.call().to_string(),
        code: e.code().map(str::to_string),
        message: e.message(),
    }
}

/// `e` as the engine reports it, its message prefixed with the object it concerns.
pub fn on(what: &str, e: GoogleError) -> ProviderError {
    let mut p = api(e);
    p.message = format!("{what}: {}", p.message);
    p
}

/// An error the provider raises itself (no Google code).
pub fn refuse(call: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(call, message)
}

/// An error for a value the engine should never send unknown (a name at apply time).
pub fn missing(call: &str, what: &str) -> ProviderError {
    ProviderError::new(call, format!("{what} is not known"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_code_and_message_survive() {
        let e = GoogleError::Api {
            call: "storage.buckets.insert".into(),
            http: 409,
            code: "conflict".into(),
            message: "Your previous request to create the named bucket succeeded".into(),
        };
        let p = on("bucket b", e);
        assert_eq!(p.call, "storage.buckets.insert");
        assert_eq!(p.code.as_deref(), Some("conflict"));
        assert_eq!(
            p.message,
            "bucket b: Your previous request to create the named bucket succeeded (HTTP 409)"
        );
    }
}
