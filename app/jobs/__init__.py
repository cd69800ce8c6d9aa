"""Background work. ``dispatch`` is the one way in: outbox events become jobs here.

Embedded default (no REDIS_URL): jobs run in-process right after the commit.
Production (REDIS_URL set): jobs go to named RQ queues and ``worker.py`` runs them.
"""
