//! How a command names the database it works on in its messages: an SQLite file by its
//! absolute path, a PostgreSQL URL without its password — so "no site has the key" says where
//! it looked, and never leaks a credential.

use std::fmt;
use std::path::Path;

/// The database a command works on, as its messages name it: an SQLite file's absolute path
/// (which directory a relative `sqlite://koe.db` meant), a PostgreSQL URL without its password
/// and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DatabaseName(String);

impl DatabaseName {
    pub(super) fn sqlite(file: Option<&Path>) -> Self {
        Self(match file {
            Some(file) => std::path::absolute(file)
                .unwrap_or_else(|_| file.to_path_buf())
                .display()
                .to_string(),
            None => "the in-memory SQLite database".into(),
        })
    }

    pub(super) fn postgres(url: &str) -> Self {
        let generic = || "the PostgreSQL database of database_url".to_owned();
        Self(match url::Url::parse(url) {
            // An unencoded password holding `/`, `?` or `#` moves the `@` out of the authority
            // (`postgres://koe:2024/pw@db/koe` reads as host `koe`, port 2024): then none of
            // the URL is shown.
            Ok(parsed)
                if parsed.path().contains('@')
                    || (parsed.username().is_empty() && url.contains('@')) =>
            {
                generic()
            }
            Ok(parsed) => {
                let user = match parsed.username() {
                    "" => String::new(),
                    user => format!("{user}@"),
                };
                let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
                format!(
                    "{}://{user}{}{port}{}",
                    parsed.scheme(),
                    parsed.host_str().unwrap_or_default(),
                    parsed.path()
                )
            }
            Err(_) => generic(),
        })
    }
}

impl fmt::Display for DatabaseName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_database_is_named_without_its_password() {
        let named = DatabaseName::postgres(
            "postgres://koe:hunter2@db.internal:5432/koe?sslmode=require&password=hunter3",
        )
        .to_string();
        assert_eq!(named, "postgres://koe@db.internal:5432/koe");
        assert_eq!(
            DatabaseName::postgres("postgres://[::1").to_string(),
            "the PostgreSQL database of database_url",
            "an unparsable URL is not echoed"
        );
        for unencoded in [
            "postgres://koe:2024/pw@db/koe",
            "postgres://koe:/secret@db/koe",
            "postgresql://koe:a#b@db/koe",
        ] {
            let named = DatabaseName::postgres(unencoded).to_string();
            assert_eq!(
                named, "the PostgreSQL database of database_url",
                "{unencoded}: a password the URL parser misreads is never shown"
            );
        }
    }

    #[test]
    fn a_relative_sqlite_file_is_named_by_its_absolute_path() {
        let named = DatabaseName::sqlite(Some(Path::new("koe.db"))).to_string();
        assert!(Path::new(&named).is_absolute(), "{named}");
        assert!(named.ends_with("koe.db"), "{named}");
    }
}
