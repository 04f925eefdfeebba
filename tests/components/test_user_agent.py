"""The User-Agent says who runs the crawl when CONTACT is set, as well-behaved crawlers do."""

from __future__ import annotations

import pytest
import pytest_twisted

from crawler import config
from crawler.errors import SettingError
from tests.helpers import PUTIN, crawl_here


@pytest_twisted.ensureDeferred
async def test_the_contact_is_in_the_user_agent(server, tmp_path):
    await crawl_here(tmp_path / "a.db", url=server.url(PUTIN), CONTACT="desk@example.org")
    agents = {headers.get("User-Agent") for path, headers in server.requests}
    assert agents == {"sourcekeeper/0.1.0 (archives the sources cited in documents; "
                      "desk@example.org)"}


def test_a_contact_is_an_address_or_a_url():
    assert "+https://example.org/about" in config.project_settings(
        {"CONTACT": "https://example.org/about"})["USER_AGENT"]
    with pytest.raises(SettingError, match="CONTACT='me': expected an e-mail address"):
        config.check({"CONTACT": "me"})
