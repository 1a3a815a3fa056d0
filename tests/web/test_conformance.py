"""Mobile access profile rules 1, 4, 5, 8 and 9, checked mechanically on every page.

The pages are found, not listed: every GET rule of the URL map is visited as each demo person
(anonymous, `citizen`, `enterprise`, `clerk`, `office`), its arguments taken from the links the
demo data puts on the pages already seen (item codes, unit codes, the citizen's applications,
licences and messages, versions, rules…). A GET rule that is neither checked nor listed in
`SKIPPED` with a reason fails the test, so a new page cannot slip past the profile.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests.support.conformance import HOST, Report, check_page

ROLES = (None, "citizen", "enterprise", "clerk", "office")
CANDIDATES_PER_ENDPOINT = 4

# Endpoints that answer no mobile HTML page, each with the reason it is not checked here.
SKIPPED = {
    "static": "static files: fingerprint and cache headers are tested in test_manifest.py",
    "applications.file": "an uploaded file as it was uploaded, not a page",
    "workbench.material_file": "an uploaded file as it was uploaded, not a page",
    "license_api.look_up": "JSON API for departments (licenses/api.py)",
    "api.openapi_json": "the OpenAPI document (JSON), tested in tests/api/test_openapi.py",
    "api_departments.changed": "JSON API for departments (api/department_views.py)",
    "api_departments.show": "JSON API for departments (api/department_views.py)",
    "api_departments.material_file": "an uploaded file by a signed link, not a page",
    "exchange_api.records": "JSON API pulling the record log (exchange/api.py)",
    "licenses.keys": "the JWKS (JSON) that verifies licence signatures",
    "mobile_access.manifest": "the access manifest (JSON), tested in test_manifest.py",
    "identity.login": "redirects to the identity platform",
    "identity.callback": "the identity platform's redirect back; answers with a redirect",
    "common.elder_mode": "switches a preference and redirects back (tested in test_layout.py)",
    "operations_health.healthz": "JSON for the load balancer (tests/operations/test_health.py)",
    "operations_health.readyz": "JSON for the load balancer (tests/operations/test_health.py)",
    "operations_metrics.metrics": "Prometheus text for the operator (tests/operations)",
    "monitoring.self_check_sheet": "an .xlsx download, read back in tests/monitoring",
    "monitoring.summary_sheet": "an .xlsx download, read back in tests/monitoring",
    **{
        f"authoring.{name}": "a guide draft's page: the demo has no draft; checked against the "
        "same rules in tests/authoring/test_conformance.py"
        for name in ("draft", "preview", "preview_step", "review", "suspend")
    },
    "catalog.one_stop_go": "redirects to the site of the body that runs the entry",
}

LINK = re.compile(r'<a\b[^>]*href="([^"]+)"', re.I)


def _endpoint(adapter, url: str) -> tuple[str | None, dict]:
    try:
        return adapter.match(urlsplit(url).path, method="GET")
    except RequestRedirect:
        return None, {}
    except HTTPException:
        return None, {}


def _local(url: str) -> str | None:
    """The path of a hall URL, or None for another host."""
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "tel", "data", "sms"):
        return None
    if parts.netloc and parts.netloc != HOST:
        return None
    return parts.path if parts.path.startswith("/") else None


# Staff pages are not embedded by the province; the link rule of embedded mode is for the public.
STAFF_ENDPOINTS = ("workbench.", "staff.", "pages_staff.", "registry.")


def _check_embedded(client, endpoint: str, url: str, report: Report) -> None:
    response = client.get(url)
    html = response.get_data(as_text=True)
    if response.status_code != 200:
        report.problems.append(f"{url} embedded: status {response.status_code}")
        return
    if 'class="topbar"' in html or 'class="footer"' in html:
        report.problems.append(f"{url} embedded: top bar or footer shown")
    if endpoint.startswith(STAFF_ENDPOINTS):
        return
    if 'target="_blank"' in html or "target=_blank" in html:
        report.problems.append(f"{url} embedded: a link leaves the hall (target=_blank)")
    if external := [href for href in LINK.findall(html) if urlsplit(href).netloc not in ("", HOST)]:
        report.problems.append(f"{url} embedded: links outside the hall {external}")


def _crawl(app, client, report: Report) -> list[str]:
    """Visit every page this client can reach; check each endpoint once; return what passed."""
    adapter = app.url_map.bind(HOST)
    queue = deque(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in SKIPPED
    )
    tried: dict[str, int] = {}
    seen: set[str] = set()
    passed: list[str] = []
    arguments: list[dict] = []  # the argument values of every hall link met so far
    while True:
        _visit(client, adapter, queue, tried, seen, passed, arguments, report)
        # Then the pages no link reached: the same arguments (an application's id, an
        # item's code…) filled into every other rule that takes them.
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or not rule.arguments or rule.endpoint in SKIPPED:
                continue
            for values in arguments:
                if rule.arguments <= set(values):
                    url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
                    if url not in seen:
                        queue.append(url)
        if not queue:
            return passed


def _visit(client, adapter, queue, tried, seen, passed, arguments, report) -> None:
    while queue:
        url = queue.popleft()
        endpoint, args = _endpoint(adapter, url)
        if args and args not in arguments:
            arguments.append(args)
        if url in seen:
            continue
        seen.add(url)
        if endpoint is None or endpoint in SKIPPED:
            continue
        if tried.get(endpoint, 0) >= CANDIDATES_PER_ENDPOINT:
            continue
        tried[endpoint] = tried.get(endpoint, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        check_page(client, url, response, report)
        report.checked.setdefault(endpoint, url)
        passed.append(url)
        tried[endpoint] = CANDIDATES_PER_ENDPOINT  # one passing URL per endpoint and person
        for href in LINK.findall(response.get_data(as_text=True)):
            path = _local(href.replace("&amp;", "&"))
            if path and path not in seen:
                queue.append(path)


def test_every_mobile_page_meets_the_profile(app, client, sign_in):
    report = Report()
    for role in ROLES:
        browser = sign_in(role, on=app.test_client()) if role else app.test_client()
        passed = _crawl(app, browser, report)
        # A fresh visit opened with ?embed=1 stays embedded for every later page (rule 8).
        embedded = sign_in(role, on=app.test_client()) if role else app.test_client()
        start = embedded.get("/?embed=1").get_data(as_text=True)
        assert 'class="topbar"' not in start
        adapter = app.url_map.bind(HOST)
        for url in passed:
            _check_embedded(embedded, _endpoint(adapter, url)[0] or "", url, report)
    get_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    unchecked = sorted(get_endpoints - set(report.checked) - set(SKIPPED))
    assert not unchecked, (
        f"GET pages neither checked nor skipped with a reason: {unchecked}; "
        "give the demo data a link to them or add them to SKIPPED"
    )
    assert not report.problems, "\n".join(report.problems)
    assert len(report.checked) >= 25


def test_skipped_endpoints_exist(app):
    assert set(SKIPPED) <= {rule.endpoint for rule in app.url_map.iter_rules()}
