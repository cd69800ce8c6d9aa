"""Admin use cases: category routing and names."""
from __future__ import annotations

from sqlalchemy import select

from app.domain import access
from app.domain.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import Category, SupportQueue, User


def update_category(actor: User, code: str, *, name_ko: str, name_en: str, queue_slug: str,
                    requires_order: bool, active: bool) -> Category:
    """Rename a category, route it to a queue, and say whether it needs an order."""
    if not access.can_administer(actor.actor()):
        raise Forbidden()
    category = db.session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise NotFound("category")
    queue = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == queue_slug))
    fields = {}
    if queue is None:
        fields["queue"] = "unknown"
    if not (name_ko or "").strip():
        fields["name_ko"] = "required"
    if not (name_en or "").strip():
        fields["name_en"] = "required"
    if fields:
        raise DomainError("validation_failed", "입력값을 확인해 주세요.", "Please check the fields.",
                          status=422, fields=fields)
    category.name_ko = name_ko.strip()[:100]
    category.name_en = name_en.strip()[:100]
    category.queue_id = queue.id
    category.requires_order = requires_order
    category.active = active
    return category
