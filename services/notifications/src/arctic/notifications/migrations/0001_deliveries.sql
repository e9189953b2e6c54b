-- One message for one recipient on one channel, made for one event: at most one per triple.
CREATE TABLE deliveries (
    id                uuid        PRIMARY KEY,
    source_event_id   uuid        NOT NULL,
    source_event_type text        NOT NULL,
    recipient         text        NOT NULL,
    channel           text        NOT NULL CHECK (channel IN ('email', 'webhook')),
    template          text        NOT NULL,
    language          text        NOT NULL,
    subject           text        NOT NULL,
    body              text        NOT NULL,
    correlation_id    text        NOT NULL,
    status            text        NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts          integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz,
    UNIQUE (source_event_id, recipient, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
