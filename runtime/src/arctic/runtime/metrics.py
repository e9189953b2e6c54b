"""Prometheus metrics of the runtime, served on `/metrics` by every service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_LAG = Gauge("arctic_outbox_lag_events", "Committed outbox events not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "arctic_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox event"
)
OUTBOX_PUBLISHED = Counter("arctic_outbox_published_total", "Outbox events published")
RELAY_ERRORS = Counter("arctic_relay_errors_total", "Relay rounds that failed (rows kept)")
MESSAGES = Counter(
    "arctic_consumer_messages_total",
    "Messages a durable consumer finished, by outcome",
    ["consumer", "outcome"],
)
DEAD_LETTERS = Counter(
    "arctic_dead_letters_total", "Messages dead-lettered", ["consumer", "reason"]
)
HANDLER_DURATION = Histogram(
    "arctic_handler_duration_seconds",
    "Time spent in event handlers",
    ["consumer", "event_type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60),
)
CONSUMER_PENDING = Gauge(
    "arctic_consumer_pending_messages", "Messages waiting for a durable consumer", ["consumer"]
)
PRUNED = Counter("arctic_housekeeping_pruned_total", "Rows removed by housekeeping", ["what"])


LOOP_CRASHES = Counter(
    "arctic_loop_crashes_total", "Background loops that crashed and were restarted", ["loop"]
)
SCHEDULED_FIRED = Counter("arctic_scheduled_events_fired_total", "Scheduled events emitted")
HTTP_REQUESTS = Histogram(
    "arctic_http_request_duration_seconds",
    "HTTP request durations",
    ["method", "route", "status"],
)
HTTP_UNHANDLED_ERRORS = Counter(
    "arctic_http_unhandled_errors_total",
    "HTTP requests that ended in an unhandled error (answered 500, or 503 when the database "
    "was unreachable)",
    ["method", "route"],
)
