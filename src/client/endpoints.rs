//! The wrapped API calls. Their common errors are listed in the [`AggcatClient`] docs.

use crate::body::{
    account_type_body, challenge_responses_body, credentials_body, empty_login_body,
    resolve_account_type,
};
use crate::error::{Error, Result};
use crate::response::{parse_credential_fields, AggcatResponse, CredentialField};

use super::dates::{format_date, rename_parameter};
use super::transport::{path_segment, ApiCall, Base, Expect};
use super::{AggcatClient, IntoDate, IntoOptionalDate};

impl AggcatClient {
    fn get(&self, path: String) -> Result<AggcatResponse> {
        self.inner.execute(&ApiCall::new("GET", path))
    }

    /// Lists every institution: `GET /institutions`.
    ///
    /// The real list contains about 18,700 institutions (over 4 MB).
    ///
    /// # Errors
    ///
    /// The common errors of every call.
    pub fn get_institutions(&self) -> Result<AggcatResponse> {
        self.get("/institutions".to_owned())
    }

    /// Fetches one institution with its login keys: `GET /institutions/{institution_id}`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id, and the common errors of every call.
    pub fn get_institution_details(&self, institution_id: &str) -> Result<AggcatResponse> {
        let id = path_segment("institution_id", institution_id)?;
        self.get(format!("/institutions/{id}"))
    }

    /// Returns the login fields to fill in for an institution: the keys whose `displayFlag`
    /// is true, sorted numerically by `displayOrder`.
    ///
    /// # Errors
    ///
    /// The errors of [`get_institution_details`](Self::get_institution_details),
    /// [`Error::MissingElement`] when the document has no `keys` or a key lacks its `name` or
    /// `displayOrder`, [`Error::InvalidValue`] for a key field that is not a number or
    /// boolean, and [`Error::Xml`] when the body is not XML.
    pub fn get_credential_fields(&self, institution_id: &str) -> Result<Vec<CredentialField>> {
        let details = self.get_institution_details(institution_id)?;
        parse_credential_fields(details.to_xml())
    }

    /// Logs in to an institution and adds the accounts found:
    /// `POST /institutions/{institution_id}/logins`.
    ///
    /// `credentials` are `(name, value)` pairs whose names are exactly the names of
    /// [`get_credential_fields`](Self::get_credential_fields), which this call fetches first.
    /// Success is 201 with an `AccountList`. A 401 with a challenge is returned as `Ok`: answer
    /// it with [`confirm_challenge`](Self::confirm_challenge).
    ///
    /// # Errors
    ///
    /// - [`Error::MissingCredentials`] when a displayed field is not given (it names fields,
    ///   never values).
    /// - [`Error::InvalidInput`] for an empty institution id, a name given twice, a name that
    ///   is not one of the institution's displayed fields (hidden fields are rejected too), or
    ///   a value with a character XML does not allow.
    /// - The errors of [`get_credential_fields`](Self::get_credential_fields), and the common
    ///   errors of every call.
    pub fn discover_and_add_accounts(
        &self,
        institution_id: &str,
        credentials: &[(&str, &str)],
    ) -> Result<AggcatResponse> {
        let id = path_segment("institution_id", institution_id)?;
        let fields = self.get_credential_fields(institution_id)?;
        check_credentials(institution_id, &fields, credentials)?;

        let mut call = ApiCall::new("POST", format!("/institutions/{id}/logins"));
        call.body = Some(credentials_body(credentials)?);
        call.secrets = credential_values(credentials);
        self.inner.execute(&call)
    }

    /// Answers a challenge of [`discover_and_add_accounts`](Self::discover_and_add_accounts):
    /// `POST /institutions/{institution_id}/logins` with the headers `challengeSessionId` and
    /// `challengeNodeId` sent back unchanged.
    ///
    /// `responses` holds one answer per question, in question order; a multiple-choice
    /// question is answered with the choice's [`value`](crate::ChallengeChoice::value).
    /// The service may answer with another challenge.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty institution id, no answers, a session or node id
    /// that is empty or not valid in an HTTP header, or an answer with a character XML does
    /// not allow; and the common errors of every call.
    pub fn confirm_challenge(
        &self,
        institution_id: &str,
        challenge_session_id: &str,
        challenge_node_id: &str,
        responses: &[&str],
    ) -> Result<AggcatResponse> {
        let id = path_segment("institution_id", institution_id)?;
        let call = challenge_call(
            "POST",
            format!("/institutions/{id}/logins"),
            challenge_session_id,
            challenge_node_id,
            responses,
        )?;
        self.inner.execute(&call)
    }

