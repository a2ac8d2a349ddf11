-- The dashboard's comment feed lists responses with a comment, newest first. Without an index
-- of its own it walks the site's whole time index past every response without one (on a site
-- where few customers comment, most of them). Partial: only responses with a comment are in
-- it, so answers without one cost nothing more to write.
CREATE INDEX responses_with_comment ON responses (site_id, created_at_ms DESC, id DESC)
    WHERE comment IS NOT NULL;
