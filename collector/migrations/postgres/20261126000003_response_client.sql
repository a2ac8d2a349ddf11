-- Where a response came from (widget, browser on the hosted page, suspected link scanner), and
-- whether it is flagged: flagged responses are kept and listed but not counted in rollups.
ALTER TABLE responses ADD COLUMN client TEXT NOT NULL DEFAULT 'widget';
ALTER TABLE responses ADD COLUMN flagged BOOLEAN NOT NULL DEFAULT FALSE;
