"""NTAG 424 DNA Secure Dynamic Messaging ("SUN"), AES mode, after NXP AN12196 — pure, no Flask.

On each tap the tag mirrors into its URL the PICCData (tag byte, UID, read counter) encrypted under
the SDM meta-read key, and an 8-byte SDMMAC: the AES-CMAC, under a session key derived from the SDM
file-read key, UID and counter, of the URL text between the MAC input offset and the MAC itself
(empty when the MAC input starts at the MAC), keeping the bytes at odd positions.

Also here: per-tag key diversification from a master key (NXP AN10922, AES-128) and the sealing of
tag keys at rest under the instance's NFC storage keys (Fernet; the first key seals, all open).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_BYTES = 16
UID_BYTES = 7
PICC_BYTES = 16
MAC_BYTES = 8
PICC_TAG_UID_AND_COUNTER = 0xC7  # UID mirrored, counter mirrored, UID length 7
SV2_PREFIX = bytes.fromhex("3CC300010080")  # session vector 2: the SDM MAC session key
MAX_COUNTER = 0xFFFFFF
_HEX = re.compile(r"^[0-9A-Fa-f]*$")


class SunError(ValueError):
    """A SUN message that cannot be read or does not verify; ``reason`` says which check failed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "malformed", "not_decrypted" or "bad_mac"


class StorageKeyError(RuntimeError):
    """A sealed tag key that none of the configured NFC storage keys opens (a lost or wrong key)."""


@dataclass(frozen=True)
class PiccData:
    """What a tap's encrypted PICCData holds: the tag's UID and its read counter."""

    uid: bytes
    counter: int

    @property
    def uid_hex(self) -> str:
        """The UID as 14 upper-case hex digits, as tags are registered."""
        return self.uid.hex().upper()


def parse_hex(value: str | None, length: int, name: str) -> bytes:
    """Exactly ``length`` bytes written as hex digits, or SunError("malformed")."""
    text = (value or "").strip()
    if len(text) != 2 * length or not _HEX.match(text):
        raise SunError("malformed", f"{name} must be {2 * length} hex digits.")
    return bytes.fromhex(text)


def _aes_cmac(key: bytes, message: bytes) -> bytes:
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(message)
    return mac.finalize()


