"""Tests of tracelabel.codes: GTINs, GS1 Digital Link, short batch codes and unit codes."""

import base64
import contextlib
import datetime
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracelabel.codes import (
    ALPHABET,
    BATCH_CODE_LENGTH,
    GS1_CHARSET_82,
    MAX_SERIAL,
    CodeError,
    CodeKeys,
    DigitalLink,
    UnitCode,
    batch_check_symbol,
    batch_trace_url,
    build_digital_link,
    generate_code_key,
    gtin_check_digit,
    is_qr_alphanumeric,
    is_valid_gtin,
    make_unit_code,
    new_batch_code,
    normalize_gtin,
    parse_batch_code,
    parse_code_keys,
    parse_digital_link,
    parse_digital_link_url,
    parse_short_code,
    parse_unit_code,
    readable_code,
    unit_trace_url,
    validate_ai_value,
)

BASE = "https://trace.example.vn"
SECRET_A = bytes(range(32))
SECRET_B = bytes(range(100, 132))
KEYS_A = CodeKeys({"A": SECRET_A}, "A")
FAST = settings(max_examples=300, deadline=None)


@contextlib.contextmanager
def raises_code_error(part: str, reason: str):
    """Expect a CodeError with this part and reason and an English sentence as message."""
    with pytest.raises(CodeError) as info:
        yield info
    error = info.value
    assert (error.part, error.reason) == (part, reason), str(error)
    assert error.message[0].isupper() and error.message.endswith(".")


def with_check(data: str) -> str:
    return data + batch_check_symbol(data)


# --- GTIN -----------------------------------------------------------------------------------


@pytest.mark.parametrize("gtin", [
    "09506000134352",  # GS1's Digital Link example
    "4006381333931",  # EAN-13 (the classic Wikipedia example)
    "8935049500018",  # EAN-13 with Vietnam's 893 prefix
    "96385074",  # EAN-8
    "036000291452",  # UPC-A
])
def test_real_gtins_have_valid_check_digits(gtin):
    assert gtin_check_digit(gtin[:-1]) == int(gtin[-1])
    assert is_valid_gtin(gtin)
    assert normalize_gtin(gtin) == gtin.zfill(14)


@pytest.mark.parametrize("text, expected", [
    ("96385074", "00000096385074"),
    ("036000291452", "00036000291452"),
    ("4006381333931", "04006381333931"),
    ("09506000134352", "09506000134352"),
    ("  4006381333931 ", "04006381333931"),
])
def test_every_gtin_length_normalises_to_14_digits(text, expected):
    assert normalize_gtin(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("4006381333932", "bad_check_digit"),
    ("40063813339", "bad_length"),
    ("", "bad_characters"),
    ("40063813339-1", "bad_characters"),
    ("４００６３８１３３３９３１", "bad_characters"),  # full-width digits are not GTIN digits
])
def test_bad_gtins_name_the_gtin(text, reason):
    with raises_code_error("gtin", reason):
        normalize_gtin(text)
    assert not is_valid_gtin(text)


# --- GS1 Digital Link -----------------------------------------------------------------------


def test_build_digital_link_for_a_unit_with_expiry():
    uri = build_digital_link(BASE, "4006381333931", "LOT-1", "S1", datetime.date(2026, 12, 31))
    assert uri == "https://trace.example.vn/01/04006381333931/10/LOT-1/21/S1?17=261231"


def test_build_percent_encodes_reserved_characters_and_round_trips():
    uri = build_digital_link(BASE, "09506000134352", lot="A/B?C%D&E", serial="x:y;z*+!")
    assert "/10/A%2FB%3FC%25D%26E/21/x%3Ay%3Bz%2A%2B%21" in uri
    link = parse_digital_link_url(uri)
    assert (link.lot, link.serial) == ("A/B?C%D&E", "x:y;z*+!")


def test_printed_link_upper_cases_host_but_keeps_values_and_prefix():
    uri = build_digital_link("https://Trace.Example.vn/qr/", "4006381333931", "ab1", printed=True)
    assert uri == "HTTPS://TRACE.EXAMPLE.VN/qr/01/04006381333931/10/ab1"
    upper = build_digital_link(f"{BASE}/QR", "4006381333931", "AB-1/2", printed=True)
    assert upper == "HTTPS://TRACE.EXAMPLE.VN/QR/01/04006381333931/10/AB-1%2F2"
    assert is_qr_alphanumeric(upper)


