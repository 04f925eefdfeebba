"""Every sourcekeeper setting in one place: its name, its default, how a value is read.

Settings reach us three ways (``-s KEY=VALUE`` on the command line, ``settings=`` of the
Python API, ``scrapy crawl -s``) and are read by components in every layer, so each name,
default and parser is defined here once; the module that *uses* a setting documents what it
does. Values arrive as text from a command line or typed from Python; :func:`get` reads either
and raises :class:`~crawler.errors.SettingError` naming the setting, the value and what was
expected. :func:`check` is run before anything starts, so a bad value is a usage error at
once rather than a traceback half-way through a crawl; an unknown name only warns (with the
nearest known name), because Scrapy and its plugins have settings of their own.

This is also the only module that reads the environment (``SOURCEKEEPER_DB``,
``SOURCEKEEPER_RELAY_KEY``, the proxy variables).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from crawler.core.clock import parse_duration
from crawler.core.discovery_options import DiscoveryOptions
from crawler.core.schedule import Schedule
from crawler.errors import InvalidDuration, SettingError

__all__ = ["SETTINGS", "Setting", "check", "default", "default_db", "discovery", "get",
           "log_level", "plain_settings", "project_settings", "schedule"]


class _Readable(Protocol):
    def get(self, name: str, default: Any = None) -> Any: ...


def _text(value: Any) -> str:
    return str(value).strip()


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = _text(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    try:
        return int(_text(value)) if not isinstance(value, int) else value
    except ValueError:
        raise ValueError("expected a whole number") from None


def _count(value: Any) -> int:
    number = _int(value)
    if number < 0:
        raise ValueError("expected a whole number, 0 or more")
    return number


def _optional_count(value: Any) -> int | None:
    return None if value is None or _text(value) == "" else _count(value)


def _seconds(value: Any) -> float:
    """Seconds as a number, or a duration with a unit: 90, 1.5, 30m, 6h, 1d."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _text(value)
        try:
            number = float(text)
        except ValueError:
            try:
                return parse_duration(text)
            except InvalidDuration:
                raise ValueError("expected seconds or a duration such as 30m, 6h, 1d") from None
    if number < 0:
        raise ValueError("expected a duration of 0 or more")
    return number


