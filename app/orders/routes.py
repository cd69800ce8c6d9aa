"""내 주문: the customer's orders and what they asked about each."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.extensions import db
from app.models import Ticket
from app.orders import bp
from app.permissions import role_required
from app.services.orders import list_orders, load_order_for
from app.services.tickets import scoped_tickets

PER_PAGE = 20


@bp.route("/orders")
@role_required("customer")
def index():
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    orders, total = list_orders(current_user, page=page, per_page=PER_PAGE)
    return render_template("orders/index.html", orders=orders, total=total, page=page,
                           per_page=PER_PAGE)


@bp.route("/orders/<number>")
@role_required("customer", "agent", "lead", "admin")
def show(number: str):
    order = load_order_for(current_user, number)
    tickets = db.session.scalars(
        scoped_tickets(current_user).where(Ticket.order_id == order.id).order_by(Ticket.id.desc())
    ).all()
    return render_template("orders/show.html", order=order, tickets=tickets)


