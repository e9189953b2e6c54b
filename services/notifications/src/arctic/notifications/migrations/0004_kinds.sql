-- Every notification kind (docs/notifications.md, "Kinds"): what kind a delivery is, its HTML
-- alternative, who can answer (Reply-To; it may name persons, so erasure empties it too) and
-- whether it is mandatory (goes whatever the recipient's preferences).
ALTER TABLE deliveries
    ADD COLUMN kind      text    NOT NULL DEFAULT 'prototype_requested',
    ADD COLUMN html      text,
    ADD COLUMN reply_to  text,
    ADD COLUMN mandatory boolean NOT NULL DEFAULT true;
ALTER TABLE deliveries ALTER COLUMN kind DROP DEFAULT;

CREATE INDEX deliveries_by_kind ON deliveries (kind, created_at, id);
