-- Keys can be revoked and show when they were last used; a site's signing secret can be
-- rotated with a grace period for the previous one; dashboard sessions live on the server
-- (so sign-out and revocation end them at once); an audit trail records who changed what.

ALTER TABLE api_keys ADD COLUMN revoked_at_ms BIGINT;
ALTER TABLE api_keys ADD COLUMN last_used_at_ms BIGINT;

ALTER TABLE sites ADD COLUMN previous_secret_digest BYTEA;   -- SHA-256 of the secret before the last rotation
ALTER TABLE sites ADD COLUMN previous_secret_until_ms BIGINT; -- tokens signed with it verify until then

CREATE TABLE dashboard_sessions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id          BIGINT NOT NULL REFERENCES api_keys (id),
    created_at_ms   BIGINT NOT NULL,
    expires_at_ms   BIGINT NOT NULL,
    ended_at_ms     BIGINT                      -- signed out
);

CREATE TABLE audit_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id         BIGINT NOT NULL REFERENCES sites (id),
    at_ms           BIGINT NOT NULL,
    actor           TEXT NOT NULL,              -- 'cli', or 'key:<id>' for the API key that did it
    action          TEXT NOT NULL,              -- key_created, key_revoked, secret_rotated, …
    detail          TEXT NOT NULL
);

CREATE INDEX audit_events_by_site ON audit_events (site_id, at_ms);
