"""Where each symbol and the text go on one label, for every symbology a sheet or roll carries.

Three layouts, all in mm from the label's top-left corner:

- square: the QR (or a Data Matrix in its place) in the template's box, the text beside it;
- retail: a smaller QR top-left with the details under it, the product name top-right and the
  EAN-13 / UPC-A bottom-right at the template's magnification (the QR sits beside the barcode,
  which is what lets a 50 x 30 mm label hold an EAN-13 at 80 %);
- band: the QR and the text above, a GS1-128 or Code 128 across the label's foot.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracelabel.labels.errors import LabelError
from tracelabel.labels.linear import (
    BAND_HRI_MM,
    BAND_MIN_HEIGHT_MM,
    RETAIL,
    RETAIL_HEIGHT_MM,
    RETAIL_HRI_MODULES,
    RETAIL_X_MM,
)
from tracelabel.labels.templates import LabelTemplate, get_template

LABEL_SYMBOLOGIES = ("qr", "qr+ean13", "qr+upca", "gs1-128", "code128", "datamatrix",
                     "gs1-datamatrix")
GAP_MM = 1.0
MIN_NAME_HEIGHT_MM = 4.0


@dataclass(frozen=True)
class Rect:
    """A rectangle in mm: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class LabelLayout:
    """The places of one label's parts; `details` None means the details follow the name."""

    square: str  # "qr", "datamatrix" or "gs1-datamatrix": what fills the square box
    box: Rect  # square, holding the 2D symbol and its light margin
    text: Rect
    details: Rect | None = None
    linear: str | None = None  # "ean13", "upca", "gs1-128" or "code128"
    bar: Rect | None = None  # the linear symbol with its light margins and HRI
    x_dim: float | None = None  # EAN-13 / UPC-A module; the band's is fitted to its data


def label_layout(template: LabelTemplate | str, symbology: str,
                 retail_x: float | None = None) -> LabelLayout:
    """The layout of `symbology` on the template; LabelError if the template cannot hold it.

    `retail_x` overrides the template's EAN-13 / UPC-A module (a printer rounds it to whole dots).
    """
    stock = get_template(template) if isinstance(template, str) else template
    if symbology not in LABEL_SYMBOLOGIES:
        raise LabelError(f"a label carries one of {LABEL_SYMBOLOGIES} (got {symbology!r})")
    if symbology.startswith("qr+"):
        return _retail(stock, symbology[3:], retail_x)
    if symbology in ("gs1-128", "code128"):
        return _band(stock, symbology)
    p = stock.padding
    box = Rect(p, (stock.label_height - stock.qr_box) / 2, stock.qr_box, stock.qr_box)
    return LabelLayout(symbology, box, Rect(p + stock.qr_box, p, stock.label_width - 2 * p
                                            - stock.qr_box, stock.label_height - 2 * p))


def holds(template: str, symbology: str) -> bool:
    """Whether the template holds the symbology at GS1's sizes (data permitting)."""
    try:
        label_layout(template, symbology)
    except LabelError:
        return False
    return True


def retail_size(symbology: str, x_dim: float) -> tuple[float, float]:
    """Width (with light margins) and height (bars and digits) of an EAN-13 / UPC-A, in mm."""
    bars = RETAIL_HEIGHT_MM * x_dim / RETAIL_X_MM
    return RETAIL[symbology].total_modules * x_dim, bars + RETAIL_HRI_MODULES * x_dim


def _retail(stock: LabelTemplate, linear: str, retail_x: float | None) -> LabelLayout:
    if stock.retail_box is None or stock.retail_magnification is None:
        raise LabelError(f"{stock.name} labels have no room for an EAN-13 or UPC-A beside the QR")
    x_dim = retail_x or RETAIL_X_MM * stock.retail_magnification
    width, height = retail_size(linear, x_dim)
    p, q = stock.padding, stock.retail_box
    column = stock.label_width - 2 * p - q - GAP_MM
    name_height = stock.label_height - 2 * p - height - GAP_MM
    if width > column + 1e-9 or name_height < MIN_NAME_HEIGHT_MM:
        raise LabelError(f"an {linear.upper()} with {x_dim:.3f} mm bars does not fit beside the "
                         f"QR on {stock.name} labels")
    bar = Rect(stock.label_width - p - width, stock.label_height - p - height, width, height)
    details = Rect(p, p + q + GAP_MM / 2, q, stock.label_height - 2 * p - q - GAP_MM / 2)
    return LabelLayout("qr", Rect(p, p, q, q), Rect(p + q + GAP_MM, p, column, name_height),
                       details, linear, bar, x_dim)


def _band(stock: LabelTemplate, linear: str) -> LabelLayout:
    if stock.band_box is None:
        raise LabelError(f"{stock.name} labels are too narrow for a {linear.upper()} at GS1's "
                         "minimum bar width")
    p, q = stock.padding, stock.band_box
    bar = Rect(p, p + q + GAP_MM, stock.label_width - 2 * p,
               stock.label_height - 2 * p - q - GAP_MM)
    if bar.h - BAND_HRI_MM < BAND_MIN_HEIGHT_MM:
        raise LabelError(f"{stock.name} labels leave no room for {BAND_MIN_HEIGHT_MM} mm bars")
    text = Rect(p + q + GAP_MM, p, stock.label_width - 2 * p - q - GAP_MM, q)
    return LabelLayout("qr", Rect(p, p, q, q), text, None, linear, bar)
