-- Per-agent rollups: every channel but the help center summed into channel '' (the help center
-- keeps its own row, since its "resolved?" answers count as self-resolution). Reports by agent
-- with no channel read these: a fifth or fewer of the rows `rollups_daily` / `rollups_weekly`
-- hold for the same range. Kept in the same transaction as `rollups`; `koe verify` checks them.
CREATE TABLE rollups_daily_agent (
    site_id         BIGINT NOT NULL REFERENCES sites (id),
    day             TEXT NOT NULL,
    agent           TEXT NOT NULL,
    channel         TEXT NOT NULL,
    csat_1 BIGINT NOT NULL DEFAULT 0,
    csat_2 BIGINT NOT NULL DEFAULT 0,
    csat_3 BIGINT NOT NULL DEFAULT 0,
    csat_4 BIGINT NOT NULL DEFAULT 0,
    csat_5 BIGINT NOT NULL DEFAULT 0,
    nps_0 BIGINT NOT NULL DEFAULT 0,
    nps_1 BIGINT NOT NULL DEFAULT 0,
    nps_2 BIGINT NOT NULL DEFAULT 0,
    nps_3 BIGINT NOT NULL DEFAULT 0,
    nps_4 BIGINT NOT NULL DEFAULT 0,
    nps_5 BIGINT NOT NULL DEFAULT 0,
    nps_6 BIGINT NOT NULL DEFAULT 0,
    nps_7 BIGINT NOT NULL DEFAULT 0,
    nps_8 BIGINT NOT NULL DEFAULT 0,
    nps_9 BIGINT NOT NULL DEFAULT 0,
    nps_10 BIGINT NOT NULL DEFAULT 0,
    ces_1 BIGINT NOT NULL DEFAULT 0,
    ces_2 BIGINT NOT NULL DEFAULT 0,
    ces_3 BIGINT NOT NULL DEFAULT 0,
    ces_4 BIGINT NOT NULL DEFAULT 0,
    ces_5 BIGINT NOT NULL DEFAULT 0,
    ces_6 BIGINT NOT NULL DEFAULT 0,
    ces_7 BIGINT NOT NULL DEFAULT 0,
    resolved_yes BIGINT NOT NULL DEFAULT 0,
    resolved_no BIGINT NOT NULL DEFAULT 0,
    responses BIGINT NOT NULL DEFAULT 0,
    impressions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, agent, channel)
);

INSERT INTO rollups_daily_agent (site_id, day, agent, channel, csat_1, csat_2, csat_3, csat_4, csat_5, nps_0, nps_1, nps_2, nps_3, nps_4, nps_5, nps_6, nps_7, nps_8, nps_9, nps_10, ces_1, ces_2, ces_3, ces_4, ces_5, ces_6, ces_7, resolved_yes, resolved_no, responses, impressions)
SELECT site_id, day, agent, CASE WHEN channel = 'help_center' THEN 'help_center' ELSE '' END, SUM(csat_1), SUM(csat_2), SUM(csat_3), SUM(csat_4), SUM(csat_5), SUM(nps_0), SUM(nps_1), SUM(nps_2), SUM(nps_3), SUM(nps_4), SUM(nps_5), SUM(nps_6), SUM(nps_7), SUM(nps_8), SUM(nps_9), SUM(nps_10), SUM(ces_1), SUM(ces_2), SUM(ces_3), SUM(ces_4), SUM(ces_5), SUM(ces_6), SUM(ces_7), SUM(resolved_yes), SUM(resolved_no), SUM(responses), SUM(impressions)
FROM rollups_daily GROUP BY 1, 2, 3, 4;

CREATE TABLE rollups_weekly_agent (
    site_id         BIGINT NOT NULL REFERENCES sites (id),
    week            TEXT NOT NULL,
    agent           TEXT NOT NULL,
    channel         TEXT NOT NULL,
    csat_1 BIGINT NOT NULL DEFAULT 0,
    csat_2 BIGINT NOT NULL DEFAULT 0,
    csat_3 BIGINT NOT NULL DEFAULT 0,
    csat_4 BIGINT NOT NULL DEFAULT 0,
    csat_5 BIGINT NOT NULL DEFAULT 0,
    nps_0 BIGINT NOT NULL DEFAULT 0,
    nps_1 BIGINT NOT NULL DEFAULT 0,
    nps_2 BIGINT NOT NULL DEFAULT 0,
    nps_3 BIGINT NOT NULL DEFAULT 0,
    nps_4 BIGINT NOT NULL DEFAULT 0,
    nps_5 BIGINT NOT NULL DEFAULT 0,
    nps_6 BIGINT NOT NULL DEFAULT 0,
    nps_7 BIGINT NOT NULL DEFAULT 0,
    nps_8 BIGINT NOT NULL DEFAULT 0,
    nps_9 BIGINT NOT NULL DEFAULT 0,
    nps_10 BIGINT NOT NULL DEFAULT 0,
    ces_1 BIGINT NOT NULL DEFAULT 0,
    ces_2 BIGINT NOT NULL DEFAULT 0,
    ces_3 BIGINT NOT NULL DEFAULT 0,
    ces_4 BIGINT NOT NULL DEFAULT 0,
    ces_5 BIGINT NOT NULL DEFAULT 0,
    ces_6 BIGINT NOT NULL DEFAULT 0,
    ces_7 BIGINT NOT NULL DEFAULT 0,
    resolved_yes BIGINT NOT NULL DEFAULT 0,
    resolved_no BIGINT NOT NULL DEFAULT 0,
    responses BIGINT NOT NULL DEFAULT 0,
    impressions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, week, agent, channel)
);

INSERT INTO rollups_weekly_agent (site_id, week, agent, channel, csat_1, csat_2, csat_3, csat_4, csat_5, nps_0, nps_1, nps_2, nps_3, nps_4, nps_5, nps_6, nps_7, nps_8, nps_9, nps_10, ces_1, ces_2, ces_3, ces_4, ces_5, ces_6, ces_7, resolved_yes, resolved_no, responses, impressions)
SELECT site_id, week, agent, CASE WHEN channel = 'help_center' THEN 'help_center' ELSE '' END, SUM(csat_1), SUM(csat_2), SUM(csat_3), SUM(csat_4), SUM(csat_5), SUM(nps_0), SUM(nps_1), SUM(nps_2), SUM(nps_3), SUM(nps_4), SUM(nps_5), SUM(nps_6), SUM(nps_7), SUM(nps_8), SUM(nps_9), SUM(nps_10), SUM(ces_1), SUM(ces_2), SUM(ces_3), SUM(ces_4), SUM(ces_5), SUM(ces_6), SUM(ces_7), SUM(resolved_yes), SUM(resolved_no), SUM(responses), SUM(impressions)
FROM rollups_weekly GROUP BY 1, 2, 3, 4;
