"""The log of refused sign-ins and API tokens, with the client's address: never a password,
never a key (only the id of a token that exists)."""

import logging

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from planner.throttling import client_address

logger = logging.getLogger(__name__)


@receiver(user_login_failed)
def log_failed_sign_in(sender, credentials: dict, request=None, **kwargs) -> None:
    # Django sends this for the admin's sign-in and the token endpoint alike; the password
    # in *credentials* is masked already, and is not logged anyway.
    address = client_address(request) if request is not None else "no request"
    logger.warning("sign-in failed for username %r from %s", credentials.get("username"), address)


def log_token_refusal(reason: str, address: str, key_id: str | None = None) -> None:
    logger.warning("API token refused (%s) from %s, token id %s", reason, address, key_id or "-")
