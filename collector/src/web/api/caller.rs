//! [`Caller`]: who is calling the authenticated API, as the scope's middleware found it — the
//! API key's record and the site in the path, which the key belongs to. Handlers take it as an
//! extractor, so none of them checks the key or parses the site key again.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::{FromRequest, HttpMessage as _, HttpRequest, dev::Payload};

use crate::audit::Actor;
use crate::sites::Site;
use crate::storage::ApiKeyRecord;
use crate::web::error::ManageError;

/// The checked key and its site (`auth::require_key` puts it on the request; the route's
/// `auth::require_role` has checked its role before the handler runs).
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: ApiKeyRecord,
    pub site: Arc<Site>,
}

impl Caller {
    /// Who the audit trail names for what this caller changes.
    pub fn actor(&self) -> Actor {
        Actor::Key(self.key.id)
    }
}

impl FromRequest for Caller {
    type Error = ManageError;
    type Future = Ready<Result<Self, ManageError>>;

    /// A route outside the key-checking scope has no caller: refused as unauthenticated.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Self>()
                .cloned()
                .ok_or(ManageError::Unauthorized),
        )
    }
}