@pytest.mark.parametrize("value, reason", [
    ("LOT 1", "bad_characters"),
    ("LOT#1", "bad_characters"),
    ("lô1", "bad_characters"),
    ("A" * 21, "too_long"),
    ("", "empty"),
])
def test_lot_values_outside_charset_82_are_errors_never_truncated(value, reason):
    with raises_code_error("lot", reason):
        build_digital_link(BASE, "4006381333931", lot=value)
    with raises_code_error("serial", reason):
        validate_ai_value("21", value)


def test_dot_segments_cannot_be_built():
    with raises_code_error("lot", "dot_segment"):
        build_digital_link(BASE, "4006381333931", lot="..")


def test_parse_normalises_gtin_13_and_reads_query():
    link = parse_digital_link("/01/4006381333931/10/ABC", "17=261231&linkType=gs1:pip")
    assert link == DigitalLink("04006381333931", "ABC", None, None, {"17": "261231"},
                               {"linkType": "gs1:pip"})


def test_parse_reads_cpv_lot_serial_and_trailing_slash():
    link = parse_digital_link("/01/09506000134352/22/V1/10/L%2f1/21/s9/")
    assert (link.cpv, link.lot, link.serial) == ("V1", "L/1", "s9")


@pytest.mark.parametrize("path, part, reason", [
    ("/01/09506000134352/21/S/10/L", "path", "out_of_order"),
    ("/01/09506000134352/10/L/10/M", "path", "out_of_order"),
    ("/01/09506000134352/10/L/22/V", "path", "out_of_order"),
    ("/01/09506000134352/99/L", "path", "unsupported_ai"),
    ("/01/09506000134352/10", "path", "missing_value"),
    ("/414/9506000134352", "path", "no_primary_key"),
    ("/01/09506000134353", "gtin", "bad_check_digit"),
    ("/01/0950600013435X", "gtin", "bad_characters"),
    ("/01/%2009506000134352", "gtin", "bad_characters"),
    ("/01/09506000134352/10/A%23B", "lot", "bad_characters"),
    ("/01/09506000134352/10/A%FFB", "lot", "bad_characters"),
    ("/01/09506000134352/10/A%2", "lot", "bad_percent_encoding"),
    ("/01/09506000134352/21/" + "S" * 21, "serial", "too_long"),
    ("/01/09506000134352/10//21/S", "lot", "empty"),
])
def test_parse_errors_name_the_part(path, part, reason):
    with raises_code_error(part, reason):
        parse_digital_link(path)


@pytest.mark.parametrize("query, reason", [
    ("17=261331", "bad_date"),
    ("17=260230", "bad_date"),
    ("17=2612", "bad_date"),
    ("10=ABC", "key_in_query"),
    ("17=261231&17=270101", "duplicate"),
    ("3103=", "bad_characters"),
])
def test_bad_query_attributes_are_errors(query, reason):
    with raises_code_error("query", reason):
        parse_digital_link("/01/09506000134352/10/L", query)


def test_query_date_with_day_zero_means_end_of_month():
    assert parse_digital_link("/01/09506000134352", "?17=260200").attributes == {"17": "260200"}


def test_full_url_with_path_prefix():
    link = parse_digital_link_url("https://shop.example.vn/qr/01/96385074/10/X?linkType=all")
    assert (link.gtin, link.lot, link.other_query) == ("00000096385074", "X", {"linkType": "all"})
    with raises_code_error("url", "bad_url"):
        parse_digital_link_url("ftp://example.vn/01/96385074")
    with raises_code_error("url", "bad_url"):
        parse_digital_link_url("https://[::1/01/96385074")


charset_82_values = st.text(alphabet=sorted(GS1_CHARSET_82), min_size=1, max_size=20).filter(
    lambda value: value not in (".", ".."))


@FAST
@given(lot=st.none() | charset_82_values, serial=st.none() | charset_82_values,
       cpv=st.none() | charset_82_values, printed=st.booleans(),
       expiry=st.none() | st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)))
def test_digital_link_round_trips(lot, serial, cpv, printed, expiry):
    uri = build_digital_link(BASE, "4006381333931", lot, serial, expiry, printed=printed, cpv=cpv)
    link = parse_digital_link_url(uri)
    assert (link.gtin, link.lot, link.serial, link.cpv) == ("04006381333931", lot, serial, cpv)
    assert link.attributes == ({} if expiry is None else {"17": expiry.strftime("%y%m%d")})


# --- batch codes ----------------------------------------------------------------------------


def test_new_batch_codes_are_canonical_and_unique():
    codes = {new_batch_code() for _ in range(20_000)}
    assert len(codes) == 20_000
    for code in itertools.islice(codes, 2_000):
        assert len(code) == BATCH_CODE_LENGTH == 12
        assert set(code) <= set(ALPHABET)
        assert parse_batch_code(code) == code


