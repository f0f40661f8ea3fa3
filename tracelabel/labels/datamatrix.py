"""Data Matrix (ECC 200) symbols: GS1 DataMatrix of the element string, or the Digital Link URI.

The encoder is zxing-cpp's writer (which wraps the zint library): a wheel on PyPI with no system
packages, and the one Python encoder found that writes GS1 DataMatrix with FNC1 in first position.
Pure-Python encoders (ppf.datamatrix) have no FNC1; pylibdmtx needs the libdmtx C library and
treepoem needs Ghostscript. zxing-cpp's *reader* is independent of zint, so tests that read the
symbols back check the writer against another implementation.

GS1 (General Specifications 5.12.3, symbol specification table 1) sets the module of a GS1
DataMatrix at 0.396-0.990 mm, like the QR code for Digital Link; the light margin is 1X on every
side, and tracelabel leaves 2X.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import zxingcpp

from tracelabel.labels.content import LabelContent
from tracelabel.labels.errors import LabelError
from tracelabel.labels.linear import FNC1, gs1_element_string

DATAMATRIX_SYMBOLOGIES = ("datamatrix", "gs1-datamatrix")
QUIET_MODULES = 2


def datamatrix_data(symbology: str, content: LabelContent) -> str:
    """What the symbol carries: the element string (FNC1 as GS) or the label's URI."""
    if symbology == "gs1-datamatrix":
        data, _ = gs1_element_string(content, serial=True)
        return data.replace(FNC1, "\x1d")
    if symbology == "datamatrix":
        return content.payload
    raise LabelError(f"{symbology!r} is not a Data Matrix symbology")


def datamatrix_matrix(symbology: str, content: LabelContent) -> np.ndarray:
    """The symbol's modules (True = dark), square, without its light margin."""
    if symbology == "gs1-datamatrix":
        _, bracketed = gs1_element_string(content, serial=True)
        return _matrix(bracketed, True)
    return _matrix(datamatrix_data(symbology, content), False)


@lru_cache(maxsize=64)
def _matrix(text: str, gs1: bool) -> np.ndarray:
    try:
        symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix, gs1=gs1,
                                        force_square=True)  # ZPL ^BX prints squares only
    except (RuntimeError, ValueError) as error:
        raise LabelError(f"the Data Matrix cannot carry this data: {error}") from None
    image = np.asarray(symbol.to_image(scale=1, add_quiet_zones=False))
    matrix = image < 128
    if matrix.shape[0] != matrix.shape[1]:
        raise LabelError("the Data Matrix encoder made a rectangular symbol")
    matrix.flags.writeable = False
    return matrix
