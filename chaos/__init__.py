"""The chaos run (`make chaos`, `python -m chaos --help`): the whole system under a mixed load
while every part of it fails, and the count of what was lost, repeated or reordered (none)."""
