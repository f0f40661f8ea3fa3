"""Labels: QR codes, barcodes, PDF label sheets and ZPL — pure Python, no Flask, no database."""

from tracelabel.labels.content import LabelContent, serial_labels, unit_labels
from tracelabel.labels.errors import LabelError
from tracelabel.labels.layout import LABEL_SYMBOLOGIES, holds
from tracelabel.labels.qrmatrix import qr_matrices, qr_matrix
from tracelabel.labels.sheet import write_sheet_pdf
from tracelabel.labels.symbols import SYMBOLOGIES, render_symbol
from tracelabel.labels.templates import TEMPLATES, LabelTemplate
from tracelabel.labels.zpl import write_zpl, zpl_holds

__all__ = [
    "LABEL_SYMBOLOGIES",
    "SYMBOLOGIES",
    "TEMPLATES",
    "LabelContent",
    "LabelError",
    "LabelTemplate",
    "holds",
    "qr_matrices",
    "qr_matrix",
    "render_symbol",
    "serial_labels",
    "unit_labels",
    "write_sheet_pdf",
    "write_zpl",
    "zpl_holds",
]
