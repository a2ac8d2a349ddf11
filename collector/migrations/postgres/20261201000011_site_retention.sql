-- How long a site keeps raw responses (and their comments): days, or NULL to keep everything.
-- Rollups are kept whatever this says, so reports over purged days do not change.
ALTER TABLE sites ADD COLUMN retention_days BIGINT;
