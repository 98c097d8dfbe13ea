"""The accounts' forms: sign-in, registration and the password changes, with their rules.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from .models import User, normal_email, normal_username
from .passwords import password_problems

# \Z, not $: $ matches before a final line break too.
USERNAME_PATTERN = r"\A[A-Za-z0-9_.-]+\Z"
USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH = 3, 32


def normalised(normal):
    """A field filter that stores what was typed as normal(text) gives it, so that the
    validators and the view see the identifier as it is stored."""
    return lambda text: normal(text) if isinstance(text, str) else text


def email_field(label="E-mail"):
    return EmailField(
        label,
        validators=[DataRequired(), Length(max=254), Email()],
        filters=[normalised(normal_email)],
        render_kw={"autocomplete": "email"},
    )


def new_password_fields():
    password = PasswordField(
        "New password", validators=[DataRequired()], render_kw={"autocomplete": "new-password"}
    )
    repeated = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    return password, repeated


def check_policy(field, username: str, email: str) -> None:
    problems = password_problems(field.data or "", username=username or "", email=email or "")
    if problems:
        raise ValidationError(" ".join(problems))


class LoginForm(FlaskForm):
    login = StringField(
        "Username or e-mail",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember_me = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class PasswordForm(FlaskForm):
    """The account's password, asked for again to prove that the account is the asker's."""

    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Confirm")


class RegistrationForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(min=USERNAME_MIN_LENGTH, max=USERNAME_MAX_LENGTH),
            Regexp(USERNAME_PATTERN, message="Use letters, digits, dots, dashes and underscores."),
        ],
        filters=[normalised(normal_username)],
        render_kw={"autocomplete": "username"},
    )
    email = email_field()
    password, password2 = new_password_fields()
    submit = SubmitField("Create account")

    def validate_username(self, field):
        if User.by_username(field.data) is not None:
            raise ValidationError("That username is taken.")

    def validate_password(self, field):
        check_policy(field, self.username.data, self.email.data)


class NewPasswordForm(FlaskForm):
    """A new password for user, under the policy."""

    password, password2 = new_password_fields()
    submit = SubmitField("Set password")

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field):
        check_policy(field, self.user.username, self.user.email)


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    password, password2 = new_password_fields()  # after the current one
    submit = SubmitField("Change password")

    def validate_current_password(self, field):
        if not self.user.check_password(field.data):
            raise ValidationError("That is not your current password.")
