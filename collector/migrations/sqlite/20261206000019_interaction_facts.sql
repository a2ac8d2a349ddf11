-- Interaction facts: the service side of support (`facts/`), sent by a site's backend, and the
-- rollups the service KPIs and the drivers read, kept in the same transaction as every write of
-- facts (and, for the drivers, of answers). See docs/metrics.md.

-- One row per interaction a site sent facts for, last write winning per field. `day` is the
-- local day the interaction counts on: its opening's, else the day its first facts arrived.
-- `agents` is a JSON list of {"agent", "share"} in the order they took part.
CREATE TABLE interactions (
    site_id              INTEGER NOT NULL REFERENCES sites (id),
    interaction          TEXT NOT NULL,
    day                  TEXT NOT NULL,
    channel              TEXT,
    team                 TEXT,
    topic                TEXT,
    customer_hash        BLOB,
    opened_at_ms         INTEGER,
    first_response_at_ms INTEGER,
    resolved_at_ms       INTEGER,
    reopened             INTEGER,
    contacts             INTEGER,
    handled_by           TEXT,
    agents               TEXT NOT NULL DEFAULT '[]',
    created_at_ms        INTEGER NOT NULL,
    updated_at_ms        INTEGER NOT NULL,
    PRIMARY KEY (site_id, interaction)
);
CREATE INDEX interactions_by_day ON interactions (site_id, day);
CREATE INDEX interactions_by_customer ON interactions (site_id, customer_hash);

-- Service KPIs per (site, local day, agent, team, channel, topic): weights (an interaction
-- counts 1 in all, split among its agents by the site's crediting rule), and a histogram of
-- first response times in fixed buckets (`facts/frt.rs`: frt_00 is under 10 s, frt_65 is 14
-- days or more).
CREATE TABLE service_rollups (
    site_id           INTEGER NOT NULL REFERENCES sites (id),
    day               TEXT NOT NULL,
    agent             TEXT NOT NULL,
    team              TEXT NOT NULL,
    channel           TEXT NOT NULL,
    topic             TEXT NOT NULL,
    handled           REAL NOT NULL DEFAULT 0,
    resolved          REAL NOT NULL DEFAULT 0,
    fcr_known         REAL NOT NULL DEFAULT 0,
    fcr               REAL NOT NULL DEFAULT 0,
    reopened          REAL NOT NULL DEFAULT 0,
    contacts          REAL NOT NULL DEFAULT 0,
    by_human          REAL NOT NULL DEFAULT 0,
    by_bot            REAL NOT NULL DEFAULT 0,
    by_bot_then_human REAL NOT NULL DEFAULT 0,
    frt_n             REAL NOT NULL DEFAULT 0,
    frt_00 REAL NOT NULL DEFAULT 0,
    frt_01 REAL NOT NULL DEFAULT 0,
    frt_02 REAL NOT NULL DEFAULT 0,
    frt_03 REAL NOT NULL DEFAULT 0,
    frt_04 REAL NOT NULL DEFAULT 0,
    frt_05 REAL NOT NULL DEFAULT 0,
    frt_06 REAL NOT NULL DEFAULT 0,
    frt_07 REAL NOT NULL DEFAULT 0,
    frt_08 REAL NOT NULL DEFAULT 0,
    frt_09 REAL NOT NULL DEFAULT 0,
    frt_10 REAL NOT NULL DEFAULT 0,
    frt_11 REAL NOT NULL DEFAULT 0,
    frt_12 REAL NOT NULL DEFAULT 0,
    frt_13 REAL NOT NULL DEFAULT 0,
    frt_14 REAL NOT NULL DEFAULT 0,
    frt_15 REAL NOT NULL DEFAULT 0,
    frt_16 REAL NOT NULL DEFAULT 0,
    frt_17 REAL NOT NULL DEFAULT 0,
    frt_18 REAL NOT NULL DEFAULT 0,
    frt_19 REAL NOT NULL DEFAULT 0,
    frt_20 REAL NOT NULL DEFAULT 0,
    frt_21 REAL NOT NULL DEFAULT 0,
    frt_22 REAL NOT NULL DEFAULT 0,
    frt_23 REAL NOT NULL DEFAULT 0,
    frt_24 REAL NOT NULL DEFAULT 0,
    frt_25 REAL NOT NULL DEFAULT 0,
    frt_26 REAL NOT NULL DEFAULT 0,
    frt_27 REAL NOT NULL DEFAULT 0,
    frt_28 REAL NOT NULL DEFAULT 0,
    frt_29 REAL NOT NULL DEFAULT 0,
    frt_30 REAL NOT NULL DEFAULT 0,
    frt_31 REAL NOT NULL DEFAULT 0,
    frt_32 REAL NOT NULL DEFAULT 0,
    frt_33 REAL NOT NULL DEFAULT 0,
    frt_34 REAL NOT NULL DEFAULT 0,
    frt_35 REAL NOT NULL DEFAULT 0,
    frt_36 REAL NOT NULL DEFAULT 0,
    frt_37 REAL NOT NULL DEFAULT 0,
    frt_38 REAL NOT NULL DEFAULT 0,
    frt_39 REAL NOT NULL DEFAULT 0,
    frt_40 REAL NOT NULL DEFAULT 0,
    frt_41 REAL NOT NULL DEFAULT 0,
    frt_42 REAL NOT NULL DEFAULT 0,
    frt_43 REAL NOT NULL DEFAULT 0,
    frt_44 REAL NOT NULL DEFAULT 0,
    frt_45 REAL NOT NULL DEFAULT 0,
    frt_46 REAL NOT NULL DEFAULT 0,
    frt_47 REAL NOT NULL DEFAULT 0,
    frt_48 REAL NOT NULL DEFAULT 0,
    frt_49 REAL NOT NULL DEFAULT 0,
    frt_50 REAL NOT NULL DEFAULT 0,
    frt_51 REAL NOT NULL DEFAULT 0,
    frt_52 REAL NOT NULL DEFAULT 0,
    frt_53 REAL NOT NULL DEFAULT 0,
    frt_54 REAL NOT NULL DEFAULT 0,
    frt_55 REAL NOT NULL DEFAULT 0,
    frt_56 REAL NOT NULL DEFAULT 0,
    frt_57 REAL NOT NULL DEFAULT 0,
    frt_58 REAL NOT NULL DEFAULT 0,
    frt_59 REAL NOT NULL DEFAULT 0,
    frt_60 REAL NOT NULL DEFAULT 0,
    frt_61 REAL NOT NULL DEFAULT 0,
    frt_62 REAL NOT NULL DEFAULT 0,
    frt_63 REAL NOT NULL DEFAULT 0,
    frt_64 REAL NOT NULL DEFAULT 0,
    frt_65 REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, agent, team, channel, topic)
);

