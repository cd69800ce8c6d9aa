"""Sign-in, sign-up and password forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class SignupForm(FlaskForm):
    name = StringField(_l("이름"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("이메일"), validators=[DataRequired(), Email(check_deliverability=False),
                                                Length(max=254)])
    password = PasswordField(_l("비밀번호 (8자 이상)"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(_l("비밀번호 확인"), validators=[
        DataRequired(), EqualTo("password", message=_l("비밀번호가 일치하지 않습니다."))])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("현재 비밀번호"), validators=[DataRequired(), Length(max=128)])
    new_password = PasswordField(_l("새 비밀번호 (8자 이상)"),
                                 validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(_l("새 비밀번호 확인"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("비밀번호가 일치하지 않습니다."))])
