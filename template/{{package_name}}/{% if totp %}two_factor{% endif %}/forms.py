from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

CODE_HELP = "The 6 digits your app shows, or one of your recovery codes."


def code_field(label: str = "Code") -> StringField:
    return StringField(
        label,
        validators=[DataRequired(), Length(max=32)],
        description=CODE_HELP,
        render_kw={"autocomplete": "one-time-code", "inputmode": "text"},
    )


class CodeForm(FlaskForm):
    code = code_field()
    submit = SubmitField("Verify")


class DisableForm(FlaskForm):
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    code = code_field()
    submit = SubmitField("Turn off two-factor sign-in")


class SetupForm(FlaskForm):
    code = StringField(
        "Code from your app",
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Turn on")
