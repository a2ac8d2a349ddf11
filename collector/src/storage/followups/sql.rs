//! The SQL of [`super::FollowupStore`], the same on both backends.

/// A follow-up with its owner's address, its answer and its interaction's facts; `WHERE`,
/// `ORDER BY` and `LIMIT` follow.
pub const FOLLOWUP_SELECT: &str = "SELECT f.id, f.site_id, f.interaction, f.day, f.agent, \
     f.team, f.channel, f.status, f.opened_at_ms, f.due_at_ms, f.owner_user_id, f.owner_name, \
     u.email AS owner_email, f.acted_at_ms, f.contacted_at_ms, f.closed_at_ms, f.cause, \
     f.overdue_noticed_at_ms, f.reask_expires_at_ms, f.recovery_csat, f.recovery_resolved, \
     f.recovered_at_ms, CAST(r.csat AS BIGINT) AS csat, CAST(r.nps AS BIGINT) AS nps, \
     CAST(r.ces AS BIGINT) AS ces, r.resolved, r.comment, r.reasons, i.topic, \
     i.first_response_at_ms, i.resolved_at_ms, CAST(i.reopened AS BIGINT) AS reopened, \
     CAST(i.contacts AS BIGINT) AS contacts \
     FROM followups f \
     LEFT JOIN users u ON u.id = f.owner_user_id \
     LEFT JOIN responses r ON r.site_id = f.site_id AND r.interaction = f.interaction \
         AND NOT r.set_aside \
     LEFT JOIN interactions i ON i.site_id = f.site_id AND i.interaction = f.interaction";

pub const SELECT_SETTINGS: &str = "SELECT settings FROM followup_settings WHERE site_id = $1";
pub const STORE_SETTINGS: &str = "INSERT INTO followup_settings (site_id, settings) \
     VALUES ($1, $2) ON CONFLICT (site_id) DO UPDATE SET settings = excluded.settings";

pub const SELECT_NOTES: &str = "SELECT n.author, n.body, n.created_at_ms FROM followup_notes n \
     JOIN followups f ON f.id = n.followup_id WHERE n.followup_id = $1 AND f.site_id = $2 \
     ORDER BY n.id";
pub const INSERT_NOTE: &str = "INSERT INTO followup_notes (followup_id, author, body, \
     created_at_ms) VALUES ($1, $2, $3, $4)";
pub const SELECT_STATUS: &str = "SELECT status FROM followups WHERE site_id = $1 AND id = $2";

/// Every change marks the follow-up acted on (an edit of the answer no longer withdraws it);
/// none touches a withdrawn one. `$1` site, `$2` id, `$3` now.
pub const TOUCH: &str = "UPDATE followups SET acted_at_ms = COALESCE(acted_at_ms, $3) \
     WHERE site_id = $1 AND id = $2 AND status <> 'withdrawn' RETURNING id";
pub const ASSIGN: &str = "UPDATE followups SET owner_user_id = $4, owner_name = $5, \
     acted_at_ms = COALESCE(acted_at_ms, $3) \
     WHERE site_id = $1 AND id = $2 AND status <> 'withdrawn' RETURNING id";
/// Contacted: the first contact's time kept; a closed one opens again, its re-ask link (and any
/// answer to it) gone with its closing.
pub const CONTACTED: &str = "UPDATE followups SET status = 'contacted', \
     contacted_at_ms = COALESCE(contacted_at_ms, $3), acted_at_ms = COALESCE(acted_at_ms, $3), \
     closed_at_ms = NULL, cause = NULL, reask_digest = NULL, reask_expires_at_ms = NULL, \
     recovery_csat = NULL, recovery_resolved = NULL, recovered_at_ms = NULL \
     WHERE site_id = $1 AND id = $2 AND status <> 'withdrawn' RETURNING id";
/// Closed: an outcome says the customer was reached (or tried), so the first contact is now if
/// none was noted.
pub const CLOSE: &str = "UPDATE followups SET status = $4, cause = $5, closed_at_ms = $3, \
     contacted_at_ms = COALESCE(contacted_at_ms, $3), acted_at_ms = COALESCE(acted_at_ms, $3), \
     reask_digest = $6, reask_expires_at_ms = $7 \
     WHERE site_id = $1 AND id = $2 AND status IN ('open', 'contacted') RETURNING id";

/// Marks up to `$2` follow-ups still open past their due time as noticed, once: a second
/// collector's same statement finds them noticed.
pub const NOTICE_OVERDUE: &str = "UPDATE followups SET overdue_noticed_at_ms = $1 \
     WHERE id IN (SELECT id FROM followups WHERE status = 'open' \
         AND overdue_noticed_at_ms IS NULL AND due_at_ms <= $1 ORDER BY due_at_ms LIMIT $2) \
     AND status = 'open' AND overdue_noticed_at_ms IS NULL RETURNING id, site_id";

pub const SELECT_FACTS: &str = "SELECT day, agent, team, channel, status, due_at_ms, \
     opened_at_ms, contacted_at_ms, cause, reask_digest IS NOT NULL AS reasked, recovery_csat, \
     recovery_resolved FROM followups WHERE site_id = $1 AND day >= $2 AND day <= $3 \
     AND status <> 'withdrawn'";

pub const SELECT_REASK: &str = "SELECT f.id AS followup_id, f.site_id, \
     f.reask_expires_at_ms AS expires_at_ms, f.recovered_at_ms, r.locale FROM followups f \
     LEFT JOIN responses r ON r.site_id = f.site_id AND r.interaction = f.interaction \
         AND NOT r.set_aside \
     WHERE f.reask_digest = $1 AND f.status = 'resolved'";
/// The recovery answer, once, while the link works.
pub const RECORD_RECOVERY: &str = "UPDATE followups SET recovery_csat = $2, \
     recovery_resolved = $3, recovered_at_ms = $4 WHERE reask_digest = $1 \
     AND status = 'resolved' AND recovered_at_ms IS NULL AND reask_expires_at_ms > $4 RETURNING id";
