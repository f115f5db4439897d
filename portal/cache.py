"""django-redis as the portal uses it: with IGNORE_EXCEPTIONS (settings.py) an unreachable
Redis is an empty cache, and one change here: during an outage `add` answers True, as an
empty cache would. django-redis answers None, and allauth takes its rate-limit lock with
`cache.add`, so it would wait and then refuse every sign-in for the whole outage.
"""

from __future__ import annotations

from typing import Any

from django_redis.cache import RedisCache as DjangoRedisCache
from django_redis.cache import omit_exception


class RedisCache(DjangoRedisCache):  # type: ignore[type-arg]
    @omit_exception(return_value=True)
    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.add(*args, **kwargs)
