//! Responses of the data API and the documents the client reads out of them.

use std::fmt;

use crate::error::{Error, Result};
use crate::xml::XmlNode;

/// One response of the data API.
///
/// `Debug` shows the status, the content kind and the body length only, because bodies hold
/// account numbers and balances.
#[derive(Clone)]
pub struct AggcatResponse {
    status: u16,
    headers: Vec<(String, String)>,
    content: Content,
    /// The body when `content` is not [`Content::Raw`], which contains the body itself.
    body: Vec<u8>,
}

/// The content of a response.
#[derive(Debug, Clone)]
pub enum Content {
    /// The body was empty.
    Empty,
    /// The objectified XML body.
    Xml(XmlNode),
    /// The raw body, when objectify is off or the call returns file data.
    Raw(Vec<u8>),
}

/// An institution's login field, from `InstitutionDetail/keys/key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialField {
    /// `name`: the credential name to send.
    pub name: String,
    /// `description`, if the institution gives one.
    pub description: Option<String>,
    /// `instructions`, if the institution gives them.
    pub instructions: Option<String>,
    /// `mask`: whether the field is a password field whose input should be hidden.
    pub mask: bool,
    /// `displayOrder`: the position of the field in a login form, starting at 1.
    pub display_order: u32,
    /// `valueLengthMin`: the minimum value length in characters, if given.
    pub value_length_min: Option<u32>,
    /// `valueLengthMax`: the maximum value length in characters, if given.
    pub value_length_max: Option<u32>,
    /// `status`, for example `Active`, if given.
    pub status: Option<String>,
}

/// A multi-factor challenge: the questions a 401 response asks before accounts are added.
///
/// Answer it with [`AggcatClient::confirm_challenge`](crate::AggcatClient::confirm_challenge)
/// after discovery, or [`AggcatClient::update_challenge`](crate::AggcatClient::update_challenge)
/// after a login update, passing one answer per question in question order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The `challengeSessionId` response header, to send back unchanged.
    pub session_id: String,
    /// The `challengeNodeId` response header, to send back unchanged.
    pub node_id: String,
    /// The questions, in document order.
    pub questions: Vec<ChallengeQuestion>,
}

/// One question of a [`Challenge`].
#[derive(Clone, PartialEq, Eq)]
pub struct ChallengeQuestion {
    /// The question's `text` elements, joined with a newline when there are several.
    pub text: String,
    /// The choices of a multiple-choice question; empty for a free-text question.
    pub choices: Vec<ChallengeChoice>,
    /// The decoded `image` (CCBank sends a JPEG), if the question has one.
    pub image: Option<Vec<u8>>,
}

/// One choice of a multiple-choice [`ChallengeQuestion`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeChoice {
    /// The label to show.
    pub text: String,
    /// The value to answer with, which may differ from the label (`Fail` and `fail`).
    pub value: String,
}

impl fmt::Debug for ChallengeQuestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeQuestion")
            .field("text", &self.text)
            .field("choices", &self.choices)
            .field("image_len", &self.image.as_ref().map(Vec::len))
            .finish()
    }
}

impl AggcatResponse {
    pub(crate) fn new(
        status: u16,
        headers: Vec<(String, String)>,
        content: Content,
        body: Vec<u8>,
    ) -> Self {
        let body = match content {
            Content::Raw(_) => Vec::new(),
            _ => body,
        };
        AggcatResponse {
            status,
            headers,
            content,
            body,
        }
    }

    /// Returns the HTTP status code, for example 200, 201 or 401 for a challenge.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// Returns every response header as a `(name, value)` pair, in the order received.
    ///
    /// Header values that are not visible ASCII are left out.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Returns the first value of the header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// Returns the content: empty, objectified XML or raw bytes.
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// Returns the root element, if the content is objectified XML.
    pub fn xml(&self) -> Option<&XmlNode> {
        match &self.content {
            Content::Xml(node) => Some(node),
            _ => None,
        }
    }

    /// Returns the body exactly as received (after gzip decoding).
    pub fn body(&self) -> &[u8] {
        match &self.content {
            Content::Raw(bytes) => bytes,
            _ => &self.body,
        }
    }

