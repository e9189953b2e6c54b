-- Bookings of shared development environments. Confirmed (and completed) bookings of one
-- environment never overlap: PostgreSQL refuses the second (btree_gist lets the uuid take part
-- in the GiST exclusion; the extension is created by the migrate step, see deploy/).
CREATE TABLE bookings (
    id                    uuid        PRIMARY KEY,
    environment_id        uuid        NOT NULL REFERENCES offerings (id),
    user_organisation_id  uuid        NOT NULL REFERENCES organisations (id),
    customer_name         text,
    customer_business_id  text,
    requester_person_id   uuid        NOT NULL,
    requester_language    text        NOT NULL CHECK (requester_language IN ('fi', 'en', 'sv')),
    requester_sealed      text        NOT NULL,
    requester_name        text,
    requester_email       text,
    requester_phone       text,
    requester_erased_at   timestamptz,
    period                tstzrange   NOT NULL CHECK (NOT isempty(period)),
    purpose               text        NOT NULL,
    status                text        NOT NULL CHECK (status IN
                              ('requested', 'confirmed', 'declined', 'cancelled', 'completed')),
    version               integer     NOT NULL,
    requested_at          timestamptz NOT NULL,
    decided_at            timestamptz,
    cancelled_by          text        CHECK (cancelled_by IN ('user', 'owner')),
    reason                text,
    hours_used            numeric     CHECK (hours_used > 0),
    completed_at          timestamptz,
    CONSTRAINT bookings_never_overlap EXCLUDE USING gist (environment_id WITH =, period WITH &&)
        WHERE (status IN ('confirmed', 'completed'))
);
CREATE INDEX bookings_listing ON bookings (requested_at, id);
CREATE INDEX bookings_by_environment ON bookings (environment_id, requested_at, id);
CREATE INDEX bookings_requester ON bookings (requester_person_id);
CREATE INDEX bookings_completed ON bookings (completed_at) WHERE status = 'completed';
