//! A file that keeps the institution list between runs.
//!
//! The list is large (about 4 MB on the real service) and changes rarely, so programs that look
//! institutions up often keep a copy. [`InstitutionCache`] stores the `GET /institutions` body
//! exactly as received and downloads it again when the file is older than a maximum age.
//!
//! # Examples
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use aggcat::cache::InstitutionCache;
//!
//! # fn main() -> aggcat::Result<()> {
//! let client = aggcat::AggcatClient::from_env()?;
//! let cache = InstitutionCache::new("institutions.xml", Duration::from_secs(24 * 60 * 60));
//! // The first search downloads the list; later ones within a day read the file.
//! for found in cache.search(&client, "chase")? {
//!     println!("{} {}", found.institution_id, found.institution_name);
//! }
//! # Ok(())
//! # }
//! ```

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::search::{self, InstitutionMatch};
use crate::xml::XmlNode;
use crate::AggcatClient;

/// The institution list, kept in a file and downloaded again when the file is too old.
///
/// Freshness is judged by the file's modification time, so touching the file counts as a
/// refresh.
#[derive(Debug, Clone)]
pub struct InstitutionCache {
    path: PathBuf,
    max_age: Duration,
}

impl InstitutionCache {
    /// Creates a cache kept at `path` whose file is used while it is younger than `max_age`.
    ///
    /// Nothing is read or written until the first call.
    pub fn new(path: impl Into<PathBuf>, max_age: Duration) -> Self {
        InstitutionCache {
            path: path.into(),
            max_age,
        }
    }

    /// Returns the path of the cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the maximum age of the file before it is downloaded again.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Returns the `Institutions` root, read from the file when it is fresh, downloaded with
    /// [`AggcatClient::get_institutions`] otherwise.
    ///
    /// The file is fresh when it exists and its modification time lies less than
    /// [`max_age`](Self::max_age) in the past. A fresh file that is not an `Institutions`
    /// document (cut short, edited, another document) is downloaded again, not reported. A
    /// modification time in the future counts as stale.
    ///
    /// # Errors
    ///
    /// - [`Error::Io`] with the path when the file exists but cannot be read, or the new file
    ///   cannot be written.
    /// - The errors of [`refresh`](Self::refresh) when a download is needed.
    pub fn institutions(&self, client: &AggcatClient) -> Result<XmlNode> {
        if let Some(institutions) = self.read_fresh()? {
            return Ok(institutions);
        }
        self.refresh(client)
    }

    /// Finds institutions whose fields contain `query` in the cached list, ranked as
    /// [`search_institutions`](crate::search::search_institutions) ranks them.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] for parameter `query` when it is empty or only whitespace.
    ///   Nothing is read or downloaded then.
    /// - The errors of [`institutions`](Self::institutions).
    pub fn search(&self, client: &AggcatClient, query: &str) -> Result<Vec<InstitutionMatch>> {
        search::check_query(query)?;
        let institutions = self.institutions(client)?;
        Ok(search::search_institutions(&institutions, query))
    }

    /// Downloads the list now, whatever the file's age, replaces the file and returns the root.
    ///
    /// The body is written exactly as received to a temporary file in the same directory,
    /// which is then renamed over the cache file, so a reader never sees half a file. Missing
    /// parent directories are created.
    ///
    /// # Errors
    ///
    /// - [`Error::MissingElement`] when the response is not an `Institutions` document; the
    ///   file is left as it was then.
    /// - [`Error::Io`] with the path of the file that could not be written.
    /// - The errors of [`AggcatClient::get_institutions`].
    pub fn refresh(&self, client: &AggcatClient) -> Result<XmlNode> {
        let response = client.get_institutions()?;
        let institutions = search::institutions_from_response(&response)?;
        self.write_atomically(response.body())?;
        Ok(institutions)
    }

    /// Reads the file if it is fresh and contains an `Institutions` document.
    fn read_fresh(&self) -> Result<Option<XmlNode>> {
        let modified = match fs::metadata(&self.path).and_then(|meta| meta.modified()) {
            Ok(modified) => modified,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(self.io_error(source)),
        };
        if !is_fresh(modified, self.max_age) {
            log::debug!("institution cache {} is stale", self.path.display());
            return Ok(None);
        }

        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            // Removed between the two calls: download as if it never existed.
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(self.io_error(source)),
        };
        let parsed = std::str::from_utf8(&bytes)
            .map_err(|_| "not UTF-8".to_owned())
            .and_then(|text| XmlNode::parse(text).map_err(|error| error.to_string()))
            .and_then(|root| search::institutions_root(root).map_err(|error| error.to_string()));
        match parsed {
            Ok(institutions) => Ok(Some(institutions)),
            Err(reason) => {
                log::warn!(
                    "institution cache {} is unreadable ({reason}); downloading the list again",
                    self.path.display()
                );
                Ok(None)
            }
        }
    }

    fn write_atomically(&self, body: &[u8]) -> Result<()> {
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }

        let temporary = self.temporary_path();
        let written = write_and_sync(&temporary, body).map_err(|source| Error::Io {
            path: temporary.clone(),
            source,
        });
        if let Err(error) = written {
            // Best effort: the write already failed, and a stray file is harmless.
            let _ = fs::remove_file(&temporary);
            return Err(error);
        }

        fs::rename(&temporary, &self.path).map_err(|source| {
            let _ = fs::remove_file(&temporary);
            self.io_error(source)
        })
    }

    /// Returns `.NAME.PID.tmp` beside the cache file, so that two processes never share one.
    fn temporary_path(&self) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "institutions".to_owned());
        self.path
            .with_file_name(format!(".{name}.{}.tmp", std::process::id()))
    }

    fn io_error(&self, source: io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            source,
        }
    }
}

fn is_fresh(modified: SystemTime, max_age: Duration) -> bool {
    match SystemTime::now().duration_since(modified) {
        Ok(age) => age < max_age,
        Err(_) => false,
    }
}

fn write_and_sync(path: &Path, body: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(body)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_follows_max_age() {
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);

        assert!(is_fresh(now - Duration::from_secs(60), hour));
        assert!(!is_fresh(now - 2 * hour, hour));
        assert!(!is_fresh(now + hour, hour));
        assert!(!is_fresh(now, Duration::ZERO));
    }

    #[test]
    fn temporary_file_sits_beside_cache() {
        let cache = InstitutionCache::new("/var/cache/aggcat/list.xml", Duration::ZERO);

        let temporary = cache.temporary_path();

        assert_eq!(temporary.parent(), Some(Path::new("/var/cache/aggcat")));
        let name = temporary.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with(".list.xml."), "{name}");
        assert!(name.ends_with(".tmp"), "{name}");
    }

    #[test]
    fn accessors_return_settings() {
        let cache = InstitutionCache::new("list.xml", Duration::from_secs(5));

        assert_eq!(cache.path(), Path::new("list.xml"));
        assert_eq!(cache.max_age(), Duration::from_secs(5));
    }
}
