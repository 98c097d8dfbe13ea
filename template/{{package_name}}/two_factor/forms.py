"""The forms of two-factor sign-in: a code, and the password that turns it off.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

CODE_HELP = "The 6 digits your app shows, or one of your recovery codes."


def code_field(label: str = "Code", description: str = CODE_HELP, inputmode: str = "text"):
    """A one-time code; recovery codes hold letters, so only the app's code is numeric."""
    return StringField(
        label,
        validators=[DataRequired(), Length(max=32)],
        description=description,
        render_kw={"autocomplete": "one-time-code", "inputmode": inputmode},
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
    code = code_field("Code from your app", description="", inputmode="numeric")
    submit = SubmitField("Turn on")
