-- The first answer to a command sent with an Idempotency-Key, written in the command's own
-- transaction: a retry with the same key and request gets this answer instead of a second
-- effect. `fingerprint` is a hash of the method, path and body the key was first used with.
-- The row is claimed before the command runs and completed with the answer before commit, so
-- a committed row always has its answer.
CREATE TABLE idempotency_keys (
    key         text        PRIMARY KEY,
    fingerprint text        NOT NULL,
    created_at  timestamptz NOT NULL,
    status      integer,
    headers     jsonb,
    body        bytea
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
