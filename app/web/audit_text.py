"""The ticket's audit trail as sentences people read ("김상담 님이 상태를 '처리중'에서 '해결됨'으로
바꿨습니다"), in Korean or English, from the stored codes (app/services/audit.py records them)."""
from __future__ import annotations

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain.hangul import with_particle
from app.extensions import db
from app.models import AuditEvent, SupportQueue
from app.web.formats import krw
from app.web.labels import label
from app.web.locale import locale_code


def _queue_name(slug: str | None) -> str:
    if not slug:
        return "—"
    cache = g.setdefault("munui_queue_names", {}) if has_request_context() else {}
    key = (slug, locale_code())
    if key not in cache:
        queue = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == slug))
        cache[key] = queue.display_name(locale_code()) if queue else slug
    return cache[key]


def _seoul(iso: str | None) -> str:
    from datetime import datetime

    from app.web.formats import seoul_time

    return seoul_time(datetime.fromisoformat(iso)) if iso else "—"


def _quoted(text: str) -> str:
    return f"‘{text}’" if locale_code() != "en" else f"'{text}'"


def _to(text: str) -> str:
    """'해결됨' + (으)로 in Korean; the plain word in English (the sentence carries "to")."""
    quoted = _quoted(text)
    return with_particle(quoted, "으로") if locale_code() != "en" else quoted


