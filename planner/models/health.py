"""When each background service last showed it was alive: written by the services, read by
/healthz. In the database because the web server and the workers all reach it, in every
deployment."""

from django.db import models

from planner.choices import BackgroundServiceChoices

SERVICE_NAME_MAX_LENGTH = 16


class Heartbeat(models.Model):
    """The newest heartbeat of one service (of any of its processes: one worker alive is
    enough for the worker's)."""

    service = models.CharField(
        max_length=SERVICE_NAME_MAX_LENGTH,
        choices=BackgroundServiceChoices.choices,
        primary_key=True,
    )
    beaten_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.get_service_display()} at {self.beaten_at:%Y-%m-%d %H:%M:%S}"