    /// Lists every account of the customer: `GET /accounts`.
    ///
    /// # Errors
    ///
    /// The common errors of every call.
    pub fn get_customer_accounts(&self) -> Result<AggcatResponse> {
        self.get("/accounts".to_owned())
    }

    /// Lists the accounts of one institution login: `GET /logins/{login_id}/accounts`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id, and the common errors of every call.
    pub fn get_login_accounts(&self, login_id: &str) -> Result<AggcatResponse> {
        let id = path_segment("login_id", login_id)?;
        self.get(format!("/logins/{id}/accounts"))
    }

    /// Fetches one account: `GET /accounts/{account_id}`.
    ///
    /// Ids are strings and sent as given, so `000000000001` keeps its leading zeros.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id, and the common errors of every call.
    pub fn get_account(&self, account_id: &str) -> Result<AggcatResponse> {
        let id = path_segment("account_id", account_id)?;
        self.get(format!("/accounts/{id}"))
    }

    /// Lists an account's transactions from `start_date` to `end_date`:
    /// `GET /accounts/{account_id}/transactions?txnStartDate=…&txnEndDate=…`.
    ///
    /// Dates are [`time::Date`] values or `YYYY-MM-DD` strings. With `end_date` `None`, the
    /// `txnEndDate` parameter is left out and the service ends the range today.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let client: aggcat::AggcatClient = unimplemented!();
    /// let all_since = client.get_account_transactions("400004530271", "2014-01-01", None)?;
    /// let january = client.get_account_transactions("400004530271", "2014-01-01", "2014-01-31")?;
    /// # Ok::<(), aggcat::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id, a date that is not `YYYY-MM-DD` or does not
    /// exist (such as `2014-13-01`), or a start after the end. These are checked before any
    /// request. Otherwise the common errors of every call.
    pub fn get_account_transactions(
        &self,
        account_id: &str,
        start_date: impl IntoDate,
        end_date: impl IntoOptionalDate,
    ) -> Result<AggcatResponse> {
        let id = path_segment("account_id", account_id)?;
        let start = start_date
            .into_date()
            .map_err(|error| rename_parameter(error, "start_date"))?;
        let end = end_date
            .into_optional_date()
            .map_err(|error| rename_parameter(error, "end_date"))?;
        if let Some(end) = end {
            if start > end {
                return Err(Error::InvalidInput {
                    parameter: "start_date",
                    reason: format!(
                        "the start date {} is after the end date {}",
                        format_date(start),
                        format_date(end)
                    ),
                });
            }
        }

        let mut call = ApiCall::new("GET", format!("/accounts/{id}/transactions"));
        call.query.push(("txnStartDate", format_date(start)));
        if let Some(end) = end {
            call.query.push(("txnEndDate", format_date(end)));
        }
        self.inner.execute(&call)
    }

    /// Lists an investment account's positions: `GET /accounts/{account_id}/positions`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id, and the common errors of every call.
    pub fn get_investment_positions(&self, account_id: &str) -> Result<AggcatResponse> {
        let id = path_segment("account_id", account_id)?;
        self.get(format!("/accounts/{id}/positions"))
    }

    /// Changes an account's type: `PUT /accounts/{account_id}`.
    ///
    /// `account_name` is the category (`banking`, `credit`, `loan`, `investment`,
    /// `rewards`), or `None` to infer it from the type. `account_type` is one of the category's
    /// types, such as `CHECKING` or `403B`, in any case; it is sent in upper case. The service
    /// re-types only accounts of type `OtherAccount`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id, an unknown category, or a type the category
    /// does not have. The same error for `None` with a type that several categories have:
    /// `OTHER` (credit, investment and rewards) and `AUTO` (loan and rewards). Otherwise the
    /// common errors of every call.
    pub fn update_account_type(
        &self,
        account_id: &str,
        account_name: Option<&str>,
        account_type: &str,
    ) -> Result<AggcatResponse> {
        let id = path_segment("account_id", account_id)?;
        let (category, wire_value) = resolve_account_type(account_name, account_type)?;

        let mut call = ApiCall::new("PUT", format!("/accounts/{id}"));
        call.body = Some(account_type_body(category, &wire_value));
        self.inner.execute(&call)
    }

