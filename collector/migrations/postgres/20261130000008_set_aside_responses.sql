-- A suspected link scanner's answer to an interaction a person has answered is kept aside as a
-- row of its own (`set_aside`, flagged, never counted) instead of replacing the person's
-- answers. One interaction therefore has at most one response that is not set aside.

ALTER TABLE responses ADD COLUMN set_aside BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE responses DROP CONSTRAINT responses_site_id_interaction_key;
CREATE UNIQUE INDEX responses_one_per_interaction ON responses (site_id, interaction)
    WHERE NOT set_aside;
