"""Secrets for the embedded default: generated once, kept in var/ with owner-only access."""

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

SECRET_FILE_MODE = 0o600
SECRET_KEY_BYTES = 50


def local_secret(path: Path, fernet: bool = False) -> str:
    """Read the secret kept at *path*, creating it first if it does not exist."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = Fernet.generate_key().decode() if fernet else secrets.token_urlsafe(SECRET_KEY_BYTES)
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
