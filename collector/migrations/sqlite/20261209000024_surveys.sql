-- A site's own survey: its wording per language, its reasons, one question of its own and its
-- look, published as numbered versions. The site's row holds the version its widget, hosted
-- page, rating emails and LINE cards show now (NULL: Koe's own, version 0), read with the
-- site itself; every published version is kept, with who published it.
ALTER TABLE sites ADD COLUMN survey_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN survey TEXT;

CREATE TABLE survey_versions (
    site_id          INTEGER NOT NULL REFERENCES sites (id),
    version          INTEGER NOT NULL,
    -- The definition as JSON (docs/survey.md), retired reasons included.
    definition       TEXT NOT NULL,
    published_at_ms  BIGINT NOT NULL,
    -- user:EMAIL, key:N or cli.
    published_by     TEXT NOT NULL,
    PRIMARY KEY (site_id, version)
);

-- The version of the site's survey each answer was given to (NULL: before surveys had
-- versions).
ALTER TABLE responses ADD COLUMN survey_version BIGINT;

-- A draft edited on the dashboard's Survey page, previewed before it is published (one per
-- site, as typed: TOML with its comments). Customers never see it.
CREATE TABLE survey_drafts (
    site_id      INTEGER PRIMARY KEY REFERENCES sites (id),
    definition   TEXT NOT NULL,
    -- The published version it was started from: publishing it is refused once another one
    -- has been published since.
    base_version BIGINT NOT NULL,
    saved_at_ms  BIGINT NOT NULL,
    saved_by     TEXT NOT NULL
);
