//! The login operations: discovery (`POST /institutions/{id}/logins`) and login updates
//! (`PUT /logins/{id}`), each with credentials or with challenge answers.

use time::Duration;

use super::ccbank::{self, AccountSet, AnswerOutcome, ChallengeKind, LoginOutcome};
use super::documents::account_list_xml;
use super::institutions::Institution;
use super::random::{node_id, uuid_v4};
use super::request::{is_blank, parse_login, LoginBody};
use super::routes::{
    bad_credentials, bad_request, customer, customer_mut, empty_reply, error,
    institution_not_found, login_not_found, parse_id, request_error, require_xml_content_type,
    session_expired, wrong_answer, xml_reply, Reply,
};
use super::state::{Account, Credentials, Login, Purpose, Session};
use super::writer::Layout;
use super::{ApiReply, ApiRequest, Bank};
use crate::secret::Secret;

/// Returns the challenge headers of a request, or `None` when it carries neither.
fn challenge_headers<'a>(
    request: &'a ApiRequest<'_>,
) -> Result<Option<(&'a str, &'a str)>, ApiReply> {
    match (
        request.header("challengesessionid"),
        request.header("challengenodeid"),
    ) {
        (None, None) => Ok(None),
        (Some(session), Some(node)) => Ok(Some((session, node))),
        _ => Err(bad_request(
            "challengeSessionId and challengeNodeId must be sent together",
        )),
    }
}

/// Parses the `InstitutionLogin` body of a login request, checking its content type.
fn login_body(bank: &Bank, request: &ApiRequest<'_>) -> Result<LoginBody, ApiReply> {
    if !is_blank(request.body) {
        require_xml_content_type(request)?;
    }
    parse_login(request.body, bank.settings.lenient_namespaces)
        .map_err(|message| bad_request(&message))
}

/// Checks credentials against an institution's keys: every displayed key is required, and every
/// name must be one of its keys.
fn check_credentials(institution: &Institution, credentials: &Credentials) -> Result<(), ApiReply> {
    for (name, _) in credentials {
        if !institution.keys.iter().any(|key| &key.name == name) {
            return Err(bad_request(&format!(
                "institution {} has no login key named {name:?}",
                institution.id
            )));
        }
    }
    for key in institution.keys.iter().filter(|key| key.display_flag) {
        if !credentials.iter().any(|(name, _)| *name == key.name) {
            return Err(bad_request(&format!(
                "missing credential {:?} required by institution {}",
                key.name, institution.id
            )));
        }
    }
    Ok(())
}

fn credential_value<'a>(credentials: &'a Credentials, name: Option<&str>) -> &'a str {
    name.and_then(|name| credentials.iter().find(|(key, _)| key == name))
        .map(|(_, value)| value.expose())
        .unwrap_or("")
}

fn run_script(institution: &Institution, credentials: &Credentials) -> LoginOutcome {
    let userid = credential_value(credentials, institution.userid_key());
    let password = credential_value(credentials, institution.password_key());
    ccbank::evaluate(userid, password)
}

/// Opens a challenge session and writes the 401 reply with its headers.
fn challenge_reply(
    bank: &mut Bank,
    request: &ApiRequest<'_>,
    challenge: ChallengeKind,
    purpose: Purpose,
) -> ApiReply {
    let session_id = uuid_v4();
    let node = node_id();
    let session = Session {
        node_id: node.clone(),
        created: request.now,
        challenge,
        purpose,
    };
    customer_mut(bank, request)
        .sessions
        .insert(session_id.clone(), session);
    let mut reply = xml_reply(401, ccbank::challenges_xml(challenge));
    reply
        .headers
        .push(("challengeSessionId".to_string(), session_id));
    reply.headers.push(("challengeNodeId".to_string(), node));
    reply
}

/// Takes the session named by the challenge headers; unknown, mismatched or expired is a 408.
///
/// A request with the wrong node id leaves the session in place, so a stray or forged request
/// cannot end a login that is waiting for its answers.
fn take_session(
    bank: &mut Bank,
    request: &ApiRequest<'_>,
    session_id: &str,
    node: &str,
) -> Result<Session, ApiReply> {
    let lifetime =
        Duration::try_from(bank.settings.challenge_session_lifetime).unwrap_or(Duration::MAX);
    let customer = customer_mut(bank, request);
    let session = customer
        .sessions
        .remove(session_id)
        .ok_or_else(session_expired)?;
    if request.now - session.created >= lifetime {
        return Err(session_expired());
    }
    if session.node_id != node {
        customer.sessions.insert(session_id.to_string(), session);
        return Err(session_expired());
    }
    Ok(session)
}

