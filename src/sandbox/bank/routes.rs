//! Routing of data requests and the handler of each operation.
//!
//! Status codes follow the service where it is known: 201 for discovery and accepted answers,
//! 200 with an empty body for updates and deletes, 401 with `Challenges` for a challenge, 206 for
//! a byte range. Where no source shows the service's answer the sandbox uses 400 for malformed
//! ids, dates and bodies, 404 for unknown numeric ids, and 408 for unknown or expired challenge
//! sessions.

use time::Date;

use super::batch::RangeRequest;
use super::documents::{
    account_list_xml, echo_xml, files_xml, institution_detail_xml, institutions_xml, status_xml,
};
use super::generate::{layout_of, positions_xml, service_day, transactions_xml};
use super::logins;
use super::request::{is_blank, parse_account_type};
use super::state::{Account, Customer, Kind};
use super::{ApiReply, ApiRequest, Bank};

const XML: &str = "application/xml";

pub(super) fn xml_reply(status: u16, body: String) -> ApiReply {
    ApiReply {
        status,
        headers: vec![("Content-Type".to_string(), XML.to_string())],
        body: body.into_bytes(),
    }
}

pub(super) fn empty_reply() -> ApiReply {
    ApiReply {
        status: 200,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

pub(super) fn error(status: u16, error_type: &str, code: &str, message: &str) -> ApiReply {
    xml_reply(status, status_xml(error_type, code, message))
}

// NOTE: the error codes of 400, 405, 408, 416 and of unknown logins, routes and files are the
// sandbox's own. No capture shows what the service sent for them.
pub(super) fn bad_request(message: &str) -> ApiReply {
    error(400, "APP_ERROR", "api.invalid.request", message)
}

pub(super) fn institution_not_found() -> ApiReply {
    error(
        404,
        "APP_ERROR",
        "api.database.notfound",
        "internal api error while processing request",
    )
}

fn account_not_found() -> ApiReply {
    error(
        404,
        "APP_ERROR",
        "api.database.account.notfound",
        "internal api error while processing the request",
    )
}

pub(super) fn login_not_found() -> ApiReply {
    error(
        404,
        "APP_ERROR",
        "api.database.login.notfound",
        "internal api error while processing the request",
    )
}

pub(super) fn session_expired() -> ApiReply {
    error(
        408,
        "APP_ERROR",
        "api.challenge.session.expired",
        "The challenge session is unknown or has expired; start the login again.",
    )
}

pub(super) fn bad_credentials(status: u16) -> ApiReply {
    error(
        status,
        "USER_ERROR",
        "103",
        "The financial institution rejected the login credentials.",
    )
}

pub(super) fn wrong_answer(status: u16) -> ApiReply {
    error(
        status,
        "USER_ERROR",
        "187",
        "Incorrect answer to Challenge Question",
    )
}

pub(super) fn request_error() -> ApiReply {
    error(
        500,
        "SYSTEM_ERROR",
        "api.internal.error",
        "internal api error while processing request",
    )
}

fn method_not_allowed(request: &ApiRequest<'_>, allowed: &str) -> ApiReply {
    let mut reply = error(
        405,
        "APP_ERROR",
        "api.method.notallowed",
        &format!(
            "{} is not allowed on {}; allowed: {allowed}",
            request.method, request.path
        ),
    );
    reply
        .headers
        .push(("Allow".to_string(), allowed.to_string()));
    reply
}

/// Parses a numeric id path segment; anything but 1 to 19 ASCII digits is a 400.
pub(super) fn parse_id(segment: &str, label: &str) -> Result<u64, ApiReply> {
    let valid = !segment.is_empty()
        && segment.len() <= 19
        && segment.bytes().all(|byte| byte.is_ascii_digit());
    match valid.then(|| segment.parse::<u64>()) {
        Some(Ok(id)) => Ok(id),
        _ => Err(bad_request(&format!(
            "invalid {label} {segment:?}: expected a number"
        ))),
    }
}

/// Parses a `YYYY-MM-DD` query date.
fn parse_date(value: &str, name: &str) -> Result<Date, ApiReply> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value, &format)
        .map_err(|_| bad_request(&format!("invalid {name} {value:?}: expected YYYY-MM-DD")))
}

/// Checks the `Content-Type` of a request that carries a body.
pub(super) fn require_xml_content_type(request: &ApiRequest<'_>) -> Result<(), ApiReply> {
    let content_type = request.header("content-type").unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case(XML) {
        Ok(())
    } else {
        Err(bad_request(&format!(
            "invalid Content-Type {content_type:?}: XML bodies must be sent as application/xml"
        )))
    }
}

