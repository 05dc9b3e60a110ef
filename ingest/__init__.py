"""Ingest: read, validate, resolve and load source files into the graph."""
