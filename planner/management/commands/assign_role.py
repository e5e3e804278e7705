"""python manage.py assign_role USERNAME ROLE [--cluster NAME ...]: a user's role, for
automation (planner/roles.py); `none` takes every role away."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from planner.models import Cluster
from planner.roles import OPERATOR, ROLES, RoleError, assign_role

NO_ROLE = "none"


class Command(BaseCommand):
    help = (
        "Give a user one role (viewer, planner or operator), replacing the roles and cluster "
        "limits it had; --cluster limits an operator to the clusters named."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=[*ROLES, NO_ROLE])
        parser.add_argument(
            "--cluster",
            action="append",
            default=[],
            dest="clusters",
            metavar="NAME",
            help="an operator may operate only the clusters named (repeat for several)",
        )

    def handle(self, *args, username: str, role: str, clusters: list[str], **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        found = list(Cluster.objects.filter(name__in=clusters))
        missing = sorted(set(clusters) - {cluster.name for cluster in found})
        if missing:
            raise CommandError(f"no cluster {', '.join(map(repr, missing))}")
        try:
            assign_role(user, None if role == NO_ROLE else role, found)
        except RoleError as error:
            raise CommandError(str(error)) from None
        scope = f" of {', '.join(sorted(clusters))}" if role == OPERATOR and clusters else ""
        self.stdout.write(f"{username}: {role}{scope}")