/// Checks answers against a session's challenge; a wrong count puts the session back.
fn judge_answers(
    bank: &mut Bank,
    request: &ApiRequest<'_>,
    session_id: &str,
    session: Session,
    answers: &[Secret],
) -> Result<AnswerOutcome, ApiReply> {
    let expected = session.challenge.questions();
    if answers.len() != expected {
        customer_mut(bank, request)
            .sessions
            .insert(session_id.to_string(), session);
        return Err(bad_request(&format!(
            "expected {expected} challenge answers, got {}",
            answers.len()
        )));
    }
    let answers: Vec<&str> = answers.iter().map(Secret::expose).collect();
    Ok(ccbank::check_answers(session.challenge, &answers))
}

/// Creates a login with the accounts of a set and returns the 201 `AccountList`.
fn create_login(
    bank: &mut Bank,
    request: &ApiRequest<'_>,
    institution_id: u64,
    credentials: Credentials,
    set: AccountSet,
) -> Reply {
    let login_id = bank.next_login_id;
    // Accounts with padded ids count from 1 so that their ids really start with zeros.
    let padded = set == AccountSet::LeadingZeros;
    let mut next_account_id = if padded {
        bank.next_padded_account_id
    } else {
        bank.next_account_id
    };
    let mut allocate = || {
        let id = next_account_id;
        next_account_id += 1;
        id
    };
    let accounts = ccbank::accounts(set, institution_id, login_id, request.now, &mut allocate);

    let limit = bank.settings.max_accounts_per_customer;
    let customer = customer_mut(bank, request);
    if customer.accounts.len() + accounts.len() > limit {
        return Err(error(
            403,
            "APP_ERROR",
            "api.max.accounts",
            "The customer has reached the maximum number of accounts allowed.",
        ));
    }

    customer.logins.push(Login {
        id: login_id,
        institution_id,
        credentials,
    });
    customer.accounts.extend(accounts.iter().cloned());
    bank.next_login_id += 1;
    if padded {
        bank.next_padded_account_id = next_account_id;
    } else {
        bank.next_account_id = next_account_id;
    }
    let layout = accounts
        .first()
        .map_or(Layout::Compact, |account| account.layout);
    let listed: Vec<&Account> = accounts.iter().collect();
    Ok(xml_reply(201, account_list_xml(&listed, layout)))
}

/// `POST /institutions/{id}/logins`: discovery with credentials, or challenge answers.
pub(super) fn discover(bank: &mut Bank, request: &ApiRequest<'_>, id: &str) -> Reply {
    let institution_id = parse_id(id, "institution id")?;
    let institution = bank
        .directory
        .get(institution_id)
        .ok_or_else(institution_not_found)?
        .clone();
    if is_blank(request.body) {
        return Err(bad_request(
            "missing body: expected an InstitutionLogin with credentials",
        ));
    }
    let body = login_body(bank, request)?;
    let headers = challenge_headers(request)?;
    match (body, headers) {
        (LoginBody::Answers(answers), Some((session_id, node))) => {
            customer_mut(bank, request).last_answers = Some(answers.clone());
            let session = take_session(bank, request, session_id, node)?;
            let Purpose::Discover {
                institution_id: session_institution,
                credentials,
            } = session.purpose.clone()
            else {
                return Err(session_expired());
            };
            if session_institution != institution_id {
                return Err(session_expired());
            }
            let challenge = session.challenge;
            match judge_answers(bank, request, session_id, session, &answers)? {
                AnswerOutcome::Accepted => create_login(
                    bank,
                    request,
                    institution_id,
                    credentials,
                    AccountSet::Direct,
                ),
                AnswerOutcome::Wrong => Err(wrong_answer(bank.settings.login_error_status)),
                AnswerOutcome::Again => Ok(challenge_reply(
                    bank,
                    request,
                    challenge,
                    Purpose::Discover {
                        institution_id,
                        credentials,
                    },
                )),
            }
        }
        (LoginBody::Credentials(credentials), None) => {
            customer_mut(bank, request).last_credentials = Some(credentials.clone());
            check_credentials(&institution, &credentials)?;
            match run_script(&institution, &credentials) {
                LoginOutcome::Accounts(set) => {
                    create_login(bank, request, institution_id, credentials, set)
                }
                LoginOutcome::Challenge(challenge) => Ok(challenge_reply(
                    bank,
                    request,
                    challenge,
                    Purpose::Discover {
                        institution_id,
                        credentials,
                    },
                )),
                LoginOutcome::BadCredentials => {
                    Err(bad_credentials(bank.settings.login_error_status))
                }
                LoginOutcome::RequestError => Err(request_error()),
            }
        }
        (LoginBody::Answers(_), None) => Err(bad_request(
            "challenge answers need the challengeSessionId and challengeNodeId headers",
        )),
        (_, Some(_)) => Err(bad_request(
            "a request with challenge headers must carry challengeResponses",
        )),
        (LoginBody::Empty, None) => Err(bad_request(
            "discovery needs an InstitutionLogin with credentials",
        )),
    }
}

