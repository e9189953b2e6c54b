-- A company's problem or idea, as submitted; triage and teams come in later migrations.
CREATE TABLE prototype_requests (
    id                uuid        PRIMARY KEY,
    company_name      text        NOT NULL,
    business_id       text        NOT NULL,
    contact_name      text        NOT NULL,
    contact_email     text        NOT NULL,
    contact_language  text        NOT NULL CHECK (contact_language IN ('fi', 'en', 'sv')),
    title             text        NOT NULL,
    problem           text        NOT NULL,
    disciplines       text[]      NOT NULL,
    stage             text        NOT NULL,
    showcase_consent  boolean     NOT NULL,
    origin_inquiry_id uuid,
    status            text        NOT NULL DEFAULT 'requested',
    requested_at      timestamptz NOT NULL
);
CREATE INDEX prototype_requests_business_id ON prototype_requests (business_id);