def test_all_symbols_appear_in_new_codes():
    assert set("".join(new_batch_code() for _ in range(500))) == set(ALPHABET)


def test_batch_codes_read_case_insensitively_with_confusable_letters():
    code = with_check("01AB01CD1Z0")
    typed = code.lower().replace("0", "o").replace("1", "l", 2).replace("1", "I")
    assert parse_batch_code(typed) == code
    assert parse_batch_code(f" {readable_code(code)} ") == code
    assert parse_batch_code(" ".join(code)) == code


@pytest.mark.parametrize("text, part, reason", [
    ("ABC", "code", "bad_length"),
    ("0123456789ABC", "code", "bad_length"),
    ("UUUUUUUUUUUU", "code", "bad_characters"),
    ("ABCDEFGH.JKM", "code", "bad_characters"),
    ("ÀBCDEFGHJKMN", "code", "bad_characters"),
])
def test_malformed_batch_codes(text, part, reason):
    with raises_code_error(part, reason):
        parse_batch_code(text)


def test_a_wrong_check_symbol_names_the_check_symbol():
    code = new_batch_code()
    wrong = code[:-1] + next(s for s in ALPHABET if s != code[-1])
    with raises_code_error("check_symbol", "bad_check_symbol"):
        parse_batch_code(wrong)


def code_with(rng: random.Random, fixed: dict[int, str]) -> str:
    """Return a valid batch code with the given symbols at the given positions (check included)."""
    while True:
        data = [rng.choice(ALPHABET) for _ in range(BATCH_CODE_LENGTH - 1)]
        for position, symbol in fixed.items():
            if position < BATCH_CODE_LENGTH - 1:
                data[position] = symbol
        code = with_check("".join(data))
        if all(code[position] == symbol for position, symbol in fixed.items()):
            return code


def is_rejected(text: str) -> bool:
    try:
        parse_batch_code(text)
    except CodeError as error:
        return error.reason == "bad_check_symbol"
    return False


def test_every_single_substitution_is_caught_exhaustively():
    """Each (position, old symbol, new symbol): 12 x 32 x 31 = 11,904 cases.

    The check is linear over GF(32), so whether an error is caught depends only on the error,
    never on the rest of the code: one code per (position, old symbol) covers every case.
    """
    rng = random.Random(1)
    for position, old in itertools.product(range(BATCH_CODE_LENGTH), ALPHABET):
        code = code_with(rng, {position: old})
        for new in ALPHABET.replace(old, ""):
            assert is_rejected(code[:position] + new + code[position + 1:]), (code, position, new)


def test_every_adjacent_transposition_is_caught_exhaustively():
    """Each (position, a, b) with a != b: 11 x 32 x 31 = 10,912 cases (linear, as above)."""
    rng = random.Random(2)
    for position in range(BATCH_CODE_LENGTH - 1):
        for first, second in itertools.permutations(ALPHABET, 2):
            code = code_with(rng, {position: first, position + 1: second})
            swapped = code[:position] + second + first + code[position + 2:]
            assert is_rejected(swapped), (code, position)


def test_substitutions_and_transpositions_on_random_codes():
    for _ in range(200):
        code = new_batch_code()
        for position, new in itertools.product(range(BATCH_CODE_LENGTH), ALPHABET):
            if new != code[position]:
                assert is_rejected(code[:position] + new + code[position + 1:])
        for position in range(BATCH_CODE_LENGTH - 1):
            a, b = code[position], code[position + 1]
            if a != b:
                assert is_rejected(code[:position] + b + a + code[position + 2:])


@FAST
@given(data=st.data())
def test_one_changed_symbol_in_a_batch_code_is_always_caught(data):
    code = with_check(data.draw(st.text(alphabet=ALPHABET, min_size=11, max_size=11)))
    position = data.draw(st.integers(0, BATCH_CODE_LENGTH - 1))
    new = data.draw(st.sampled_from(ALPHABET.replace(code[position], "")))
    assert parse_batch_code(code.lower()) == code
    assert is_rejected(code[:position] + new + code[position + 1:])


# --- code keys ------------------------------------------------------------------------------


def encoded(secret: bytes) -> str:
    return base64.urlsafe_b64encode(secret).decode().rstrip("=")


def test_parse_code_keys_first_is_current_unless_marked():
    value = f"A:{encoded(SECRET_A)}, b:{encoded(SECRET_B)}="
    keys = parse_code_keys(value)
    assert keys.current == "A" and keys.keys == {"A": SECRET_A, "B": SECRET_B}
    assert parse_code_keys(f"A:{encoded(SECRET_A)},*B:{encoded(SECRET_B)}").current == "B"


