"""The administration forms: an organization, an account, a password reset."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from tracelabel import admin_units
from tracelabel.services.organizations import EMAIL_PATTERN
from tracelabel.web.auth.forms import WorkspaceForm
from tracelabel.web.place_pickers import CommuneField, ProvinceField
from tracelabel.web.producer.forms import int_or_none, options

EMAIL = EMAIL_PATTERN.pattern
KIND_LABELS = {"cooperative": _l("Cooperative"), "enterprise": _l("Enterprise"),
               "household": _l("Household business")}
ROLE_LABELS = {"producer": _l("Producer"), "inspector": _l("Inspector"),
               "programme": _l("Programme official (OCOP office)")}
PREFIX_HELP = _l("One per line, as printed at the start of the 13-digit barcode number, e.g. "
                 "8936045. A product's GTIN must fall under one of them. For a GTIN-8 assigned "
                 "on its own, enter 00000 and its first seven digits.")


class OrganizationForm(WorkspaceForm):
    """A producer organization, its contact details and its GS1 company prefixes."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=options(KIND_LABELS.items()))
    tax_code = StringField(_l("Tax code"), validators=[Length(max=20)])
    province = ProvinceField()
    commune = CommuneField()
    address = StringField(_l("Address"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=200),
                                              Regexp(EMAIL, message=_l("Enter a valid email address."))])
    website = StringField(_l("Website"), validators=[Length(max=200)])
    gs1_prefixes = TextAreaField(_l("GS1 company prefixes"), validators=[Length(max=2000)])


class AccountForm(WorkspaceForm):
    """A producer's or an inspector's account, with a first password to hand over."""

    email = EmailField(_l("Email"), validators=[DataRequired()])
    display_name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=options(ROLE_LABELS.items()))
    organization_id = SelectField(_l("Organization (producers only)"), coerce=int_or_none)
    scope = SelectField(_l("Province seen (inspectors and programme officials)"),
                        choices=lambda: [("national", _l("The whole country"))] + [
                            (p.code, p.name) for p in admin_units.provinces()],
                        default="national")
    password = PasswordField(_l("First password"), validators=[DataRequired()])


class PlaceForm(WorkspaceForm):
    """The official units of a record whose place was written as text."""

    province = ProvinceField()
    commune = CommuneField()


class ResetPasswordForm(WorkspaceForm):
    """A new password for someone else's account, or none to have one generated."""

    new_password = PasswordField(_l("New password (leave empty to generate one)"),
                                 validators=[Length(max=1024)])
    confirm = PasswordField(_l("New password again"), validators=[
        EqualTo("new_password", message=_l("The two new passwords differ."))])
