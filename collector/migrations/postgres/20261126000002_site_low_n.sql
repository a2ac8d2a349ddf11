-- Reports mark a row "low n" below this many responses; each site may set its own.
ALTER TABLE sites ADD COLUMN low_n_threshold BIGINT NOT NULL DEFAULT 30;
