"""Admin forms for SLA policies and business calendars.

The forms only carry the CSRF token and the raw values: every rule (whole minutes,
known queue, parsable windows …) is checked by app/services/sla/admin.py, so the
selects do not validate their choices here.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

WEEKDAY_LABELS = (_l("월요일"), _l("화요일"), _l("수요일"), _l("목요일"), _l("금요일"), _l("토요일"),
                  _l("일요일"))
NUMERIC = {"inputmode": "numeric"}


def _select(label):
    return SelectField(label, choices=[], validate_choice=False)


class PolicyForm(FlaskForm):
    name = StringField(_l("이름"))
    name_en = StringField(_l("영어 이름 (선택)"))
    active = BooleanField(_l("사용"), default=True)
    position = _select(_l("순서"))
    membership = _select(_l("회원 등급"))
    priority = _select(_l("우선순위"))
    category = _select(_l("문의 유형"))
    queue = _select(_l("큐"))
    first_response_minutes = StringField(_l("첫 응답 (영업 분)"), render_kw=NUMERIC)
    next_reply_minutes = StringField(_l("다음 답변 (영업 분)"), render_kw=NUMERIC)
    resolution_minutes = StringField(_l("해결 (영업 분)"), render_kw=NUMERIC)
    warn_percent = StringField(_l("경고 시점 (목표의 %)"), default="75", render_kw=NUMERIC)
    calendar = _select(_l("캘린더"))
    escalate_priority = _select(_l("위반 시 우선순위 올리기"))
    escalate_queue = _select(_l("위반 시 옮길 큐"))


class CalendarForm(FlaskForm):
    name_ko = StringField(_l("이름 (한국어)"))
    name_en = StringField(_l("이름 (영어)"))
    always_open = BooleanField(_l("24시간 연중무휴 (모든 시간을 영업시간으로 계산)"))
    korean_public_holidays = BooleanField(_l("한국 공휴일 휴무 (설날, 추석, 대체공휴일, 선거일 포함)"))
    weekday_0 = StringField(WEEKDAY_LABELS[0])
    weekday_1 = StringField(WEEKDAY_LABELS[1])
    weekday_2 = StringField(WEEKDAY_LABELS[2])
    weekday_3 = StringField(WEEKDAY_LABELS[3])
    weekday_4 = StringField(WEEKDAY_LABELS[4])
    weekday_5 = StringField(WEEKDAY_LABELS[5])
    weekday_6 = StringField(WEEKDAY_LABELS[6])

    def weekday_fields(self):
        return [self[f"weekday_{day}"] for day in range(7)]


class CalendarDayForm(FlaskForm):
    day = StringField(_l("날짜"), render_kw={"type": "date"})
    kind = _select(_l("구분"))
    note = StringField(_l("메모"))