    /// Returns the body exactly as received, or `""` when the body is not UTF-8 text.
    pub fn to_xml(&self) -> &str {
        std::str::from_utf8(self.body()).unwrap_or("")
    }

    /// Writes the body exactly as received to `path`, for example to keep the slow institution
    /// list; [`XmlNode::parse_file`] reads it back into the same tree.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) with the path when the file cannot be written.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> crate::Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.body()).map_err(|source| crate::Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Returns whether this is a multi-factor challenge: HTTP 401 with a `challengeSessionId`
    /// header.
    pub fn is_challenge(&self) -> bool {
        self.status == 401 && self.header("challengeSessionId").is_some()
    }

    /// Reads the challenge out of a challenge response.
    ///
    /// Returns `Ok(None)` when [`is_challenge`](Self::is_challenge) is false.
    ///
    /// # Errors
    ///
    /// - [`Error::MissingElement`] when the `challengeNodeId` header or the `Challenges`
    ///   document is missing.
    /// - [`Error::Xml`] when the body is not well-formed XML.
    /// - [`Error::InvalidValue`] when an `image` is not valid base64.
    pub fn challenge(&self) -> Result<Option<Challenge>> {
        if !self.is_challenge() {
            return Ok(None);
        }
        let session_id = self.header("challengeSessionId").unwrap_or_default();
        let node_id = self
            .header("challengeNodeId")
            .ok_or_else(|| Error::MissingElement {
                path: "challengeNodeId response header".to_owned(),
            })?;
        let questions = parse_challenge_questions(self.to_xml())?;
        Ok(Some(Challenge {
            session_id: session_id.to_owned(),
            node_id: node_id.to_owned(),
            questions,
        }))
    }
}

impl fmt::Debug for AggcatResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.content {
            Content::Empty => "Empty",
            Content::Xml(_) => "Xml",
            Content::Raw(_) => "Raw",
        };
        f.debug_struct("AggcatResponse")
            .field("status", &self.status)
            .field("content", &kind)
            .field("body_len", &self.body().len())
            .finish_non_exhaustive()
    }
}

/// Returns the first value of header `name` in `headers`, compared without regard to case.
pub(crate) fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn parse_document<'a>(text: &'a str, context: &str) -> Result<roxmltree::Document<'a>> {
    roxmltree::Document::parse(text).map_err(|source| Error::Xml {
        context: context.to_owned(),
        source,
    })
}

/// Returns the text of the first child element with local name `name`.
fn child_text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
        .and_then(|child| child.text())
}

fn parse_challenge_questions(text: &str) -> Result<Vec<ChallengeQuestion>> {
    let document = parse_document(text, "challenge response")?;
    let root = document.root_element();
    if root.tag_name().name() != "Challenges" {
        return Err(Error::MissingElement {
            path: "Challenges".to_owned(),
        });
    }

    let mut questions = Vec::new();
    for challenge in root
        .children()
        .filter(|node| node.has_tag_name("challenge"))
    {
        questions.push(parse_question(challenge)?);
    }
    Ok(questions)
}

fn parse_question(challenge: roxmltree::Node<'_, '_>) -> Result<ChallengeQuestion> {
    let mut texts = Vec::new();
    let mut choices = Vec::new();
    let mut image = None;

    for child in challenge.children().filter(|node| node.is_element()) {
        match child.tag_name().name() {
            "text" => texts.push(child.text().unwrap_or_default()),
            "choice" => choices.push(ChallengeChoice {
                text: child_text(child, "text").unwrap_or_default().to_owned(),
                value: child_text(child, "val").unwrap_or_default().to_owned(),
            }),
            "image" => image = Some(decode_image(child.text().unwrap_or_default())?),
            _ => {}
        }
    }

    Ok(ChallengeQuestion {
        text: texts.join("\n"),
        choices,
        image,
    })
}

fn decode_image(encoded: &str) -> Result<Vec<u8>> {
    let compact: String = encoded.split_ascii_whitespace().collect();
    openssl::base64::decode_block(&compact).map_err(|_| Error::InvalidValue {
        field: "challenge/image".to_owned(),
        value: compact.chars().take(40).collect(),
        expected: "base64 image data",
    })
}