    /// Updates the credentials of an institution login, or refreshes it:
    /// `PUT /logins/{login_id}?refresh=true` (or `refresh=false`).
    ///
    /// With credentials, they are checked against the displayed fields of `institution_id`
    /// like [`discover_and_add_accounts`](Self::discover_and_add_accounts) does. With none, an
    /// empty `InstitutionLogin` is sent, which asks the service to refresh with the stored
    /// credentials (and fetches pending challenge questions); `institution_id` is then unused.
    /// Success is 200 with an empty body, or a 401 challenge to answer with
    /// [`update_challenge`](Self::update_challenge).
    ///
    /// # Errors
    ///
    /// The errors of [`discover_and_add_accounts`](Self::discover_and_add_accounts) when
    /// credentials are given, [`Error::InvalidInput`] for an empty login id, and the common
    /// errors of every call.
    pub fn update_institution_login(
        &self,
        institution_id: &str,
        login_id: &str,
        refresh: bool,
        credentials: &[(&str, &str)],
    ) -> Result<AggcatResponse> {
        let id = path_segment("login_id", login_id)?;
        let body = if credentials.is_empty() {
            empty_login_body()
        } else {
            path_segment("institution_id", institution_id)?;
            let fields = self.get_credential_fields(institution_id)?;
            check_credentials(institution_id, &fields, credentials)?;
            credentials_body(credentials)?
        };

        let mut call = ApiCall::new("PUT", format!("/logins/{id}"));
        call.query.push(("refresh", refresh.to_string()));
        call.body = Some(body);
        call.secrets = credential_values(credentials);
        self.inner.execute(&call)
    }

    /// Answers a challenge of [`update_institution_login`](Self::update_institution_login):
    /// `PUT /logins/{login_id}?refresh=true` (or `refresh=false`) with the challenge headers
    /// sent back unchanged.
    ///
    /// # Errors
    ///
    /// The input errors of [`confirm_challenge`](Self::confirm_challenge) (with `login_id` in
    /// place of `institution_id`), and the common errors of every call.
    pub fn update_challenge(
        &self,
        login_id: &str,
        challenge_session_id: &str,
        challenge_node_id: &str,
        responses: &[&str],
        refresh: bool,
    ) -> Result<AggcatResponse> {
        let id = path_segment("login_id", login_id)?;
        let mut call = challenge_call(
            "PUT",
            format!("/logins/{id}"),
            challenge_session_id,
            challenge_node_id,
            responses,
        )?;
        call.query.push(("refresh", refresh.to_string()));
        self.inner.execute(&call)
    }

    /// Deletes an account: `DELETE /accounts/{account_id}`. Success is 200 with an empty body.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id, and the common errors of every call.
    pub fn delete_account(&self, account_id: &str) -> Result<AggcatResponse> {
        let id = path_segment("account_id", account_id)?;
        self.inner
            .execute(&ApiCall::new("DELETE", format!("/accounts/{id}")))
    }

    /// Deletes the customer and all its accounts: `DELETE /customers`.
    ///
    /// The next call with this client's customer id creates the customer again.
    ///
    /// # Errors
    ///
    /// The common errors of every call.
    pub fn delete_customer(&self) -> Result<AggcatResponse> {
        self.inner
            .execute(&ApiCall::new("DELETE", "/customers".to_owned()))
    }

    /// Lists the batch export files: `GET /export/files`.
    ///
    /// Batch paths are relative to the base URL's `/v1` root: with a base URL ending in
    /// `/rest-war/v1` the call goes to the same host under `/v1/export/files`, otherwise to
    /// the base URL plus `/export/files`.
    ///
    /// # Errors
    ///
    /// The common errors of every call.
    pub fn list_files(&self) -> Result<AggcatResponse> {
        let mut call = ApiCall::new("GET", "/files".to_owned());
        call.base = Base::Batch;
        self.inner.execute(&call)
    }

