"""Accounts on the web: sign-in sessions (Flask-Login), CSRF-protected forms, tokens and passwords."""

from tracelabel.web.auth import account, views
from tracelabel.web.auth.routes import blueprint
from tracelabel.web.auth.setup import init_app

__all__ = ["account", "blueprint", "init_app", "views"]
