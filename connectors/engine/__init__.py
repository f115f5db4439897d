"""The health engine's edges: dispatch, batch probes, bulk writes, refresh, rollups.

The decisions themselves are pure and live in `connectors.health`; this package only
moves data between the database, the providers and Celery.
"""
