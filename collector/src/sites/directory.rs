//! The sites the server knows, held in memory: every request needs its site, and CORS must
//! answer from a synchronous check. Reloaded from storage every few seconds (sites added by
//! `koe site add` in another process appear within that time) and on a miss.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use koe_shared::SiteKey;

use crate::ids::SiteId;
use crate::sites::{Origin, Site};
use crate::storage::{SiteStore, StorageError};

#[derive(Debug, Clone, Default)]
pub struct SiteDirectory {
    inner: Arc<RwLock<Snapshot>>,
}

#[derive(Debug, Default)]
struct Snapshot {
    by_key: HashMap<SiteKey, Arc<Site>>,
    origins: HashSet<Origin>,
}

impl SiteDirectory {
    /// Loads every site from storage.
    pub async fn load<S: SiteStore>(storage: &S) -> Result<Self, StorageError> {
        let directory = Self::default();
        directory.replace(storage.sites().await?);
        Ok(directory)
    }

    fn replace(&self, sites: Vec<Site>) {
        let mut snapshot = Snapshot::default();
        for site in sites {
            snapshot.origins.extend(site.origins.iter().cloned());
            snapshot.by_key.insert(site.key.clone(), Arc::new(site));
        }
        *self
            .inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = snapshot;
    }

    fn cached(&self, key: &SiteKey) -> Option<Arc<Site>> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .by_key
            .get(key)
            .cloned()
    }

    /// The site with this key: from memory, else from storage (and then remembered).
    pub async fn find<S: SiteStore>(
        &self,
        storage: &S,
        key: &SiteKey,
    ) -> Result<Option<Arc<Site>>, StorageError> {
        if let Some(site) = self.cached(key) {
            return Ok(Some(site));
        }
        let Some(site) = storage.site_by_key(key).await? else {
            return Ok(None);
        };
        let site = Arc::new(site);
        let mut snapshot = self
            .inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        snapshot.origins.extend(site.origins.iter().cloned());
        snapshot.by_key.insert(key.clone(), Arc::clone(&site));
        Ok(Some(site))
    }

    /// Reloads every site from storage now (after a change made through this process).
    pub async fn reload<S: SiteStore>(&self, storage: &S) -> Result<(), StorageError> {
        self.replace(storage.sites().await?);
        Ok(())
    }

    /// The site with this id: from memory, else reloading the site list once.
    pub async fn find_by_id<S: SiteStore>(
        &self,
        storage: &S,
        id: SiteId,
    ) -> Result<Option<Arc<Site>>, StorageError> {
        let cached = |d: &Self| {
            d.inner
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .by_key
                .values()
                .find(|s| s.id == id)
                .cloned()
        };
        if let Some(site) = cached(self) {
            return Ok(Some(site));
        }
        self.replace(storage.sites().await?);
        Ok(cached(self))
    }

    /// Whether any site registered this `Origin` header value (the CORS preflight check; the
    /// handler then checks the origin against the submission's own site).
    pub fn knows_origin(&self, header: &[u8]) -> bool {
        let Some(origin) = std::str::from_utf8(header)
            .ok()
            .and_then(|h| Origin::parse(h).ok())
        else {
            return false;
        };
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .origins
            .contains(&origin)
    }

    /// Reloads from storage every `period` until the directory is dropped.
    pub fn keep_fresh<S: SiteStore>(&self, storage: S, period: Duration) {
        let weak: Weak<RwLock<Snapshot>> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                match storage.sites().await {
                    Ok(sites) => SiteDirectory { inner }.replace(sites),
                    Err(error) => tracing::warn!(error = %error, "could not reload the site list"),
                }
            }
        });
    }
}
