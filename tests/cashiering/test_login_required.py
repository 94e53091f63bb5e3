"""Every page but sign-in, /healthz and a lien certificate's verification turns an anonymous
visitor away to sign in."""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Pages a stranger must be able to reach: signing in (ours and the admin's), the health check,
# the site's icon (the sign-in page shows it too), and the verification a lien certificate's QR
# code points at (tests/billing/test_lien_verify.py: throttled, and it shows next to nothing).
PUBLIC = {"login", "healthz", "admin:login", "favicon", "verify"}

SAMPLE_ARGS = {
    "int": "1",
    "str": "1000",
    "path": "1/change",
    "slug": "x",
    "uuid": "3b241101-e2bb-4255-8caf-4136c566a962",
}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                f"{namespace}{ns}:" if ns else namespace,
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name or ''}"


def _concrete(route: str) -> str | None:
    """Fill a route's converters with sample values; None for regex routes we cannot fill."""
    import re

    if route.startswith("^") or "(?P" in route:
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", "1", route).lstrip("^").rstrip("$")
        route = route.replace("\\", "")
        return "/" + route
    for converter, value in SAMPLE_ARGS.items():
        route = re.sub(rf"<{converter}:\w+>", value or "x", route)
    route = re.sub(r"<\w+>", "1", route)
    return "/" + route


ROUTES = sorted({(route, name) for route, name in _walk(get_resolver().url_patterns)})


def test_the_walk_finds_the_apps_pages():
    names = {name for _, name in ROUTES}
    assert {"home", "ledger:trial_balance", "ledger:account", "admin:index"} <= names
    assert len(ROUTES) > 30


@pytest.mark.parametrize(("route", "name"), [r for r in ROUTES if r[1] not in PUBLIC])
def test_anonymous_visitor_is_sent_to_sign_in(client, db, route, name):
    url = _concrete(route)
    response = client.get(url)
    assert response.status_code == 302, (url, response.status_code)
    # Our sign-in page, or for some admin pages the admin's own sign-in form.
    sign_in = [f"{reverse(settings.LOGIN_URL)}?next="]
    if name.startswith("admin:"):
        sign_in.append(f"{reverse('admin:login')}?next=")
    assert response["Location"].startswith(tuple(sign_in)), (url, response["Location"])


def test_sign_in_page_and_health_check_are_public(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.parametrize(
    "url", ["/billing/bills/%00/", "/ledger/accounts/%00/", "/billing/bills/P%0026/"]
)
def test_a_nul_in_the_address_is_a_bad_request_not_a_server_error(client, supervisor, url):
    client.force_login(supervisor)
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("query", [{"q": "abc\x00def"}, {"q": "Smith", "as_of": "\x00"}])
def test_a_nul_in_a_search_is_answered_on_the_form(client, clerk, query):
    client.force_login(clerk)
    response = client.get(reverse("billing:search"), query)
    assert response.status_code == 200
    assert response.context["form"].errors
