-- The partnership programme: partners with their sector, focus areas and contact persons;
-- competence groups; needs; negotiations; agreements with their evaluations; action plans;
-- the spring partner event; the social handprint; each partner's history.
--
-- Personal data (docs/personal-data.md): a person is kept in clear only in `persons`, where
-- erasure empties it; everywhere else as events carry them (jsonb of a `Person`: the
-- pseudonymous id, the language and the details sealed with the person's own key).
-- Aggregates carry `version` (optimistic concurrency; events carry it too).
CREATE TABLE persons (
    person_id      uuid        PRIMARY KEY,
    language       text        NOT NULL CHECK (language IN ('fi', 'en', 'sv')),
    sealed_details text        NOT NULL,
    name           text,
    email          text,
    phone          text,
    erased_at      timestamptz,
    updated_at     timestamptz NOT NULL
);

ALTER TABLE partners
    ADD COLUMN sector      text    NOT NULL DEFAULT '',
    ADD COLUMN focus_areas text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN contacts    jsonb   NOT NULL DEFAULT '[]',
    ADD COLUMN version     integer NOT NULL DEFAULT 1;
CREATE INDEX partners_listing ON partners (created_at, id);

CREATE TABLE competence_groups (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    owner      jsonb       NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX competence_groups_listing ON competence_groups (created_at, id);

CREATE TABLE needs (
    id               uuid        PRIMARY KEY,
    partner_id       uuid        NOT NULL REFERENCES partners (id),
    partner          jsonb       NOT NULL,
    competence_group jsonb       NOT NULL,
    description      text        NOT NULL,
    raised_by        jsonb       NOT NULL,
    status           text        NOT NULL,
    version          integer     NOT NULL,
    raised_at        timestamptz NOT NULL
);
CREATE INDEX needs_listing ON needs (raised_at, id);
CREATE INDEX needs_by_status ON needs (status, raised_at, id);
CREATE INDEX needs_by_partner ON needs (partner_id, raised_at, id);

CREATE TABLE negotiations (
    id              uuid        PRIMARY KEY,
    need_id         uuid        REFERENCES needs (id),
    partner_id      uuid        NOT NULL REFERENCES partners (id),
    partner         jsonb       NOT NULL,
    focus_areas     text[]      NOT NULL,
    goals           text[]      NOT NULL,
    uas_contact     jsonb       NOT NULL,
    partner_contact jsonb       NOT NULL,
    status          text        NOT NULL,
    agreement_id    uuid,
    version         integer     NOT NULL,
    started_at      timestamptz NOT NULL,
    changed_at      timestamptz
);
CREATE INDEX negotiations_listing ON negotiations (started_at, id);
CREATE INDEX negotiations_by_status ON negotiations (status, started_at, id);

CREATE TABLE agreements (
    id              uuid        PRIMARY KEY,
    partner_id      uuid        NOT NULL REFERENCES partners (id),
    partner         jsonb       NOT NULL,
    negotiation_id  uuid,
    focus_areas     text[]      NOT NULL,
    goals           text[]      NOT NULL,
    uas_contact     jsonb       NOT NULL,
    partner_contact jsonb       NOT NULL,
    owner           jsonb,
    status          text        NOT NULL,
    terms           jsonb       NOT NULL DEFAULT '[]',
    ends_on         date,
    signed_on       date,
    ended_on        date,
    end_reason      text,
    end_note        text,
    version         integer     NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX agreements_listing ON agreements (created_at, id);
CREATE INDEX agreements_by_status ON agreements (status, created_at, id);
CREATE INDEX agreements_by_partner ON agreements (partner_id, created_at, id);

CREATE TABLE evaluations (
    id           uuid        PRIMARY KEY,
    agreement_id uuid        NOT NULL REFERENCES agreements (id),
    term_number  integer     NOT NULL,
    due_on       date        NOT NULL,
    status       text        NOT NULL,
    held_on      date,
    summary      text,
    realisation  jsonb       NOT NULL DEFAULT '[]',
    attendees    jsonb       NOT NULL DEFAULT '[]',
    recorded_at  timestamptz
);
CREATE INDEX evaluations_of_agreement ON evaluations (agreement_id, due_on);
-- The worklist: pending evaluations by due date.
CREATE INDEX evaluations_pending ON evaluations (due_on) WHERE status = 'pending';

CREATE TABLE action_plans (
    id             uuid        PRIMARY KEY,
    agreement_id   uuid        NOT NULL REFERENCES agreements (id),
    agreement_year integer     NOT NULL,
    starts_on      date        NOT NULL,
    ends_on        date        NOT NULL,
    actions        jsonb       NOT NULL,
    agreed_at      timestamptz NOT NULL,
    updated_at     timestamptz,
    version        integer     NOT NULL,
    UNIQUE (agreement_id, agreement_year)
);

CREATE TABLE partner_events (
    id         uuid        PRIMARY KEY,
    year       integer     NOT NULL UNIQUE,
    name       text        NOT NULL,
    held_on    date        NOT NULL,
    location   text        NOT NULL,
    programme  text        NOT NULL,
    reply_by   date,
    created_at timestamptz NOT NULL
);
CREATE INDEX partner_events_listing ON partner_events (created_at, id);

CREATE TABLE invitations (
    id               uuid        PRIMARY KEY,
    partner_event_id uuid        NOT NULL REFERENCES partner_events (id),
    agreement_id     uuid        NOT NULL REFERENCES agreements (id),
    partner_id       uuid        NOT NULL REFERENCES partners (id),
    invitee          jsonb       NOT NULL,
    invitee_id       uuid        NOT NULL,
    send_at          timestamptz NOT NULL,
    attending        boolean,
    replied_at       timestamptz
);
CREATE INDEX invitations_of_event ON invitations (partner_event_id, send_at, id);

CREATE TABLE handprints (
    id          uuid        PRIMARY KEY,
    partner_id  uuid        NOT NULL REFERENCES partners (id),
    partner     jsonb       NOT NULL,
    year        integer     NOT NULL,
    action_id   uuid,
    counts      jsonb       NOT NULL,
    impact      text,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX handprints_by_year ON handprints (year, partner_id);

-- What the partnership produced, in time order: its own needs, agreements, plans and
-- evaluations, prototypes delivered and environments used (from the other services' events,
-- attached by business id), the partner event. `source_key` names the fact, once.
CREATE TABLE partner_history (
    id          uuid        PRIMARY KEY,
    partner_id  uuid        NOT NULL REFERENCES partners (id),
    occurred_at timestamptz NOT NULL,
    kind        text        NOT NULL,
    source_key  text        NOT NULL UNIQUE,
    title       text        NOT NULL,
    details     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX partner_history_of_partner ON partner_history (partner_id, occurred_at, id);
