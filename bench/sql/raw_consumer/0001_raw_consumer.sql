-- The raw consumer's own inbox (same shape as the runtime's) and its effect rows.
CREATE TABLE raw_inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE TABLE effects (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id uuid        NOT NULL,
    title      text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
