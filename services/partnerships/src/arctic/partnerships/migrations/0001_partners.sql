-- Contract partners of the UAS; agreements, action plans and evaluations build on them.
CREATE TABLE partners (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    business_id text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
