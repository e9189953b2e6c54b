-- Recipients' preferences (docs/notifications.md, "Preferences"), by person id: no address
-- is kept, and an erasure deletes the row. `opted_out` holds 'kind/channel' pairs of
-- optional kinds; no quiet hours when `quiet_start` is null; `digest`: optional kinds come
-- in one mail a day. A delivery keeps the
-- unsubscribe link its mail carries (List-Unsubscribe).
CREATE TABLE preferences (
    person_id   uuid        PRIMARY KEY,
    language    text        CHECK (language IN ('fi', 'en', 'sv')),
    opted_out   text[]      NOT NULL DEFAULT '{}',
    quiet_start time,
    quiet_end   time,
    digest      boolean     NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

ALTER TABLE deliveries
    ADD COLUMN unsubscribe_url text,
    -- An optional message for a recipient who takes the daily digest: sent within the next
    -- digest (08:00 Finnish time), not on its own.
    ADD COLUMN digest boolean NOT NULL DEFAULT false;
CREATE INDEX deliveries_digest_due ON deliveries (next_attempt_at)
    WHERE digest AND status IN ('pending', 'sending');
