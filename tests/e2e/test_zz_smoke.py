import pytest
from tests.e2e.conftest import sign_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

def test_smoke(page, demo):
    sign_in(page, "marc")
    for url in ["/", "/objectives/", "/practices/means/", "/practices/", "/practices/proposals/", "/flags/", "/map/", "/objectives/list/"]:
        page.goto(url)
        print(url, page.title())
        screenshot(page, "smoke" + url.replace("/", "_"))