def audit_sentence(event: AuditEvent) -> str:
    """One audit event as a sentence in the reader's language."""
    actor = event.actor.name if event.actor else _("시스템")
    detail = event.detail or {}
    via = detail.get("via")
    old, new = event.old_value, event.new_value
    action = event.action
    kind = label("claim_kind", detail.get("kind") or "refund")
    if action == "created":
        if detail.get("split_from"):
            return _("%(actor)s 님이 %(number)s 문의의 메시지를 새 문의로 분리했습니다.", actor=actor,
                     number=detail["split_from"])
        return _("%(actor)s 님이 문의를 접수했습니다.", actor=actor)
    if action == "reply":
        if via == "decision":
            return _("%(actor)s 님이 신청 결과를 고객에게 답변했습니다.", actor=actor)
        return _("%(actor)s 님이 공개 답변을 보냈습니다.", actor=actor)
    if action == "note":
        return _("%(actor)s 님이 내부 메모를 남겼습니다.", actor=actor)
    if action in ("status", "reopened"):
        before, after = label("status", old) if old else "—", label("status", new) if new else "—"
        if via == "auto_close":
            return _("해결된 뒤 기간이 지나 문의가 자동으로 종료되었습니다.")
        if via == "merge":
            return _("다른 문의로 병합되어 이 문의가 종료되었습니다.")
        if action == "reopened" or via == "reply":
            return _("%(actor)s 님의 답글로 상태가 %(old)s에서 %(new_to)s 바뀌었습니다.", actor=actor,
                     old=_quoted(before), new_to=_to(after))
        if via == "decision":
            return _("%(actor)s 님의 결정에 따라 상태가 %(old)s에서 %(new_to)s 바뀌었습니다.", actor=actor,
                     old=_quoted(before), new_to=_to(after))
        return _("%(actor)s 님이 상태를 %(old)s에서 %(new_to)s 바꿨습니다.", actor=actor, old=_quoted(before),
                 new_to=_to(after))
    if action == "priority":
        before, after = label("priority", old), label("priority", new)
        if via == "sla_escalation":
            return _("SLA 기한을 넘겨 우선순위가 %(old)s에서 %(new_to)s 올라갔습니다.", old=_quoted(before),
                     new_to=_to(after))
        return _("%(actor)s 님이 우선순위를 %(old)s에서 %(new_to)s 바꿨습니다.", actor=actor, old=_quoted(before),
                 new_to=_to(after))
    if action == "assignee":
        if via == "take_next":
            return _("%(actor)s 님이 '다음 문의 가져오기'로 이 문의를 맡았습니다.", actor=actor)
        if event.actor is None and new:
            return _("자동 배정으로 %(name)s 님이 담당자가 되었습니다.", name=new)
        if not new:
            return _("%(actor)s 님이 담당자 %(old)s 님의 배정을 해제했습니다.", actor=actor, old=old or "—")
        if new == actor:
            return _("%(actor)s 님이 이 문의를 맡았습니다.", actor=actor)
        if old:
            return _("%(actor)s 님이 담당자를 %(old)s 님에서 %(new)s 님으로 바꿨습니다.", actor=actor, old=old, new=new)
        return _("%(actor)s 님이 %(new)s 님을 담당자로 지정했습니다.", actor=actor, new=new)
    if action == "queue":
        if via == "sla_escalation":
            return _("SLA 기한을 넘겨 문의가 %(old)s 큐에서 %(new)s 큐로 옮겨졌습니다.", old=_queue_name(old),
                     new=_queue_name(new))
        return _("%(actor)s 님이 문의를 %(old)s 큐에서 %(new)s 큐로 옮겼습니다.", actor=actor, old=_queue_name(old),
                 new=_queue_name(new))
    if action == "refund_first_approval":
        return _("%(actor)s 님이 %(kind)s 신청을 1차 승인했습니다(환불 %(amount)s). 다른 팀장의 2차 승인을 기다립니다.",
                 actor=actor, kind=kind, amount=krw(detail.get("refund_value_total")))
    if action == "refund_approved":
        if detail.get("due_by"):
            return _("%(actor)s 님이 %(kind)s 신청을 승인했습니다. 환불 %(amount)s, 환불 기한 %(due)s.", actor=actor,
                     kind=kind, amount=krw(detail.get("refund_value_total")), due=detail["due_by"])
        return _("%(actor)s 님이 %(kind)s 신청을 승인했습니다. 환불 %(amount)s, 환불 기한은 반품 도착 후 정해집니다.",
                 actor=actor, kind=kind, amount=krw(detail.get("refund_value_total")))
    if action == "refund_denied":
        return _("%(actor)s 님이 %(kind)s 신청을 거절했습니다.", actor=actor, kind=kind)
    if action == "return_recorded":
        return _("%(actor)s 님이 반품 도착과 검수 결과를 기록했습니다.", actor=actor)
    if action == "return_arrived":
        return _("%(actor)s 님이 반품 상품 도착을 기록했습니다. 환불 기한 %(due)s.", actor=actor,
                 due=detail.get("due_by") or "—")
    if action == "refund_paid":
        if via == "shop":
            return _("쇼핑몰이 환불 %(amount)s 지급을 확인했습니다(%(paid_at)s).",
                     amount=krw(detail.get("refund_value_total")), paid_at=_seoul(detail.get("paid_at")))
        return _("%(actor)s 님이 환불 %(amount)s 지급을 기록했습니다(%(paid_at)s).", actor=actor,
                 amount=krw(detail.get("refund_value_total")), paid_at=_seoul(detail.get("paid_at")))
    if action == "tag_added":
        return _("%(actor)s 님이 태그를 달았습니다: %(tag)s", actor=actor, tag=new or "")
    if action == "tag_removed":
        return _("%(actor)s 님이 태그를 뗐습니다: %(tag)s", actor=actor, tag=old or "")
    if action == "merged":
        return _("%(actor)s 님이 이 문의를 %(number)s 문의로 병합했습니다.", actor=actor, number=new or "")
    if action == "merged_in":
        return _("%(actor)s 님이 %(number)s 문의를 이 문의로 병합했습니다.", actor=actor, number=old or "")
    if action == "split":
        return _("%(actor)s 님이 메시지 하나를 새 문의(%(number)s)로 분리했습니다.", actor=actor, number=new or "")
    return _("%(actor)s 님의 변경: %(action)s", actor=actor, action=action)
