"""Model fields: credentials encrypted at rest."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _cipher(keys: str) -> MultiFernet:
    # Comma-separated keys: the first encrypts, all decrypt, so keys can be rotated.
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])
    except ValueError as error:
        raise ImproperlyConfigured(
            f"HYBRIDPLAN_CREDENTIALS_KEY is not a valid Fernet key: {error}"
        ) from None


def cipher() -> MultiFernet:
    return _cipher(settings.HYBRIDPLAN_CREDENTIALS_KEY)


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code only ever sees the clear text."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return cipher().decrypt(value.encode()).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                f"{self.model.__name__}.{self.name} cannot be decrypted with "
                "HYBRIDPLAN_CREDENTIALS_KEY: the key changed since it was stored"
            ) from None

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return cipher().encrypt(value.encode()).decode()
