"""Sign-in, sign-up and password forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

PASSWORD_LENGTH = _l("비밀번호는 8자 이상 128자 이하로 정해 주세요.")


class LoginForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[DataRequired(_l("이메일을 입력해 주세요.")), Length(max=254)])
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(_l("비밀번호를 입력해 주세요.")),
                                                      Length(max=128)])
    next = HiddenField()


class SignupForm(FlaskForm):
    name = StringField(_l("이름"), validators=[DataRequired(_l("이름을 입력해 주세요.")),
                                              Length(max=100, message=_l("이름은 100자까지 쓸 수 있습니다."))])
    email = EmailField(_l("이메일"), validators=[
        DataRequired(_l("이메일을 입력해 주세요.")),
        Email(message=_l("이메일 주소가 올바르지 않습니다."), check_deliverability=False),
        Length(max=254, message=_l("이메일 주소가 너무 깁니다."))])
    password = PasswordField(_l("비밀번호 (8자 이상)"), validators=[
        DataRequired(_l("비밀번호를 입력해 주세요.")), Length(min=8, max=128, message=PASSWORD_LENGTH)])
    confirm = PasswordField(_l("비밀번호 확인"), validators=[
        DataRequired(_l("비밀번호를 한 번 더 입력해 주세요.")),
        EqualTo("password", message=_l("비밀번호가 일치하지 않습니다."))])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("현재 비밀번호"), validators=[
        DataRequired(_l("현재 비밀번호를 입력해 주세요.")), Length(max=128)])
    new_password = PasswordField(_l("새 비밀번호 (8자 이상)"), validators=[
        DataRequired(_l("새 비밀번호를 입력해 주세요.")), Length(min=8, max=128, message=PASSWORD_LENGTH)])
    confirm = PasswordField(_l("새 비밀번호 확인"), validators=[
        DataRequired(_l("새 비밀번호를 한 번 더 입력해 주세요.")),
        EqualTo("new_password", message=_l("비밀번호가 일치하지 않습니다."))])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[
        DataRequired(_l("이메일을 입력해 주세요.")),
        Email(message=_l("이메일 주소가 올바르지 않습니다."), check_deliverability=False),
        Length(max=254, message=_l("이메일 주소가 너무 깁니다."))])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("새 비밀번호 (8자 이상)"), validators=[
        DataRequired(_l("새 비밀번호를 입력해 주세요.")), Length(min=8, max=128, message=PASSWORD_LENGTH)])
    confirm = PasswordField(_l("새 비밀번호 확인"), validators=[
        DataRequired(_l("새 비밀번호를 한 번 더 입력해 주세요.")),
        EqualTo("new_password", message=_l("비밀번호가 일치하지 않습니다."))])
