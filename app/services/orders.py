"""Orders as the desk knows them (read-only until the refunds issue adds the shop's push)."""
from __future__ import annotations

from sqlalchemy import func, select

from app.domain import access
from app.domain.errors import NotFound
from app.extensions import db
from app.models import Order, User


def scoped_orders(actor: User):
    """SELECT of the orders ``actor`` may see: a customer's own, or every order for staff."""
    stmt = select(Order)
    if access.is_staff(actor.actor()):
        return stmt
    if actor.role == "customer":
        return stmt.where(Order.customer_id == actor.id)
    return stmt.where(Order.id == -1)


def list_orders(actor: User, *, customer_email: str | None = None, page: int = 1,
                per_page: int = 25) -> tuple[list[Order], int]:
    """Newest first. Staff may narrow to one customer by email."""
    stmt = scoped_orders(actor)
    if customer_email and access.is_staff(actor.actor()):
        stmt = stmt.where(Order.customer_email == customer_email.strip().lower())
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(Order.ordered_at.desc(), Order.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def orders_of(customer: User, limit: int = 100) -> list[Order]:
    """The customer's own orders for the inquiry form, newest first."""
    return list(db.session.scalars(
        select(Order).where(Order.customer_id == customer.id)
        .order_by(Order.ordered_at.desc()).limit(limit)
    ))


def load_order_for(actor: User, number: str) -> Order:
    """The order by number if ``actor`` may see it; NotFound otherwise (never 403)."""
    order = db.session.scalar(select(Order).where(Order.number == (number or "").strip()))
    if order is None or not access.can_see_order(actor.actor(), customer_id=order.customer_id):
        raise NotFound("order")
    return order
