//! The statements of people — accounts, roles, one-time links, sessions — as SQL both backends
//! run (`$n` placeholders).

pub(in crate::storage) const USER_COLUMNS: &str = "id, email, name, password_hash, created_at_ms, \
     failed_sign_ins, last_failed_at_ms, locked_until_ms, last_sign_in_at_ms";
pub(in crate::storage) const COUNT_USERS: &str = "SELECT COUNT(*) FROM users";
pub(in crate::storage) const INSERT_USER: &str = "INSERT INTO users (email, name, password_hash, \
     created_at_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id";
pub(in crate::storage) const SET_PASSWORD: &str = "UPDATE users SET password_hash = $1, \
     failed_sign_ins = 0, last_failed_at_ms = NULL, locked_until_ms = NULL WHERE id = $2";
/// An attempt at the password claimed (`$2`: until when it is being checked), unless the
/// account must wait at `$3`: then nothing is returned.
pub(in crate::storage) const CLAIM_ATTEMPT: &str = "UPDATE users SET locked_until_ms = $2 \
     WHERE id = $1 AND (locked_until_ms IS NULL OR locked_until_ms <= $3) RETURNING failed_sign_ins";
pub(in crate::storage) const NOTE_FAILURE: &str = "UPDATE users SET failed_sign_ins = \
     failed_sign_ins + 1, last_failed_at_ms = $1, locked_until_ms = $3 WHERE id = $2";
/// The right password: the account's failures forgotten and its claim released.
pub(in crate::storage) const RIGHT_PASSWORD: &str = "UPDATE users SET failed_sign_ins = 0, \
     last_failed_at_ms = NULL, locked_until_ms = NULL WHERE id = $1";
pub(in crate::storage) const NOTE_SIGN_IN: &str = "UPDATE users SET failed_sign_ins = 0, \
     last_failed_at_ms = NULL, locked_until_ms = NULL, last_sign_in_at_ms = $1 WHERE id = $2";

pub(in crate::storage) const MEMBERSHIPS_OF: &str = "SELECT user_id, site_id, role, agent, teams \
     FROM memberships WHERE user_id = $1 ORDER BY site_id";
pub(in crate::storage) const MEMBERS_OF: &str = "SELECT m.user_id, u.email, u.name, m.role, m.agent, \
     m.teams, u.last_sign_in_at_ms FROM memberships m JOIN users u ON u.id = m.user_id \
     WHERE m.site_id = $1 ORDER BY u.email";
/// A role given: a person invited again gets the new role.
pub(in crate::storage) const UPSERT_MEMBERSHIP: &str = "INSERT INTO memberships (user_id, site_id, \
     role, agent, teams, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, \
     site_id) DO UPDATE SET role = excluded.role, agent = excluded.agent, teams = excluded.teams";
pub(in crate::storage) const MEMBERSHIP: &str = "SELECT user_id, site_id, role, agent, teams \
     FROM memberships WHERE user_id = $1 AND site_id = $2";
pub(in crate::storage) const OTHER_OWNERS: &str = "SELECT COUNT(*) FROM memberships \
     WHERE site_id = $1 AND role = 'owner' AND user_id <> $2";
pub(in crate::storage) const UPDATE_MEMBERSHIP: &str = "UPDATE memberships SET role = $1, \
     agent = $2, teams = $3 WHERE user_id = $4 AND site_id = $5";
pub(in crate::storage) const DELETE_MEMBERSHIP: &str =
    "DELETE FROM memberships WHERE user_id = $1 AND site_id = $2";
/// A site's membership changes wait for each other: the site's row is locked first (a row lock
/// on PostgreSQL; SQLite's one writer), so two owners demoting each other at once cannot both
/// see the other as the owner who stays.
pub(in crate::storage) const LOCK_SITE: &str = "UPDATE sites SET name = name WHERE id = $1";
/// A person's invitations to a site not yet used go when their role is taken away.
pub(in crate::storage) const DROP_INVITATIONS_OF: &str = "DELETE FROM invitations WHERE site_id = $1 \
     AND email = (SELECT email FROM users WHERE id = $2) AND used_at_ms IS NULL";

pub(in crate::storage) const INVITATION_COLUMNS: &str = "id, purpose, email, site_id, role, agent, \
     teams, created_by, created_at_ms, expires_at_ms, used_at_ms";
pub(in crate::storage) const INSERT_INVITATION: &str = "INSERT INTO invitations (digest, purpose, \
     email, site_id, role, agent, teams, created_by, created_at_ms, expires_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
/// A new first owner's link replaces the one an earlier start printed; a new reset link
/// replaces the account's earlier unused ones (`$1`: the purpose, `$2`: the address).
pub(in crate::storage) const DROP_EARLIER_LINKS: &str = "DELETE FROM invitations WHERE purpose = $1 \
     AND email = $2 AND used_at_ms IS NULL";
/// Claims a link once, before it expires: a second use finds it used.
pub(in crate::storage) const CLAIM_INVITATION: &str = "UPDATE invitations SET used_at_ms = $1 \
     WHERE digest = $2 AND used_at_ms IS NULL AND expires_at_ms > $1 RETURNING id";
pub(in crate::storage) const LINKS_SINCE: &str = "SELECT COUNT(*) FROM invitations \
     WHERE purpose = $1 AND email = $2 AND created_at_ms > $3";
pub(in crate::storage) const DELETE_INVITATION: &str =
    "DELETE FROM invitations WHERE id = $1 AND site_id = $2 AND used_at_ms IS NULL RETURNING email";

pub(in crate::storage) const SESSION_COLUMNS: &str =
    "id, user_id, created_at_ms, expires_at_ms, last_seen_at_ms, ended_at_ms, client";
pub(in crate::storage) const INSERT_SESSION: &str = "INSERT INTO user_sessions (user_id, \
     created_at_ms, expires_at_ms, last_seen_at_ms, client) VALUES ($1, $2, $3, $2, $4) \
     RETURNING id";
pub(in crate::storage) const TOUCH_SESSION: &str =
    "UPDATE user_sessions SET last_seen_at_ms = $1 WHERE id = $2";
pub(in crate::storage) const END_SESSION: &str = "UPDATE user_sessions SET ended_at_ms = $1 \
     WHERE id = $2 AND user_id = $3 AND ended_at_ms IS NULL RETURNING id";
pub(in crate::storage) const END_SESSIONS: &str = "UPDATE user_sessions SET ended_at_ms = $1 \
     WHERE user_id = $2 AND ended_at_ms IS NULL";
