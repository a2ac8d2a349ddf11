-- Integrations: a helpdesk or a LINE channel connected to a site. Each is reached at a secret
-- path (only its SHA-256 is kept); its credentials (API token, channel secret, hook secret) are
-- sealed with the server's key (XChaCha20-Poly1305), never kept in clear.
CREATE TABLE integrations (
    id                INTEGER PRIMARY KEY,
    site_id           INTEGER NOT NULL REFERENCES sites (id),
    kind              TEXT NOT NULL,
    path_digest       BLOB NOT NULL UNIQUE,
    -- What is not secret, as JSON (the helpdesk's address, the field mapping, …).
    config            TEXT NOT NULL,
    -- The credentials as JSON, sealed: base64 of nonce || ciphertext.
    sealed            TEXT NOT NULL,
    -- Where rating links point when `public_url` is not set: the address the admin reached
    -- the collector at when adding it (never a header of a platform's request).
    base_url          TEXT NOT NULL,
    paused            INTEGER NOT NULL DEFAULT 0,
    created_at_ms     INTEGER NOT NULL,
    removed_at_ms     INTEGER,
    last_event_at_ms  INTEGER,
    last_error        TEXT,
    last_error_at_ms  INTEGER
);
CREATE INDEX integrations_by_site ON integrations (site_id) WHERE removed_at_ms IS NULL;

-- Every event an integration acted on, once per key (a conversation's resolution, a LINE
-- webhook event): a resend finds its key and does nothing again. A call Koe must make back
-- (a message into the conversation, a LINE reply) waits here as `pending` and is retried with
-- backoff; one given up is `failed`, the owner's dead-letter list.
CREATE TABLE integration_events (
    id                  INTEGER PRIMARY KEY,
    integration_id      INTEGER NOT NULL REFERENCES integrations (id),
    site_id             INTEGER NOT NULL REFERENCES sites (id),
    event_key           TEXT NOT NULL,
    interaction         TEXT,
    received_at_ms      INTEGER NOT NULL,
    -- recorded, skipped, pending, sent, failed
    state               TEXT NOT NULL,
    -- Why it was skipped, or the last attempt's error.
    detail              TEXT,
    -- The call to make, as JSON, while one is to be made.
    call                TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms  INTEGER,
    last_status         INTEGER,
    sent_at_ms          INTEGER,
    UNIQUE (integration_id, event_key)
);
CREATE INDEX integration_events_due ON integration_events (next_attempt_at_ms) WHERE state = 'pending';
CREATE INDEX integration_events_by_site ON integration_events (site_id, interaction);
CREATE INDEX integration_events_recent ON integration_events (integration_id, received_at_ms);

-- What a helpdesk's earlier events said about a conversation: the last human agent who wrote
-- to the customer (credited when the assignee is gone at resolution) and whether it was
-- resolved (so an opening after it counts as a reopen).
CREATE TABLE integration_conversations (
    integration_id  INTEGER NOT NULL REFERENCES integrations (id),
    conversation    TEXT NOT NULL,
    last_agent      TEXT,
    resolved        INTEGER NOT NULL DEFAULT 0,
    reopened        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (integration_id, conversation)
);
