"""The cancellation/refund request form (quantities per line are read from ``qty-<line_id>``)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField


class ClaimForm(FlaskForm):
    """Choices are set by the view (like the other forms): reasons and yes/no/unknown answers."""

    reason = SelectField(_l("사유"), choices=[], validate_choice=False)
    reason_text = TextAreaField(_l("자세한 내용 (선택)"))
    packaging_intact = SelectField(_l("포장 상태 그대로"), choices=[], default="unknown")
    opened_for_inspection_only = SelectField(_l("내용 확인을 위해서만 개봉"), choices=[], default="unknown")
    unused = SelectField(_l("사용하지 않음"), choices=[], default="unknown")
    discovered_on = StringField(_l("문제를 발견한 날 (선택)"))
    # Photos of a defect or damage; sent with 신청하기 (a preview stores nothing).
    files = MultipleFileField(_l("사진 첨부 (선택, 최대 5개)"))
    # One per rendered form: a double-click files one request.
    submission_key = HiddenField()
