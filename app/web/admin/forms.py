"""Admin forms: staff accounts and category routing."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)

# Role and queue choices are filled by the view (translated role names, queue display names).


class StaffForm(FlaskForm):
    email = EmailField(_l("이메일"))
    name = StringField(_l("이름"))
    role = SelectField(_l("역할"), choices=[], validate_choice=False)
    password = PasswordField(_l("초기 비밀번호 (8자 이상)"))
    queues = SelectMultipleField(_l("큐"), choices=[], validate_choice=False)


class StaffEditForm(FlaskForm):
    """A staff member's name, role and queues (the email is the sign-in name and stays)."""

    name = StringField(_l("이름"))
    role = SelectField(_l("역할"), choices=[], validate_choice=False)
    queues = SelectMultipleField(_l("큐"), choices=[], validate_choice=False)


class StaffActionForm(FlaskForm):
    """Deactivate, reactivate, send a reset link: a button with its CSRF token."""


class CategoryForm(FlaskForm):
    name_ko = StringField(_l("이름 (한국어)"))
    name_en = StringField(_l("이름 (영어)"))
    queue = SelectField(_l("배정 큐"), choices=[], validate_choice=False)
    requires_order = BooleanField(_l("주문 선택 필수"))
    active = BooleanField(_l("사용"))
