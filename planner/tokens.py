"""API token keys: made at random, shown once, stored only as a keyed digest.

A key is its id (the first KEY_ID_LENGTH characters, stored in clear to find the row with an
index) followed by its secret. The row keeps HMAC-SHA256 of the whole key under a pepper from
the environment (`HYBRIDPLAN_TOKEN_PEPPER`): a copy of the table alone cannot be used to sign
in, nor the keys guessed from it offline.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

KEY_ID_LENGTH = 12
# Bytes of randomness of the secret part (token_urlsafe spells them in 43 characters).
SECRET_BYTES = 32
DIGEST_LENGTH = hashlib.sha256().digest_size * 2


def new_key() -> str:
    return secrets.token_hex(KEY_ID_LENGTH // 2) + secrets.token_urlsafe(SECRET_BYTES)


def key_id(key: str) -> str:
    return key[:KEY_ID_LENGTH]


def key_digest(key: str) -> str:
    pepper = settings.HYBRIDPLAN_TOKEN_PEPPER.encode()
    return hmac.new(pepper, key.encode(), hashlib.sha256).hexdigest()


def key_matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), digest)
