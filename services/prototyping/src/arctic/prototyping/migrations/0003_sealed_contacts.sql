-- Personal data (docs/personal-data.md): the contact person is kept in clear here, where it
-- can be erased, and as events carry it – a pseudonymous person id and the details sealed with
-- the person's own key – so that later events about the request name them alike. Erasure
-- empties the clear columns and stamps `contact_erased_at`; the sealed form stays, unreadable.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM prototype_requests) THEN
        RAISE EXCEPTION 'prototype requests recorded before contacts were sealed cannot be kept '
            '(their contacts could be neither sealed nor erased; no release had any): '
            'start from empty data (make clean)';
    END IF;
END $$;

ALTER TABLE prototype_requests
    ALTER COLUMN contact_name DROP NOT NULL,
    ALTER COLUMN contact_email DROP NOT NULL,
    ADD COLUMN contact_phone     text,
    ADD COLUMN contact_person_id uuid NOT NULL,
    ADD COLUMN contact_sealed    text NOT NULL,
    ADD COLUMN contact_erased_at timestamptz;

CREATE INDEX prototype_requests_contact ON prototype_requests (contact_person_id);