def _hosts(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [_text(host).lower() for host in value if _text(host)]


def _contact(value: Any) -> str:
    text = _text(value)
    if text and not ("@" in text or text.startswith(("http://", "https://"))):
        raise ValueError("expected an e-mail address or an http(s) URL")
    return text


def _patterns(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [_text(pattern) for pattern in value if _text(pattern)]


@dataclass(frozen=True)
class Setting:
    """One setting: its name, its default as written (or a function giving it), and how a
    value is read."""

    name: str
    default: Any
    parse: Callable[[Any], Any]
    help: str

    @property
    def written_default(self) -> Any:
        return self.default() if callable(self.default) else self.default


def default_db() -> str:
    """The archive used when none is named: ``$SOURCEKEEPER_DB``, else ``./sourcekeeper.db``."""
    return os.getenv("SOURCEKEEPER_DB") or "sourcekeeper.db"


def default_web_token() -> str:
    """The token ``serve`` requires: ``$SOURCEKEEPER_TOKEN``, else none."""
    return os.getenv("SOURCEKEEPER_TOKEN") or ""


def default_relay_key() -> str:
    """The key sealing a distributed crawl's messages: ``$SOURCEKEEPER_RELAY_KEY`` (an
    environment variable keeps it out of process listings and crontabs), else none."""
    return os.getenv("SOURCEKEEPER_RELAY_KEY") or ""


def default_spn_key(name: str) -> Callable[[], str]:
    """A Save Page Now credential from the environment (``$SPN_ACCESS_KEY``,
    ``$SPN_SECRET``): kept out of process listings and crontabs."""
    return lambda: os.getenv(name) or ""


def _endpoints(value: Any) -> list[Any]:
    from crawler.core.memento_parsing import parse_endpoints
    from crawler.core.mementos import Endpoint

    if isinstance(value, (list, tuple)) and all(isinstance(v, Endpoint) for v in value):
        return list(value)
    return parse_endpoints(value)


def proxy_hosts() -> list[str]:
    """The HTTP proxies the environment configures (``http_proxy``, ``https_proxy``, as
    Scrapy's HttpProxyMiddleware reads them), as ``host:port``: a crawl connects to exactly
    these whatever address they have (crawler.fetch.resolver); as fetch targets they are
    checked like any host."""
    from urllib.parse import urlsplit
    from urllib.request import getproxies

    hosts = []
    for scheme, proxy in getproxies().items():
        if scheme in ("http", "https"):
            parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            if parts.hostname:
                port = parts.port or (443 if parts.scheme == "https" else 80)
                hosts.append(f"{parts.hostname.lower()}:{port}")
    return hosts


SETTINGS: dict[str, Setting] = {setting.name: setting for setting in [
    Setting("ARCHIVE_DB", default_db, _text,
            "the archive file (default $SOURCEKEEPER_DB, else ./sourcekeeper.db)"),
    Setting("ARCHIVE_LOCK_TIMEOUT", 120.0, _seconds,
            "how long a write waits while another process writes the archive"),
    Setting("DOCUMENT_MAX_BYTES", 50 * 1024 * 1024, _count,
            "larger documents are skipped with a warning"),
    Setting("DOCUMENT_FOLLOW_LINKS", False, _bool,
            "read files a folder links to outside itself (crawl --follow-links)"),
    Setting("EXTRACT_WORKERS", None, _optional_count,
            "extraction processes: unset = one per CPU, 0 = inline"),
    Setting("ALL_LINKS", False, _bool,
            "cite every link of a saved web page, not only those in its main content"),
    Setting("EXCLUDE_HOSTS", [], _hosts, "hosts (and their subdomains) never cited"),
    Setting("EXCLUDE_URLS", [], _patterns, "URL patterns (*, ?) never cited"),
    Setting("CONDITIONAL_REQUESTS", True, _bool,
            "send If-None-Match / If-Modified-Since from the last check"),
    Setting("DUE_BACKLOG", 200, _count,
            "requests waiting in Scrapy's scheduler; more due URLs are read as room frees"),
    Setting("RETRY_BACKOFF_BASE", 2.0, _seconds, "first retry waits about this long"),
    Setting("RETRY_BACKOFF_MAX", 60.0, _seconds, "the longest wait between retries"),
    Setting("RETRY_AFTER_MAX", 300.0, _seconds,
            "a longer Retry-After is not waited for: the URL is tried in a later run"),
    Setting("SCHEDULE_MIN_INTERVAL", "1h", _seconds, "shortest time between two checks"),
    Setting("SCHEDULE_MAX_INTERVAL", "30d", _seconds, "longest time between two checks"),
    Setting("SCHEDULE_FIRST_INTERVAL", "1d", _seconds,
            "time until a new snapshot is checked again"),
    Setting("CONTACT", "", _contact,
            "an e-mail address or URL added to the User-Agent, for site owners to reach you"),
    Setting("FETCH_ALLOW_PRIVATE", False, _bool,
            "allow loopback and private addresses (tests, intranets)"),
    Setting("FETCH_ALLOWED_HOSTS", [], _hosts,
            "hosts (name or name:port) fetched whatever they resolve to"),
    Setting("PROGRESS_BAR", False, _bool, "a progress bar on stderr"),
    Setting("LOG_SCRAPY", False, _bool,
            "Scrapy's own log lines too (its banner, settings, stats), not only its warnings"),
    Setting("PROGRESS_INTERVAL", 600.0, _seconds,
            "without the bar, a plain progress line this often (0 = never)"),
    Setting("RELAY_PREFIX", "sourcekeeper", _text, "prefix of the Redis keys (one per archive)"),
    Setting("RELAY_REQUEUE_AFTER", 60.0, _seconds,
            "a queued URL nobody claims for this long is queued again"),
    Setting("RELAY_CONNECT_WAIT", 30.0, _seconds, "how long to wait for Redis at start-up"),
    Setting("RELAY_KEY", default_relay_key, _text,
            "the key sealing a distributed crawl's messages (or $SOURCEKEEPER_RELAY_KEY)"),
    Setting("MEMENTO_FALLBACK", True, _bool,
            "look broken sources (and ones first archived late) up in public web archives"),
    Setting("MEMENTO_ENDPOINTS", "wayback=https://web.archive.org, "
            "timemap=https://timetravel.mementoweb.org/timemap/link/", _endpoints,
            "web archives to ask: wayback=URL (CDX API) and timemap=URL (Memento), commas"),
    Setting("MEMENTO_DELAY", 4.0, _seconds, "seconds between two requests to one web archive"),
    Setting("MEMENTO_CANDIDATES", 3, _count,
            "archived copies of a source fetched to choose the one that supports it"),
    Setting("MEMENTO_CACHE", "30d", _seconds, "a URL is not looked up again before this"),
    Setting("MEMENTO_LAG", "7d", _seconds,
            "a source first archived this long after its document was written is looked up"),
    Setting("MEMENTO_MAX_PER_RUN", 30, _count, "look-ups a crawl makes at most (the others "
            "when their URL is checked again)"),
    Setting("SAVE_TO_WAYBACK", False, _bool,
            "ask Save Page Now to capture each newly archived source (crawl --save-to-wayback)"),
    Setting("SPN_ENDPOINT", "https://web.archive.org/save", _text, "the Save Page Now API"),
    Setting("SPN_MAX_PER_RUN", 30, _count,
            "Save Page Now requests a crawl makes at most (it allows a few a minute)"),
    Setting("SPN_ACCESS_KEY", default_spn_key("SPN_ACCESS_KEY"), _text,
            "Save Page Now access key (or $SPN_ACCESS_KEY); unauthenticated without"),
    Setting("SPN_SECRET", default_spn_key("SPN_SECRET"), _text,
            "Save Page Now secret (or $SPN_SECRET)"),
]}

# Defaults of commands, not settings: how many search hits and runs are shown.
SEARCH_LIMIT = 20
STATUS_RUNS = 5

# Names other components read: scrapy-redis's, and what the distributed worker sets itself.
_FOREIGN = {"REDIS_URL", "REDIS_PARAMS", "REDIS_START_URLS_KEY", "REDIS_START_URLS_BATCH_SIZE",
            "REDIS_START_URLS_AS_SET", "REDIS_ENCODING", "REDIS_HOST", "REDIS_PORT"}


def _read(setting: Setting, value: Any) -> Any:
    try:
        return setting.parse(value)
    except (TypeError, ValueError) as exc:
        raise SettingError(f"setting {setting.name}={value!r}: {exc}") from None


def default(name: str) -> Any:
    """A setting's default, read (``SCHEDULE_MIN_INTERVAL`` gives 3600.0)."""
    setting = SETTINGS[name]
    return _read(setting, setting.written_default)


def get(settings: _Readable | Mapping[str, Any], name: str) -> Any:
    """The value of one of our settings in Scrapy ``Settings`` or a mapping, read; the
    default where it is unset."""
    setting = SETTINGS[name]
    value = settings.get(name, None)
    return _read(setting, setting.written_default if value is None else value)


def flag(settings: _Readable | Mapping[str, Any], name: str) -> bool:
    """A true/false setting that is not ours (Scrapy's ``LOG_FILE_APPEND``), read as ours
    are: ``-s NAME=0`` is false; unset is false."""
    value = settings.get(name, None)
    try:
        return False if value is None else _bool(value)
    except ValueError as exc:
        raise SettingError(f"setting {name}={value!r}: {exc}") from None


def schedule(settings: _Readable | Mapping[str, Any]) -> Schedule:
    """The check schedule from the ``SCHEDULE_*`` settings."""
    minimum = get(settings, "SCHEDULE_MIN_INTERVAL")
    maximum = get(settings, "SCHEDULE_MAX_INTERVAL")
    try:
        return Schedule(minimum, maximum, get(settings, "SCHEDULE_FIRST_INTERVAL"))
    except ValueError as exc:
        raise SettingError(f"settings SCHEDULE_MIN_INTERVAL ({minimum:g} s) and "
                           f"SCHEDULE_MAX_INTERVAL ({maximum:g} s): {exc}") from None


def plain_settings(overrides: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """The run's settings without Scrapy: ``overrides`` over the project's (crawler.settings).

    What a run reads before it knows it will fetch anything (the archive, the schedule,
    discovery, logging). Building Scrapy's ``Settings`` imports Scrapy (0.1 s); a cron run
    with nothing due never needs it, and 0.1 s is a quarter of its budget."""
    from collections import ChainMap

    return ChainMap(dict(overrides or {}), _project())


def _project() -> dict[str, Any]:
    """The project's settings (crawler.settings), by name."""
    from crawler import settings as project

    return {name: value for name, value in vars(project).items()
            if name.isupper() and not name.startswith("_")}


def log_level(value: Any) -> int | str:
    """``LOG_LEVEL`` as logging and Scrapy both take it: a number, or a level's name in
    capitals (``-s LOG_LEVEL=info`` is ``INFO``). Raises SettingError for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    name = _text(value).upper()
    if name not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingError(f"setting LOG_LEVEL={value!r}: expected DEBUG, INFO, WARNING, "
                           "ERROR or CRITICAL")
    return name


def project_settings(overrides: Mapping[str, Any] | None = None) -> Any:
    """Scrapy ``Settings``: the project's (crawler.settings), whatever the working directory,
    with ``overrides`` at command-line priority."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(dict(overrides or {}), priority="cmdline")
    if "LOG_LEVEL" in (overrides or {}):  # Scrapy's own log counter takes only capitals
        settings.set("LOG_LEVEL", log_level(settings["LOG_LEVEL"]), "cmdline")
    if (contact := get(settings, "CONTACT")) and settings.getpriority("USER_AGENT") < 40:
        # Well-behaved crawlers say who runs them: a site owner can then write, not block.
        contact = contact if "@" in contact else f"+{contact}"
        settings.set("USER_AGENT", f"{settings['USER_AGENT'][:-1]}; {contact})", "cmdline")
    return settings


def discovery(settings: _Readable | Mapping[str, Any]) -> DiscoveryOptions:
    """How documents are read, from ``ALL_LINKS``, ``EXCLUDE_HOSTS`` and ``EXCLUDE_URLS``."""
    return DiscoveryOptions(all_links=get(settings, "ALL_LINKS"),
                            exclude_hosts=frozenset(get(settings, "EXCLUDE_HOSTS")),
                            exclude=tuple(get(settings, "EXCLUDE_URLS")))


def _scrapy_names() -> set[str]:
    from scrapy.settings import default_settings  # imports Scrapy: only for a name not ours

    return {name for name in dir(default_settings) if name.isupper()}


def check(overrides: Mapping[str, Any], known: Iterable[str] = ()) -> list[str]:
    """Read every setting in ``overrides`` as it will be read during the run.

    Raises :class:`SettingError` for a bad value; returns one warning line per name that no
    component reads (a misspelling, with the nearest known name)."""
    for name, value in overrides.items():
        if name in SETTINGS:
            _read(SETTINGS[name], value)
    if "LOG_LEVEL" in overrides:
        log_level(overrides["LOG_LEVEL"])
    schedule(overrides)
    names = set(SETTINGS) | _FOREIGN | set(known) | set(_project())
    if any(name not in names for name in overrides):
        names |= _scrapy_names()
    warnings = []
    for name in overrides:
        if name not in names:
            near = difflib.get_close_matches(name, sorted(names), n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            warnings.append(f"unknown setting {name}{hint}: ignored")
    return warnings
