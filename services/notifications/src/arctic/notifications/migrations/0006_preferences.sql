-- Recipients' preferences (docs/notifications.md, "Preferences"), by person id: no address
-- is kept, and an erasure deletes the row. `opted_out` holds 'kind/channel' pairs of
-- optional kinds; no quiet hours when `quiet_start` is null. A delivery keeps the
-- unsubscribe link its mail carries (List-Unsubscribe).
CREATE TABLE preferences (
    person_id   uuid        PRIMARY KEY,
    language    text        CHECK (language IN ('fi', 'en', 'sv')),
    opted_out   text[]      NOT NULL DEFAULT '{}',
    quiet_start time,
    quiet_end   time,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

ALTER TABLE deliveries ADD COLUMN unsubscribe_url text;
