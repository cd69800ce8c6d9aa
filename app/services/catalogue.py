"""The desk's catalogue: its queues and inquiry categories, as the admin and desk pages list them.

Every staff page that offers a queue or a category (staff and routing admin, SLA policies, canned
answers, the ticket page, the desk's filters) lists them from here, in the one order people know
them by. Which categories a requester may file under is ``tickets.core.categories_for``.
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Category, SupportQueue


def list_queues() -> list[SupportQueue]:
    """Every queue, in the order they were created."""
    return list(db.session.scalars(select(SupportQueue).order_by(SupportQueue.id)))


def list_categories() -> list[Category]:
    """Every category, active or not, in the catalogue's order (position, then creation)."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
