"""The fast QR path produces exactly qrcode's symbols (same version, segments, mask)."""

from __future__ import annotations

import random
import string

import numpy as np
import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode import util

from tracelabel.labels import LabelError, qr_matrices, qr_matrix
from tracelabel.labels.qrencode import ec_level, encode, reed_solomon_remainder
from tracelabel.labels.qrpenalty import lost_points

BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
EC_LETTERS = "LMQH"


def reference_matrix(payload: str, error_correction: str) -> np.ndarray:
    """What qrcode makes: QRCode(version=None).add_data(...).make(fit=True), no border."""
    symbol = qrcode.QRCode(error_correction=ec_level(error_correction), border=0)
    symbol.add_data(payload)
    symbol.make(fit=True)
    return np.array(symbol.get_matrix(), dtype=bool)


def unit_url(rng: random.Random) -> str:
    """An upper-case short-code unit URL (alphanumeric mode), serials of 1 to 7 digits."""
    batch = "".join(rng.choice(BASE32) for _ in range(12))
    mac = "".join(rng.choice(BASE32) for _ in range(8))
    host = rng.choice(["TRACE.EXAMPLE.VN", "TRUYXUAT.OCOP-QUANGNINH.GOV.VN", "T.VN"])
    return f"HTTPS://{host}/T/{batch}.{rng.randint(1, 10 ** rng.randint(1, 7))}.A{mac}"


def digital_link(rng: random.Random) -> str:
    """A mixed-case GS1 Digital Link unit URL (byte mode, with numeric runs)."""
    gtin = "0" + "".join(rng.choice(string.digits) for _ in range(13))
    lot = "".join(rng.choice(string.ascii_letters + string.digits + "-.") for _ in range(
        rng.randint(1, 20)))
    url = f"https://trace.example.vn/01/{gtin}/10/{lot}/21/{rng.randint(1, 10**9)}"
    return url + (f"?17={rng.randint(240101, 301231)}" if rng.random() < 0.5 else "")


def label_payloads(count: int, seed: int) -> list[tuple[str, str]]:
    """Payloads of every shape the labels use, each with an EC level (M most often)."""
    rng = random.Random(seed)
    makers = [unit_url, digital_link, lambda r: unit_url(r).lower()]
    return [(rng.choice(makers)(rng), rng.choice("MMMMLQH")) for _ in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_matrix_equals_qrcode_for_label_payloads(seed: int) -> None:
    sizes = set()
    for payload, level in label_payloads(450, seed):
        ours, theirs = qr_matrix(payload, level), reference_matrix(payload, level)
        assert ours.shape == theirs.shape, payload
        assert np.array_equal(ours, theirs), (payload, level)
        sizes.add(ours.shape[0])
    assert len(sizes) >= 5  # versions 2 to 7 or so were all covered


def test_batched_matrices_equal_single_ones() -> None:
    payloads = [p for p, _ in label_payloads(60, seed=9)]
    for batch, payload in zip(qr_matrices(payloads, "M"), payloads, strict=True):
        assert np.array_equal(batch, reference_matrix(payload, "M"))


@settings(max_examples=300, deadline=None)
@given(
    payload=st.text(
        alphabet=st.sampled_from(string.digits * 3 + string.ascii_uppercase + " $%*+-./:ạế")
        | st.characters(codec="utf-8"),
        min_size=1,
        max_size=160,
    ),
    level=st.sampled_from(EC_LETTERS),
)
def test_matrix_equals_qrcode_for_any_text(payload: str, level: str) -> None:
    assert np.array_equal(qr_matrix(payload, level), reference_matrix(payload, level))


@pytest.mark.parametrize("length", [500, 900, 1200])
def test_large_versions_use_the_unpacked_penalty_path(length: int) -> None:
    payload = "".join(random.Random(length).choice(BASE32 + "abc") for _ in range(length))
    ours = qr_matrix(payload, "M")
    assert ours.shape[0] > 64
    assert np.array_equal(ours, reference_matrix(payload, "M"))


def test_penalty_equals_lost_point() -> None:
    rng = np.random.default_rng(5)
    for size in (21, 57, 77):
        symbols = rng.random((6, size, size)) < 0.5
        expected = [util.lost_point(symbol.tolist()) for symbol in symbols]
        assert lost_points(symbols).tolist() == expected


def test_codewords_equal_qrcode_create_data() -> None:
    for payload, level in label_payloads(200, seed=11):
        version, codewords = encode(payload, ec_level(level))
        chunks = list(util.optimal_data_chunks(payload, minimum=20))
        assert list(codewords) == util.create_data(version, ec_level(level), chunks)


def test_reed_solomon_known_vector() -> None:
    # ISO/IEC 18004 Annex I: "01234567" at 1-M has these 10 EC codewords.
    data = bytes([16, 32, 12, 86, 97, 128, 236, 17, 236, 17, 236, 17, 236, 17, 236, 17])
    assert list(reed_solomon_remainder(data, 10)) == [165, 36, 212, 193, 237, 54, 199, 135, 44, 85]


def test_bad_error_correction_and_overflow_raise_label_error() -> None:
    with pytest.raises(LabelError, match="error correction"):
        qr_matrix("HTTPS://X.VN", "X")
    with pytest.raises(LabelError, match="too long"):
        qr_matrix("A" * 5000, "H")
