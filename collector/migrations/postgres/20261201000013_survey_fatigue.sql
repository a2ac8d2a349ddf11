-- Survey fatigue: the share of interactions a site surveys, and how long a customer is spared
-- after being surveyed.
ALTER TABLE sites ADD COLUMN sample_percent BIGINT NOT NULL DEFAULT 100;
ALTER TABLE sites ADD COLUMN cooldown_days BIGINT NOT NULL DEFAULT 0;

-- When each customer was last surveyed (shown the widget, or sent a rating link). The customer
-- is known only by an HMAC of the site's id for them under a server-side key, never raw.
CREATE TABLE customer_surveys (
    site_id          BIGINT NOT NULL REFERENCES sites (id),
    customer_hash    BYTEA NOT NULL,
    last_surveyed_ms BIGINT NOT NULL,
    PRIMARY KEY (site_id, customer_hash)
);

-- Keys the server creates for itself once (the customer-hash key when none is configured).
CREATE TABLE server_keys (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
