-- Failures of a consumer's handler per event, counted by the runtime rather than by the
-- broker's delivery count: redeliveries during an outage spend none of them, and replicas
-- share one count.
CREATE TABLE handler_failures (
    consumer   text        NOT NULL,
    event_id   uuid        NOT NULL,
    failures   integer     NOT NULL,
    last_error text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Where a dead-lettered message sits in its stream: the same message dead-lettered again
-- (its `term` was lost and it came back) is recognised and kept once.
ALTER TABLE dead_letters ADD COLUMN stream_sequence bigint;
CREATE INDEX dead_letters_by_message ON dead_letters (consumer, stream_sequence)
    WHERE stream_sequence IS NOT NULL;
