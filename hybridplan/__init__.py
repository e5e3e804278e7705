"""Hybridplan: address planning and cluster sync for Hybridnet."""

from hybridplan.celery import app as celery_app

__all__ = ("celery_app",)
