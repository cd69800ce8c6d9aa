"""The survey form: a score and an optional comment (the service checks both)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField

SCORE_LABELS = ((5, _l("매우 만족")), (4, _l("만족")), (3, _l("보통")), (2, _l("불만족")), (1, _l("매우 불만족")))


class RatingForm(FlaskForm):
    # SelectChoice, not tuples: tuple choices are deprecated in WTForms 3.3.
    rating = RadioField(_l("답변은 어떠셨나요?"), choices=[SelectChoice(str(n), label) for n, label in SCORE_LABELS],
                        validate_choice=False)
    comment = TextAreaField(_l("의견 (선택)"))
