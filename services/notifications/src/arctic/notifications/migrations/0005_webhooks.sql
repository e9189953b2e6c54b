-- Webhooks (docs/notifications.md, "Webhooks"): endpoints of other systems, each for a set of
-- event types, with the secret its deliveries are signed with. A webhook delivery names its
-- endpoint; its body is the CloudEvent (persons in it only sealed, as on the stream).
CREATE TABLE webhooks (
    id          uuid        PRIMARY KEY,
    url         text        NOT NULL,
    event_types text[]      NOT NULL,
    secret      text        NOT NULL,
    description text,
    created_by  text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_by_type ON webhooks USING gin (event_types);

ALTER TABLE deliveries ADD COLUMN webhook_id uuid REFERENCES webhooks (id) ON DELETE SET NULL;
