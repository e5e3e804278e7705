"""API token authentication (planner.models.APIToken): `Authorization: Token <key>`, or
`Bearer <key>` as NetBox's v2 tokens are sent."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from planner.access_log import log_token_refusal
from planner.models import APIToken
from planner.throttling import client_address

KEYWORDS = (b"token", b"bearer")
# The scheme a refusal names in its WWW-Authenticate header.
SCHEME = "Token"


class APITokenAuthentication(BaseAuthentication):
    """Finds the token by its id, compares the keyed digest, then refuses an expired token,
    an inactive user and a client outside the token's networks, each with a 401 that says
    which, and a line in the log (planner.access_log)."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in KEYWORDS:
            return None
        address = client_address(request)
        if len(words) != 2:
            self.refuse("Invalid token header.", address)
        try:
            key = words[1].decode()
        except UnicodeError:
            self.refuse("Invalid token header.", address)
        token = APIToken.objects.for_key(key)
        if token is None:
            self.refuse("Invalid token.", address)
        if token.is_expired:
            self.refuse("Token expired.", address, token)
        if not token.user.is_active:
            self.refuse("User inactive or deleted.", address, token)
        if not token.allows_client(address):
            self.refuse(f"Token not allowed from {address}.", address, token)
        token.record_use()
        return token.user, token

    def authenticate_header(self, request) -> str:
        return SCHEME

    @staticmethod
    def refuse(reason: str, address: str, token: APIToken | None = None):
        log_token_refusal(reason, address, token.key_id if token else None)
        raise AuthenticationFailed(reason)