def _aes_ecb(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - one block
    return encryptor.update(block) + encryptor.finalize()


def decrypt_picc_data(meta_read_key: bytes, encrypted: bytes) -> PiccData:
    """Decrypt PICCData (AES-128-CBC, zero IV); SunError("not_decrypted") if it is not ours."""
    if len(encrypted) != PICC_BYTES:
        raise SunError("malformed", "PICCData is one AES block.")
    decryptor = Cipher(algorithms.AES(meta_read_key), modes.CBC(bytes(16))).decryptor()
    plain = decryptor.update(encrypted) + decryptor.finalize()
    if plain[0] != PICC_TAG_UID_AND_COUNTER:
        raise SunError("not_decrypted", "PICCData does not decrypt under this key.")
    uid, counter = plain[1:1 + UID_BYTES], plain[1 + UID_BYTES:4 + UID_BYTES]
    return PiccData(uid, int.from_bytes(counter, "little"))


def session_mac_key(file_read_key: bytes, uid: bytes, counter: int) -> bytes:
    """KSesSDMFileReadMAC: CMAC of SV2 = 3CC3 0001 0080 ‖ UID ‖ counter (LE) under the file-read key."""
    vector = SV2_PREFIX + uid + counter.to_bytes(3, "little")
    return _aes_cmac(file_read_key, vector.ljust(-(-len(vector) // 16) * 16, b"\0"))


def sdm_mac(file_read_key: bytes, uid: bytes, counter: int, mac_input: bytes = b"") -> bytes:
    """The 8-byte SDMMAC: the odd bytes of the session key's CMAC over the MAC input."""
    full = _aes_cmac(session_mac_key(file_read_key, uid, counter), mac_input)
    return full[1::2]


def verify_sun(meta_read_key: bytes, file_read_key: bytes, encrypted: bytes, mac: bytes,
               mac_input: bytes = b"") -> PiccData:
    """Decrypt a tap's PICCData and check its SDMMAC (constant time); SunError if either fails."""
    picc = decrypt_picc_data(meta_read_key, encrypted)
    check_mac(file_read_key, picc, mac, mac_input)
    return picc


def check_mac(file_read_key: bytes, picc: PiccData, mac: bytes, mac_input: bytes = b"") -> None:
    """Raise SunError("bad_mac") unless ``mac`` is the tap's SDMMAC under this file-read key."""
    expected = sdm_mac(file_read_key, picc.uid, picc.counter, mac_input)
    if not hmac.compare_digest(expected, mac):
        raise SunError("bad_mac", "The SDMMAC does not match.")


def _cmac_subkey(block: bytes) -> bytes:
    shifted = (int.from_bytes(block, "big") << 1) & ((1 << 128) - 1)
    return (shifted ^ (0x87 if block[0] & 0x80 else 0)).to_bytes(16, "big")


def diversify_key(master_key: bytes, diversification_input: bytes) -> bytes:
    """A per-tag AES-128 key from a master key (NXP AN10922 §2.2): CMAC over 01 ‖ M, 32-byte padded.

    AN10922 always pads the input to two blocks, where plain CMAC would pad a short input to one,
    so the CMAC is computed here from its parts.
    """
    if not 1 <= len(diversification_input) <= 31:
        raise ValueError("The diversification input is 1 to 31 bytes.")
    data = b"\x01" + diversification_input
    k1 = _cmac_subkey(_aes_ecb(master_key, bytes(16)))
    subkey = k1 if len(data) == 32 else _cmac_subkey(k1)
    data = data if len(data) == 32 else (data + b"\x80").ljust(32, b"\0")
    last = bytes(a ^ b for a, b in zip(data[16:], subkey, strict=True))
    encryptor = Cipher(algorithms.AES(master_key), modes.CBC(bytes(16))).encryptor()
    return (encryptor.update(data[:16] + last) + encryptor.finalize())[16:]


# Tag keys at rest

def generate_storage_key() -> str:
    """A new NFC storage key (a Fernet key) for TRACELABEL_NFC_KEY."""
    return Fernet.generate_key().decode("ascii")


@dataclass(frozen=True)
class KeyVault:
    """Seals and opens tag keys with the instance's NFC storage keys (first one current)."""

    fernet: MultiFernet
    fingerprint_key: bytes

    def seal(self, key: bytes) -> str:
        """The key encrypted and authenticated, as text for a column."""
        return self.fernet.encrypt(key).decode("ascii")

    def open(self, sealed: str) -> bytes:
        """The key a ``seal`` produced; StorageKeyError if no storage key opens it."""
        try:
            return self.fernet.decrypt(sealed.encode("ascii"))
        except InvalidToken as error:
            raise StorageKeyError("No NFC storage key (TRACELABEL_NFC_KEY) opens this tag key.") from error

    def fingerprint(self, key: bytes) -> str:
        """A keyed, one-way name of a key: rows that share a meta-read key share it."""
        return hmac.new(self.fingerprint_key, b"nfc-meta-read-key\0" + key,
                        hashlib.sha256).hexdigest()[:32]


def parse_storage_keys(value: str) -> KeyVault:
    """Read TRACELABEL_NFC_KEY: Fernet keys separated by commas; the first seals, any opens."""
    entries = [entry.strip() for entry in (value or "").split(",") if entry.strip()]
    if not entries:
        raise ValueError("No NFC storage key is configured (TRACELABEL_NFC_KEY).")
    fernets = [Fernet(entry.encode("ascii")) for entry in entries]
    fingerprint_key = hashlib.sha256(b"tracelabel-nfc-fingerprint\0" + entries[0].encode()).digest()
    return KeyVault(MultiFernet(fernets), fingerprint_key)
