//! Sites as stored: registering one, listing them, one by its key, its editable settings and
//! its signing secret's rotation (each change with its audit entry, in one transaction). Here
//! are the capability's trait ([`SiteStore`]), its one implementation for both backends (the
//! `site_store!` macro each backend invokes with its pool) and the statements with their SQL.

use super::sql::for_koe_databases;
use std::future::Future;

use koe_shared::SiteKey;
use sqlx::Database;

use super::StorageError;
use super::access::Access;
use super::queries::unique;
use super::rows::{SiteRow, join_origins};
use super::{SurveyDraftRecord, SurveyVersionRecord};
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::sites::{NewSite, Site};

/// The sites a collector serves.
pub trait SiteStore: Clone + Send + Sync + 'static {
    fn create_site(&self, site: NewSite)
    -> impl Future<Output = Result<Site, StorageError>> + Send;

    fn sites(&self) -> impl Future<Output = Result<Vec<Site>, StorageError>> + Send;

    fn site_by_key(
        &self,
        key: &SiteKey,
    ) -> impl Future<Output = Result<Option<Site>, StorageError>> + Send;

    /// Stores the editable settings that differ between `before` (what the change was made
    /// from) and `after`, and records the change, in one transaction. Only those columns are
    /// written: a setting another collector changed meanwhile is left as it now is.
    fn update_site(
        &self,
        entry: AuditEntry,
        before: &Site,
        after: Site,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Makes `digest` the site's signing secret, keeps the previous one verifying until
    /// `until`, and records it, in one transaction.
    fn rotate_secret(
        &self,
        entry: AuditEntry,
        digest: [u8; 32],
        until: jiff::Timestamp,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Publishes `definition` (JSON) as the site's survey version after `expected`, keeps it
    /// among the versions and records it, in one transaction. `None`, and nothing written,
    /// when the site's survey is no longer at `expected` (someone published meanwhile).
    fn publish_survey(
        &self,
        entry: AuditEntry,
        expected: u32,
        definition: String,
    ) -> impl Future<Output = Result<Option<u32>, StorageError>> + Send;

    /// The site's published survey versions, newest first, at most `limit`.
    fn survey_versions(
        &self,
        site: SiteId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<SurveyVersionRecord>, StorageError>> + Send;

    /// Keeps `draft` as the site's survey draft (replacing the one before).
    fn save_survey_draft(
        &self,
        site: SiteId,
        draft: SurveyDraftRecord,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn survey_draft(
        &self,
        site: SiteId,
    ) -> impl Future<Output = Result<Option<SurveyDraftRecord>, StorageError>> + Send;

    /// Drops the site's survey draft (once it is published).
    fn drop_survey_draft(
        &self,
        site: SiteId,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// Implements [`SiteStore`] for a backend's storage type over its sqlx database, with every
/// statement on the pool field named (PostgreSQL's primary: sites are read where they are
/// written).
macro_rules! site_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::SiteStore for $storage {
            #[tracing::instrument(name = "storage::create_site", level = "debug", skip_all)]
            async fn create_site(
                &self,
                site: $crate::sites::NewSite,
            ) -> Result<$crate::sites::Site, $crate::storage::StorageError> {
                use $crate::storage::sites::Sites as _;
                let mut tx = self.$pool.begin().await?;
                let id = <$db>::insert_site(&mut tx, &site).await?;
                let created = <$db>::site_by_key(&mut tx, site.key.as_str())
                    .await?
                    .filter(|s| s.id == id)
                    .ok_or_else(|| {
                        $crate::storage::StorageError::Corrupt(
                            "a new site could not be read back".into(),
                        )
                    })?;
                tx.commit().await?;
                Ok(created)
            }

            #[tracing::instrument(name = "storage::sites", level = "debug", skip_all)]
            async fn sites(
                &self,
            ) -> Result<Vec<$crate::sites::Site>, $crate::storage::StorageError> {
                use $crate::storage::sites::Sites as _;
                <$db>::sites(&mut *self.$pool.acquire().await?).await
            }

            #[tracing::instrument(name = "storage::site_by_key", level = "debug", skip_all)]
            async fn site_by_key(
                &self,
                key: &koe_shared::SiteKey,
            ) -> Result<Option<$crate::sites::Site>, $crate::storage::StorageError> {
                use $crate::storage::sites::Sites as _;
                <$db>::site_by_key(&mut *self.$pool.acquire().await?, key.as_str()).await
            }

            #[tracing::instrument(name = "storage::update_site", level = "debug", skip_all)]
            async fn update_site(
                &self,
                entry: $crate::audit::AuditEntry,
                before: &$crate::sites::Site,
                after: $crate::sites::Site,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::sites::Sites as _;
                let mut tx = self.$pool.begin().await?;
                <$db>::update_site(&mut tx, &entry, before, &after).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(name = "storage::rotate_secret", level = "debug", skip_all)]
            async fn rotate_secret(
                &self,
                entry: $crate::audit::AuditEntry,
                digest: [u8; 32],
                until: jiff::Timestamp,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::sites::Sites as _;
                let mut tx = self.$pool.begin().await?;
                <$db>::rotate_secret(&mut tx, &entry, &digest, until.as_millisecond()).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(name = "storage::publish_survey", level = "debug", skip_all)]
            async fn publish_survey(
                &self,
                entry: $crate::audit::AuditEntry,
                expected: u32,
                definition: String,
            ) -> Result<Option<u32>, $crate::storage::StorageError> {
                use $crate::storage::sites::Sites as _;
                let mut tx = self.$pool.begin().await?;
                let version = <$db>::publish_survey(&mut tx, &entry, expected, &definition).await?;
                if version.is_some() {
                    tx.commit().await?;
                }
                Ok(version)
            }

            #[tracing::instrument(name = "storage::survey_versions", level = "debug", skip_all)]
            async fn survey_versions(
                &self,
                site: $crate::ids::SiteId,
                limit: u32,
            ) -> Result<Vec<$crate::storage::SurveyVersionRecord>, $crate::storage::StorageError>
            {
                use $crate::storage::sites::Sites as _;
                <$db>::survey_versions(&mut *self.$pool.acquire().await?, site, limit).await
            }

            async fn save_survey_draft(
                &self,
                site: $crate::ids::SiteId,
                draft: $crate::storage::SurveyDraftRecord,
            ) -> Result<(), $crate::storage::StorageError> {
                sqlx::query($crate::storage::sites::SAVE_SURVEY_DRAFT)
                    .bind(site)
                    .bind(draft.definition)
                    .bind(draft.saved_at.as_millisecond())
                    .bind(draft.saved_by)
                    .bind(i64::from(draft.base_version))
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn survey_draft(
                &self,
                site: $crate::ids::SiteId,
            ) -> Result<Option<$crate::storage::SurveyDraftRecord>, $crate::storage::StorageError>
            {
                let row: Option<(String, i64, String, i64)> =
                    sqlx::query_as($crate::storage::sites::SELECT_SURVEY_DRAFT)
                        .bind(site)
                        .fetch_optional(&self.$pool)
                        .await?;
                row.map(|(definition, at_ms, saved_by, base)| {
                    Ok($crate::storage::SurveyDraftRecord {
                        definition,
                        base_version: u32::try_from(base).map_err(|_| {
                            $crate::storage::StorageError::Corrupt(format!("draft version {base}"))
                        })?,
                        saved_at: jiff::Timestamp::from_millisecond(at_ms)
                            .map_err(|e| $crate::storage::StorageError::Corrupt(e.to_string()))?,
                        saved_by,
                    })
                })
                .transpose()
            }

            async fn drop_survey_draft(
                &self,
                site: $crate::ids::SiteId,
            ) -> Result<(), $crate::storage::StorageError> {
                sqlx::query($crate::storage::sites::DROP_SURVEY_DRAFT)
                    .bind(site)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }
        }
    };
}
pub(super) use site_store;

/// The columns a site row reads (a macro, so that `concat!` builds constant statements).
macro_rules! site_columns {
    () => {
        "id, site_key, name, origins, timezone, strict, secret_digest, previous_secret_digest, \
         previous_secret_until_ms, low_n_threshold, created_at_ms, retention_days, purged_before, \
         sample_percent, cooldown_days, survey_version, survey"
    };
}

const SELECT_SITES: &str = concat!("SELECT ", site_columns!(), " FROM sites ORDER BY id");

const SELECT_SITE_BY_KEY: &str = concat!(
    "SELECT ",
    site_columns!(),
    " FROM sites WHERE site_key = $1"
);

const INSERT_SITE: &str = "INSERT INTO sites (site_key, name, origins, timezone, \
     strict, secret_digest, created_at_ms, low_n_threshold) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

/// A new signing secret (`$1`), the current one kept as previous until `$2`, for site `$3`.
const ROTATE_SECRET: &str = "UPDATE sites SET previous_secret_digest = secret_digest, \
     previous_secret_until_ms = $2, secret_digest = $1 WHERE id = $3";

/// The editable settings of site `$15` that changed, each as a flag (was it changed?) and its
/// new value: `$1`/`$2` name, `$3`/`$4` origins, `$5`/`$6` strict, `$7`/`$8` low-n threshold,
/// `$9`/`$10` retention in days (or NULL), `$11`/`$12` sample percent, `$13`/`$14` cooldown
/// days. A column not changed keeps what it holds now, whatever the caller last read.
const UPDATE_SITE: &str = "UPDATE sites SET \
     name = CASE WHEN $1 THEN $2 ELSE name END, \
     origins = CASE WHEN $3 THEN $4 ELSE origins END, \
     strict = CASE WHEN $5 THEN $6 ELSE strict END, \
     low_n_threshold = CASE WHEN $7 THEN $8 ELSE low_n_threshold END, \
     retention_days = CASE WHEN $9 THEN $10 ELSE retention_days END, \
     sample_percent = CASE WHEN $11 THEN $12 ELSE sample_percent END, \
     cooldown_days = CASE WHEN $13 THEN $14 ELSE cooldown_days END \
     WHERE id = $15";

/// The survey `$1` as site `$2`'s next version, only while it is at version `$3`.
const PUBLISH_SURVEY: &str = "UPDATE sites SET survey = $1, survey_version = survey_version + 1 \
     WHERE id = $2 AND survey_version = $3 RETURNING survey_version";

const INSERT_SURVEY_VERSION: &str = "INSERT INTO survey_versions (site_id, version, definition, \
     published_at_ms, published_by) VALUES ($1, $2, $3, $4, $5)";

const SELECT_SURVEY_VERSIONS: &str = "SELECT version, definition, published_at_ms, published_by \
     FROM survey_versions WHERE site_id = $1 ORDER BY version DESC LIMIT $2";

/// Site `$1`'s survey draft `$2`, started from version `$5`, saved at `$3` by `$4`, replacing
/// the one before.
pub(super) const SAVE_SURVEY_DRAFT: &str = "INSERT INTO survey_drafts (site_id, definition, \
     saved_at_ms, saved_by, base_version) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site_id) \
     DO UPDATE SET definition = excluded.definition, saved_at_ms = excluded.saved_at_ms, \
     saved_by = excluded.saved_by, base_version = excluded.base_version";

pub(super) const SELECT_SURVEY_DRAFT: &str = "SELECT definition, saved_at_ms, saved_by, \
     base_version FROM survey_drafts WHERE site_id = $1";

pub(super) const DROP_SURVEY_DRAFT: &str = "DELETE FROM survey_drafts WHERE site_id = $1";

/// The statements, on one connection (the caller's transaction where there is one).
pub(super) trait Sites: Database {
    async fn insert_site(
        conn: &mut Self::Connection,
        site: &NewSite,
    ) -> Result<SiteId, StorageError>;

    async fn sites(conn: &mut Self::Connection) -> Result<Vec<Site>, StorageError>;

    async fn site_by_key(
        conn: &mut Self::Connection,
        key: &str,
    ) -> Result<Option<Site>, StorageError>;

    /// Stores the editable settings (name, origins, strict, low-n threshold, retention,
    /// fatigue) that differ between `before` and `after`, and records the change.
    async fn update_site(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        before: &Site,
        after: &Site,
    ) -> Result<(), StorageError>;

    /// Makes `digest` the site's secret, keeps the current one verifying until `until_ms`,
    /// and records it.
    async fn rotate_secret(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        digest: &[u8; 32],
        until_ms: i64,
    ) -> Result<(), StorageError>;

    /// The site's next survey version, kept and recorded; `None` when it is not at `expected`.
    async fn publish_survey(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        expected: u32,
        definition: &str,
    ) -> Result<Option<u32>, StorageError>;

    async fn survey_versions(
        conn: &mut Self::Connection,
        site: SiteId,
        limit: u32,
    ) -> Result<Vec<SurveyVersionRecord>, StorageError>;
}

for_koe_databases! {
    impl Sites: Access {
    async fn insert_site(
        conn: &mut Self::Connection,
        site: &NewSite,
    ) -> Result<SiteId, StorageError> {
        sqlx::query_scalar::<_, i64>(INSERT_SITE)
            .bind(site.key.as_str())
            .bind(site.name.as_str())
            .bind(join_origins(&site.origins))
            .bind(site.timezone.name())
            .bind(site.strict)
            .bind(&site.secret_digest[..])
            .bind(site.created_at.as_millisecond())
            .bind(i64::from(site.low_n_threshold))
            .fetch_one(conn)
            .await
            .map(SiteId::new)
            .map_err(|e| unique(e, "a site with this key"))
    }

    async fn sites(conn: &mut Self::Connection) -> Result<Vec<Site>, StorageError> {
        let rows: Vec<SiteRow> = sqlx::query_as(SELECT_SITES).fetch_all(conn).await?;
        rows.into_iter().map(Site::try_from).collect()
    }

    async fn site_by_key(
        conn: &mut Self::Connection,
        key: &str,
    ) -> Result<Option<Site>, StorageError> {
        let row: Option<SiteRow> = sqlx::query_as(SELECT_SITE_BY_KEY)
            .bind(key)
            .fetch_optional(conn)
            .await?;
        row.map(Site::try_from).transpose()
    }

    async fn update_site(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        before: &Site,
        after: &Site,
    ) -> Result<(), StorageError> {
        sqlx::query(UPDATE_SITE)
            .bind(before.name != after.name)
            .bind(after.name.as_str())
            .bind(before.origins != after.origins)
            .bind(join_origins(&after.origins))
            .bind(before.strict != after.strict)
            .bind(after.strict)
            .bind(before.low_n_threshold != after.low_n_threshold)
            .bind(i64::from(after.low_n_threshold))
            .bind(before.retention_days != after.retention_days)
            .bind(after.retention_days.map(i64::from))
            .bind(before.fatigue.sample_percent != after.fatigue.sample_percent)
            .bind(i64::from(after.fatigue.sample_percent))
            .bind(before.fatigue.cooldown_days != after.fatigue.cooldown_days)
            .bind(i64::from(after.fatigue.cooldown_days))
            .bind(after.id)
            .execute(&mut *conn)
            .await?;
        Self::insert_audit(conn, entry).await
    }

    async fn rotate_secret(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        digest: &[u8; 32],
        until_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(ROTATE_SECRET)
            .bind(&digest[..])
            .bind(until_ms)
            .bind(entry.site_id)
            .execute(&mut *conn)
            .await?;
        Self::insert_audit(conn, entry).await
    }

    async fn publish_survey(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        expected: u32,
        definition: &str,
    ) -> Result<Option<u32>, StorageError> {
        let version: Option<i64> = sqlx::query_scalar(PUBLISH_SURVEY)
            .bind(definition)
            .bind(entry.site_id)
            .bind(i64::from(expected))
            .fetch_optional(&mut *conn)
            .await?;
        let Some(version) = version else {
            return Ok(None);
        };
        sqlx::query(INSERT_SURVEY_VERSION)
            .bind(entry.site_id)
            .bind(version)
            .bind(definition)
            .bind(entry.at.as_millisecond())
            .bind(entry.actor.to_string())
            .execute(&mut *conn)
            .await?;
        Self::insert_audit(conn, entry).await?;
        let version = u32::try_from(version)
            .map_err(|_| StorageError::Corrupt(format!("survey version {version}")))?;
        Ok(Some(version))
    }

    async fn survey_versions(
        conn: &mut Self::Connection,
        site: SiteId,
        limit: u32,
    ) -> Result<Vec<SurveyVersionRecord>, StorageError> {
        let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(SELECT_SURVEY_VERSIONS)
            .bind(site)
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
        rows.into_iter()
            .map(|(version, definition, at_ms, by)| {
                Ok(SurveyVersionRecord {
                    version: u32::try_from(version)
                        .map_err(|_| StorageError::Corrupt(format!("survey version {version}")))?,
                    definition,
                    published_at: jiff::Timestamp::from_millisecond(at_ms)
                        .map_err(|e| StorageError::Corrupt(e.to_string()))?,
                    published_by: by,
                })
            })
            .collect()
    }
    }
}
