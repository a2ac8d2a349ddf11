-- A third key role, `write`: a site's backend sends interaction facts and active users with it,
-- and can read nothing. SQLite cannot change a CHECK constraint in place, so `api_keys` is
-- rebuilt. Migrations run in a transaction, where foreign keys cannot be switched off: the one
-- table that refers to `api_keys`, `dashboard_sessions`, is set aside and rebuilt after it, so
-- no reference is ever left dangling.
CREATE TABLE api_keys_new (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    role            TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
    key_digest      BLOB NOT NULL UNIQUE,     -- SHA-256 of the key
    key_prefix      TEXT NOT NULL,            -- first characters, to tell keys apart in listings
    created_at_ms   INTEGER NOT NULL,
    revoked_at_ms   INTEGER,
    last_used_at_ms INTEGER
);
INSERT INTO api_keys_new (id, site_id, role, key_digest, key_prefix, created_at_ms,
    revoked_at_ms, last_used_at_ms)
SELECT id, site_id, role, key_digest, key_prefix, created_at_ms, revoked_at_ms, last_used_at_ms
FROM api_keys;

CREATE TEMP TABLE sessions_aside AS SELECT * FROM dashboard_sessions;
DROP TABLE dashboard_sessions;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;

CREATE TABLE dashboard_sessions (
    id              INTEGER PRIMARY KEY,
    key_id          INTEGER NOT NULL REFERENCES api_keys (id),
    created_at_ms   INTEGER NOT NULL,
    expires_at_ms   INTEGER NOT NULL,
    ended_at_ms     INTEGER                    -- signed out
);
INSERT INTO dashboard_sessions (id, key_id, created_at_ms, expires_at_ms, ended_at_ms)
SELECT id, key_id, created_at_ms, expires_at_ms, ended_at_ms FROM temp.sessions_aside;
DROP TABLE temp.sessions_aside;
