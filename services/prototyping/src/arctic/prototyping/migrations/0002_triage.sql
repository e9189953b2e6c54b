-- Triage: a request is accepted (with the disciplines it needs) or rejected (with a reason and
-- suggestions where else to go). `version` counts the request's changes: a change is saved
-- only over the version it was read at (optimistic concurrency), and events carry it.
ALTER TABLE prototype_requests
    ADD COLUMN version               integer     NOT NULL DEFAULT 1,
    ADD COLUMN decided_at            timestamptz,
    ADD COLUMN confirmed_disciplines text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN rejection_reason      text,
    ADD COLUMN suggestions           jsonb;

-- The coordinators' list, newest first, whole or by status (cursor pagination).
CREATE INDEX prototype_requests_listing ON prototype_requests (requested_at, id);
CREATE INDEX prototype_requests_by_status ON prototype_requests (status, requested_at, id);
