-- Housekeeping removes inbox ids older than their retention in small batches, oldest first.
-- (The outbox is pruned along its primary key: the relay publishes in position order, so
-- the published rows are its oldest. Dead letters are few and need no index.)
CREATE INDEX inbox_processed_at ON inbox (processed_at);