/// The `errorInfo` fields of a `Status` error document.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct StatusFields {
    pub(crate) error_type: Option<String>,
    pub(crate) error_code: Option<String>,
    pub(crate) error_message: Option<String>,
    pub(crate) correlation_id: Option<String>,
}

/// Reads the first `Status/errorInfo` of `body`, matching local names in any namespace.
///
/// Returns `None` when the body is not a `Status` document.
pub(crate) fn parse_status(body: &[u8]) -> Option<StatusFields> {
    let text = std::str::from_utf8(body).ok()?;
    let document = roxmltree::Document::parse(text).ok()?;
    let root = document.root_element();
    if root.tag_name().name() != "Status" {
        return None;
    }

    let Some(info) = root.children().find(|node| node.has_tag_name("errorInfo")) else {
        return Some(StatusFields::default());
    };
    let field = |name: &str| child_text(info, name).map(|value| value.trim().to_owned());
    Some(StatusFields {
        error_type: field("errorType"),
        error_code: field("errorCode"),
        error_message: field("errorMessage"),
        correlation_id: field("correlationId"),
    })
}

/// Reads the displayed login fields of an `InstitutionDetail` document, sorted numerically by
/// `displayOrder` (a stable sort, so equal orders keep document order).
pub(crate) fn parse_credential_fields(text: &str) -> Result<Vec<CredentialField>> {
    let document = parse_document(text, "institution details")?;
    let root = document.root_element();
    let keys = root
        .children()
        .find(|node| node.has_tag_name("keys"))
        .ok_or_else(|| Error::MissingElement {
            path: "InstitutionDetail/keys".to_owned(),
        })?;

    let mut fields = Vec::new();
    for key in keys.children().filter(|node| node.has_tag_name("key")) {
        if parse_bool(key, "displayFlag")? != Some(true) {
            continue;
        }
        let name = child_text(key, "name").ok_or_else(|| Error::MissingElement {
            path: "InstitutionDetail/keys/key/name".to_owned(),
        })?;
        let display_order =
            parse_number(key, "displayOrder")?.ok_or_else(|| Error::MissingElement {
                path: "InstitutionDetail/keys/key/displayOrder".to_owned(),
            })?;
        fields.push(CredentialField {
            name: name.to_owned(),
            description: child_text(key, "description").map(str::to_owned),
            instructions: child_text(key, "instructions").map(str::to_owned),
            mask: parse_bool(key, "mask")?.unwrap_or(false),
            display_order,
            value_length_min: parse_number(key, "valueLengthMin")?,
            value_length_max: parse_number(key, "valueLengthMax")?,
            status: child_text(key, "status").map(str::to_owned),
        });
    }

    fields.sort_by_key(|field| field.display_order);
    Ok(fields)
}

fn parse_bool(key: roxmltree::Node<'_, '_>, name: &str) -> Result<Option<bool>> {
    match child_text(key, name).map(str::trim) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(Error::InvalidValue {
            field: format!("key/{name}"),
            value: other.chars().take(40).collect(),
            expected: "`true` or `false`",
        }),
    }
}

