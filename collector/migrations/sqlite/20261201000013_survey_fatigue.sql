-- Survey fatigue: the share of interactions a site surveys, and how long a customer is spared
-- after being surveyed.
ALTER TABLE sites ADD COLUMN sample_percent INTEGER NOT NULL DEFAULT 100;
ALTER TABLE sites ADD COLUMN cooldown_days INTEGER NOT NULL DEFAULT 0;

-- When each customer was last surveyed (shown the widget, or sent a rating link). The customer
-- is known only by an HMAC of the site's id for them under a server-side key, never raw.
CREATE TABLE customer_surveys (
    site_id          INTEGER NOT NULL REFERENCES sites (id),
    customer_hash    BLOB NOT NULL,
    last_surveyed_ms INTEGER NOT NULL,
    PRIMARY KEY (site_id, customer_hash)
) WITHOUT ROWID;

-- Keys the server creates for itself once (the customer-hash key when none is configured).
CREATE TABLE server_keys (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
