"""GET /api/v1/openapi.json: the OpenAPI 3.1 document of the API."""
from __future__ import annotations

from flask import jsonify

from app.api.blueprint import bp
from app.api.spec import openapi_document


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
