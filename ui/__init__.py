"""policyqa: ui stage."""
