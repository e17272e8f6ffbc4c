//! Institution search: finds institutions whose fields contain a text.
//!
//! The service has no search call, so a search reads the whole institution list (about 18,700
//! entries on the real service) and filters it locally. To avoid downloading the list for every
//! search, keep it with [`InstitutionCache`](crate::cache::InstitutionCache).
//!
//! # Examples
//!
//! ```
//! use aggcat::search::search_institutions;
//! use aggcat::XmlNode;
//!
//! let institutions = XmlNode::parse(
//!     "<Institutions>\
//!        <institution><institutionId>13718</institutionId>\
//!          <institutionName>Fox Chase Bank</institutionName></institution>\
//!        <institution><institutionId>8860</institutionId>\
//!          <institutionName>Carolina Foothills FCU</institutionName>\
//!          <homeUrl>https://www.chase.example/</homeUrl></institution>\
//!        <institution><institutionId>13278</institutionId>\
//!          <institutionName>JP Morgan Chase Bank</institutionName></institution>\
//!      </Institutions>",
//! )?;
//! let matches = search_institutions(&institutions, "CHASE");
//! let ids: Vec<&str> = matches.iter().map(|m| m.institution_id.as_str()).collect();
//! // Name matches come first, each group in list order.
//! assert_eq!(ids, ["13718", "13278", "8860"]);
//! assert_eq!(matches[2].matched_field, "home_url");
//! # Ok::<(), aggcat::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::xml::XmlNode;
use crate::{AggcatClient, AggcatResponse};

/// The key of the field that ranks first.
const NAME_FIELD: &str = "institution_name";

/// One institution that a search found.
#[derive(Debug, Clone)]
pub struct InstitutionMatch {
    /// The `institutionId`, or `""` when the entry has none.
    pub institution_id: String,
    /// The `institutionName`, or `""` when the entry has none.
    pub institution_name: String,
    /// The snake_case key of the field that contains the query, for example
    /// `institution_name` or `home_url`. When several fields do, this is `institution_name` if
    /// it is one of them, else the first in document order.
    pub matched_field: String,
    /// The whole `institution` element.
    pub node: XmlNode,
}

/// Finds the `institution` elements of an `Institutions` document whose fields contain `query`.
///
/// The comparison ignores case (Unicode lower case on both sides) and looks at the text of
/// every element inside each `institution`: name, home URL, phone number and any other field.
/// Leading and trailing whitespace of `query` is ignored.
///
/// The result lists the institutions whose name matches first, then those where only another
/// field matches, each group in the order of the list. A query that is empty or only
/// whitespace matches nothing; [`AggcatClient::search_institutions`] rejects it instead.
pub fn search_institutions(institutions: &XmlNode, query: &str) -> Vec<InstitutionMatch> {
    let needle = query.trim().to_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }

    let mut name_matches = Vec::new();
    let mut other_matches = Vec::new();
    for institution in institutions.children_named("institution") {
        let Some(matched_field) = matched_field(&institution, &needle) else {
            continue;
        };
        let found = InstitutionMatch {
            institution_id: institution.field("institution_id").unwrap_or("").to_owned(),
            institution_name: institution.field(NAME_FIELD).unwrap_or("").to_owned(),
            matched_field,
            node: institution,
        };
        if found.matched_field == NAME_FIELD {
            name_matches.push(found);
        } else {
            other_matches.push(found);
        }
    }

    name_matches.extend(other_matches);
    name_matches
}

/// Returns the key of the field of `institution` that contains `needle` (already lower case),
/// preferring the name.
fn matched_field(institution: &XmlNode, needle: &str) -> Option<String> {
    if let Some(name) = institution.field(NAME_FIELD) {
        if name.to_lowercase().contains(needle) {
            return Some(NAME_FIELD.to_owned());
        }
    }
    first_matching_descendant(institution, needle)
}

/// Returns the key of the first element below `node`, in document order, whose text contains
/// `needle`.
fn first_matching_descendant(node: &XmlNode, needle: &str) -> Option<String> {
    for child in node.children() {
        if let Some(text) = child.text() {
            if text.to_lowercase().contains(needle) {
                return Some(child.key().to_owned());
            }
        }
        if let Some(key) = first_matching_descendant(&child, needle) {
            return Some(key);
        }
    }
    None
}

