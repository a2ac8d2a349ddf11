-- Sites, API keys, responses, impressions and the rollups reports read.
-- Times are Unix milliseconds; `day` is the local date (YYYY-MM-DD) in the site's time zone.

CREATE TABLE sites (
    id              INTEGER PRIMARY KEY,
    site_key        TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    origins         TEXT NOT NULL,            -- space-separated serialized origins
    timezone        TEXT NOT NULL,
    strict          BOOLEAN NOT NULL,
    secret_digest   BLOB NOT NULL,            -- SHA-256 of the signing secret
    created_at_ms   INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    role            TEXT NOT NULL CHECK (role IN ('read', 'admin')),
    key_digest      BLOB NOT NULL UNIQUE,     -- SHA-256 of the key
    key_prefix      TEXT NOT NULL,            -- first characters, to tell keys apart in listings
    created_at_ms   INTEGER NOT NULL
);

CREATE TABLE responses (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    interaction     TEXT NOT NULL,
    agent           TEXT,
    team            TEXT,
    channel         TEXT,
    verified        BOOLEAN NOT NULL,
    csat            INTEGER CHECK (csat BETWEEN 1 AND 5),
    nps             INTEGER CHECK (nps BETWEEN 0 AND 10),
    ces             INTEGER CHECK (ces BETWEEN 1 AND 7),
    resolved        BOOLEAN,
    comment         TEXT,
    reasons         TEXT NOT NULL,            -- comma-separated slugs
    locale          TEXT,
    day             TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    UNIQUE (site_id, interaction)
);

CREATE TABLE impressions (
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    interaction     TEXT NOT NULL,
    agent           TEXT,
    team            TEXT,
    channel         TEXT,
    day             TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (site_id, interaction)
);

-- One row per (site, local day, agent, team, channel); '' stands for "not given".
CREATE TABLE rollups (
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    day             TEXT NOT NULL,
    agent           TEXT NOT NULL,
    team            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    csat_1 INTEGER NOT NULL DEFAULT 0, csat_2 INTEGER NOT NULL DEFAULT 0, csat_3 INTEGER NOT NULL DEFAULT 0,
    csat_4 INTEGER NOT NULL DEFAULT 0, csat_5 INTEGER NOT NULL DEFAULT 0,
    nps_0 INTEGER NOT NULL DEFAULT 0, nps_1 INTEGER NOT NULL DEFAULT 0, nps_2 INTEGER NOT NULL DEFAULT 0,
    nps_3 INTEGER NOT NULL DEFAULT 0, nps_4 INTEGER NOT NULL DEFAULT 0, nps_5 INTEGER NOT NULL DEFAULT 0,
    nps_6 INTEGER NOT NULL DEFAULT 0, nps_7 INTEGER NOT NULL DEFAULT 0, nps_8 INTEGER NOT NULL DEFAULT 0,
    nps_9 INTEGER NOT NULL DEFAULT 0, nps_10 INTEGER NOT NULL DEFAULT 0,
    ces_1 INTEGER NOT NULL DEFAULT 0, ces_2 INTEGER NOT NULL DEFAULT 0, ces_3 INTEGER NOT NULL DEFAULT 0,
    ces_4 INTEGER NOT NULL DEFAULT 0, ces_5 INTEGER NOT NULL DEFAULT 0, ces_6 INTEGER NOT NULL DEFAULT 0,
    ces_7 INTEGER NOT NULL DEFAULT 0,
    resolved_yes INTEGER NOT NULL DEFAULT 0,
    resolved_no INTEGER NOT NULL DEFAULT 0,
    responses INTEGER NOT NULL DEFAULT 0,
    impressions INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, agent, team, channel)
) WITHOUT ROWID; -- stored in key order: a report's date range is one contiguous read

-- The responses list (newest first) and `koe verify` read raw responses per site.
CREATE INDEX responses_by_site_time ON responses (site_id, created_at_ms DESC, id DESC);