-- Satisfaction against the facts: each counted answer whose interaction has facts, by the
-- answer's local day, team and channel, in each cut it falls into (`frt`: the first-response
-- bucket's index; `contacts`: 1, 2 or 3+; `handled_by`; `topic`).
CREATE TABLE service_drivers (
    site_id   INTEGER NOT NULL REFERENCES sites (id),
    day       TEXT NOT NULL,
    team      TEXT NOT NULL,
    channel   TEXT NOT NULL,
    cut       TEXT NOT NULL,
    band      TEXT NOT NULL,
    csat_n    INTEGER NOT NULL DEFAULT 0,
    csat_sat  INTEGER NOT NULL DEFAULT 0,
    nps_n     INTEGER NOT NULL DEFAULT 0,
    nps_pro   INTEGER NOT NULL DEFAULT 0,
    nps_det   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, team, channel, cut, band)
);

-- Active users per local day, the contact rate's denominator, as the site sends them.
CREATE TABLE site_volumes (
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    day          TEXT NOT NULL,
    active_users INTEGER NOT NULL,
    PRIMARY KEY (site_id, day)
);

-- A site's service settings (no row: the defaults): how interactions are credited to agents
-- (`last`, `first`, `share`), the first-response target in seconds and the FRT bands' edges.
CREATE TABLE site_service (
    site_id         INTEGER PRIMARY KEY REFERENCES sites (id),
    credit          TEXT NOT NULL DEFAULT 'last',
    frt_target_secs INTEGER NOT NULL DEFAULT 3600,
    frt_bands       TEXT NOT NULL DEFAULT '3600,14400,86400'
);
