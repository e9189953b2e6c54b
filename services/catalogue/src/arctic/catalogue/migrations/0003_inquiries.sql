-- The people the catalogue informs: the one-stop shop's coordinators (no organisation), and
-- per organisation who answers inquiries and who approves bookings. Kept in clear here, where
-- they can be erased, and sealed as events carry them (docs/personal-data.md).
CREATE TABLE contacts (
    id              uuid        PRIMARY KEY,
    organisation_id uuid        REFERENCES organisations (id),
    duty            text        NOT NULL CHECK (duty IN ('coordinator', 'inquiries', 'bookings')),
    person_id       uuid        NOT NULL,
    language        text        NOT NULL CHECK (language IN ('fi', 'en', 'sv')),
    sealed_details  text        NOT NULL,
    name            text,
    email           text,
    phone           text,
    erased_at       timestamptz,
    UNIQUE NULLS NOT DISTINCT (organisation_id, duty, person_id)
);
CREATE INDEX contacts_person ON contacts (person_id);

-- A company's need at the one-stop shop, its routing (with reasons a person can read) and
-- whether it was answered within the service level.
CREATE TABLE inquiries (
    id                uuid        PRIMARY KEY,
    company_name      text        NOT NULL,
    business_id       text        NOT NULL,
    contact_person_id uuid        NOT NULL,
    contact_language  text        NOT NULL CHECK (contact_language IN ('fi', 'en', 'sv')),
    contact_sealed    text        NOT NULL,
    contact_name      text,
    contact_email     text,
    contact_phone     text,
    contact_erased_at timestamptz,
    need              text        NOT NULL,
    stage             text        NOT NULL,
    offering_id       uuid        REFERENCES offerings (id),
    status            text        NOT NULL CHECK (status IN ('received', 'routed', 'answered')),
    version           integer     NOT NULL,
    received_at       timestamptz NOT NULL,
    respond_by        date        NOT NULL,
    routing           jsonb,
    routed_at         timestamptz,
    answer            text,
    answered_at       timestamptz
);
CREATE INDEX inquiries_listing ON inquiries (received_at, id);
CREATE INDEX inquiries_by_status ON inquiries (status, received_at, id);
CREATE INDEX inquiries_contact ON inquiries (contact_person_id);
