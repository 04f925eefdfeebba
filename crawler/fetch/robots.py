"""robots.txt obeyed by every request, including those queued while it is being fetched.

Scrapy 2.19's RobotsTxtMiddleware makes every request that arrives during the robots.txt
download await the same Deferred; the first waiter's callback returns None, so the second
and later waiters receive None, "no robots.txt", and are sent regardless of what it
disallows. On a crawl with many URLs per host that is most of the first batch. Each waiter
here gets a Deferred of its own, relayed from the shared one.

Settings: Scrapy's ``ROBOTSTXT_*``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        own: Deferred[RobotParser | None] = Deferred()

        def relay(result: RobotParser | None) -> RobotParser | None:
            own.callback(result)
            return result

        pending.addCallback(relay)
        return await maybe_deferred_to_future(own)
