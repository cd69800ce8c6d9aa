"""What team leads read: SLA compliance and response times (sla.py)."""