@pytest.mark.parametrize("value, reason", [
    ("", "empty"),
    (" , ", "empty"),
    ("A" + encoded(SECRET_A), "bad_entry"),
    ("AB:" + encoded(SECRET_A), "bad_key_id"),
    ("U:" + encoded(SECRET_A), "bad_key_id"),
    ("A:" + encoded(SECRET_A) + "+/", "bad_secret"),
    ("A:" + encoded(SECRET_A)[:-1] + "?", "bad_secret"),
    ("A:" + encoded(b"short"), "short_secret"),
    (f"A:{encoded(SECRET_A)},A:{encoded(SECRET_B)}", "duplicate_key_id"),
    (f"*A:{encoded(SECRET_A)},*B:{encoded(SECRET_B)}", "several_current"),
])
def test_bad_key_config_is_reported_without_the_secret(value, reason):
    with raises_code_error("code_keys", reason) as info:
        parse_code_keys(value)
    assert encoded(SECRET_A)[:8] not in str(info.value)
    assert encoded(SECRET_B)[:8] not in str(info.value)


def test_code_keys_repr_hides_secrets_and_current_must_exist():
    assert repr(SECRET_A) not in repr(KEYS_A)
    with raises_code_error("code_keys", "unknown_key"):
        CodeKeys({"A": SECRET_A}, "B")


def test_generate_code_key_makes_a_parsable_entry():
    entry = generate_code_key("c")
    keys = parse_code_keys(entry)
    assert entry.startswith("C:") and keys.current == "C" and len(keys.keys["C"]) == 32
    assert generate_code_key() != generate_code_key()
    with raises_code_error("key_id", "bad_key_id"):
        generate_code_key("I")


# --- unit codes -----------------------------------------------------------------------------


def test_unit_code_round_trip_and_shape():
    batch = new_batch_code()
    code = make_unit_code(batch, 1234, KEYS_A)
    head, serial, tail = code.split(".")
    assert (head, serial, tail[0], len(tail)) == (batch, "1234", "A", 9)
    assert parse_unit_code(code, KEYS_A) == UnitCode(batch, 1234, "A")


@pytest.mark.parametrize("serial", [1, 9, 10_000_000, MAX_SERIAL])
def test_unit_codes_cover_the_serial_range(serial):
    code = make_unit_code(new_batch_code(), serial, KEYS_A)
    assert parse_unit_code(code, KEYS_A).serial == serial


@pytest.mark.parametrize("serial", [0, -1, MAX_SERIAL + 1, True, 1.0])
def test_make_unit_code_rejects_serials_out_of_range(serial):
    with raises_code_error("serial", "out_of_range"):
        make_unit_code(new_batch_code(), serial, KEYS_A)


def test_unit_codes_read_as_people_type_them():
    batch = with_check("01AB01CD1Z0")
    code = make_unit_code(batch, 1010, KEYS_A)
    expected = UnitCode(batch, 1010, "A")
    assert parse_unit_code(code.lower().replace("0", "o").replace("1", "l"), KEYS_A) == expected
    assert parse_unit_code(readable_code(code), KEYS_A) == expected
    assert parse_unit_code(code.replace(".", " "), KEYS_A) == expected
    assert parse_unit_code(code.replace(".", ""), KEYS_A) == expected


def test_tampered_serial_fails_the_mac():
    code = make_unit_code(new_batch_code(), 41, KEYS_A)
    with raises_code_error("mac", "bad_mac"):
        parse_unit_code(code.replace(".41.", ".42."), KEYS_A)


def test_tampered_mac_fails():
    code = make_unit_code(new_batch_code(), 7, KEYS_A)
    forged = code[:-1] + next(s for s in ALPHABET if s != code[-1])
    with raises_code_error("mac", "bad_mac"):
        parse_unit_code(forged, KEYS_A)


def test_a_different_key_fails_the_mac():
    code = make_unit_code(new_batch_code(), 7, KEYS_A)
    with raises_code_error("mac", "bad_mac"):
        parse_unit_code(code, CodeKeys({"A": SECRET_B}, "A"))


def test_unknown_key_id_fails():
    code = make_unit_code(new_batch_code(), 7, KEYS_A)
    with raises_code_error("key_id", "unknown_key"):
        parse_unit_code(code, CodeKeys({"B": SECRET_B}, "B"))


