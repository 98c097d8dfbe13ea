"""The usual stack: a Flask app built the way the tutorials and cookiecutters build one, with
Flask-SQLAlchemy, Flask-Login, Flask-WTF (CSRFProtect), Talisman with its defaults and
Flask-Limiter counting in memory. It serves what the rendered app serves on the measured paths:
/health, the home page and the sign-in form, whose pages the bench copies from the rendered
app (the form itself is this app's, rendered field by field). It runs in the rendered app's
virtualenv, so its packages are at the rendered app's pins. gunicorn loads it as
`usual_app:create_app()`; its tables are never created, as the bench only reads pages."""

import os

from flask import Flask, flash, redirect, render_template, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect, FlaskForm
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired

db = SQLAlchemy()
login_manager = LoginManager()
login_manager.login_view = "login"


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True, nullable=False)
    password_hash = db.Column(db.String(256), nullable=False)


@login_manager.user_loader
def load_user(user_id):
    return db.session.get(User, int(user_id))


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember_me = BooleanField("Remember me")
    submit = SubmitField("Sign in")


def create_app() -> Flask:
    app = Flask(__name__, template_folder=os.environ.get("USUAL_APP_TEMPLATES", "templates"))
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    # psycopg 3, the driver the rendered app pins.
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    db.init_app(app)
    login_manager.init_app(app)
    CSRFProtect(app)
    Talisman(app)
    # The bench sets a limit that is counted on every request and never reached.
    limit = os.environ.get("RATELIMIT_DEFAULT", "200 per day")
    Limiter(get_remote_address, app=app, default_limits=[limit], storage_uri="memory://")
    add_routes(app)
    return app


def add_routes(app: Flask) -> None:
    @app.get("/health")
    def health():
        return {"status": "ok"}, 200, {"Cache-Control": "no-store"}

    @app.get("/")
    def index():
        return render_template("index.html")

    @app.route("/auth/login", methods=["GET", "POST"])
    def login():
        if current_user.is_authenticated:
            return redirect(url_for("index"))
        form = LoginForm()
        if form.validate_on_submit():
            user = db.session.scalar(db.select(User).filter_by(username=form.username.data))
            if user is None or not check_password_hash(user.password_hash, form.password.data):
                flash("Invalid username or password")
                return redirect(url_for("login"))
            login_user(user, remember=form.remember_me.data)
            return redirect(url_for("index"))
        return render_template("login.html", form=form)