impl AggcatClient {
    /// Downloads the institution list and finds the institutions whose fields contain `query`,
    /// ranked as [`search_institutions`](crate::search::search_institutions) ranks them.
    ///
    /// Each call downloads the whole list (`GET /institutions`). To search repeatedly, use
    /// [`InstitutionCache::search`](crate::cache::InstitutionCache::search).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] for parameter `query` when it is empty or only whitespace.
    ///   Nothing is sent then.
    /// - [`Error::MissingElement`] when the response is not an `Institutions` document, and
    ///   [`Error::Xml`] when the client does not objectify and the body is not XML.
    /// - The errors of [`get_institutions`](AggcatClient::get_institutions).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> aggcat::Result<()> {
    /// let client = aggcat::AggcatClient::from_env()?;
    /// for found in client.search_institutions("chase")? {
    ///     println!("{} {}", found.institution_id, found.institution_name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn search_institutions(&self, query: &str) -> Result<Vec<InstitutionMatch>> {
        check_query(query)?;
        let response = self.get_institutions()?;
        let institutions = institutions_from_response(&response)?;
        Ok(search_institutions(&institutions, query))
    }
}

/// Rejects a query that would match nothing because it is empty or only whitespace.
pub(crate) fn check_query(query: &str) -> Result<()> {
    if query.trim().is_empty() {
        return Err(Error::InvalidInput {
            parameter: "query",
            reason: "the search text is empty; give part of an institution's name, home URL \
                     or phone number"
                .to_owned(),
        });
    }
    Ok(())
}

/// Returns the `Institutions` root of a `GET /institutions` response, parsing the body when
/// the client does not objectify.
pub(crate) fn institutions_from_response(response: &AggcatResponse) -> Result<XmlNode> {
    let root = match response.xml() {
        Some(root) => root.clone(),
        None => XmlNode::parse(response.to_xml())?,
    };
    institutions_root(root)
}

/// Returns `root` if it is an `Institutions` element.
pub(crate) fn institutions_root(root: XmlNode) -> Result<XmlNode> {
    if root.name() == "Institutions" {
        Ok(root)
    } else {
        Err(Error::MissingElement {
            path: "Institutions".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "<Institutions xmlns=\"http://schema.intuit.com/platform/fdatafeed/institution/v1\">\
        <institution><institutionId>1</institutionId><institutionName>Alpha Bank</institutionName>\
          <homeUrl>https://www.chase.example/</homeUrl><phoneNumber>1-800-555-0100</phoneNumber></institution>\
        <institution><institutionId>2</institutionId><institutionName>Chase Beta</institutionName></institution>\
        <institution><institutionId>3</institutionId><institutionName>Gamma</institutionName>\
          <phoneNumber>1-800-CHASE</phoneNumber></institution>\
        <institution><institutionId>4</institutionId><institutionName>Fox CHASE</institutionName>\
          <homeUrl>https://foxchase.example/</homeUrl></institution>\
        <institution><institutionId>5</institutionId><institutionName>Delta</institutionName></institution>\
      </Institutions>";

    fn ids(matches: &[InstitutionMatch]) -> Vec<&str> {
        matches.iter().map(|m| m.institution_id.as_str()).collect()
    }

    #[test]
    fn name_matches_rank_before_other_fields() {
        let root = XmlNode::parse(LIST).unwrap();

        let matches = search_institutions(&root, "chase");

        assert_eq!(ids(&matches), ["2", "4", "1", "3"]);
        assert_eq!(matches[0].matched_field, "institution_name");
        assert_eq!(matches[1].matched_field, "institution_name");
        assert_eq!(matches[2].matched_field, "home_url");
        assert_eq!(matches[3].matched_field, "phone_number");
    }

    #[test]
    fn match_carries_name_and_node() {
        let root = XmlNode::parse(LIST).unwrap();

        let matches = search_institutions(&root, "fox");

        assert_eq!(matches.len(), 1);
        assert_eq!(matches[0].institution_name, "Fox CHASE");
        assert_eq!(
            matches[0].node.field("home_url"),
            Some("https://foxchase.example/")
        );
    }

    #[test]
    fn search_ignores_case_and_outer_spaces() {
        let root = XmlNode::parse(LIST).unwrap();

        assert_eq!(ids(&search_institutions(&root, "  ALPHA ")), ["1"]);
        assert_eq!(ids(&search_institutions(&root, "800-555")), ["1"]);
    }

    #[test]
    fn search_without_match_is_empty() {
        let root = XmlNode::parse(LIST).unwrap();

        assert!(search_institutions(&root, "no such bank").is_empty());
    }

    #[test]
    fn empty_query_matches_nothing() {
        let root = XmlNode::parse(LIST).unwrap();

        assert!(search_institutions(&root, "").is_empty());
        assert!(search_institutions(&root, " \t").is_empty());
        assert!(matches!(
            check_query(" "),
            Err(Error::InvalidInput {
                parameter: "query",
                ..
            })
        ));
    }

    #[test]
    fn non_institutions_root_is_missing_element() {
        let status = XmlNode::parse("<Status><errorCode>100</errorCode></Status>").unwrap();

        assert!(matches!(
            institutions_root(status),
            Err(Error::MissingElement { .. })
        ));
    }
}
