"""Secrets for the embedded default: generated once, kept in var/ with owner-only access."""

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

SECRET_FILE_MODE = 0o600
# var/ also holds the SQLite database (password hashes, API tokens) and the broker's messages.
PRIVATE_DIR_MODE = 0o700
OPEN_TO_OTHERS = 0o077
SECRET_KEY_BYTES = 50


def ensure_private_dir(path: Path) -> None:
    """Create *path* for its owner only; tighten it if it is ours and open to others (an
    older var/ was created world-readable)."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    status = path.stat()
    if status.st_uid == os.getuid() and status.st_mode & OPEN_TO_OTHERS:
        path.chmod(PRIVATE_DIR_MODE)


def local_secret(path: Path, fernet: bool = False) -> str:
    """Read the secret kept at *path*, creating it first if it does not exist."""
    ensure_private_dir(path.parent)
    if path.exists():
        return path.read_text().strip()
    value = Fernet.generate_key().decode() if fernet else secrets.token_urlsafe(SECRET_KEY_BYTES)
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
