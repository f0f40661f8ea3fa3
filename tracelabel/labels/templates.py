"""Label stock: page size, grid, label size and where the symbols go. All lengths in millimetres.

Beside the QR-only layout, a template may hold a retail layout (a smaller QR with an EAN-13 or
UPC-A beside it, at the magnification given) and a band layout (a GS1-128 or Code 128 across the
foot of the label). Where a field is None the template cannot hold that layout at GS1's sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracelabel.labels.errors import LabelError

POINTS_PER_MM = 72 / 25.4
A4 = (210.0, 297.0)
MIN_MODULE_MM = 0.4  # GS1 asks 0.396 mm for Digital Link on packaging; we round up
MAX_MODULE_MM = 0.99  # GS1's upper bound (0.990 mm)
QUIET_ZONE_MODULES = 4
_TOLERANCE_MM = 1e-6


@dataclass(frozen=True)
class LabelTemplate:
    """A sheet or roll of identical labels laid out in a grid."""

    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float  # page edge to the first column
    top: float  # page edge to the first row
    pitch_x: float  # left edge to left edge of neighbouring columns
    pitch_y: float  # top edge to top edge of neighbouring rows
    qr_box: float  # side of the square holding the QR with its quiet zone
    padding: float  # label edge to the QR box and to the text
    name_size: float  # product-name type size, points
    retail_box: float | None = None  # QR box side when an EAN-13 / UPC-A sits beside the QR
    retail_magnification: float | None = None  # of the EAN-13 / UPC-A (1.0 = X 0.330 mm)
    band_box: float | None = None  # QR box side when a GS1-128 / Code 128 band runs below

    def __post_init__(self) -> None:
        right = self.left + (self.columns - 1) * self.pitch_x + self.label_width
        bottom = self.top + (self.rows - 1) * self.pitch_y + self.label_height
        if right > self.page_width + _TOLERANCE_MM or bottom > self.page_height + _TOLERANCE_MM:
            raise LabelError(f"template {self.name}: labels run off the page")
        if self.pitch_x < self.label_width or self.pitch_y < self.label_height:
            raise LabelError(f"template {self.name}: labels overlap")
        if self.qr_box + 2 * self.padding > min(self.label_width, self.label_height) + 1e-9:
            raise LabelError(f"template {self.name}: the QR box does not fit the label")

    @property
    def per_page(self) -> int:
        """Labels on one page."""
        return self.columns * self.rows

    def label_origin(self, slot: int) -> tuple[float, float]:
        """Top-left corner (mm from the page's top-left) of the label in slot 0..per_page-1."""
        row, column = divmod(slot, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y

    def module_size(self, modules: int, box: float | None = None,
                    quiet: int = QUIET_ZONE_MODULES, symbol: str = "QR code") -> float:
        """Module size in mm for a symbol of `modules` per side: fill the box, within GS1 bounds."""
        size = min(MAX_MODULE_MM, (box or self.qr_box) / (modules + 2 * quiet))
        if size < MIN_MODULE_MM - _TOLERANCE_MM:
            raise LabelError(
                f"the {symbol} ({modules} modules) would have {size:.3f} mm modules on "
                f"{self.name} labels, below the {MIN_MODULE_MM} mm minimum: shorten the URL"
            )
        return size


TEMPLATES: dict[str, LabelTemplate] = {
    template.name: template
    for template in (
        # 24 per A4 sheet (the common 63.5 x 33.9 mm stock, e.g. Avery L7159).
        LabelTemplate("a4-3x8", *A4, columns=3, rows=8, label_width=63.5, label_height=33.9,
                      left=7.2, top=12.9, pitch_x=66.0, pitch_y=33.9, qr_box=31.9, padding=1.0,
                      name_size=7.5, retail_box=20.0, retail_magnification=0.9),
        # 10 per A4 sheet (99.1 x 57 mm stock, e.g. Avery L7173).
        LabelTemplate("a4-2x5", *A4, columns=2, rows=5, label_width=99.1, label_height=57.0,
                      left=4.65, top=6.0, pitch_x=101.6, pitch_y=57.0, qr_box=40.0, padding=2.0,
                      name_size=11.0, retail_box=30.0, retail_magnification=1.0,
                      band_box=30.0),
        # One 50 x 30 mm label per page, for roll printers driven through PDF.
        LabelTemplate("roll-50x30", 50.0, 30.0, columns=1, rows=1, label_width=50.0,
                      label_height=30.0, left=0.0, top=0.0, pitch_x=50.0, pitch_y=30.0,
                      qr_box=26.0, padding=1.0, name_size=7.0, retail_box=17.0,
                      retail_magnification=0.8),
        # One 100 x 50 mm label per page (the common 4 x 2 inch thermal label): room for an
        # EAN-13 at whole printer dots, a GS1-128 or a Code 128 beside the QR.
        LabelTemplate("roll-100x50", 100.0, 50.0, columns=1, rows=1, label_width=100.0,
                      label_height=50.0, left=0.0, top=0.0, pitch_x=100.0, pitch_y=50.0,
                      qr_box=40.0, padding=2.0, name_size=11.0, retail_box=28.0,
                      retail_magnification=1.0, band_box=24.0),
    )
}


def get_template(name: str) -> LabelTemplate:
    """Return the named template or raise LabelError listing the known ones."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise LabelError(f"unknown label template {name!r}; use one of {sorted(TEMPLATES)}") \
            from None
