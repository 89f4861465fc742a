"""Celery's Redis transport, with one fault of kombu 5.7 mended: a worker must survive Redis going away.

When the broker connection drops while a worker holds unacknowledged messages (acks_late checks under
way), kombu closes the channel and then tries to put those messages back on the queue through a connection
it has already torn down; that raises AttributeError, which the consumer does not expect, and the whole
worker dies with "Unrecoverable error" (seen with bench/faults.py: both workers gone after a Redis kill).
Here that case raises the ConnectionError the consumer does expect, so it reconnects when Redis is back.
The messages are not lost to us either way: Redis's own visibility timeout redelivers them if it kept them,
and the articles' claims in Postgres lapse and are swept again if it did not.
"""

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:  # the connection was closed under us
            raise ConnectionError("the broker connection is closed")
        # kombu 5.7 has this private method; celery-types' stubs of kombu leave it out.
        return super()._connparams(asynchronous)  # type: ignore[misc]


class Transport(kombu_redis.Transport):
    Channel = Channel
