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
