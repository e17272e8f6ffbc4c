//! Institution search and the institution cache, against a sandbox on 127.0.0.1.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use aggcat::cache::InstitutionCache;
use aggcat::sandbox::{Sandbox, SandboxHandle};
use aggcat::{Error, XmlNode};

const HOUR: Duration = Duration::from_secs(60 * 60);

fn start() -> SandboxHandle {
    Sandbox::builder()
        .institutions(300)
        .start()
        .expect("sandbox starts")
}

fn institution_downloads(sandbox: &SandboxHandle) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|request| request.method == "GET" && request.path().ends_with("/institutions"))
        .count()
}

/// Returns a path under the temporary directory that no other test uses; removes leftovers.
fn scratch_path(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("aggcat-search-{}", std::process::id()));
    fs::create_dir_all(&directory).unwrap();
    let path = directory.join(name);
    let _ = fs::remove_file(&path);
    path
}

#[test]
fn chase_search_ranks_name_matches_first() {
    let sandbox = start();
    let client = sandbox.client("search-ranking").unwrap();

    let matches = client.search_institutions("chase").unwrap();

    let ids: Vec<&str> = matches.iter().map(|m| m.institution_id.as_str()).collect();
    for (id, name) in [
        ("13278", "JP Morgan Chase Bank"),
        ("14554", "Chase Bank Credit Card (Amazon.com)"),
        ("14910", "Chase e-Funds Card"),
        ("13718", "Fox Chase Bank"),
        ("14484", "Chevy Chase Bank - Web Cash Manager"),
        ("14777", "Fox Chase Bank - Business Banking"),
    ] {
        let found = matches
            .iter()
            .find(|m| m.institution_id == id)
            .unwrap_or_else(|| panic!("{id} {name} not found in {ids:?}"));
        assert_eq!(found.institution_name, name);
        assert_eq!(found.matched_field, "institution_name");
    }

    let first_other = matches
        .iter()
        .position(|m| m.matched_field != "institution_name")
        .expect("some institution matches chase outside its name");
    assert!(
        matches[first_other..]
            .iter()
            .all(|m| m.matched_field != "institution_name"),
        "a name match follows a match in another field: {ids:?}"
    );
    assert!(!matches[first_other]
        .institution_name
        .to_lowercase()
        .contains("chase"));
}

#[test]
fn chase_search_keeps_list_order() {
    let sandbox = start();
    let client = sandbox.client("search-order").unwrap();
    let response = client.get_institutions().unwrap();
    let list = response.xml().unwrap();
    let name_ids: Vec<String> = list
        .children_named("institution")
        .filter(|i| {
            i.field("institution_name")
                .unwrap()
                .to_lowercase()
                .contains("chase")
        })
        .map(|i| i.field("institution_id").unwrap().to_owned())
        .collect();

    let matches = aggcat::search::search_institutions(list, "chase");

    let found: Vec<String> = matches
        .iter()
        .take(name_ids.len())
        .map(|m| m.institution_id.clone())
        .collect();
    assert_eq!(found, name_ids);
    assert!(matches.len() > name_ids.len());
}

#[test]
fn empty_query_sends_nothing() {
    let sandbox = start();
    let client = sandbox.client("search-empty").unwrap();

    let error = client.search_institutions("  ").unwrap_err();

    assert!(
        matches!(
            error,
            Error::InvalidInput {
                parameter: "query",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(institution_downloads(&sandbox), 0);
}

#[test]
fn cache_second_search_reads_file() {
    let sandbox = start();
    let client = sandbox.client("cache-fresh").unwrap();
    let path = scratch_path("fresh.xml");
    let cache = InstitutionCache::new(&path, HOUR);

    let first = cache.search(&client, "chase").unwrap();
    let second = cache.search(&client, "chase").unwrap();

    assert_eq!(institution_downloads(&sandbox), 1);
    assert_eq!(first.len(), second.len());
    assert!(!first.is_empty());
    let saved = fs::read_to_string(&path).unwrap();
    let body = client.get_institutions().unwrap().to_xml().to_owned();
    assert_eq!(saved, body, "the file holds the body exactly as received");
}

#[test]
fn cache_refreshes_stale_file() {
    let sandbox = start();
    let client = sandbox.client("cache-stale").unwrap();
    let path = scratch_path("stale.xml");
    let cache = InstitutionCache::new(&path, HOUR);
    cache.institutions(&client).unwrap();
    let two_hours_ago = SystemTime::now() - 2 * HOUR;
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();

    let institutions = cache.institutions(&client).unwrap();

    assert_eq!(institution_downloads(&sandbox), 2);
    assert_eq!(institutions.name(), "Institutions");
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    assert!(modified > two_hours_ago + HOUR, "the file was rewritten");
}

#[test]
fn cache_replaces_corrupt_file() {
    let sandbox = start();
    let client = sandbox.client("cache-corrupt").unwrap();
    let path = scratch_path("corrupt.xml");
    fs::write(&path, "<Institutions><institution><institutionId>1").unwrap();
    let cache = InstitutionCache::new(&path, HOUR);

    let institutions = cache.institutions(&client).unwrap();

    assert_eq!(institution_downloads(&sandbox), 1);
    assert_eq!(institutions.children_named("institution").count(), 300);
    let reread = XmlNode::parse_file(&path).unwrap();
    assert_eq!(reread, institutions);
}

#[test]
fn cache_replaces_other_document() {
    let sandbox = start();
    let client = sandbox.client("cache-other").unwrap();
    let path = scratch_path("other.xml");
    fs::write(&path, "<AccountList/>").unwrap();
    let cache = InstitutionCache::new(&path, HOUR);

    cache.institutions(&client).unwrap();

    assert_eq!(institution_downloads(&sandbox), 1);
    assert_eq!(XmlNode::parse_file(&path).unwrap().name(), "Institutions");
}

#[test]
fn cache_refresh_always_downloads() {
    let sandbox = start();
    let client = sandbox.client("cache-refresh").unwrap();
    let path = scratch_path("refresh.xml");
    let cache = InstitutionCache::new(&path, HOUR);

    cache.institutions(&client).unwrap();
    cache.refresh(&client).unwrap();

    assert_eq!(institution_downloads(&sandbox), 2);
}

#[test]
fn cache_unreadable_path_is_io_error() {
    let sandbox = start();
    let client = sandbox.client("cache-directory").unwrap();
    let path = scratch_path("directory.xml");
    let _ = fs::remove_dir_all(&path);
    fs::create_dir_all(&path).unwrap();
    let cache = InstitutionCache::new(&path, HOUR);

    let error = cache.institutions(&client).unwrap_err();

    assert!(
        matches!(&error, Error::Io { path: error_path, .. } if *error_path == path),
        "{error:?}"
    );
    assert_eq!(institution_downloads(&sandbox), 0);
}