/// Dispatches one request; creates the customer on its first call.
pub(super) fn handle(bank: &mut Bank, request: &ApiRequest<'_>) -> ApiReply {
    if !bank.customers.contains_key(request.customer_id) {
        if bank.customers.len() >= bank.settings.max_customers {
            return error(
                403,
                "APP_ERROR",
                "api.max.customers",
                "The offering has reached the maximum number of customers allowed.",
            );
        }
        bank.customers
            .insert(request.customer_id.to_string(), Customer::default());
    }
    let path = request.path.strip_prefix('/').unwrap_or(request.path);
    let segments: Vec<&str> = path.split('/').collect();
    let method = request.method;
    let reply = match segments.as_slice() {
        ["institutions"] => match method {
            "GET" => Ok(get_institutions(bank)),
            _ => Err(method_not_allowed(request, "GET")),
        },
        ["institutions", id] => match method {
            "GET" => get_institution(bank, id),
            _ => Err(method_not_allowed(request, "GET")),
        },
        ["institutions", id, "logins"] => match method {
            "POST" => logins::discover(bank, request, id),
            _ => Err(method_not_allowed(request, "POST")),
        },
        ["accounts"] => match method {
            "GET" => Ok(get_accounts(bank, request, None)),
            _ => Err(method_not_allowed(request, "GET")),
        },
        ["accounts", id] => match method {
            "GET" => get_account(bank, request, id),
            "PUT" => update_account_type(bank, request, id),
            "DELETE" => delete_account(bank, request, id),
            _ => Err(method_not_allowed(request, "GET, PUT, DELETE")),
        },
        ["accounts", id, "transactions"] => match method {
            "GET" => get_transactions(bank, request, id),
            _ => Err(method_not_allowed(request, "GET")),
        },
        ["accounts", id, "positions"] => match method {
            "GET" => get_positions(bank, request, id),
            _ => Err(method_not_allowed(request, "GET")),
        },
        ["logins", id] => match method {
            "PUT" => logins::update_login(bank, request, id),
            _ => Err(method_not_allowed(request, "PUT")),
        },
        ["logins", id, "accounts"] => match method {
            "GET" => get_login_accounts(bank, request, id),
            _ => Err(method_not_allowed(request, "GET")),
        },
        ["customers"] => match method {
            "DELETE" => {
                bank.customers.remove(request.customer_id);
                Ok(empty_reply())
            }
            _ => Err(method_not_allowed(request, "DELETE")),
        },
        ["export", "files"] => match method {
            "GET" => Ok(xml_reply(200, files_xml(&bank.files))),
            _ => Err(method_not_allowed(request, "GET")),
        },
        ["export", "files", name] => match method {
            "GET" => get_file(bank, request, name),
            "DELETE" => delete_file(bank, name),
            _ => Err(method_not_allowed(request, "GET, DELETE")),
        },
        ["echo"] => match method {
            "GET" => Ok(xml_reply(200, echo_xml(request.query))),
            _ => Err(method_not_allowed(request, "GET")),
        },
        _ => Err(error(
            404,
            "APP_ERROR",
            "api.resource.notfound",
            &format!("no resource at {}", request.path),
        )),
    };
    let reply = reply.unwrap_or_else(|reply| reply);
    if reply.status >= 400 && reply.status != 401 {
        log::debug!(
            "bank rejected {} {} for customer {:?} with status {}",
            request.method,
            request.path,
            request.customer_id,
            reply.status
        );
    }
    reply
}

pub(super) type Reply = Result<ApiReply, ApiReply>;

pub(super) fn customer<'a>(bank: &'a Bank, request: &ApiRequest<'_>) -> &'a Customer {
    // `handle` creates the customer before dispatching.
    &bank.customers[request.customer_id]
}

pub(super) fn customer_mut<'a>(bank: &'a mut Bank, request: &ApiRequest<'_>) -> &'a mut Customer {
    bank.customers
        .get_mut(request.customer_id)
        .expect("handle creates the customer before dispatching")
}

fn get_institutions(bank: &mut Bank) -> ApiReply {
    let document = bank
        .institutions_xml
        .get_or_insert_with(|| institutions_xml(&bank.directory.list));
    xml_reply(200, document.clone())
}

fn get_institution(bank: &Bank, id: &str) -> Reply {
    let id = parse_id(id, "institution id")?;
    let institution = bank.directory.get(id).ok_or_else(institution_not_found)?;
    Ok(xml_reply(200, institution_detail_xml(institution)))
}

fn account_reply(status: u16, accounts: &[&Account]) -> ApiReply {
    xml_reply(status, account_list_xml(accounts, layout_of(accounts)))
}

fn get_accounts(bank: &Bank, request: &ApiRequest<'_>, login_id: Option<u64>) -> ApiReply {
    let accounts: Vec<&Account> = customer(bank, request)
        .accounts
        .iter()
        .filter(|account| login_id.is_none_or(|id| account.login_id == id))
        .collect();
    account_reply(200, &accounts)
}

