-- An operator may discard a dead letter that will never succeed: it is kept, marked with
-- who discarded it, when and why, and no longer counts as open.
ALTER TABLE dead_letters
    ADD COLUMN discarded_at   timestamptz,
    ADD COLUMN discarded_by   text,
    ADD COLUMN discard_reason text;

DROP INDEX dead_letters_open;
CREATE INDEX dead_letters_open ON dead_letters (consumer, id)
    WHERE replayed_at IS NULL AND discarded_at IS NULL;