/// Parses the `refresh` query parameter: `true` or `false` in any case; absent means `false`.
fn parse_refresh(request: &ApiRequest<'_>) -> Result<bool, ApiReply> {
    match request.query_param("refresh") {
        None => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
        Some(value) => Err(bad_request(&format!(
            "invalid refresh {value:?}: expected true or false"
        ))),
    }
}

/// Runs the script for an update; stores `new_credentials` when the login succeeds.
fn refresh_login(
    bank: &mut Bank,
    request: &ApiRequest<'_>,
    login_id: u64,
    institution: &Institution,
    new_credentials: Option<Credentials>,
) -> Reply {
    let credentials = match &new_credentials {
        Some(credentials) => credentials.clone(),
        None => customer(bank, request)
            .login(login_id)
            .map(|login| login.credentials.clone())
            .unwrap_or_default(),
    };
    match run_script(institution, &credentials) {
        LoginOutcome::Accounts(_) => {
            store_credentials(bank, request, login_id, new_credentials);
            Ok(empty_reply())
        }
        LoginOutcome::Challenge(challenge) => Ok(challenge_reply(
            bank,
            request,
            challenge,
            Purpose::Update {
                login_id,
                credentials: new_credentials,
            },
        )),
        LoginOutcome::BadCredentials => Err(bad_credentials(bank.settings.login_error_status)),
        LoginOutcome::RequestError => Err(request_error()),
    }
}

fn store_credentials(
    bank: &mut Bank,
    request: &ApiRequest<'_>,
    login_id: u64,
    credentials: Option<Credentials>,
) {
    let Some(credentials) = credentials else {
        return;
    };
    let customer = customer_mut(bank, request);
    if let Some(login) = customer
        .logins
        .iter_mut()
        .find(|login| login.id == login_id)
    {
        login.credentials = credentials;
    }
}

/// `PUT /logins/{id}`: new credentials, an explicit refresh, or challenge answers.
pub(super) fn update_login(bank: &mut Bank, request: &ApiRequest<'_>, id: &str) -> Reply {
    let login_id = parse_id(id, "login id")?;
    let institution_id = customer(bank, request)
        .login(login_id)
        .ok_or_else(login_not_found)?
        .institution_id;
    let institution = bank
        .directory
        .get(institution_id)
        .ok_or_else(institution_not_found)?
        .clone();
    let refresh = parse_refresh(request)?;
    let body = login_body(bank, request)?;
    let headers = challenge_headers(request)?;
    match (body, headers) {
        (LoginBody::Answers(answers), Some((session_id, node))) => {
            customer_mut(bank, request).last_answers = Some(answers.clone());
            let session = take_session(bank, request, session_id, node)?;
            let Purpose::Update {
                login_id: session_login,
                credentials,
            } = session.purpose.clone()
            else {
                return Err(session_expired());
            };
            if session_login != login_id {
                return Err(session_expired());
            }
            let challenge = session.challenge;
            match judge_answers(bank, request, session_id, session, &answers)? {
                AnswerOutcome::Accepted => {
                    store_credentials(bank, request, login_id, credentials);
                    Ok(empty_reply())
                }
                AnswerOutcome::Wrong => Err(wrong_answer(bank.settings.login_error_status)),
                AnswerOutcome::Again => Ok(challenge_reply(
                    bank,
                    request,
                    challenge,
                    Purpose::Update {
                        login_id,
                        credentials,
                    },
                )),
            }
        }
        (LoginBody::Credentials(credentials), None) => {
            customer_mut(bank, request).last_credentials = Some(credentials.clone());
            if credentials
                .iter()
                .all(|(_, value)| value.expose().is_empty())
            {
                return Err(bad_request("every credential value is empty"));
            }
            check_credentials(&institution, &credentials)?;
            if refresh {
                refresh_login(bank, request, login_id, &institution, Some(credentials))
            } else {
                store_credentials(bank, request, login_id, Some(credentials));
                Ok(empty_reply())
            }
        }
        (LoginBody::Empty, None) => {
            if refresh {
                refresh_login(bank, request, login_id, &institution, None)
            } else {
                Ok(empty_reply())
            }
        }
        (LoginBody::Answers(_), None) => Err(bad_request(
            "challenge answers need the challengeSessionId and challengeNodeId headers",
        )),
        (_, Some(_)) => Err(bad_request(
            "a request with challenge headers must carry challengeResponses",
        )),
    }
}
