"""Home page (each person's cases), language switch, health check."""
