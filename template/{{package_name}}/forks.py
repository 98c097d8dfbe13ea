"""A worker forked from a process that has built the app (gunicorn's preload_app, see
gunicorn.conf.py) shares that process's memory: its database and Redis connections, and none
of its threads. A part that opens a connection or starts a thread while the app is built
registers with after_fork() what a worker must do instead; gunicorn.conf.py's post_fork runs
it in each new worker. What each worker would otherwise do on its first request (compile the
templates, configure the models' mappers) is registered with before_fork() and done once, in
the master, before the first fork (gunicorn.conf.py's when_ready); the workers share it.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Callable

from flask import Flask
from jinja2 import TemplateError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers

from .extensions import db, limiter


def before_fork(app: Flask, prepare: Callable[[], None]) -> None:
    """Have prepare() run once in the process that built app, before it forks the workers
    (the list gunicorn.conf.py's when_ready reads)."""
    app.extensions.setdefault("before_fork", []).append(prepare)


def compile_ahead(app: Flask) -> None:
    """The URL map and every template compiled, and the models' mappers configured, which
    each worker would otherwise do on its first request for each (the mappers on its first
    query, for tens of milliseconds). Not a database connection: one that hangs must not
    hold up the start."""
    app.url_map.update()
    try:
        configure_mappers()
    except SQLAlchemyError as error:  # each query fails, as it would have; the site starts
        app.logger.warning("The models' mappers do not configure: %s", error)
    for name in app.jinja_env.list_templates():
        try:
            app.jinja_env.get_template(name)
        except TemplateError as error:  # its page fails, as it would have; the site starts
            app.logger.warning("The template %s does not compile: %s", name, error)


def after_fork(app: Flask, renew: Callable[[], None]) -> None:
    """Have renew() run in each worker forked from the process that built app (the list
    gunicorn.conf.py's post_fork reads)."""
    app.extensions.setdefault("after_fork", []).append(renew)


def own_connections(app: Flask) -> None:
    """Drop the database and Redis connections inherited from the parent without closing
    them (they are still the parent's), so that this worker opens its own."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
    pool = getattr(getattr(limiter.storage, "storage", None), "connection_pool", None)
    if pool is not None:
        pool.reset()  # redis-py would on its first command in a new process; this says so
