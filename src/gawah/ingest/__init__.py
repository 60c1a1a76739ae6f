"""Readers that turn a file into a Document's text and metadata, and the ingest of files into a workspace."""
