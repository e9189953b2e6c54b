-- The consuming service's effect row, written by the handler inside the inbox transaction.
CREATE TABLE effects (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id uuid        NOT NULL,
    title      text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
