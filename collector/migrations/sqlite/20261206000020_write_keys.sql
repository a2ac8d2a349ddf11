-- no-transaction
-- A third key role, `write`: a site's backend sends interaction facts and active users with it,
-- and can read nothing. SQLite cannot change a CHECK constraint in place, so the table is
-- rebuilt as its documentation describes (foreign keys off for the copy, checked before the
-- commit); `dashboard_sessions` then refers to the new table by its name.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
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
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
COMMIT;
PRAGMA foreign_keys = ON;
