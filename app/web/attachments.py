"""Attachment downloads, for whoever may see the message a file belongs to (customers and staff)."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from app.services.attachments import load_attachment_for
from app.web.responses import send_attachment

bp = Blueprint("attachments", __name__)


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """The file as a download, for whoever may see its message (404 for anyone else)."""
    return send_attachment(load_attachment_for(current_user, attachment_id))


@bp.route("/attachments/<int:attachment_id>/inline")
@login_required
def inline(attachment_id: int):
    """A re-encoded image shown in the thread; anything else is download-only."""
    attachment = load_attachment_for(current_user, attachment_id)
    if not attachment.is_image:
        abort(404)
    return send_attachment(attachment, as_attachment=False)
