-- Follow-ups: an unhappy answer opens one in its own transaction (one per interaction), people
-- assign, note and close it with a root cause, and a customer whose issue was closed as
-- resolved may be asked again — their recovery answer kept here, beside the original, which it
-- never changes.

-- A site's follow-up settings as JSON (no row: the defaults): the condition, the SLA in working
-- hours, the working hours and days, the root causes, whether to ask again.
CREATE TABLE followup_settings (
    site_id        BIGINT PRIMARY KEY REFERENCES sites (id),
    settings       TEXT NOT NULL
);

CREATE TABLE followups (
    id                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id                 BIGINT NOT NULL REFERENCES sites (id),
    interaction             TEXT NOT NULL,
    -- The answer's local day (it counts on it in the reports) and its attribution.
    day                     TEXT NOT NULL,
    agent                   TEXT,
    team                    TEXT,
    channel                 TEXT,
    -- open, contacted, resolved, not_resolved, no_reply, withdrawn.
    status                  TEXT NOT NULL DEFAULT 'open',
    opened_at_ms            BIGINT NOT NULL,
    due_at_ms               BIGINT NOT NULL,
    -- A person with an account, else a name.
    owner_user_id           BIGINT REFERENCES users (id) ON DELETE SET NULL,
    owner_name              TEXT,
    -- When a person first did anything with it: after that, an edit of the answer never
    -- withdraws it.
    acted_at_ms             BIGINT,
    contacted_at_ms         BIGINT,
    closed_at_ms            BIGINT,
    cause                   TEXT,
    -- Set once, by whichever collector noticed it overdue first: one webhook per follow-up.
    overdue_noticed_at_ms   BIGINT,
    -- Asking again: the link's token as a SHA-256, until when it works, and the answer.
    reask_digest            BYTEA UNIQUE,
    reask_expires_at_ms     BIGINT,
    recovery_csat           BIGINT,
    recovery_resolved       BOOLEAN,
    recovered_at_ms         BIGINT,
    UNIQUE (site_id, interaction)
);
CREATE INDEX followups_by_day ON followups (site_id, day);
CREATE INDEX followups_waiting ON followups (due_at_ms)
    WHERE status = 'open' AND overdue_noticed_at_ms IS NULL;

CREATE TABLE followup_notes (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    followup_id     BIGINT NOT NULL REFERENCES followups (id) ON DELETE CASCADE,
    author          TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL
);
CREATE INDEX followup_notes_by_followup ON followup_notes (followup_id);

-- What a webhook is sent: unhappy answers (as before), follow-up events, or both.
ALTER TABLE webhooks ADD COLUMN events TEXT NOT NULL DEFAULT 'answers';
