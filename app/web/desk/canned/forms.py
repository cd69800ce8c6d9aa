"""Canned-answer forms: the answer itself, and sending one from the ticket page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField


class CannedAnswerForm(FlaskForm):
    title = StringField(_l("제목"))
    body_ko = TextAreaField(_l("본문 (한국어)"))
    body_en = TextAreaField(_l("본문 (영어, 선택)"))
    shared = BooleanField(_l("팀 공용 답변"))
    categories = SelectMultipleField(_l("문의 유형 (비우면 전체)"), choices=[], validate_choice=False)
    queues = SelectMultipleField(_l("큐 (비우면 전체)"), choices=[], validate_choice=False)
    status = SelectField(_l("보낸 뒤 상태"), choices=[], validate_choice=False)
    priority = SelectField(_l("보낸 뒤 우선순위"), choices=[], validate_choice=False)
    tag = StringField(_l("보낸 뒤 붙일 태그"))

