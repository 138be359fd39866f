"""policyqa: index stage."""
