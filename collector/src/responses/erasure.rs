//! Answering a deletion request: an interaction's responses — its counted answers, its
//! comment, any answers set aside beside it — are erased, and its counts come out of every
//! rollup in the same transaction, so reports read as if it had never been given. The audit
//! trail records that it happened, who asked and when; it names the interaction only by a
//! digest — not in clear, checkable by whoever holds the id (`printf %s ID | sha256sum`), but
//! pseudonymous: a guessable id can be found again by trying candidates.

use sha2::{Digest as _, Sha256};

use koe_shared::InteractionId;

use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::sites::Site;
use crate::storage::{RemovalStore, StorageError};

/// The interaction as the audit trail names it: `sha256:` and the digest's first 16 hex digits.
pub fn audited_name(interaction: &InteractionId) -> String {
    let digest = Sha256::digest(interaction.as_str().as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Erases `interaction` of `site`; how many rows went (0: nothing was stored, and nothing is
/// recorded).
#[tracing::instrument(name = "erasure::erase", skip_all)]
pub async fn erase<S: RemovalStore>(
    storage: &S,
    site: &Site,
    interaction: &InteractionId,
    actor: Actor,
) -> Result<u64, StorageError> {
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::ResponseErased,
        detail: format!("interaction {}", audited_name(interaction)),
        at: clock::now(),
    };
    storage.erase_interaction(entry, interaction).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trail_names_an_interaction_by_a_digest_anyone_holding_the_id_can_check() {
        let id = InteractionId::try_from("chat-123").unwrap();
        // `printf %s chat-123 | sha256sum` starts 046f31e2696bc228.
        assert_eq!(audited_name(&id), "sha256:046f31e2696bc228");
    }
}
