"""Cluster sync: what Celery runs against clusters, each run recorded as a SyncRun."""
