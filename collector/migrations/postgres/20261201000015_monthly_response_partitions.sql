-- Raw responses partitioned by the UTC month they were first answered in (`created_at_ms`), so
-- that retention drops a month as a whole instead of deleting its rows one by one, and the
-- tables a write touches stay the size of a month.
--
-- A partitioned table can only enforce uniqueness within a partition, so "one counted
-- response per interaction" moves to `response_keys`: one narrow row per counted response,
-- naming the time — and so the partition — its row is in. A write claims an interaction by
-- inserting its key, and finds an existing response through it, reading one partition only.
--
-- The collector creates each month's partition ahead (`koe_response_partition`), and on demand
-- for a write or an import into a month without one.

CREATE TABLE response_keys (
    site_id         BIGINT NOT NULL REFERENCES sites (id),
    interaction     TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (site_id, interaction)
);

INSERT INTO response_keys (site_id, interaction, created_at_ms)
    SELECT site_id, interaction, created_at_ms FROM responses WHERE NOT set_aside;

-- The partition of the UTC month `at_ms` falls in, created if it is missing; gives its name
-- (`responses_YYYY_MM`). Collectors racing to create the same month wait for each other.
CREATE FUNCTION koe_response_partition(at_ms BIGINT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
    first_day DATE := date_trunc('month', to_timestamp(at_ms / 1000.0) AT TIME ZONE 'UTC');
    name TEXT := 'responses_' || to_char(first_day, 'YYYY_MM');
    from_ms BIGINT := CAST(extract(epoch FROM CAST(first_day AS TIMESTAMP)) * 1000 AS BIGINT);
    to_ms BIGINT := CAST(extract(epoch FROM first_day + INTERVAL '1 month') * 1000 AS BIGINT);
    waited TEXT := current_setting('lock_timeout');
BEGIN
    IF to_regclass(name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('koe.response_partitions'));
        IF to_regclass(name) IS NULL THEN
            -- Creating a partition locks all of `responses`: rather fail (and be tried again)
            -- than have every write queue behind a long read of it.
            PERFORM set_config('lock_timeout', '5s', true);
            EXECUTE format('CREATE TABLE %I PARTITION OF responses FOR VALUES FROM (%s) TO (%s)',
                name, from_ms, to_ms);
            PERFORM set_config('lock_timeout', waited, true);
        END IF;
    END IF;
    RETURN name;
END $$;

-- The old table steps aside with its constraints, indexes and sequence, so that the new one
-- takes their names.
ALTER TABLE responses RENAME TO responses_unpartitioned;
ALTER TABLE responses_unpartitioned RENAME CONSTRAINT responses_pkey TO responses_unpartitioned_pkey;
ALTER TABLE responses_unpartitioned
    RENAME CONSTRAINT responses_site_id_fkey TO responses_unpartitioned_site_id_fkey;
ALTER TABLE responses_unpartitioned
    RENAME CONSTRAINT responses_csat_check TO responses_unpartitioned_csat_check;
ALTER TABLE responses_unpartitioned
    RENAME CONSTRAINT responses_nps_check TO responses_unpartitioned_nps_check;
ALTER TABLE responses_unpartitioned
    RENAME CONSTRAINT responses_ces_check TO responses_unpartitioned_ces_check;
ALTER INDEX responses_by_site_time RENAME TO responses_unpartitioned_by_site_time;
ALTER INDEX responses_with_comment RENAME TO responses_unpartitioned_with_comment;
ALTER INDEX responses_one_per_interaction RENAME TO responses_unpartitioned_one_per_interaction;
ALTER SEQUENCE responses_id_seq RENAME TO responses_unpartitioned_id_seq;

CREATE TABLE responses (
    id              BIGINT GENERATED ALWAYS AS IDENTITY,
    site_id         BIGINT NOT NULL REFERENCES sites (id),
    interaction     TEXT NOT NULL,
    agent           TEXT,
    team            TEXT,
    channel         TEXT,
    verified        BOOLEAN NOT NULL,
    csat            SMALLINT CHECK (csat BETWEEN 1 AND 5),
    nps             SMALLINT CHECK (nps BETWEEN 0 AND 10),
    ces             SMALLINT CHECK (ces BETWEEN 1 AND 7),
    resolved        BOOLEAN,
    comment         TEXT,
    reasons         TEXT NOT NULL,            -- comma-separated slugs
    locale          TEXT,
    day             TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    client          TEXT NOT NULL DEFAULT 'widget',
    flagged         BOOLEAN NOT NULL DEFAULT FALSE,
    set_aside       BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (id, created_at_ms)
) PARTITION BY RANGE (created_at_ms);

-- Every month the existing rows span (a point every 28 days falls in each of them, and the
-- last row's month), and this month.
SELECT koe_response_partition(month_ms)
FROM (SELECT MIN(created_at_ms) AS first_ms, MAX(created_at_ms) AS last_ms
      FROM responses_unpartitioned) AS span,
     LATERAL (SELECT generate_series(first_ms, last_ms, CAST(28 AS BIGINT) * 86400000)
              UNION SELECT last_ms
              UNION SELECT CAST(extract(epoch FROM now()) * 1000 AS BIGINT)) AS months (month_ms)
WHERE month_ms IS NOT NULL;

INSERT INTO responses (id, site_id, interaction, agent, team, channel, verified, csat, nps, ces,
    resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged,
    set_aside)
OVERRIDING SYSTEM VALUE
SELECT id, site_id, interaction, agent, team, channel, verified, csat, nps, ces, resolved,
    comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged, set_aside
FROM responses_unpartitioned;

-- Ids go on where the old sequence was (past rows erased or purged since, too).
SELECT setval(pg_get_serial_sequence('responses', 'id'), GREATEST(
    (SELECT COALESCE(MAX(id), 0) + 1 FROM responses),
    (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END
     FROM responses_unpartitioned_id_seq)), false);

DROP TABLE responses_unpartitioned;

-- Built once the rows are in: the same indexes as before, each partition its own.
CREATE UNIQUE INDEX responses_one_per_interaction ON responses (site_id, interaction, created_at_ms)
    WHERE NOT set_aside;
CREATE INDEX responses_by_site_time ON responses (site_id, created_at_ms DESC, id DESC);
CREATE INDEX responses_with_comment ON responses (site_id, created_at_ms DESC, id DESC)
    WHERE comment IS NOT NULL;
