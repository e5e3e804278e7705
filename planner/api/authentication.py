"""How API calls prove who makes them: DRF's token authentication, read faster.

Kept apart from the token endpoint (planner.api.auth): DRF imports the authentication
classes while its views are still importing, so this module imports no views."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from planner.compiled import CompiledQuery

# Every call with a token reads it: compiled.
TOKEN_WITH_USER = CompiledQuery(lambda key: Token.objects.select_related("user").filter(key=key))


class PlannerTokenAuthentication(TokenAuthentication):
    """DRF's TokenAuthentication, with the token and its user read by a compiled statement."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        try:
            token = TOKEN_WITH_USER.one(key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
