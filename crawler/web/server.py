"""Running the web app: a socket bound first, then uvicorn on it.

The socket is bound (and listening) before anything is announced or a browser opened, so
that ``--open`` never races the server, ``--port 0`` can say which port it got, and a port
already taken is one clear error before anything starts.
"""

from __future__ import annotations

import socket
import webbrowser
from collections.abc import Callable

from crawler import api
from crawler.errors import SourcekeeperError
from crawler.web import LOOPBACK_NAMES
from crawler.web.app import create_app


def run(db: str, *, host: str, port: int, token: str | None, open_browser: bool,
        announce: Callable[[str], None]) -> None:
    """Serve archive ``db`` until interrupted. Raises ArchiveError for a file that is not an
    archive, SourcekeeperError for an address that cannot be listened on."""
    import uvicorn

    api.status(db=db)  # an archive that cannot be read is one error, before listening
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SourcekeeperError(f"cannot listen on {host}:{port}: "
                                f"{exc.strerror or exc}") from None
    sock.listen(128)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/"
    announce(url)
    if open_browser:
        webbrowser.open(url + (f"?token={token}" if token else ""))
    # Off this machine the token guards the archive; on it, the Host header must name it.
    hosts = ["*"] if host not in LOOPBACK_NAMES else None
    server = uvicorn.Server(uvicorn.Config(create_app(db, token=token, hosts=hosts),
                                           log_level="warning", lifespan="off",
                                           access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
