"""The REST API under /api/v1/ (django-ninja) and the team API keys that open it."""
