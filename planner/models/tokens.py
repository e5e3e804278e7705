"""API tokens in NetBox's v2 manner: several per user, each described, optionally expiring,
read-only or write-enabled, optionally limited to client networks; the key itself is never
stored (planner/tokens.py)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ipam.addresses import try_parse_ip
from planner.addressing import parse_network
from planner.tokens import DIGEST_LENGTH, KEY_ID_LENGTH, key_digest, key_id, key_matches, new_key

DESCRIPTION_MAX_LENGTH = 200
# Last-used times are written at most this often per token: not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def validate_networks(value: list) -> list[str]:
    """The canonical text of each CIDR of *value*; a ValidationError names a bad one."""
    if not isinstance(value, list) or not all(isinstance(text, str) for text in value):
        raise ValidationError('a list of CIDRs, such as ["10.0.0.0/8", "2001:db8::/32"]')
    return [parse_network(text).text for text in value]


class APITokenQuerySet(models.QuerySet):
    def issue(self, user, **fields) -> tuple["APIToken", str]:
        """A new token of *user* and its key, which is shown this once and never stored."""
        key = new_key()
        token = self.create(user=user, key_id=key_id(key), digest=key_digest(key), **fields)
        return token, key

    def for_key(self, key: str) -> "APIToken | None":
        """The token whose key *key* is, with its user; None for any other text."""
        token = self.select_related("user").filter(key_id=key_id(key)).first()
        return token if token is not None and key_matches(key, token.digest) else None


class APIToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_id = models.CharField(max_length=KEY_ID_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=DIGEST_LENGTH, editable=False)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    write_enabled = models.BooleanField(
        default=True, help_text="Off: the token can only read (GET, HEAD, OPTIONS)."
    )
    allowed_ips = models.JSONField(
        "allowed client networks",
        default=list,
        blank=True,
        validators=[validate_networks],
        help_text="CIDRs (IPv4 or IPv6) the token may be used from; empty: anywhere.",
    )

    objects = APITokenQuerySet.as_manager()

    class Meta:
        ordering = ["user", "-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.key_id}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    def allows_client(self, address: str) -> bool:
        if not self.allowed_ips:
            return True
        client = try_parse_ip(address)
        return client is not None and any(
            parse_network(cidr).contains(*client) for cidr in self.allowed_ips
        )

    def record_use(self) -> None:
        """Note the time of use, unless it was noted less than LAST_USED_RESOLUTION ago; the
        condition in the UPDATE keeps concurrent requests from writing it twice."""
        now = timezone.now()
        stale = now - LAST_USED_RESOLUTION
        if self.last_used is not None and self.last_used > stale:
            return
        APIToken.objects.filter(
            Q(last_used__isnull=True) | Q(last_used__lte=stale), pk=self.pk
        ).update(last_used=now)
        self.last_used = now
