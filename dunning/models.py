"""Models of the dunning app: built by its own issue (see docs/architecture.md)."""
