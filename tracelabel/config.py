"""Settings: defaults, then ``instance/config.py``, then ``TRACELABEL_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from tracelabel import codes

ENV_PREFIX = "TRACELABEL_"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
CODE_KEYS_FILE = "code_keys"
AUDIT_SIGNING_KEY_FILE = "audit_signing_key"
NFC_KEY_FILE = "nfc_key"

# Settings that may come from the environment, and how to read them.
ENV_SETTINGS: dict[str, type] = {
    "DATABASE_URL": str,
    "PUBLIC_URL": str,
    "SECRET_KEY": str,
    "CODE_KEYS": str,
    "REDIS_URL": str,
    "QUEUE_URL": str,  # the job queue's Redis, when not REDIS_URL's (unset: SQLite in the instance)
    "QUEUE_NAME": str,
    "JOB_RESULT_HOURS": int,
    "SCAN_SALT": str,
    "AUDIT_SIGNING_KEY": str,  # a path: the Ed25519 key that signs audit checkpoints
    "NFC_KEY": str,  # Fernet keys (first current) sealing NFC tags' SDM keys at rest
    "SQLALCHEMY_ECHO": bool,
    "TRUSTED_PROXIES": int,
    "RATE_LIMITS_ENABLED": bool,
    "RATE_LIMIT_PUBLIC": str,
    "RATE_LIMIT_API": str,
    "RATE_LIMIT_LOGIN": str,
    "DISPLAY_TIMEZONE": str,
}

DEFAULTS: dict[str, Any] = {
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "REDIS_URL": None,
    "DISPLAY_TIMEZONE": "Asia/Ho_Chi_Minh",  # the zone pages show stored (UTC) times in
    "SQLALCHEMY_ECHO": False,
    "API_TITLE": "tracelabel",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_PAGE_SIZE_MAX": 200,
    "JSON_SORT_KEYS": False,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "TRUSTED_PROXIES": 0,
    "RATE_LIMITS_ENABLED": True,
    # Per client address (per token on the API). Shoppers behind one carrier NAT share an
    # address, so the public limit is generous; sign-in is strict.
    "RATE_LIMIT_PUBLIC": "300/minute",
    "RATE_LIMIT_API": "1200/minute",
    "RATE_LIMIT_LOGIN": "10/minute;30/hour",
    "MAX_PHOTO_BYTES": 10 * 1024 * 1024,
    "MAX_IMPORT_BYTES": 8 * 1024 * 1024,
}


def instance_path_from_env() -> str | None:
    """The instance folder named by ``TRACELABEL_INSTANCE_PATH``, made absolute, or None."""
    value = os.environ.get(ENV_PREFIX + "INSTANCE_PATH")
    return str(Path(value).resolve()) if value else None


def _parse_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``TRACELABEL_*`` variables that are set, without their prefix."""
    environ = dict(os.environ) if environ is None else environ
    found: dict[str, Any] = {}
    for name, kind in ENV_SETTINGS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is None or raw == "":
            continue
        found[name] = _parse_bool(raw) if kind is bool else int(raw) if kind is int else raw
    return found


def default_database_url(instance_path: str) -> str:
    """The embedded default: a SQLite file in the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / "tracelabel.db")


def read_or_create_secret(instance_path: str, filename: str, make: Any) -> str:
    """Read a generated secret from the instance folder, creating it (mode 0600) on first use."""
    path = Path(instance_path) / filename
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def fill_generated_secrets(config: dict[str, Any], instance_path: str) -> None:
    """Generate the secret key, code keys, scan salt and NFC key into the instance folder if unset."""
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = read_or_create_secret(
            instance_path, SECRET_KEY_FILE, lambda: secrets.token_urlsafe(48)
        )
    if not config.get("CODE_KEYS"):
        config["CODE_KEYS"] = read_or_create_secret(
            instance_path, CODE_KEYS_FILE, codes.generate_code_key
        )
    if not config.get("SCAN_SALT"):
        config["SCAN_SALT"] = config["SECRET_KEY"]
    if not config.get("NFC_KEY"):
        config["NFC_KEY"] = read_or_create_secret(
            instance_path, NFC_KEY_FILE, _new_nfc_key
        )


def _new_nfc_key() -> str:
    from tracelabel import nfc  # cryptography loads only when a key is made

    return nfc.generate_storage_key()


def audit_signing_key_path(config: dict[str, Any], instance_path: str) -> tuple[Path, bool]:
    """Where the audit signing key lives, and whether it may be created there on first use.

    Only the default file in the instance folder is created: a configured path that is missing
    is a mount gone wrong, and a silent new key would look like a rotation.
    """
    configured = config.get("AUDIT_SIGNING_KEY")
    if configured:
        return Path(configured), False
    return Path(instance_path) / AUDIT_SIGNING_KEY_FILE, True
