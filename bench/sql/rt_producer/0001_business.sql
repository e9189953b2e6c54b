-- The producing service's business row, written in the same transaction as tx.emit().
CREATE TABLE business (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id uuid        NOT NULL,
    title      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
