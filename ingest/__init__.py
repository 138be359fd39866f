"""policyqa: ingest stage."""
