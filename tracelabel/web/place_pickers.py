"""Province and commune pickers of the workspace and admin forms (map in force since 1 July 2025).

Without JavaScript the commune list holds every commune grouped by province (``<optgroup>``), so
a person finds theirs under its province; ``static/places.js`` narrows it to the province chosen.
Both post official codes, which the services check (services/places.py).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from tracelabel import admin_units
from tracelabel.services.places import is_unsettled
from tracelabel.textfold import fold

BLANK = "—"
PREFIXES = admin_units.PROVINCE_PREFIXES + admin_units.COMMUNE_PREFIXES


def _order(name: str) -> str:
    """Sort by the name without its kind ("Thành phố Đà Nẵng" under Đ), diacritics aside."""
    key = name.casefold()
    for prefix in PREFIXES:
        if key.startswith(prefix + " "):
            key = key[len(prefix) + 1:]
            break
    return fold(key)


@functools.cache
def _provinces() -> list[admin_units.Province]:
    return sorted(admin_units.provinces(), key=lambda province: _order(province.name))


@functools.cache
def _commune_options() -> Markup:
    """Every commune as ``<option>``s in one ``<optgroup>`` per province, rendered once."""
    group = Markup('<optgroup label="{}" data-province="{}">{}</optgroup>')
    option = Markup('<option value="{}">{}</option>')
    return Markup("").join(
        group.format(province.name, province.code, Markup("").join(
            option.format(commune.code, commune.name)
            for commune in sorted(admin_units.communes(province.code), key=lambda c: _order(c.name))))
        for province in _provinces())


def _attributes(attributes: dict[str, Any]) -> Markup:
    """HTML attributes as WTForms writes them: ``aria_invalid`` as ``aria-invalid``, True bare."""
    return Markup(" ").join(
        Markup("{}").format(key.replace("_", "-")) if value is True
        else Markup('{}="{}"').format(key.replace("_", "-"), value)
        for key, value in attributes.items() if value not in (False, None))


class CommuneSelect:
    """A ``<select>`` of every commune grouped by province, the chosen one selected."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        options = _commune_options()
        chosen = field.data if isinstance(field.data, str) else ""
        if re.fullmatch(r"[0-9]{5}", chosen):
            options = options.replace(Markup('value="{}"').format(chosen),
                                      Markup('value="{}" selected').format(chosen), 1)
        return Markup('<select {}><option value="">{}</option>{}</select>').format(
            _attributes({"name": field.name, **kwargs}), BLANK, options)


def _province_choices() -> list[SelectChoice]:
    return [SelectChoice(value="", label=BLANK)] + [
        SelectChoice(value=province.code, label=province.name) for province in _provinces()]


class ProvinceField(SelectField):
    """The 34 provinces, by name; posts the province's code."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)  # the service says what is wrong, by field
        super().__init__(label or _l("Province"), choices=_province_choices(), **kwargs)


class CommuneField(SelectField):
    """The communes grouped by province; posts the commune's code."""

    widget = CommuneSelect()

    def __init__(self, label: Any = None, province_field: str = "province", **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("render_kw", {"data-communes-of": province_field})
        super().__init__(label or _l("Commune"), choices=[], **kwargs)  # the widget lists them


PLACE_HELP = _l("Communes are listed under their province (the map in force since 1 July 2025).")
UNSETTLED_HELP = _l("Written before the 2025 map as “%(place)s”, which no official unit answers: "
                    "choose the province and commune.")


def fill_places(form: Any, record: Any) -> None:
    """Show a record's official units in its pickers (not its text, which may be unsettled)."""
    if record is None or form.is_submitted():
        return
    if "province" in form:
        form.province.data = record.province_code
    if "commune" in form:
        form.commune.data = record.commune_code


def place_help(record: Any) -> dict[str, Any]:
    """Help under the pickers; for an unsettled record, the text it was written with."""
    if record is not None and is_unsettled(record):
        written = ", ".join(part for part in (getattr(record, "commune", None), record.province)
                            if part)
        return {"province": UNSETTLED_HELP % {"place": written}, "commune": PLACE_HELP}
    return {"commune": PLACE_HELP}


def keep_unsettled(values: dict[str, Any], record: Any) -> dict[str, Any]:
    """Leave out a picker posted blank whose record holds text no unit answers yet: saving other
    fields does not erase what a person has still to settle."""
    if record is None:
        return values
    for name in ("province", "commune"):
        text = getattr(record, name, None)
        if name in values and values[name] in (None, "") and text and \
                not getattr(record, f"{name}_code"):
            del values[name]
    return values
