"""The fast QR path: module matrices identical to `qrcode`'s, with the mask chosen by numpy.

`qrcode.QRCode.make` tries the eight masks one by one and scores each with `util.lost_point` on a
"test" symbol whose format, version and dark-module cells are all light. This module does the same
for all masks (and many payloads) at once: the function-pattern layout, placement order, masks and
format bits of each (version, EC) come from qrcode's own setup methods and are cached; the penalty
rules are vectorised forms of `lost_point`'s four loops, and ties go to the lowest mask, as there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import qrcode
from qrcode import util

from tracelabel.labels.qrencode import ec_level, encode
from tracelabel.labels.qrpenalty import (
    PACKED_MAX_SIZE,
    lost_points,
    pack_lines,
    packed_lost_points,
)

MASK_COUNT = 8


@dataclass(frozen=True)
class QRLayout:
    """Everything about a (version, EC) symbol that does not depend on the payload."""

    size: int
    base: np.ndarray  # (size*size,) bool: function patterns, format cells light (test pass)
    data_index: np.ndarray  # flat indices of data modules, in placement order
    masks: np.ndarray  # (8, size*size) bool: each mask pattern, on data modules only
    mask_rows: np.ndarray  # (8, size) uint64: the masks packed by row (sizes up to 64)
    mask_cols: np.ndarray  # (8, size) uint64: the masks packed by column
    format_index: np.ndarray  # flat indices of format, version and dark-module cells
    format_bits: np.ndarray  # (8, len(format_index)) bool: their final values per mask


def qr_matrix(payload: str, error_correction: str = "M") -> np.ndarray:
    """Return the QR module matrix (bool, no quiet zone) that qrcode makes for this payload."""
    return qr_matrices([payload], error_correction)[0]


def qr_matrices(payloads: Sequence[str], error_correction: str = "M") -> list[np.ndarray]:
    """Return qrcode-identical module matrices for many payloads, vectorised per version."""
    level = ec_level(error_correction)
    encoded = [encode(payload, level) for payload in payloads]
    result: list[np.ndarray] = [np.empty(0, bool)] * len(encoded)
    by_version: dict[int, list[int]] = {}
    for index, (version, _) in enumerate(encoded):
        by_version.setdefault(version, []).append(index)
    for version, indices in by_version.items():
        codewords = [encoded[i][1] for i in indices]
        for i, matrix in zip(indices, _matrices_of(version, level, codewords), strict=True):
            result[i] = matrix
    return result


def _matrices_of(version: int, level: int, codewords: list[bytes]) -> list[np.ndarray]:
    """Place, mask, score and finish a batch of same-version symbols."""
    layout = qr_layout(version, level)
    size, count = layout.size, len(codewords)
    bits = np.unpackbits(np.frombuffer(b"".join(codewords), np.uint8).reshape(count, -1), axis=1)
    unmasked = np.broadcast_to(layout.base, (count, size * size)).copy()
    unmasked[:, layout.data_index[: bits.shape[1]]] = bits  # remainder bits stay light
    chosen = _best_masks(unmasked.reshape(count, size, size), layout)
    matrices = []
    for symbol, mask in zip(unmasked, chosen.tolist(), strict=True):
        final = symbol ^ layout.masks[mask]
        final[layout.format_index] = layout.format_bits[mask]
        matrices.append(final.reshape(size, size))
    return matrices


def _best_masks(unmasked: np.ndarray, layout: QRLayout) -> np.ndarray:
    """Score the 8 masks of each symbol; return the first lowest-scoring mask of each."""
    count, size = unmasked.shape[0], layout.size
    if size <= PACKED_MAX_SIZE:
        rows = pack_lines(unmasked)[:, None, :] ^ layout.mask_rows[None]
        cols = pack_lines(unmasked.transpose(0, 2, 1))[:, None, :] ^ layout.mask_cols[None]
        flat = (count * MASK_COUNT, size)
        scores = packed_lost_points(rows.reshape(flat), cols.reshape(flat), size)
    else:
        trial = unmasked.reshape(count, 1, -1) ^ layout.masks[None]
        scores = lost_points(trial.reshape(count * MASK_COUNT, size, size))
    return scores.reshape(count, MASK_COUNT).argmin(axis=1)  # first minimum, as qrcode


@cache
def qr_layout(version: int, level: int) -> QRLayout:
    """Build the payload-independent layout with qrcode's own setup methods (cached)."""
    size = version * 4 + 17
    reference = qrcode.QRCode(version=version, error_correction=level, border=0)
    reference.modules_count = size
    reference.modules = [[None] * size for _ in range(size)]
    reference.setup_position_probe_pattern(0, 0)
    reference.setup_position_probe_pattern(size - 7, 0)
    reference.setup_position_probe_pattern(0, size - 7)
    reference.setup_position_adjust_pattern()
    reference.setup_timing_pattern()
    patterns_only = [row[:] for row in reference.modules]
    _set_format_cells(reference, version, test=True, mask=0)
    base = np.array([[bool(cell) for cell in row] for row in reference.modules]).ravel()
    format_cells = [
        r * size + c
        for r in range(size)
        for c in range(size)
        if patterns_only[r][c] is None and reference.modules[r][c] is not None
    ]
    data_cells = np.array(_placement_order(reference.modules, size))
    masks = np.zeros((MASK_COUNT, size * size), bool)
    rows, cols = (part.tolist() for part in np.divmod(data_cells, size))
    for mask in range(MASK_COUNT):
        applies = util.mask_func(mask)
        masks[mask, data_cells] = [applies(r, c) for r, c in zip(rows, cols, strict=True)]
    square = masks.reshape(MASK_COUNT, size, size)
    packable = size <= PACKED_MAX_SIZE
    mask_rows = pack_lines(square) if packable else np.empty(0, np.uint64)
    mask_cols = pack_lines(square.transpose(0, 2, 1)) if packable else np.empty(0, np.uint64)
    format_bits = []
    for mask in range(MASK_COUNT):
        _set_format_cells(reference, version, test=False, mask=mask)
        format_bits.append([reference.modules[i // size][i % size] for i in format_cells])
    layout = QRLayout(size, base, data_cells, masks, mask_rows, mask_cols,
                      np.array(format_cells), np.array(format_bits, bool))
    for array in (layout.base, layout.masks, layout.mask_rows, layout.mask_cols):
        array.flags.writeable = False
    return layout


def _set_format_cells(reference: qrcode.QRCode, version: int, *, test: bool, mask: int) -> None:
    reference.setup_type_info(test, mask)
    if version >= 7:
        reference.setup_type_number(test)


def _placement_order(modules: list[list[bool | None]], size: int) -> list[int]:
    """Flat indices of the free cells in the zigzag order of qrcode's `map_data`."""
    order, row, step = [], size - 1, -1
    for col in range(size - 1, 0, -2):
        if col <= 6:
            col -= 1  # the vertical timing column is skipped, as in map_data
        while True:
            for c in (col, col - 1):
                if modules[row][c] is None:
                    order.append(row * size + c)
            row += step
            if row < 0 or row >= size:
                row -= step
                step = -step
                break
    return order
