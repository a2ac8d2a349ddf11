-- The answer to a site's own question: `id:answer` (a scale's 1–5, or a choice's option id);
-- NULL when the customer gave none.
ALTER TABLE responses ADD COLUMN question TEXT;

-- The answers to sites' own questions: per (site, local day, agent, team, channel, question,
-- answer) how many counted responses gave that answer. Kept by every write in its
-- transaction, like `rollups`; '' stands for "not given".
CREATE TABLE question_rollups (
    site_id         BIGINT NOT NULL REFERENCES sites (id),
    day             TEXT NOT NULL,
    agent           TEXT NOT NULL,
    team            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    question        TEXT NOT NULL,
    answer          TEXT NOT NULL,
    answers         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, agent, team, channel, question, answer)
);
