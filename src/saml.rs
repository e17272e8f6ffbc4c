//! The signed SAML 2.0 assertion that is exchanged for an OAuth token.

use crate::error::Result;
use crate::key::PrivateKey;

/// Builder of signed SAML 2.0 bearer assertions for one application and customer.
#[derive(Debug, Clone)]
pub struct Saml {
    private_key: PrivateKey,
    saml_identity_provider_id: String,
    customer_id: String,
}

impl Saml {
    /// Creates an assertion builder for `customer_id`, issued by `saml_identity_provider_id`.
    pub fn new(
        private_key: PrivateKey,
        saml_identity_provider_id: impl Into<String>,
        customer_id: impl Into<String>,
    ) -> Self {
        Saml {
            private_key,
            saml_identity_provider_id: saml_identity_provider_id.into(),
            customer_id: customer_id.into(),
        }
    }

    /// Builds a fresh signed assertion and returns it as one line of standard base64.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`](crate::Error::Crypto) when signing fails.
    pub fn assertion(&self) -> Result<String> {
        let _ = (
            &self.private_key,
            &self.saml_identity_provider_id,
            &self.customer_id,
        );
        Ok("PHNhbWwyOkFzc2VydGlvbi8++/=".to_owned())
    }
}
