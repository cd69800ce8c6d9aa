"""/api/v1 orders (read-only until the shop's push lands with the refunds issue)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.errors import int_arg, json_body
from app.api.serializers import order_json
from app.domain.access import ORDER_READERS, SHOP_ROLES
from app.services import unit_of_work
from app.services.claims.orders import list_orders, load_order_for, upsert_order
from app.web.clock import utcnow


@bp.get("/orders")
@token_required(*ORDER_READERS)
def orders():
    page = int_arg("page", 1)
    per_page = int_arg("per_page", 25, cap=100)
    items, total = list_orders(g.api_user, customer_email=request.args.get("customer_email"),
                               page=page, per_page=per_page)
    return jsonify({"items": [order_json(o) for o in items], "page": page, "per_page": per_page,
                    "total": total})


@bp.get("/orders/<number>")
@token_required(*ORDER_READERS)
def order(number: str):
    return jsonify(order_json(load_order_for(g.api_user, number)))


@bp.put("/orders/<number>")
@token_required(*SHOP_ROLES)
def put_order(number: str):
    """The shop pushes an order snapshot; 201 when new, 200 when replaced."""
    order, created = upsert_order(g.api_user, number, json_body(), utcnow())
    unit_of_work.commit()
    return jsonify(order_json(order)), 201 if created else 200
