from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from ..models import User
from ..passwords import password_problems

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH = 3, 32


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


class RegistrationForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(min=USERNAME_MIN_LENGTH, max=USERNAME_MAX_LENGTH),
            Regexp(USERNAME_PATTERN, message="Use letters, digits, dots, dashes and underscores."),
        ],
        render_kw={"autocomplete": "username"},
    )
    email = EmailField(
        "E-mail",
        validators=[DataRequired(), Length(max=254), Email()],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "new-password"}
    )
    password2 = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create account")

    def validate_username(self, field):
        if User.by_username(field.data) is not None:
            raise ValidationError("That username is taken.")

    def validate_email(self, field):
        if User.by_email(field.data) is not None:
            raise ValidationError("An account with this e-mail address exists already.")

    def validate_password(self, field):
        problems = password_problems(
            field.data or "", username=self.username.data or "", email=self.email.data or ""
        )
        if problems:
            raise ValidationError(" ".join(problems))
