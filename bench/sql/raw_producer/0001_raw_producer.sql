-- The raw producer's own tables: the business row and a minimal outbox, woken by NOTIFY.
CREATE TABLE business (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id uuid        NOT NULL,
    title      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE raw_outbox (
    position     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    subject      text        NOT NULL,
    payload      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX raw_outbox_unpublished ON raw_outbox (position) WHERE published_at IS NULL;
CREATE FUNCTION raw_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('raw_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER raw_outbox_notify AFTER INSERT ON raw_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION raw_outbox_notify();
