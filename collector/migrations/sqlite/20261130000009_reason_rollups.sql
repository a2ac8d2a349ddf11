-- Why customers are unhappy: per (site, local day, agent, channel, reason) the number of
-- counted responses that gave the reason with a low CSAT (1–2) or as detractors (NPS 0–6).
-- Kept by every write in its transaction, like `rollups`; '' stands for "not given".
CREATE TABLE reason_rollups (
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    day             TEXT NOT NULL,
    agent           TEXT NOT NULL,
    channel         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    unhappy         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, agent, channel, reason)
) WITHOUT ROWID;

INSERT INTO reason_rollups (site_id, day, agent, channel, reason, unhappy)
SELECT site_id, day, COALESCE(agent, ''), COALESCE(channel, ''), tag.value, COUNT(*)
FROM responses, json_each('["' || replace(reasons, ',', '","') || '"]') AS tag
WHERE reasons <> '' AND NOT flagged AND (csat <= 2 OR nps <= 6)
GROUP BY 1, 2, 3, 4, 5;
