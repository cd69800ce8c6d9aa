"""What every response carries: security headers, the favicon, and no files left by a failed request."""
from __future__ import annotations

from flask import Flask, Response, request, send_from_directory

from app.services import unit_of_work

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def register(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        hsts = app.config.get("HSTS_SECONDS")
        if hsts:
            # Production runs behind TLS: browsers must never come back over plain http.
            response.headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts)}; includeSubDomains")
        return response

    @app.route("/favicon.ico")
    def favicon():
        # Browsers ask for /favicon.ico on every site whatever the page links; answer it locally.
        return send_from_directory(app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=7 * 24 * 3600)

    @app.teardown_request
    def _drop_uncommitted(_exc):
        # A request that never committed must not leave uploaded files behind.
        unit_of_work.discard_pending()
