-- Interaction facts: the service side of support (`facts/`), sent by a site's backend, and the
-- rollups the service KPIs and the drivers read, kept in the same transaction as every write of
-- facts (and, for the drivers, of answers). See docs/metrics.md.

-- One row per interaction a site sent facts for, last write winning per field. `day` is the
-- local day the interaction counts on: its opening's, else the day its first facts arrived.
-- `agents` is a JSON list of {"agent", "share"} in the order they took part.
CREATE TABLE interactions (
    site_id              BIGINT NOT NULL REFERENCES sites (id),
    interaction          TEXT NOT NULL,
    day                  TEXT NOT NULL,
    channel              TEXT,
    team                 TEXT,
    topic                TEXT,
    customer_hash        BYTEA,
    opened_at_ms         BIGINT,
    first_response_at_ms BIGINT,
    resolved_at_ms       BIGINT,
    reopened             BIGINT,
    contacts             BIGINT,
    handled_by           TEXT,
    agents               TEXT NOT NULL DEFAULT '[]',
    created_at_ms        BIGINT NOT NULL,
    updated_at_ms        BIGINT NOT NULL,
    PRIMARY KEY (site_id, interaction)
);
CREATE INDEX interactions_by_day ON interactions (site_id, day);
CREATE INDEX interactions_by_customer ON interactions (site_id, customer_hash);

-- Service KPIs per (site, local day, agent, team, channel, topic): weights (an interaction
-- counts 1 in all, split among its agents by the site's crediting rule), and a histogram of
-- first response times in fixed buckets (`facts/frt.rs`: frt_00 is under 10 s, frt_65 is 14
-- days or more).
CREATE TABLE service_rollups (
    site_id           BIGINT NOT NULL REFERENCES sites (id),
    day               TEXT NOT NULL,
    agent             TEXT NOT NULL,
    team              TEXT NOT NULL,
    channel           TEXT NOT NULL,
    topic             TEXT NOT NULL,
    handled           DOUBLE PRECISION NOT NULL DEFAULT 0,
    resolved          DOUBLE PRECISION NOT NULL DEFAULT 0,
    fcr_known         DOUBLE PRECISION NOT NULL DEFAULT 0,
    fcr               DOUBLE PRECISION NOT NULL DEFAULT 0,
    reopened          DOUBLE PRECISION NOT NULL DEFAULT 0,
    contacts          DOUBLE PRECISION NOT NULL DEFAULT 0,
    by_human          DOUBLE PRECISION NOT NULL DEFAULT 0,
    by_bot            DOUBLE PRECISION NOT NULL DEFAULT 0,
    by_bot_then_human DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_n             DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_00 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_01 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_02 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_03 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_04 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_05 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_06 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_07 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_08 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_09 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_10 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_11 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_12 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_13 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_14 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_15 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_16 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_17 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_18 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_19 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_20 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_21 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_22 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_23 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_24 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_25 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_26 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_27 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_28 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_29 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_30 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_31 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_32 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_33 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_34 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_35 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_36 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_37 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_38 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_39 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_40 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_41 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_42 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_43 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_44 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_45 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_46 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_47 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_48 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_49 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_50 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_51 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_52 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_53 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_54 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_55 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_56 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_57 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_58 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_59 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_60 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_61 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_62 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_63 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_64 DOUBLE PRECISION NOT NULL DEFAULT 0,
    frt_65 DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, agent, team, channel, topic)
);

-- Satisfaction against the facts: each counted answer whose interaction has facts, by the
-- answer's local day, team and channel, in each cut it falls into (`frt`: the first-response
-- bucket's index; `contacts`: 1, 2 or 3+; `handled_by`; `topic`).
CREATE TABLE service_drivers (
    site_id   BIGINT NOT NULL REFERENCES sites (id),
    day       TEXT NOT NULL,
    team      TEXT NOT NULL,
    channel   TEXT NOT NULL,
    cut       TEXT NOT NULL,
    band      TEXT NOT NULL,
    csat_n    BIGINT NOT NULL DEFAULT 0,
    csat_sat  BIGINT NOT NULL DEFAULT 0,
    nps_n     BIGINT NOT NULL DEFAULT 0,
    nps_pro   BIGINT NOT NULL DEFAULT 0,
    nps_det   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, team, channel, cut, band)
);

-- Active users per local day, the contact rate's denominator, as the site sends them.
CREATE TABLE site_volumes (
    site_id      BIGINT NOT NULL REFERENCES sites (id),
    day          TEXT NOT NULL,
    active_users BIGINT NOT NULL,
    PRIMARY KEY (site_id, day)
);

-- A site's service settings (no row: the defaults): how interactions are credited to agents
-- (`last`, `first`, `share`), the first-response target in seconds and the FRT bands' edges.
CREATE TABLE site_service (
    site_id         BIGINT PRIMARY KEY REFERENCES sites (id),
    credit          TEXT NOT NULL DEFAULT 'last',
    frt_target_secs BIGINT NOT NULL DEFAULT 3600,
    frt_bands       TEXT NOT NULL DEFAULT '3600,14400,86400'
);