def test_rotation_keeps_old_codes_valid_and_signs_new_ones_with_the_new_key():
    batch = new_batch_code()
    old_code = make_unit_code(batch, 5, KEYS_A)
    rotated = parse_code_keys(f"*B:{encoded(SECRET_B)},A:{encoded(SECRET_A)}")
    assert parse_unit_code(old_code, rotated) == UnitCode(batch, 5, "A")
    new_code = make_unit_code(batch, 5, rotated)
    assert new_code.split(".")[2][0] == "B" and new_code != old_code
    assert parse_unit_code(new_code, rotated) == UnitCode(batch, 5, "B")


@pytest.mark.parametrize("mangle, part, reason", [
    (lambda code: code.replace(".5.", ".05."), "serial", "leading_zero"),
    (lambda code: code.replace(".5.", ".."), "serial", "bad_serial"),
    (lambda code: code.replace(".5.", ".1234567890."), "serial", "bad_serial"),
    (lambda code: code.replace(".5.", ".5X."), "serial", "bad_serial"),
    (lambda code: code + "Z", "mac", "bad_length"),
    (lambda code: code + ".Z", "code", "bad_format"),
    (lambda code: code[:-1] + "U", "mac", "bad_characters"),
    (lambda code: code[1:], "code", "bad_length"),
])
def test_malformed_unit_codes(mangle, part, reason):
    code = make_unit_code(with_check("7K3M9QX2ZP4"), 5, KEYS_A)
    with raises_code_error(part, reason):
        parse_unit_code(mangle(code), KEYS_A)


def test_a_typo_in_the_batch_part_of_a_unit_code_names_the_check_symbol():
    code = make_unit_code(with_check("7K3M9QX2ZP4"), 5, KEYS_A)
    with raises_code_error("check_symbol", "bad_check_symbol"):
        parse_unit_code("7K3N" + code[4:], KEYS_A)


def test_parse_short_code_tells_batch_from_unit_by_shape():
    batch = new_batch_code()
    unit = make_unit_code(batch, 3, KEYS_A)
    assert parse_short_code(readable_code(batch).lower(), KEYS_A) == batch
    assert parse_short_code(unit.lower(), KEYS_A) == UnitCode(batch, 3, "A")
    with raises_code_error("code", "bad_length"):
        parse_short_code(batch + "123", KEYS_A)


@FAST
@given(serial=st.integers(1, MAX_SERIAL), data=st.data())
def test_unit_codes_round_trip_and_any_changed_symbol_is_caught(serial, data):
    batch = with_check(data.draw(st.text(alphabet=ALPHABET, min_size=11, max_size=11)))
    code = make_unit_code(batch, serial, KEYS_A)
    assert parse_short_code(code.lower(), KEYS_A) == UnitCode(batch, serial, "A")
    position = data.draw(st.sampled_from([i for i, c in enumerate(code) if c != "."]))
    new = data.draw(st.sampled_from(ALPHABET.replace(code[position], "")))
    with pytest.raises(CodeError):
        parse_short_code(code[:position] + new + code[position + 1:], KEYS_A)


# --- trace URLs -----------------------------------------------------------------------------


def test_printed_batch_url_is_upper_case_and_qr_alphanumeric():
    batch = with_check("7K3M9QX2ZP4")
    assert batch_trace_url(BASE + "/", batch) == f"https://trace.example.vn/t/{batch}"
    printed = batch_trace_url(BASE, batch.lower(), printed=True)
    assert printed == f"HTTPS://TRACE.EXAMPLE.VN/T/{batch}"
    assert is_qr_alphanumeric(printed)
    assert not is_qr_alphanumeric(batch_trace_url(BASE, batch))


@FAST
@given(serial=st.integers(1, MAX_SERIAL))
def test_printed_unit_urls_are_qr_alphanumeric(serial):
    code = make_unit_code(new_batch_code(), serial, KEYS_A)
    printed = unit_trace_url("https://trace.example.vn:8443/QR", code.lower(), printed=True)
    assert printed == f"HTTPS://TRACE.EXAMPLE.VN:8443/QR/T/{code}"
    assert is_qr_alphanumeric(printed)


def test_trace_urls_refuse_bad_base_urls():
    for base in ("trace.example.vn", "ftp://trace.example.vn", "https://u@trace.example.vn",
                 "https://trace.example.vn/?x=1", "https://[::1"):
        with raises_code_error("base_url", "bad_base_url"):
            batch_trace_url(base, new_batch_code())


def test_is_qr_alphanumeric():
    assert is_qr_alphanumeric("HTTPS://A.VN/T/0-9 $%*+.:")
    assert not any(is_qr_alphanumeric(c) for c in "a?=#_~&é")
