"""Models of the acceptance app: built by its own issue (see docs/architecture.md)."""
