-- The day before which a site's raw responses have been purged (its retention), moved only
-- forward, in the purge's own transaction. `koe verify` recomputes rollups from raw responses
-- only from this day on: before it, raw responses are gone on purpose.
ALTER TABLE sites ADD COLUMN purged_before TEXT;
