-- The expert pool, the teams it staffs, the time-box and its milestones, delivery, and the
-- partner companies learnt from partnerships' agreement events.

-- An expert: the person in clear (erasable, like a request's contact) and as events carry
-- them (a pseudonymous id and the details sealed with their own key); the disciplines,
-- `capacity` = prototypes at once, absences as date ranges (first and last day).
CREATE TABLE experts (
    id              uuid        PRIMARY KEY,
    person_id       uuid        NOT NULL,
    language        text        NOT NULL CHECK (language IN ('fi', 'en', 'sv')),
    sealed          text        NOT NULL,
    name            text,
    email           text,
    phone           text,
    erased_at       timestamptz,
    disciplines     text[]      NOT NULL,
    capacity        integer     NOT NULL CHECK (capacity >= 1),
    permanent_staff boolean     NOT NULL DEFAULT false,
    absences        jsonb       NOT NULL DEFAULT '[]',
    version         integer     NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX experts_person ON experts (person_id);
CREATE INDEX experts_listing ON experts (created_at, id);

-- Who works on which prototype, in which time-box: what an expert's load is counted from.
-- A delivery releases the team (`released_at`), freeing their capacity.
CREATE TABLE assignments (
    request_id  uuid        NOT NULL REFERENCES prototype_requests (id),
    expert_id   uuid        NOT NULL REFERENCES experts (id),
    starts_on   date        NOT NULL,
    due_on      date        NOT NULL,
    released_at timestamptz,
    PRIMARY KEY (request_id, expert_id)
);
CREATE INDEX assignments_active ON assignments (expert_id) WHERE released_at IS NULL;

-- The request's life after triage: the partner flag at acceptance, the team as events name
-- them, the time-box, its milestones and the delivery.
ALTER TABLE prototype_requests
    ADD COLUMN partner      boolean NOT NULL DEFAULT false,
    ADD COLUMN team         jsonb   NOT NULL DEFAULT '[]',
    ADD COLUMN starts_on    date,
    ADD COLUMN due_on       date,
    ADD COLUMN milestones   jsonb   NOT NULL DEFAULT '[]',
    ADD COLUMN delivery     jsonb,
    ADD COLUMN delivered_at timestamptz;

-- A request opened from a one-stop-shop inquiry is opened once, however often the inquiry's
-- routing is delivered or replayed.
CREATE UNIQUE INDEX prototype_requests_origin ON prototype_requests (origin_inquiry_id)
    WHERE origin_inquiry_id IS NOT NULL;
CREATE INDEX prototype_requests_by_company ON prototype_requests (business_id, requested_at, id);
CREATE INDEX prototype_requests_by_company_status
    ON prototype_requests (business_id, status, requested_at, id);
CREATE INDEX prototype_requests_showcase ON prototype_requests (delivered_at, id)
    WHERE status = 'delivered' AND showcase_consent;

-- Partnership agreements by company: a company with an agreement in force is a partner,
-- and its requests come first in triage. Kept from AgreementSigned / Renewed / Ended in any
-- order: the term only grows, an end is only recorded.
CREATE TABLE partner_agreements (
    agreement_id uuid PRIMARY KEY,
    business_id  text NOT NULL,
    starts_on    date NOT NULL,
    ends_on      date NOT NULL,
    ended_on     date
);
CREATE INDEX partner_agreements_company ON partner_agreements (business_id);