fn parse_number(key: roxmltree::Node<'_, '_>, name: &str) -> Result<Option<u32>> {
    let Some(text) = child_text(key, name).map(str::trim) else {
        return Ok(None);
    };
    text.parse().map(Some).map_err(|_| Error::InvalidValue {
        field: format!("key/{name}"),
        value: text.chars().take(40).collect(),
        expected: "a non-negative integer",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_QUESTION: &str =
        include_str!("../tests/fixtures/python-aggcat/api_two_factor_account.xml");
    const TWO_QUESTIONS: &str =
        include_str!("../tests/fixtures/python-aggcat/api_two_factor2_account.xml");
    const CHOICES: &str =
        include_str!("../tests/fixtures/python-aggcat/api_two_factor_choice_account.xml");
    const IMAGE: &str =
        include_str!("../tests/fixtures/python-aggcat/api_two_factor_image_account.xml");
    const HIDDEN_FIELDS: &str =
        include_str!("../tests/fixtures/ruby-aggcat/institution_hidden_fields.xml");
    const THREE_CREDENTIALS: &str =
        include_str!("../tests/fixtures/ruby-aggcat/institution_three_credentials.xml");
    const CHASE: &str =
        include_str!("../tests/fixtures/python-aggcat/docs_institution_detail_13278.xml");
    const MAX_CUSTOMERS: &str =
        include_str!("../tests/fixtures/ruby-aggcat/max_customers_reached.xml");

    fn challenge_response(body: &str) -> AggcatResponse {
        let headers = vec![
            ("challengesessionid".to_owned(), "c0ffee00-1111".to_owned()),
            ("ChallengeNodeID".to_owned(), "10.136.17.82".to_owned()),
        ];
        AggcatResponse::new(401, headers, Content::Empty, body.as_bytes().to_vec())
    }

    #[test]
    fn challenge_one_question() {
        let challenge = challenge_response(ONE_QUESTION)
            .challenge()
            .unwrap()
            .unwrap();

        assert_eq!(challenge.session_id, "c0ffee00-1111");
        assert_eq!(challenge.node_id, "10.136.17.82");
        assert_eq!(challenge.questions.len(), 1);
        assert_eq!(challenge.questions[0].text, "Enter your first pet's name:");
        assert!(challenge.questions[0].choices.is_empty());
        assert!(challenge.questions[0].image.is_none());
    }

    #[test]
    fn challenge_two_questions_in_order() {
        let challenge = challenge_response(TWO_QUESTIONS)
            .challenge()
            .unwrap()
            .unwrap();

        assert_eq!(challenge.questions.len(), 2);
        assert_eq!(challenge.questions[0].text, "Enter your first pet's name:");
        assert_eq!(
            challenge.questions[1].text,
            "Enter your high school's name:"
        );
    }

    #[test]
    fn challenge_choices_keep_value() {
        let challenge = challenge_response(CHOICES).challenge().unwrap().unwrap();
        let question = &challenge.questions[0];

        assert_eq!(question.text, "Which high school did you attend?");
        assert_eq!(question.choices.len(), 5);
        assert_eq!(question.choices[4].text, "Fail");
        assert_eq!(question.choices[4].value, "fail");
        assert_eq!(question.choices[0].value, "Washington");
    }

    #[test]
    fn challenge_image_decodes_to_jpeg() {
        let challenge = challenge_response(IMAGE).challenge().unwrap().unwrap();
        let image = challenge.questions[0].image.as_ref().unwrap();

        assert_eq!(
            challenge.questions[0].text,
            "Enter the word in the image below"
        );
        assert_eq!(image.len(), 2217);
        assert_eq!(&image[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn challenge_invalid_image_is_error() {
        let body = r#"<Challenges xmlns="http://schema.intuit.com/platform/fdatafeed/challenge/v1"><challenge><text>Word?</text><image>not*base64!</image></challenge></Challenges>"#;

        let error = challenge_response(body).challenge().unwrap_err();

        assert!(matches!(error, Error::InvalidValue { .. }));
    }

    #[test]
    fn challenge_absent_without_session_header() {
        let response = AggcatResponse::new(
            401,
            vec![("challengeNodeId".to_owned(), "1".to_owned())],
            Content::Empty,
            ONE_QUESTION.as_bytes().to_vec(),
        );

        assert!(!response.is_challenge());
        assert!(response.challenge().unwrap().is_none());
    }

    #[test]
    fn challenge_without_node_header_is_error() {
        let response = AggcatResponse::new(
            401,
            vec![("challengeSessionId".to_owned(), "s".to_owned())],
            Content::Empty,
            ONE_QUESTION.as_bytes().to_vec(),
        );

        assert!(matches!(
            response.challenge(),
            Err(Error::MissingElement { .. })
        ));
    }

    #[test]
    fn response_debug_hides_body() {
        let response = AggcatResponse::new(
            200,
            Vec::new(),
            Content::Raw(b"accountNumber 4111-SECRET".to_vec()),
            Vec::new(),
        );

        let printed = format!("{response:?}");

        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(printed.contains("Raw"), "{printed}");
        assert!(printed.contains("25"), "{printed}");
        assert_eq!(response.body(), b"accountNumber 4111-SECRET");
    }

    #[test]
    fn header_lookup_ignores_case() {
        let response = challenge_response(ONE_QUESTION);

        assert_eq!(response.header("CHALLENGESESSIONID"), Some("c0ffee00-1111"));
        assert_eq!(response.header("challengenodeid"), Some("10.136.17.82"));
        assert_eq!(response.header("intuit_tid"), None);
    }

    #[test]
    fn credential_fields_skip_hidden_keys() {
        let fields = parse_credential_fields(HIDDEN_FIELDS).unwrap();
        let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();

        assert_eq!(names, ["Banking Userid", "Banking Password"]);
        assert!(!fields[0].mask);
        assert!(fields[1].mask);
        assert_eq!(fields[0].value_length_min, Some(1));
        assert_eq!(fields[0].value_length_max, Some(100));
        assert_eq!(fields[0].status.as_deref(), Some("Active"));
    }

    #[test]
    fn credential_fields_three_displayed() {
        let fields = parse_credential_fields(THREE_CREDENTIALS).unwrap();
        let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();

        assert_eq!(names, ["Banking Userid", "Banking Password", "Account pin"]);
        assert_eq!(fields[2].display_order, 3);
    }

    #[test]
    fn credential_fields_sort_by_order() {
        let fields = parse_credential_fields(CHASE).unwrap();

        assert_eq!(fields[0].name, "usr_name");
        assert_eq!(fields[1].name, "usr_password");
        assert_eq!(fields[0].value_length_max, None);
        assert_eq!(fields[0].instructions, None);
    }

    #[test]
    fn credential_fields_sort_numerically() {
        let body = r#"<InstitutionDetail><keys>
            <key><name>ten</name><displayFlag>true</displayFlag><displayOrder>10</displayOrder></key>
            <key><name>two</name><displayFlag>true</displayFlag><displayOrder>2</displayOrder></key>
            <key><name>one</name><displayFlag>true</displayFlag><displayOrder>1</displayOrder></key>
            </keys></InstitutionDetail>"#;

        let fields = parse_credential_fields(body).unwrap();
        let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();

        assert_eq!(names, ["one", "two", "ten"]);
    }

    #[test]
    fn credential_fields_bad_order_is_error() {
        let body = r#"<InstitutionDetail><keys><key><name>a</name><displayFlag>true</displayFlag><displayOrder>first</displayOrder></key></keys></InstitutionDetail>"#;

        assert!(matches!(
            parse_credential_fields(body),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn credential_fields_without_keys_is_error() {
        let error = parse_credential_fields("<InstitutionDetail/>").unwrap_err();

        assert!(matches!(error, Error::MissingElement { .. }));
    }

    #[test]
    fn status_fields_by_local_name() {
        let fields = parse_status(MAX_CUSTOMERS.as_bytes()).unwrap();

        assert_eq!(fields.error_type.as_deref(), Some("APP_ERROR"));
        assert_eq!(fields.error_code.as_deref(), Some("api.max.customers"));
        assert_eq!(
            fields.error_message.as_deref(),
            Some("The offering has reached the maximum number of customers allowed.")
        );
        assert!(fields.correlation_id.unwrap().starts_with("gw-"));
    }

    #[test]
    fn status_absent_for_other_documents() {
        assert!(parse_status(ONE_QUESTION.as_bytes()).is_none());
        assert!(parse_status(b"<html><body>Bad gateway</body></html>").is_none());
        assert!(parse_status(b"not xml").is_none());
    }
}

/// How much of a response body has arrived, reported to the callback set with
/// [`AggcatClientBuilder::progress`](crate::AggcatClientBuilder::progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Body bytes received so far, after gzip decoding.
    pub received: u64,
    /// The body's size from `Content-Length`, when the reply declares one and is not
    /// compressed (the declared size of a gzip body is not the decoded size).
    pub total: Option<u64>,
}
