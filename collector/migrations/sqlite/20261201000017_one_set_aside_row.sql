-- A suspected link scanner's answer to an interaction a person has answered was kept aside as a
-- new row every time: a gateway that confirmed a rating link thirty times left thirty rows
-- beside the one that counts (each with its comment, up to 2000 characters), for as long as
-- the link took edits. An interaction now keeps at most one answer aside — the latest, which
-- the next replaces in place — stored at its response's creation time and day, so that
-- retention takes the two together. Set-aside rows are flagged and never counted: no rollup
-- changes here.

-- The latest set-aside row of each interaction stays; the others go.
DELETE FROM responses
WHERE set_aside AND id NOT IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (
            PARTITION BY site_id, interaction ORDER BY updated_at_ms DESC, id DESC) AS n
        FROM responses WHERE set_aside) AS ranked
    WHERE n = 1);

-- It moves beside its response (one whose response is gone stays where it is).
UPDATE responses
SET created_at_ms = (
        SELECT counted.created_at_ms FROM responses AS counted
        WHERE counted.site_id = responses.site_id
          AND counted.interaction = responses.interaction AND NOT counted.set_aside),
    day = (
        SELECT counted.day FROM responses AS counted
        WHERE counted.site_id = responses.site_id
          AND counted.interaction = responses.interaction AND NOT counted.set_aside)
WHERE set_aside AND EXISTS (
    SELECT 1 FROM responses AS counted
    WHERE counted.site_id = responses.site_id
      AND counted.interaction = responses.interaction AND NOT counted.set_aside);

CREATE UNIQUE INDEX responses_one_set_aside ON responses (site_id, interaction)
    WHERE set_aside;
