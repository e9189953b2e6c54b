-- Events due at a time: the scheduler moves each into the outbox once, when it falls due.
CREATE TABLE scheduled_events (
    key        text        PRIMARY KEY,
    due_at     timestamptz NOT NULL,
    subject    text        NOT NULL,
    payload    bytea       NOT NULL,
    correlation_id text    NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduled_events_due ON scheduled_events (due_at);
