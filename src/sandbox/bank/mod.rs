//! The imitated service behind the HTTP layer: institutions, customers, CCBank and documents.

use time::OffsetDateTime;

use super::Settings;

/// One verified data request, as the HTTP layer hands it over.
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'a str,
    /// Path relative to the base (`/v1` or `/rest-war/v1`), one trailing slash removed,
    /// percent-decoded segments, for example `/institutions/100000/logins` or `/export/files`.
    pub path: &'a str,
    /// Decoded query parameters in the order received.
    pub query: &'a [(String, String)],
    /// Request headers, names lower-cased.
    pub headers: &'a [(String, String)],
    /// The raw body.
    pub body: &'a [u8],
    /// The customer the token belongs to (the assertion's NameID).
    pub customer_id: &'a str,
    /// The sandbox clock.
    pub now: OffsetDateTime,
}

/// The bank's reply; the HTTP layer adds `intuit_tid`, gzip and the access log.
#[derive(Debug)]
pub(crate) struct ApiReply {
    pub status: u16,
    /// Extra headers (`challengeSessionId`, `Content-Range`, ...), including `Content-Type`.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// All state of the imitated service.
#[derive(Debug)]
pub(crate) struct Bank {
    _settings: Settings,
}

impl Bank {
    pub(crate) fn new(settings: &Settings) -> Bank {
        Bank {
            _settings: settings.clone(),
        }
    }

    pub(crate) fn handle(&mut self, request: &ApiRequest<'_>) -> ApiReply {
        let _ = request;
        todo!()
    }
}
