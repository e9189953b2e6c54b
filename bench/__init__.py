"""Benchmark: the raw asyncpg + nats-py pipeline against the same pipeline through the runtime."""
