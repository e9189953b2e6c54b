-- Ids of the events a consumer has applied, written in the same transaction as the effect.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Messages a consumer could not apply: poison, or out of retries. Kept whole for replay.
CREATE TABLE dead_letters (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer    text        NOT NULL,
    subject     text        NOT NULL,
    event_id    text,
    headers     jsonb       NOT NULL,
    payload     bytea       NOT NULL,
    reason      text        NOT NULL,
    error       text        NOT NULL,
    deliveries  integer     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz
);
CREATE INDEX dead_letters_open ON dead_letters (consumer, id) WHERE replayed_at IS NULL;
