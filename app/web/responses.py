"""Responses that are not pages: an upload's bytes."""
from __future__ import annotations

from flask import Response, send_file

from app.domain.uploads import visible_text
from app.services.attachments import attachment_path


def send_attachment(attachment, *, as_attachment: bool = True) -> Response:
    """An upload's bytes, never rendered by the browser as a page: nosniff, a sandbox CSP, no caching."""
    response = send_file(attachment_path(attachment), mimetype=attachment.content_type,
                         as_attachment=as_attachment,
                         download_name=visible_text(attachment.filename) if as_attachment else None, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
