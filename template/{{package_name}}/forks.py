"""A worker forked from a process that has built the app (gunicorn's preload_app, see
gunicorn.conf.py) shares that process's memory: its database and Redis connections, and none
of its threads. A part that opens a connection or starts a thread while the app is built
registers with after_fork() what a worker must do instead; gunicorn.conf.py's post_fork runs
it in each new worker.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Callable

from flask import Flask

from .extensions import db, limiter


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
