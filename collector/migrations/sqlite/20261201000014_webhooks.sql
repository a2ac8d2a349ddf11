-- Alerts on unhappy customers: a site's webhooks, and the outbox of their deliveries. A
-- delivery is written in the transaction of the answer that triggers it, so no crash loses one;
-- the collector sends it at least once, retrying with backoff for 24 hours.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    url             TEXT NOT NULL,
    condition       TEXT NOT NULL,
    format          TEXT NOT NULL,
    -- Signs each delivery (HMAC-SHA256): kept as given, since signing needs it.
    secret          TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    removed_at_ms   INTEGER
);
CREATE INDEX webhooks_by_site ON webhooks (site_id) WHERE removed_at_ms IS NULL;

CREATE TABLE webhook_deliveries (
    id                  INTEGER PRIMARY KEY,
    webhook_id          INTEGER NOT NULL REFERENCES webhooks (id),
    site_id             INTEGER NOT NULL REFERENCES sites (id),
    -- Sent with every attempt, so the receiver can drop repeats.
    event_id            TEXT NOT NULL UNIQUE,
    interaction         TEXT NOT NULL,
    -- The answer's facts as JSON; the body is rendered from them in the webhook's format.
    payload             TEXT NOT NULL,
    created_at_ms       INTEGER NOT NULL,
    -- pending, delivered or failed (gave up after 24 hours).
    state               TEXT NOT NULL DEFAULT 'pending',
    next_attempt_at_ms  INTEGER NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    delivered_at_ms     INTEGER,
    last_status         INTEGER,
    last_error          TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at_ms) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_site ON webhook_deliveries (site_id, id);
CREATE INDEX webhook_deliveries_by_interaction ON webhook_deliveries (site_id, interaction);
