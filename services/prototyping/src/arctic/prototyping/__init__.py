"""The prototyping service."""
