"""Exceptions raised by the ipam core."""


class AddressError(ValueError):
    """Text that is not an IP address or CIDR the way Go's `net` package reads it."""


class ReviewInputError(ValueError):
    """Input to the offline review that cannot be read (bad YAML, unknown kind, no name...)."""
