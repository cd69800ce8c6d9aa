"""The OpenAPI 3.1 document, built as data (kept beside the routes it describes)."""
from __future__ import annotations


def openapi_document() -> dict:
    return {"openapi": "3.1.0", "info": {"title": "Munui API", "version": "1"}, "paths": {}}
