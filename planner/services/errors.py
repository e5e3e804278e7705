"""Errors the planner's services raise; the API and the UI map each to one answer."""

from django.core.exceptions import ValidationError

from planner.wording import OBJECTS_NAMED, named


class PlanError(Exception):
    """A plan that cannot be made as asked; `field` names the input at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NoSpaceError(PlanError):
    """Nothing free fits the request (HTTP 409)."""


class PlanConflictError(PlanError):
    """The request collides with what is already planned (HTTP 409)."""


class ConflictingEditError(PlanConflictError, ValidationError):
    """A write of a space, node or reservation that would leave what is already planned with
    it inconsistent (HTTP 409). It is a ValidationError too, on `field`, so that a model form
    (the admin) shows it beside the field rather than failing."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field)
        self.error_dict = {field: [ValidationError(message)]}


class HybridnetDenied(PlanError):
    """Hybridnet's admission webhook would reject the object (HTTP 400); `message` is its text."""

    def __init__(self, rule: str, message: str, kind: str = "Subnet") -> None:
        super().__init__(f"Hybridnet would reject this {kind}: {message}")
        self.rule = rule
        self.hybridnet_message = message


class PlannerRejected(PlanError):
    """Hybridnet would accept it, but it is a mistake the planner refuses (HTTP 400)."""


class SubnetInUseError(PlanError):
    """The subnet still has IPInstances in its cluster (HTTP 409)."""

    def __init__(self, subnet_name: str, ips: list[str], total: int) -> None:
        super().__init__(f"subnet {subnet_name} still has IPs in use: {named(ips, total)}")
        # The first OBJECTS_NAMED, lowest first.
        self.ips = ips[:OBJECTS_NAMED]


class NeedsReplacementError(PlanError):
    """Immutable fields changed: Hybridnet needs a new object, not an update (HTTP 409)."""

    def __init__(self, kind: str, name: str, fields: list[str]) -> None:
        super().__init__(
            f"{kind} {name}: {', '.join(fields)} cannot change once created; "
            "create a new object, move the pods, then delete this one"
        )
        self.fields = fields


class BulkValidationError(Exception):
    """Some objects of a bulk create are invalid: each one's Django ValidationError, by its
    index in the request (HTTP 400, as the items' field errors)."""

    def __init__(self, errors: dict) -> None:
        super().__init__(f"{len(errors)} invalid objects")
        self.errors = errors
