"""Abstract models for rows that hold a CIDR, with sortable keys for range queries."""

from django.core.exceptions import ValidationError
from django.db import models

from ipam.addresses import Address, Cidr
from planner.addressing import address_key, parse_address, parse_network
from planner.choices import IPFamilyChoices
from planner.constants import ADDRESS_KEY_LENGTH, ADDRESS_TEXT_MAX_LENGTH


def address_key_field() -> models.BinaryField:
    return models.BinaryField(max_length=ADDRESS_KEY_LENGTH, editable=False)


class TimestampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CidrModel(TimestampedModel):
    """A row owning one CIDR; `first_key`/`last_key` let the database find overlaps."""

    cidr = models.CharField("CIDR", max_length=ADDRESS_TEXT_MAX_LENGTH)
    family = models.PositiveSmallIntegerField(choices=IPFamilyChoices.choices, editable=False)
    first_key = address_key_field()
    last_key = address_key_field()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.normalize_addresses()
        super().save(*args, **kwargs)

    @property
    def parsed_cidr(self) -> Cidr:
        return parse_network(self.cidr)

    def normalize_addresses(self) -> None:
        """Canonicalise the address text and derive the keys; raises ValidationError by field."""
        network = parse_field("cidr", parse_network, self.cidr)
        self.cidr, self.family = network.text, network.family
        self.first_key = address_key(network.family, network.first)
        self.last_key = address_key(network.family, network.last)

    def clean(self) -> None:
        super().clean()
        self.normalize_addresses()


def parse_field(field: str, parser, text: str):
    """Run *parser* on *text*, attaching any error to *field*."""
    try:
        return parser(text)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def parse_member_address(field: str, text: str, network: Cidr) -> Address:
    """An address that must lie inside *network* (same family, inside the CIDR)."""
    address = parse_field(field, parse_address, text)
    if not network.contains(*address):
        raise ValidationError({field: f"{address.text} is not inside {network.text}"})
    return address


def is_network_or_broadcast(address: Address, network: Cidr) -> bool:
    """The network address, or for IPv4 the broadcast address: never usable by a host."""
    if network.size <= 2:  # /31, /32, /127, /128: no network/broadcast addresses to avoid
        return False
    return address.value == network.first or (
        network.family == IPFamilyChoices.IPV4 and address.value == network.last
    )
