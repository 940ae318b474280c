"""The access matrix, generated from the URLconf.

For every named URL: anonymous users are sent to the login page; a URL naming an object of a
site the user is not a member of answers 404 to GET and POST; a read-only role (viewer) gets
403 (or 405 where the view takes no POST) on every POST to its own site's objects. New views
are covered as soon as they are routed.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import access_registry as registry

# Importing each app's test registry lets later apps add builders without editing this file.
for module in (
    "tests.fieldwork.access",
    "tests.themes.access",
    "tests.workshops.access",
    "tests.workshops.analysis_access",
):
    with contextlib.suppress(ModuleNotFoundError):
        __import__(module)


def iter_named_patterns(resolver: URLResolver | None = None, namespace: str = ""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from iter_named_patterns(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def exempt_reason(name: str) -> str | None:
    for key, reason in registry.EXEMPT.items():
        if name == key or (key.endswith(":") and name.startswith(key)):
            return reason
    return None


ALL_URLS = sorted({name: p for name, p in iter_named_patterns() if not exempt_reason(name)}.items())


def model_for(name: str, kwarg: str) -> str:
    if name in registry.PK_MODEL:
        return registry.PK_MODEL[name]
    app_label, _, url_name = name.rpartition(":")
    stem = url_name.split("-")[0] if kwarg == "pk" else kwarg.removesuffix("_pk")
    for model in apps.get_app_config(app_label or "sites").get_models():
        if model._meta.model_name == stem.replace("_", ""):
            return model._meta.label
    raise AssertionError(
        f"URL {name!r}: cannot tell which model its {kwarg!r} names; add it to "
        "tests/access_registry.py PK_MODEL."
    )


def kwargs_for(name: str, pattern: URLPattern, site) -> dict:
    kwargs = {}
    for kwarg in pattern.pattern.converters:
        if kwarg == "code":
            kwargs["code"] = site.code
            continue
        if kwarg in registry.KWARG_VALUES:
            kwargs[kwarg] = registry.KWARG_VALUES[kwarg]
            continue
        label = model_for(name, kwarg)
        builder = registry.BUILDERS.get(label)
        assert builder, (
            f"URL {name!r} names a {label}; add a builder for it to tests/access_registry.py"
        )
        kwargs[kwarg] = builder(site).pk
    return kwargs


def takes_object(pattern: URLPattern) -> bool:
    return any(k not in registry.KWARG_VALUES for k in pattern.pattern.converters)


def site_scoped(name: str, pattern: URLPattern) -> bool:
    """False when every object the URL names is project-wide (see PROJECT_WIDE)."""
    kwargs = [k for k in pattern.pattern.converters if k not in registry.KWARG_VALUES]
    return "code" in kwargs or any(
        model_for(name, k) not in registry.PROJECT_WIDE for k in kwargs if k != "code"
    )


@pytest.mark.parametrize(("name", "pattern"), ALL_URLS, ids=[n for n, _ in ALL_URLS])
def test_anonymous_is_sent_to_login(name, pattern, client, site_b):
    url = reverse(name, kwargs=kwargs_for(name, pattern, site_b))
    response = client.get(url)
    assert response.status_code == 302, f"{name} answered {response.status_code}"
    assert response["Location"].startswith(reverse("login"))


OBJECT_URLS = [(n, p) for n, p in ALL_URLS if takes_object(p)]
SITE_URLS = [(n, p) for n, p in OBJECT_URLS if site_scoped(n, p)]


@pytest.mark.parametrize(("name", "pattern"), SITE_URLS, ids=[n for n, _ in SITE_URLS])
def test_member_of_another_site_gets_404(name, pattern, client_for, researcher, site_b):
    url = reverse(name, kwargs=kwargs_for(name, pattern, site_b))
    client = client_for(researcher)
    assert client.get(url).status_code in (404, 405), f"GET {name} leaked"
    assert client.post(url, {}).status_code in (404, 405), f"POST {name} leaked"


def row_counts() -> dict[str, int]:
    """Rows of every model of the project, users and log-in records: a refused POST writes
    none."""
    return {
        model._meta.label: model.objects.count()
        for config in apps.get_app_configs()
        if config.label in {"auth", "axes", "sites", "fieldwork", "themes", "workshops"}
        for model in config.get_models()
    }


@pytest.mark.parametrize(("name", "pattern"), ALL_URLS, ids=[n for n, _ in ALL_URLS])
def test_viewer_gets_403_on_every_post_and_nothing_is_written(
    name, pattern, client_for, viewer, site_a
):
    url = reverse(name, kwargs=kwargs_for(name, pattern, site_a))
    client = client_for(viewer)
    before = row_counts()
    response = client.post(url, {})
    assert name in registry.OWN_ACCOUNT or response.status_code in (403, 405), (
        f"POST {name} by a viewer answered {response.status_code}"
    )
    assert row_counts() == before, f"POST {name} by a viewer wrote something"


def test_every_exemption_names_a_routed_url_and_says_why():
    names = [name for name, _ in iter_named_patterns()]
    for key, reason in registry.EXEMPT.items():
        assert len(reason.split()) >= 3, f"exemption {key!r} gives no reason"
        assert any(n == key or (key.endswith(":") and n.startswith(key)) for n in names), (
            f"exemption {key!r} matches no URL: remove it"
        )
    for app in ("sites:", "fieldwork:", "themes:", "workshops:"):
        assert app not in registry.EXEMPT, f"{app} is exempt wholesale"
    assert len(ALL_URLS) >= 8
    assert all(re.match(r"^[a-z0-9_:-]+$", n) for n, _ in ALL_URLS)


def test_the_cross_site_report_urls_are_in_the_matrix():
    from tests.workshops.access import REPORT_URLS

    names = [name for name, _ in ALL_URLS]
    for name in REPORT_URLS:
        assert name in names, f"{name} is not checked by the access matrix"
