"""Signing in: court staff by password, litigants and lawyers by SMS code or one-time link."""
