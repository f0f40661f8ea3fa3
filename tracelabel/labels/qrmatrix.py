"""The fast QR path: module matrices identical to `qrcode`'s, with the mask chosen by numpy.

`qrcode.QRCode.make` tries the eight masks one by one and scores each with `util.lost_point` on a
"test" symbol whose format, version and dark-module cells are all light. This module does the same
for all masks (and many payloads) at once: the function-pattern layout, placement order, masks and
format bits of each (version, EC) come from qrcode's own setup methods and are cached; the penalty
rules are vectorised forms of `lost_point`'s four loops, and ties go to the lowest mask, as there.
The error-correction codewords of a batch come from lookup tables (see `_ec_bits`), and the
interleaving of the blocks is folded into where each bit is placed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import qrcode
from qrcode import util

from tracelabel.labels.qrencode import (
    block_layout,
    data_codewords,
    ec_level,
    reed_solomon_remainder,
)
from tracelabel.labels.qrpenalty import (
    PACKED_MAX_SIZE,
    line_word,
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
    mask_rows: np.ndarray  # (8, size): the masks packed by row (sizes up to 64), `line_word`s
    mask_cols: np.ndarray  # (8, size): the masks packed by column
    format_index: np.ndarray  # flat indices of format, version and dark-module cells
    format_bits: np.ndarray  # (8, len(format_index)) bool: their final values per mask
    stream_cells: np.ndarray  # the cell of each codeword bit, blocks' data then blocks' EC


def qr_matrix(payload: str, error_correction: str = "M") -> np.ndarray:
    """Return the QR module matrix (bool, no quiet zone) that qrcode makes for this payload."""
    return qr_matrices([payload], error_correction)[0]


def qr_matrices(payloads: Sequence[str], error_correction: str = "M") -> list[np.ndarray]:
    """Return qrcode-identical module matrices for many payloads, vectorised per version."""
    result: list[np.ndarray] = [np.empty(0, bool)] * len(payloads)
    for indices, stack in qr_stacks(payloads, error_correction):
        for i, matrix in zip(indices, stack, strict=True):
            result[i] = matrix
    return result


def qr_stacks(payloads: Sequence[str], error_correction: str = "M"
              ) -> list[tuple[list[int], np.ndarray]]:
    """The symbols grouped by size: (indices into `payloads`, (k, n, n) bool stack) per version."""
    level = ec_level(error_correction)
    by_version: dict[int, tuple[list[int], list[bytes]]] = {}
    for index, payload in enumerate(payloads):
        version, data = data_codewords(payload, level)
        indices, datas = by_version.setdefault(version, ([], []))
        indices.append(index)
        datas.append(data)
    return [(indices, _matrices_of(version, level, datas))
            for version, (indices, datas) in by_version.items()]


def _matrices_of(version: int, level: int, datas: list[bytes]) -> np.ndarray:
    """Add error correction, place, mask, score and finish a batch of same-version symbols."""
    layout = qr_layout(version, level)
    size, count = layout.size, len(datas)
    data = np.frombuffer(b"".join(datas), np.uint8).reshape(count, -1)
    unmasked = np.broadcast_to(layout.base, (count, size * size)).copy()
    unmasked[:, layout.stream_cells] = np.concatenate(
        [np.unpackbits(data, axis=1), _ec_bits(data, version, level)], axis=1)
    # (the remainder bits after the codewords stay light)
    chosen = _best_masks(unmasked.reshape(count, size, size), layout)
    final = unmasked ^ layout.masks[chosen]
    final[:, layout.format_index] = layout.format_bits[chosen]
    return final.reshape(count, size, size)


def _best_masks(unmasked: np.ndarray, layout: QRLayout) -> np.ndarray:
    """Score the 8 masks of each symbol; return the first lowest-scoring mask of each."""
    count, size = unmasked.shape[0], layout.size
    if size <= PACKED_MAX_SIZE:
        word = line_word(size)
        rows = pack_lines(unmasked, word)[:, None, :] ^ layout.mask_rows[None]
        cols = pack_lines(unmasked.transpose(0, 2, 1), word)[:, None, :] ^ layout.mask_cols[None]
        flat = (count * MASK_COUNT, size)
        scores = packed_lost_points(rows.reshape(flat), cols.reshape(flat), size)
    else:
        trial = unmasked.reshape(count, 1, -1) ^ layout.masks[None]
        scores = lost_points(trial.reshape(count * MASK_COUNT, size, size))
    return scores.reshape(count, MASK_COUNT).argmin(axis=1)  # first minimum, as qrcode


def _ec_bits(data: np.ndarray, version: int, level: int) -> np.ndarray:
    """Every block's EC codewords, as bits, block after block, for a (k, data count) stack.

    Reed-Solomon over GF(256) is linear, so a block's EC codewords are the XOR, over its data
    bytes, of the EC codewords of the block holding that byte alone: one table lookup per byte.
    """
    parts, offset, count = [], 0, data.shape[0]
    for data_count, ec_count, blocks in _block_groups(version, level):
        group = data[:, offset : offset + data_count * blocks].reshape(-1, data_count)
        rows = group.T + _table_offsets(data_count)  # row of byte j = v: j * 256 + v
        words = np.bitwise_xor.reduce(_ec_table(data_count, ec_count)[rows], axis=0)
        parts.append(words.view(np.uint8)[:, :ec_count].reshape(count, -1))
        offset += data_count * blocks
    return np.unpackbits(np.concatenate(parts, axis=1), axis=1)


@cache
def _table_offsets(data_count: int) -> np.ndarray:
    offsets = (np.arange(data_count, dtype=np.intp) * 256)[:, None]
    offsets.flags.writeable = False
    return offsets


@cache
def _block_groups(version: int, level: int) -> tuple[tuple[int, int, int], ...]:
    """(data count, EC count, how many blocks) per run of identical blocks, in block order."""
    groups: list[list[int]] = []
    for data_count, ec_count in block_layout(version, level):
        if groups and groups[-1][:2] == [data_count, ec_count]:
            groups[-1][2] += 1
        else:
            groups.append([data_count, ec_count, 1])
    return tuple((a, b, c) for a, b, c in groups)


@cache
def _ec_table(data_count: int, ec_count: int) -> np.ndarray:
    """Row j * 256 + v: the EC codewords of a block whose only non-zero byte is byte j = v,
    padded to whole 64-bit words (a few hundred kB for the largest blocks; a run uses one or
    two)."""
    width = 8 * -(-ec_count // 8)
    bit_rows = np.zeros((data_count, 8, width), np.uint8)  # byte j = 1 << b, by linearity
    for position in range(data_count):
        for bit in range(8):
            block = bytearray(data_count)
            block[position] = 1 << bit
            bit_rows[position, bit, :ec_count] = np.frombuffer(
                reed_solomon_remainder(bytes(block), ec_count), np.uint8)
    table = np.zeros((data_count, 256, width), np.uint8)
    for value in range(1, 256):
        lowest = (value & -value).bit_length() - 1
        table[:, value] = table[:, value & (value - 1)] ^ bit_rows[:, lowest]
    packed = table.view(np.uint64).reshape(data_count * 256, -1)
    packed.flags.writeable = False
    return packed


def _stream_cells(version: int, level: int, data_index: np.ndarray) -> np.ndarray:
    """The cell of each bit of the codewords taken block after block (data, then EC), which
    the interleaving (byte i of every block in turn) puts at its place in the zigzag."""
    layout = block_layout(version, level)
    data_ids, ec_ids, data_total, offset = [], [], sum(d for d, _ in layout), 0
    ec_offset = data_total
    for data_count, ec_count in layout:
        data_ids.append(list(range(offset, offset + data_count)))
        ec_ids.append(list(range(ec_offset, ec_offset + ec_count)))
        offset, ec_offset = offset + data_count, ec_offset + ec_count
    order = _interleaved(data_ids) + _interleaved(ec_ids)  # source codeword at each position
    cells = np.empty(8 * len(order), np.int64)
    for position, codeword in enumerate(order):
        cells[8 * codeword : 8 * codeword + 8] = data_index[8 * position : 8 * position + 8]
    return cells


def _interleaved(blocks: list[list[int]]) -> list[int]:
    """Element i of every block in turn, as `qrencode._interleave` orders the bytes."""
    longest = max(len(block) for block in blocks)
    return [block[i] for i in range(longest) for block in blocks if i < len(block)]


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
    word = line_word(size)
    mask_rows = pack_lines(square, word) if packable else np.empty(0, np.uint64)
    mask_cols = pack_lines(square.transpose(0, 2, 1), word) if packable else np.empty(0, np.uint64)
    format_bits = []
    for mask in range(MASK_COUNT):
        _set_format_cells(reference, version, test=False, mask=mask)
        format_bits.append([reference.modules[i // size][i % size] for i in format_cells])
    layout = QRLayout(size, base, data_cells, masks, mask_rows, mask_cols,
                      np.array(format_cells), np.array(format_bits, bool),
                      _stream_cells(version, level, data_cells))
    for array in (layout.base, layout.masks, layout.mask_rows, layout.mask_cols,
                  layout.stream_cells):
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
