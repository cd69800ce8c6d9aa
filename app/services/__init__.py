"""Use cases. Each takes the acting user and ``now``, flushes, and never commits."""
