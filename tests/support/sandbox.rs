//! Sandboxes and clients on loopback for the integration tests that run against the sandbox.

use aggcat::sandbox::{Sandbox, SandboxHandle};
use aggcat::{AggcatClient, AggcatResponse, XmlNode};

/// CCBank, the test bank.
pub const CCBANK: &str = "100000";

/// Starts a sandbox with a small institution list, which keeps tests fast.
pub fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .institutions(200)
        .start()
        .expect("sandbox starts")
}

/// Returns a client of `sandbox` for `customer_id`.
pub fn client(sandbox: &SandboxHandle, customer_id: &str) -> AggcatClient {
    sandbox.client(customer_id).expect("client builds")
}

/// Returns the two CCBank credentials with the given user id.
pub fn ccbank_login(user_id: &str) -> [(&str, &str); 2] {
    [
        ("Banking Userid", user_id),
        ("Banking Password", "anyvalue"),
    ]
}

/// Discovers the accounts of a CCBank login and returns the account list.
pub fn discover(client: &AggcatClient, user_id: &str) -> XmlNode {
    let response = client
        .discover_and_add_accounts(CCBANK, &ccbank_login(user_id))
        .expect("discovery succeeds");
    assert_eq!(response.status_code(), 201, "discovery status");
    xml(&response).clone()
}

/// Returns the objectified body, failing the test when there is none.
pub fn xml(response: &AggcatResponse) -> &XmlNode {
    response.xml().expect("response carries an XML document")
}

/// Returns the text of `field`, failing the test when it is absent.
pub fn text<'a>(node: &'a XmlNode, field: &str) -> &'a str {
    node.field(field)
        .unwrap_or_else(|| panic!("field {field} missing in {node:?}"))
}

/// Returns the ids of the accounts in an account list, in document order.
pub fn account_ids(accounts: &XmlNode) -> Vec<String> {
    accounts
        .children()
        .map(|account| text(&account, "account_id").to_string())
        .collect()
}
