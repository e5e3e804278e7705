"""How refusals name the objects that stand in the way: a few by name, the rest counted."""

from collections.abc import Sequence

# How many of the objects standing in the way a message names.
OBJECTS_NAMED = 10


def named(names: Sequence[str], total: int | None = None) -> str:
    """The first OBJECTS_NAMED of `names` for a message, then how many more of `total`
    (default: all of `names`) there are."""
    total = len(names) if total is None else total
    shown = ", ".join(names[:OBJECTS_NAMED])
    return f"{shown} and {total - OBJECTS_NAMED} more" if total > OBJECTS_NAMED else shown


def first_named(rows) -> tuple[list, int]:
    """What a refusal names of `rows` (a queryset, in its order): its first OBJECTS_NAMED,
    with one more that tells whether there are others, and how many there are in all,
    counted only then."""
    shown = list(rows[: OBJECTS_NAMED + 1])
    return shown, len(shown) if len(shown) <= OBJECTS_NAMED else rows.count()
