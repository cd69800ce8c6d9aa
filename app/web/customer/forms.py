"""The 1:1 inquiry form and the customer's reply form.

The forms carry the CSRF token and the fields; the rules (category, own order,
files) are checked by the ticket service so the page and the API agree.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField


class InquiryForm(FlaskForm):
    category = RadioField(_l("문의 유형"), choices=[], validate_choice=False)
    order_number = SelectField(_l("주문 선택"), choices=[], validate_choice=False)
    subject = StringField(_l("제목"))
    body = TextAreaField(_l("문의 내용"))
    files = MultipleFileField(_l("파일 첨부 (최대 5개, 각 10MB)"))
    # One per rendered form: a double-click or resubmission returns the first ticket.
    submission_key = HiddenField()


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("추가 문의 / 답글"))
    files = MultipleFileField(_l("파일 첨부"))


class ConfirmForm(FlaskForm):
    """A button that changes something: just the CSRF token."""
