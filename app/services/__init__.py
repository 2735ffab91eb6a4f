"""The court's rules as plain functions. Services flush, never commit; routes and jobs commit."""
