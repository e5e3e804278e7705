"""Hybridplan's REST API: one viewset per planner model, carving and manifest actions,
and the offline Hybridnet review as endpoints."""