    /// Downloads a batch export file, optionally the byte range `range` (inclusive bounds):
    /// `GET /export/files/{file_name}`.
    ///
    /// The range is sent as `Range: <first>-<last>`, without a `bytes=` prefix, as Intuit's
    /// Java SDK sent it. 200 and 206 are success, and the content is always
    /// [`Content::Raw`](crate::Content::Raw) (the files are gzip data).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty name or a range whose first byte is after its
    /// last, and the common errors of every call.
    pub fn get_file_data(
        &self,
        file_name: &str,
        range: Option<(u64, u64)>,
    ) -> Result<AggcatResponse> {
        let name = path_segment("file_name", file_name)?;
        let mut call = ApiCall::new("GET", format!("/files/{name}"));
        call.base = Base::Batch;
        call.expect = Expect::FileData;
        if let Some((first, last)) = range {
            if first > last {
                return Err(Error::InvalidInput {
                    parameter: "range",
                    reason: format!("the first byte {first} is after the last byte {last}"),
                });
            }
            call.headers.push(("Range", format!("{first}-{last}")));
        }
        self.inner.execute(&call)
    }

    /// Deletes a batch export file: `DELETE /export/files/{file_name}`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty name, and the common errors of every call.
    pub fn delete_file(&self, file_name: &str) -> Result<AggcatResponse> {
        let name = path_segment("file_name", file_name)?;
        let mut call = ApiCall::new("DELETE", format!("/files/{name}"));
        call.base = Base::Batch;
        self.inner.execute(&call)
    }
}

fn credential_values(credentials: &[(&str, &str)]) -> Vec<String> {
    credentials
        .iter()
        .map(|(_, value)| (*value).to_owned())
        .collect()
}

fn challenge_call<'a>(
    method: &'a str,
    path: String,
    session_id: &str,
    node_id: &str,
    responses: &[&str],
) -> Result<ApiCall<'a>> {
    check_header_value("challenge_session_id", session_id)?;
    check_header_value("challenge_node_id", node_id)?;
    if responses.is_empty() {
        return Err(Error::InvalidInput {
            parameter: "responses",
            reason: "give one answer per challenge question".to_owned(),
        });
    }

    let mut call = ApiCall::new(method, path);
    call.headers
        .push(("challengeSessionId", session_id.to_owned()));
    call.headers.push(("challengeNodeId", node_id.to_owned()));
    call.body = Some(challenge_responses_body(responses)?);
    call.secrets = responses
        .iter()
        .map(|answer| (*answer).to_owned())
        .collect();
    Ok(call)
}

/// Rejects an empty header value or one with characters outside visible ASCII, space and tab.
fn check_header_value(parameter: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput {
            parameter,
            reason: "the value is empty; copy it from the challenge response".to_owned(),
        });
    }
    if !value
        .bytes()
        .all(|byte| byte == b'\t' || (0x20..0x7F).contains(&byte))
    {
        return Err(Error::InvalidInput {
            parameter,
            reason: format!("{value:?} holds characters that an HTTP header cannot carry"),
        });
    }
    Ok(())
}

