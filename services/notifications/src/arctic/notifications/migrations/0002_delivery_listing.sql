-- What a delivery's message is about: the ce-subject of its source event (e.g. a prototype
-- request's id), so that everything said about one thing can be listed.
ALTER TABLE deliveries ADD COLUMN source_subject text;

-- GET /deliveries: newest first, whole or filtered (cursor pagination on created_at, id);
-- housekeeping prunes settled deliveries oldest first along the first index.
CREATE INDEX deliveries_listing ON deliveries (created_at, id);
CREATE INDEX deliveries_by_correlation ON deliveries (correlation_id, created_at, id);
CREATE INDEX deliveries_by_subject ON deliveries (source_subject, created_at, id);
CREATE INDEX deliveries_by_recipient ON deliveries (recipient, created_at, id);
CREATE INDEX deliveries_by_status ON deliveries (status, created_at, id);
