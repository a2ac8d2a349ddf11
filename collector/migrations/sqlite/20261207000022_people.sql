-- People instead of shared keys: accounts signed in with an email address and a password,
-- their roles on each site, one-time invitations (and password resets, and the first
-- owner's link) kept only as digests, and the sessions each person holds. The dashboard no
-- longer signs in with an API key, so the key sessions go.

DROP TABLE dashboard_sessions;

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    -- Normalised: Unicode NFKC, lower case, trimmed; one person is one account.
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    -- The argon2id PHC string.
    password_hash        TEXT NOT NULL,
    created_at_ms        INTEGER NOT NULL,
    -- Failed sign-ins since the last success, and when the last one was: the next attempt
    -- waits longer after each (`people::throttle`).
    failed_sign_ins      INTEGER NOT NULL DEFAULT 0,
    last_failed_at_ms    INTEGER,
    -- No attempt at the password before then: set while one is being checked (so attempts at
    -- one account never run side by side) and after a failure, for the wait it earned.
    locked_until_ms      INTEGER,
    last_sign_in_at_ms   INTEGER
);

-- A person's role on a site: owner, admin, manager, team_lead (with the teams they lead) or
-- agent (with the agent id their answers are credited to).
CREATE TABLE memberships (
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id        INTEGER NOT NULL REFERENCES sites (id),
    role           TEXT NOT NULL,
    agent          TEXT,
    teams          TEXT NOT NULL DEFAULT '',   -- team ids, comma-separated
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (user_id, site_id)
);
CREATE INDEX memberships_by_site ON memberships (site_id);

-- One-time links: an invitation to a site, a password reset, the first owner's account.
-- Only the SHA-256 of the link's token is kept; used once, then `used_at_ms` is set.
CREATE TABLE invitations (
    id             INTEGER PRIMARY KEY,
    digest         BLOB NOT NULL UNIQUE,
    purpose        TEXT NOT NULL,              -- invite, reset, first_owner
    email          TEXT NOT NULL DEFAULT '',   -- normalised; empty for first_owner
    site_id        INTEGER REFERENCES sites (id),
    role           TEXT,
    agent          TEXT,
    teams          TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,
    used_at_ms     INTEGER
);
CREATE INDEX invitations_by_site ON invitations (site_id);

-- A person's dashboard sessions: listed, and ended one by one or all at once.
CREATE TABLE user_sessions (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,
    last_seen_at_ms INTEGER NOT NULL,
    ended_at_ms    INTEGER,
    client         TEXT NOT NULL DEFAULT ''   -- the browser's User-Agent, cut to 120 characters
);
CREATE INDEX user_sessions_by_user ON user_sessions (user_id);

-- A person's passkeys (WebAuthn credentials: public keys, never a secret), each named.
CREATE TABLE passkeys (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id    TEXT NOT NULL UNIQUE,      -- base64url, as the authenticator gave it
    credential       TEXT NOT NULL,             -- the passkey as JSON (public key, counter)
    name             TEXT NOT NULL,
    created_at_ms    INTEGER NOT NULL,
    last_used_at_ms  INTEGER
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

-- A WebAuthn ceremony between its two calls (the challenge Koe sent, and what it expects
-- back), for two minutes; taken once.
CREATE TABLE passkey_ceremonies (
    id             TEXT PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,               -- register, sign_in
    state          TEXT NOT NULL,
    expires_at_ms  INTEGER NOT NULL
);

-- An API key may belong to a person (who made it) rather than the site alone.
ALTER TABLE api_keys ADD COLUMN owner_user_id INTEGER REFERENCES users (id);
