-- A suspected link scanner's answer to an interaction a person has answered is kept aside as a
-- row of its own (`set_aside`, flagged, never counted) instead of replacing the person's
-- answers. One interaction therefore has at most one response that is not set aside: the
-- uniqueness becomes a partial index, which SQLite can only get by rebuilding the table.

CREATE TABLE responses_rebuilt (
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
    client          TEXT NOT NULL DEFAULT 'widget',
    flagged         BOOLEAN NOT NULL DEFAULT FALSE,
    set_aside       BOOLEAN NOT NULL DEFAULT FALSE
);

INSERT INTO responses_rebuilt (id, site_id, interaction, agent, team, channel, verified, csat,
    nps, ces, resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms, client,
    flagged)
SELECT id, site_id, interaction, agent, team, channel, verified, csat, nps, ces, resolved,
    comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged
FROM responses;

DROP TABLE responses;
ALTER TABLE responses_rebuilt RENAME TO responses;

CREATE UNIQUE INDEX responses_one_per_interaction ON responses (site_id, interaction)
    WHERE NOT set_aside;
CREATE INDEX responses_by_site_time ON responses (site_id, created_at_ms DESC, id DESC);
