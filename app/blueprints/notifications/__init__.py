"""The demo SMS outbox page (like MailHog for SMS) and the http gateway's delivery receipts."""
