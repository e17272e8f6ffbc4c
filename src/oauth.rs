//! OAuth 1.0a HMAC-SHA1 request signing (RFC 5849, section 3.4).
//!
//! XML bodies never enter the signature base string; every query parameter does.
