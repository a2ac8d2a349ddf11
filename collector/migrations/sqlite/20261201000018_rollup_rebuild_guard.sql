-- When a site's last time-zone rebuild ended (Unix ms; NULL: never). A site's API keys may ask
-- for a rebuild once every ten minutes after it (`storage/rezone.rs`); written in the rebuild's
-- last step, so a rebuild that failed does not count. One rebuild of a site at a time is the
-- writer's to keep (`storage/sqlite/rebuild.rs`), not a column: a crash cannot leave it held.
ALTER TABLE sites ADD COLUMN rollups_rebuilt_at_ms INTEGER;
