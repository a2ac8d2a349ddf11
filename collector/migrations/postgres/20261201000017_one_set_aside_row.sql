-- A suspected link scanner's answer to an interaction a person has answered was kept aside as a
-- new row every time: a gateway that confirmed a rating link thirty times left thirty rows
-- beside the one that counts (each with its comment, up to 2000 characters), for as long as
-- the link took edits. An interaction now keeps at most one answer aside — the latest, which
-- the next replaces in place — stored at its response's creation time and day, so that
-- retention takes the two together (in the same monthly partition). Set-aside rows are
-- flagged and never counted: no rollup changes here.
--
-- A unique index of the partitioned `responses` must name its partition key (`created_at_ms`):
-- the index is on (site, interaction, creation time), and it keeps one set-aside row per
-- interaction because every one is stored at its counted response's creation time, which a
-- counted response keeps. Writes replace the row with `INSERT … ON CONFLICT DO UPDATE` on it.

-- The latest set-aside row of each interaction stays; the others go.
DELETE FROM responses AS r
USING (SELECT id, created_at_ms, row_number() OVER (
           PARTITION BY site_id, interaction ORDER BY updated_at_ms DESC, id DESC) AS n
       FROM responses WHERE set_aside) AS ranked
WHERE r.set_aside AND r.id = ranked.id AND r.created_at_ms = ranked.created_at_ms
  AND ranked.n > 1;

-- It moves beside its response, into its partition (one whose response is gone stays where it
-- is).
UPDATE responses AS a
SET created_at_ms = counted.created_at_ms, day = counted.day
FROM response_keys AS k
JOIN responses AS counted ON counted.site_id = k.site_id
    AND counted.interaction = k.interaction AND counted.created_at_ms = k.created_at_ms
    AND NOT counted.set_aside
WHERE a.set_aside AND a.site_id = k.site_id AND a.interaction = k.interaction
  AND (a.created_at_ms <> counted.created_at_ms OR a.day <> counted.day);

CREATE UNIQUE INDEX responses_one_set_aside ON responses (site_id, interaction, created_at_ms)
    WHERE set_aside;
