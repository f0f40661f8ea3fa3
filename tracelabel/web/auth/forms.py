"""The workspace's form base (WTForms messages in the user's language) and the account forms."""

from __future__ import annotations

from typing import Any

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from tracelabel.services.errors import DomainError
from tracelabel.web.errors import translate

# WTForms' own messages, listed so they are extracted into the workspace catalog.
WTFORMS_MESSAGES = (
    _l("This field is required."), _l("Not a valid decimal value."), _l("Not a valid integer value."),
    _l("Not a valid date value."), _l("Not a valid datetime value."), _l("Not a valid choice."),
    _l("Not a valid float value."), _l("Invalid Choice: could not coerce."),
    _l("Number must be at least %(min)s."), _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field must be equal to %(other_name)s."), _l("Invalid email address."),
    _l("'%(value)s' is not a valid choice for this field."),
    _ln("Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.", 1),
    _ln("Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.", 1),
    _ln("'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.", 1),
)


class BabelTranslations:
    """WTForms' translation hook, answered from the app's Babel catalogs."""

    def gettext(self, string: str) -> str:
        """One message in the user's language (WTForms fills in the values itself)."""
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """A message with a number, in the user's language."""
        return get_translations().ungettext(singular, plural, n)


class WorkspaceForm(FlaskForm):
    """A Flask-WTF form (CSRF token included) whose built-in messages follow the user's language."""

    class Meta:
        def get_translations(self, form: Any) -> BabelTranslations:
            return BabelTranslations()


def show_domain_errors(form: WorkspaceForm, error: DomainError,
                       aliases: dict[str, str] | None = None) -> None:
    """Put a refused use case's messages next to their fields (the rest above the form)."""
    aliases = aliases or {}
    for item in error.errors:
        message = translate(item.message, item.params)
        name = aliases.get(item.field) or aliases.get(item.field.split(".")[0]) or item.field
        field = form._fields.get(name) or form._fields.get(name.split(".")[0])
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)
    if not error.errors:
        form.form_errors.append(translate(error.message, error.params))


class LoginForm(WorkspaceForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class PasswordForm(WorkspaceForm):
    """The current password and a new one, typed twice."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))])


class TokenForm(WorkspaceForm):
    """A name for a new API token, and the last day it works (none: until revoked)."""

    name = StringField(_l("Token name"), validators=[Length(max=100)])
    expires = DateField(_l("Works until (optional)"), validators=[Optional()])


class ConfirmForm(WorkspaceForm):
    """A button that only carries the CSRF token (logout, revoke, publish, …)."""
