"""The auth blueprint: sign-in and out, the language switch and each account's own pages."""

from flask import Blueprint

blueprint = Blueprint("auth", __name__)