/// Checks that the credential names are exactly the displayed field names.
///
/// Names are compared exactly, never counted. Every displayed field must be given once. A name
/// that is not a displayed field (a hidden field or a typo) is rejected too, so the mistake is
/// reported before the service contacts the bank.
pub(crate) fn check_credentials(
    institution_id: &str,
    fields: &[CredentialField],
    credentials: &[(&str, &str)],
) -> Result<()> {
    let given: Vec<&str> = credentials.iter().map(|(name, _)| *name).collect();

    let mut duplicates: Vec<&str> = given
        .iter()
        .enumerate()
        .filter(|(index, name)| given[..*index].contains(name))
        .map(|(_, name)| *name)
        .collect();
    duplicates.dedup();
    if !duplicates.is_empty() {
        return Err(Error::InvalidInput {
            parameter: "credentials",
            reason: format!("the field names {duplicates:?} are given more than once"),
        });
    }

    let required: Vec<String> = fields.iter().map(|field| field.name.clone()).collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|name| !given.contains(&name.as_str()))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(Error::MissingCredentials {
            institution_id: institution_id.to_owned(),
            required,
            given: given.iter().map(|name| (*name).to_owned()).collect(),
            missing,
        });
    }

    let unknown: Vec<&str> = given
        .iter()
        .filter(|name| !required.iter().any(|field| field == *name))
        .copied()
        .collect();
    if !unknown.is_empty() {
        return Err(Error::InvalidInput {
            parameter: "credentials",
            reason: format!(
                "institution {institution_id} has no displayed login fields named {unknown:?}; \
                 it expects exactly {required:?}"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HIDDEN_FIELDS: &str =
        include_str!("../../tests/fixtures/ruby-aggcat/institution_hidden_fields.xml");
    const THREE_CREDENTIALS: &str =
        include_str!("../../tests/fixtures/ruby-aggcat/institution_three_credentials.xml");

    #[test]
    fn credentials_match_displayed_names() {
        let fields = parse_credential_fields(HIDDEN_FIELDS).unwrap();

        let result = check_credentials(
            "100000",
            &fields,
            &[("Banking Password", "go"), ("Banking Userid", "direct")],
        );

        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn credentials_missing_field_named() {
        let fields = parse_credential_fields(THREE_CREDENTIALS).unwrap();

        let error = check_credentials(
            "100000",
            &fields,
            &[
                ("Banking Userid", "direct"),
                ("Banking Password", "pw-SECRET"),
            ],
        )
        .unwrap_err();
        let message = error.to_string();

        match &error {
            Error::MissingCredentials {
                required,
                given,
                missing,
                ..
            } => {
                assert_eq!(required.len(), 3);
                assert_eq!(given, &["Banking Userid", "Banking Password"]);
                assert_eq!(missing, &["Account pin"]);
            }
            other => panic!("expected MissingCredentials, got {other:?}"),
        }
        assert!(!message.contains("pw-SECRET"), "{message}");
        assert!(!message.contains("direct"), "{message}");
    }

    #[test]
    fn credentials_compare_names_not_counts() {
        let fields = parse_credential_fields(THREE_CREDENTIALS).unwrap();

        let error = check_credentials(
            "100000",
            &fields,
            &[
                ("Banking Userid", "a"),
                ("Banking Password", "b"),
                ("Site Key", "c"),
            ],
        )
        .unwrap_err();

        assert!(
            matches!(error, Error::MissingCredentials { ref missing, .. } if missing == &["Account pin"])
        );
    }

    #[test]
    fn credentials_hidden_field_rejected() {
        let fields = parse_credential_fields(HIDDEN_FIELDS).unwrap();

        let error = check_credentials(
            "100000",
            &fields,
            &[
                ("Banking Userid", "a"),
                ("Banking Password", "b"),
                ("Banking Password Old", "pw-OLD-SECRET"),
            ],
        )
        .unwrap_err();
        let message = error.to_string();

        assert!(matches!(
            error,
            Error::InvalidInput {
                parameter: "credentials",
                ..
            }
        ));
        assert!(message.contains("Banking Password Old"), "{message}");
        assert!(!message.contains("pw-OLD-SECRET"), "{message}");
    }

    #[test]
    fn credentials_duplicate_rejected() {
        let fields = parse_credential_fields(HIDDEN_FIELDS).unwrap();

        let error = check_credentials(
            "100000",
            &fields,
            &[
                ("Banking Userid", "a"),
                ("Banking Userid", "b"),
                ("Banking Password", "c"),
            ],
        )
        .unwrap_err();

        assert!(matches!(error, Error::InvalidInput { .. }));
    }

    #[test]
    fn header_values_checked() {
        assert!(check_header_value("challenge_node_id", "10.136.17.82").is_ok());
        assert!(check_header_value("challenge_node_id", "").is_err());
        assert!(check_header_value("challenge_session_id", "a\r\nX-Injected: 1").is_err());
        assert!(check_header_value("challenge_session_id", "Zürich").is_err());
    }
}
