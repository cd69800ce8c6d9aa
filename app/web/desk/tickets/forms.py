"""The agent's reply/note form and ticket changes."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, SelectField, StringField, TextAreaField


class AgentReplyForm(FlaskForm):
    body = TextAreaField(_l("답변"))
    internal = BooleanField(_l("내부 메모 (고객에게 보이지 않음)"))
    files = MultipleFileField(_l("파일 첨부"))
    # The 자주 쓰는 답변 whose text was put into the box: sending counts its use and applies its actions.
    canned_answer_id = HiddenField()


class TicketUpdateForm(FlaskForm):
    status = SelectField(_l("상태"), choices=[], validate_choice=False)
    priority = SelectField(_l("우선순위"), choices=[], validate_choice=False)
    assignee_id = SelectField(_l("담당자"), choices=[], validate_choice=False)
    queue = SelectField(_l("큐"), choices=[], validate_choice=False)


class ConfirmForm(FlaskForm):
    """A button that changes something: just the CSRF token."""


class DecisionForm(FlaskForm):
    """Approve or deny a cancellation/refund request (the button carries ``action``)."""

    note = TextAreaField(_l("메모 (거절 사유 또는 판단 내용)"))
    # What the agent saw: refused with 409 if the evaluation changed since.
    evaluation_digest = HiddenField()
    judgement = BooleanField(_l("판단하여 승인 (정책상 상담원 판단이 필요한 건)"))


class ReturnForm(FlaskForm):
    """반품 도착·검수: when the parcel reached the seller (Seoul time) and what the inspection found."""

    received_at = StringField(_l("반품 상품이 도착한 시각"))
    condition = SelectField(_l("검수 결과"), choices=[], validate_choice=False)
    note = TextAreaField(_l("검수 메모 (선택)"))
