"""Label throughput against the bare qrcode loop: python tests/benchmarks/labels.py [--quick].

Prints (a) unit QR symbols/s through the fast path beside the bare `qrcode` loop and zxing-cpp's
writer, (b) seconds, labels/s and peak RSS for serialized A4 PDF runs, (c) the same for ZPL, each
also as a multiple of the bare qrcode loop. Every run size goes to a fresh subprocess, so its peak
RSS (ru_maxrss) is that run's own, imports included.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date

import qrcode
import zxingcpp

from tracelabel.labels import (
    LabelContent,
    qr_matrices,
    qr_matrix,
    serial_labels,
    write_sheet_pdf,
    write_zpl,
)

BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BATCH_CODE = "7K3M9QX2ZP4R"
PRODUCTS = ["Miến dong Bình Liêu", "Mắm tôm Hạ Long", "Chè Shan tuyết Suối Giàng",
            "Nước mắm Phú Quốc đặc biệt", "Gạo ST25 Sóc Trăng"]
SIZES = (1_000, 10_000, 100_000)
SYMBOL_SAMPLE = 3_000
QRCODE_SAMPLE = 600


def unit_code(serial: int) -> tuple[str, str]:
    """A realistic unit payload and its manual code: batch code, serial, 8-symbol MAC."""
    rng = random.Random(serial)
    code = f"{BATCH_CODE}.{serial}.A{''.join(rng.choice(BASE32) for _ in range(8))}"
    return f"HTTPS://TRACE.EXAMPLE.VN/T/{code}", code


def batch_label(serial_seed: int = 0) -> LabelContent:
    """The batch-level content every unit label of a run shares."""
    return LabelContent(payload="-", product_name=PRODUCTS[serial_seed % len(PRODUCTS)],
                        lot="L2024-07", production_date=date(2024, 7, 1),
                        expiry_date=date(2025, 7, 1), ocop_stars=4, manual_code="-",
                        gtin="08936041234567")


def run_labels(count: int) -> Iterator[LabelContent]:
    """A serialized run of `count` unit labels, generated lazily."""
    return serial_labels(batch_label(), range(1, count + 1), unit_code)


def per_second(work: Callable[[Sequence[str]], object], payloads: Sequence[str]) -> float:
    """Items per second for one call of `work` over the payloads."""
    started = time.perf_counter()
    work(payloads)
    return len(payloads) / (time.perf_counter() - started)


def bare_qrcode(payloads: Sequence[str]) -> None:
    """The reference: qrcode's own best-fit version and mask choice, one symbol at a time."""
    for payload in payloads:
        symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        symbol.add_data(payload)
        symbol.make(fit=True)
        symbol.get_matrix()


def fast_single(payloads: Sequence[str]) -> None:
    """The fast path, one payload per call."""
    for payload in payloads:
        qr_matrix(payload)


def fast_batched(payloads: Sequence[str]) -> None:
    """The fast path as the sheet writer uses it: one A4 page (24 payloads) per call."""
    for start in range(0, len(payloads), 24):
        qr_matrices(payloads[start : start + 24])


def zxing_writer(payloads: Sequence[str]) -> None:
    """zxing-cpp's C++ encoder (its own mask choice, so not the same symbols)."""
    for payload in payloads:
        zxingcpp.create_barcode(payload, zxingcpp.QRCode, ec_level="M")


def child_run(kind: str, count: int) -> dict[str, float]:
    """Write one run to a temporary file; return seconds, bytes and peak RSS."""
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        if kind == "pdf":
            written = write_sheet_pdf(run_labels(count), "a4-3x8", out)
        else:
            written = write_zpl(run_labels(count), out, dpi=203)
        seconds = time.perf_counter() - started
        size = out.tell()
    assert written == count
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "bytes": size, "peak_kb": peak_kb, "baseline_kb": baseline_kb}


def measure_in_subprocess(kind: str, count: int) -> dict[str, float]:
    """Run `child_run` in a fresh interpreter so its peak RSS is its own."""
    command = [sys.executable, os.path.abspath(__file__), "--child", kind, str(count)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def report_symbols() -> float:
    """Print part (a); return the bare qrcode rate the other figures are compared with."""
    payloads = [unit_code(serial)[0] for serial in range(1, SYMBOL_SAMPLE + 1)]
    fast_batched(payloads[:48])  # build the per-version layouts once
    reference = per_second(bare_qrcode, payloads[:QRCODE_SAMPLE])
    rows = [
        ("bare qrcode loop (reference, 1 core)", reference),
        ("fast path qr_matrix, one per call", per_second(fast_single, payloads)),
        ("fast path qr_matrices, 24 per call", per_second(fast_batched, payloads)),
        ("zxing-cpp create_barcode (other masks)", per_second(zxing_writer, payloads)),
    ]
    print("(a) unit QR symbols, EC M, payloads like " + payloads[41])
    for name, rate in rows:
        print(f"    {name:42s} {rate:10,.0f} /s  {rate / reference:6.1f}x")
    return reference


def report_runs(kind: str, sizes: Sequence[int], reference: float) -> None:
    """Print parts (b) and (c): one fresh subprocess per run size."""
    title = {"pdf": "(b) A4 PDF sheets (a4-3x8)", "zpl": "(c) ZPL, 203 dpi roll 50x30"}[kind]
    print(f"{title}: one process, written to a temporary file")
    print(f"    {'labels':>8s} {'seconds':>8s} {'labels/s':>9s} {'x qrcode':>8s} "
          f"{'MB out':>7s} {'peak RSS MB':>11s} {'(imports MB)':>12s}")
    for count in sizes:
        run = measure_in_subprocess(kind, count)
        rate = count / run["seconds"]
        print(f"    {count:8,d} {run['seconds']:8.2f} {rate:9,.0f} {rate / reference:7.1f}x "
              f"{run['bytes'] / 1e6:7.1f} {run['peak_kb'] / 1024:11.1f} "
              f"{run['baseline_kb'] / 1024:12.1f}")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and print the report (or, as a child, one run as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-label runs")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_run(args.child[0], int(args.child[1]))))
        return
    sizes = SIZES[:2] if args.quick else SIZES
    print(f"tracelabel labels benchmark, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    reference = report_symbols()
    report_runs("pdf", sizes, reference)
    report_runs("zpl", sizes, reference)


if __name__ == "__main__":
    main()
