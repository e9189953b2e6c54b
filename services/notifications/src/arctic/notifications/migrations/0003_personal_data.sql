-- Personal data (docs/personal-data.md). A delivery knows the person it is for
-- (`recipient_person_id`, none for a role address) and every person its rendered message
-- names (`named_person_ids`), so that an erasure finds them: it empties the address, subject
-- and body and stamps `erased_at`. A message whose recipient was already erased is recorded
-- without address or text, failed, and never sent.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM deliveries) THEN
        RAISE EXCEPTION 'deliveries recorded before persons were named by id cannot be kept '
            '(they could not be erased; no release had any): start from empty data (make clean)';
    END IF;
END $$;

ALTER TABLE deliveries
    ALTER COLUMN recipient DROP NOT NULL,
    ALTER COLUMN subject DROP NOT NULL,
    ALTER COLUMN body DROP NOT NULL,
    ADD COLUMN recipient_person_id uuid,
    ADD COLUMN named_person_ids    uuid[]      NOT NULL DEFAULT '{}',
    ADD COLUMN erased_at           timestamptz;

CREATE UNIQUE INDEX deliveries_once_per_person
    ON deliveries (source_event_id, recipient_person_id, channel)
    WHERE recipient_person_id IS NOT NULL;
CREATE INDEX deliveries_naming ON deliveries USING gin (named_person_ids);

-- Erasure requests this service took (POST /personal-data/erasure), and each service's
-- confirmation that it erased the person from its own tables.
CREATE TABLE erasures (
    id             uuid        PRIMARY KEY,
    person_id      uuid        NOT NULL,
    requested_at   timestamptz NOT NULL,
    keys_erased_at timestamptz NOT NULL,
    erase_after    timestamptz NOT NULL
);

CREATE TABLE erasure_confirmations (
    erasure_id   uuid        NOT NULL,
    service      text        NOT NULL,
    records      integer     NOT NULL,
    confirmed_at timestamptz NOT NULL,
    PRIMARY KEY (erasure_id, service)
);
