"""The baseline: a bare Flask app that serves what the rendered app serves on the measured
paths (/health, the home page and the sign-in page, whose HTML is copied from the rendered
app), with no extension at all. gunicorn loads it as `bare_app:create_app()`."""

import os

from flask import Flask, jsonify, render_template


def create_app() -> Flask:
    app = Flask(__name__, template_folder=os.environ.get("BARE_APP_TEMPLATES", "templates"))

    @app.get("/health")
    def health():
        response = jsonify(status="ok")
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def index():
        return render_template("index.html")

    @app.get("/auth/login")
    def login():
        return render_template("login.html")

    return app