fn get_login_accounts(bank: &Bank, request: &ApiRequest<'_>, id: &str) -> Reply {
    let id = parse_id(id, "login id")?;
    customer(bank, request)
        .login(id)
        .ok_or_else(login_not_found)?;
    Ok(get_accounts(bank, request, Some(id)))
}

fn find_account<'a>(
    bank: &'a Bank,
    request: &ApiRequest<'_>,
    id: &str,
) -> Result<&'a Account, ApiReply> {
    parse_id(id, "account id")?;
    customer(bank, request)
        .account(id)
        .ok_or_else(account_not_found)
}

fn get_account(bank: &Bank, request: &ApiRequest<'_>, id: &str) -> Reply {
    let account = find_account(bank, request, id)?;
    Ok(account_reply(200, &[account]))
}

fn get_transactions(bank: &Bank, request: &ApiRequest<'_>, id: &str) -> Reply {
    let account = find_account(bank, request, id)?;
    let today = service_day(request.now);
    let start = request
        .query_param("txnStartDate")
        .ok_or_else(|| bad_request("missing txnStartDate: expected YYYY-MM-DD"))?;
    let start = parse_date(start, "txnStartDate")?;
    let end = match request.query_param("txnEndDate") {
        Some(value) => parse_date(value, "txnEndDate")?,
        None => today,
    };
    if end < start {
        return Err(bad_request("txnEndDate is before txnStartDate"));
    }
    let document = transactions_xml(bank.settings.seed, account, start, end, today);
    Ok(xml_reply(200, document))
}

fn get_positions(bank: &Bank, request: &ApiRequest<'_>, id: &str) -> Reply {
    let account = find_account(bank, request, id)?;
    Ok(xml_reply(200, positions_xml(account)))
}

fn update_account_type(bank: &mut Bank, request: &ApiRequest<'_>, id: &str) -> Reply {
    let account_id = find_account(bank, request, id)?.id;
    if is_blank(request.body) {
        return Err(bad_request(
            "missing body: expected an account element with its type",
        ));
    }
    require_xml_content_type(request)?;
    let (kind, account_type) = parse_account_type(
        request.body,
        bank.settings.lenient_namespaces,
        bank.settings.lenient_account_type_case,
    )
    .map_err(|message| bad_request(&message))?;
    let account = customer_mut(bank, request)
        .accounts
        .iter_mut()
        .find(|account| account.id == account_id)
        .ok_or_else(account_not_found)?;
    if account.kind != Kind::Other {
        return Err(error(
            403,
            "APP_ERROR",
            "api.account.type.notupdatable",
            "Only an OtherAccount may be given a new type.",
        ));
    }
    account.kind = kind;
    account.account_type = Some(account_type);
    Ok(empty_reply())
}

fn delete_account(bank: &mut Bank, request: &ApiRequest<'_>, id: &str) -> Reply {
    let account_id = find_account(bank, request, id)?.id;
    customer_mut(bank, request)
        .accounts
        .retain(|account| account.id != account_id);
    Ok(empty_reply())
}

fn get_file(bank: &Bank, request: &ApiRequest<'_>, name: &str) -> Reply {
    // A deleted file is still served: deletion only hides it from the list.
    let file = bank
        .files
        .iter()
        .find(|file| file.name == name)
        .ok_or_else(|| error(404, "APP_ERROR", "api.file.notfound", "no such file"))?;
    let size = file.data.len();
    let octet_stream = (
        "Content-Type".to_string(),
        "application/octet-stream".to_string(),
    );
    let Some(range) = request.header("range") else {
        return Ok(ApiReply {
            status: 200,
            headers: vec![octet_stream],
            body: file.data.clone(),
        });
    };
    match super::batch::parse_range(range, size) {
        RangeRequest::Bytes(first, last) => Ok(ApiReply {
            status: 206,
            headers: vec![
                octet_stream,
                (
                    "Content-Range".to_string(),
                    format!("bytes {first}-{last}/{size}"),
                ),
            ],
            body: file.data[first..=last].to_vec(),
        }),
        RangeRequest::Unrecognized => Ok(ApiReply {
            status: 200,
            headers: vec![octet_stream],
            body: file.data.clone(),
        }),
        RangeRequest::NotSatisfiable => {
            let mut reply = error(
                416,
                "APP_ERROR",
                "api.invalid.range",
                &format!("range {range:?} is not satisfiable for a file of {size} bytes"),
            );
            reply
                .headers
                .push(("Content-Range".to_string(), format!("bytes */{size}")));
            Err(reply)
        }
    }
}

fn delete_file(bank: &mut Bank, name: &str) -> Reply {
    let file = bank
        .files
        .iter_mut()
        .find(|file| file.name == name && !file.deleted)
        .ok_or_else(|| error(404, "APP_ERROR", "api.file.notfound", "no such file"))?;
    file.deleted = true;
    Ok(empty_reply())
}
