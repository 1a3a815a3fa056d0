"""Odd input never answers 500: huge page numbers, control characters in `next=`, NUL bytes
anywhere a view reads (PostgreSQL cannot store them), each gets a 400 or a clean page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter, Rule
from wtforms import Form
from wtforms.fields.core import UnboundField

import mobile_hall
from mobile_hall.applications.models import ApplicationMaterial
from mobile_hall.extensions import db
from tests.support.applications import multipart, pick_item, start_draft
from tests.support.browser import Browser, token_of
from tests.support.pages import post
from tests.support.samples import PNG

HUGE = "9" * 400
ELDER = "/preferences/elder-mode?on=1&next="


def _refused(response) -> bool:
    return response.status_code == 400 and "请求有误" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", [HUGE, "0" * 300 + "2", "-1", "1e9", "１２"])
def test_any_page_number_on_the_item_list_gives_a_page(client, page):
    response = client.get(f"/items?page={page}")
    assert response.status_code == 200 and "事项" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/applications", "/messages"])
def test_a_huge_page_number_on_a_personal_list_gives_the_last_page(sign_in, path):
    response = sign_in("citizen").get(f"{path}?page={HUGE}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/applications/{id}", "/licenses/{id}", "/messages/{id}", "/items/QJ-SCJG-0003/versions/{id}"],
)
@pytest.mark.parametrize("number", [2**31, HUGE])
def test_an_id_too_large_for_the_database_is_not_found(sign_in, path, number):
    response = sign_in("citizen").get(path.format(id=number))
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["/items%0d%0aSet-Cookie:%20x=1", "/items%0aX:1", "/%09/evil.example", "/%0d/evil.example"],
)
def test_control_characters_in_next_send_the_elder_switch_home(client, target):
    response = client.get(ELDER + target)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)


def test_a_local_next_with_chinese_is_kept_by_the_elder_switch(client):
    response = client.get(ELDER + "/items?q=营业执照")
    assert response.status_code == 303
    assert response.headers["Location"] == "/items?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7"


def test_control_characters_in_next_are_dropped_at_sign_in(client, identity_provider):
    browser = Browser(client, identity_provider)
    response = browser.sign_in("citizen", path="/auth/login?next=/me%0d%0aX-Evil:%201")
    assert response.status_code == 303 and "X-Evil" not in str(response.headers)
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/items/QJ-SCJG-0003%00",
        "/items?q=%E8%90%A5%00",
        "/items?theme=%00",
        "/licenses/verify?token=abc%00def",
        "/progress?number=%00",
        "/items?%00=1",
    ],
)
def test_a_nul_in_a_path_or_query_is_refused(client, path):
    assert _refused(client.get(path))


def test_a_nul_in_an_agents_name_is_refused(sign_in):
    representative = sign_in("enterprise")
    assert post(representative, "/enterprise/open", town="QJ-MB").status_code == 303
    response = post(
        representative, "/enterprise/agents", name="陈\x00丽娟", id_number="44020519900115274X"
    )
    assert _refused(response)
    assert "陈" not in representative.get("/enterprise").get_data(as_text=True).split("经办人")[-1]


def test_a_nul_in_a_policy_title_is_refused(sign_in):
    office = sign_in("office")
    response = post(office, "/staff/policies", title="减\x00税", body="正文")
    assert _refused(response)


def test_a_nul_in_an_upload_name_is_refused_and_nothing_is_kept(sign_in, app):
    citizen = sign_in("citizen")
    draft = start_draft(app, "citizen", pick_item(app, audience="both"))
    page = f"/applications/{draft}/materials"
    response = citizen.post(
        page, **multipart({"csrf_token": token_of(citizen, page), "file-1": (PNG, "a\x00.png")})
    )
    assert _refused(response)
    with app.app_context():
        kept = sa.select(ApplicationMaterial).where(ApplicationMaterial.application_id == draft)
        assert db.session.scalars(kept).all() == []


# --- every route, form field and query parameter, fed odd strings (hypothesis) ---------------

# Typed, pasted or forged: NUL, CR/LF, bidi overrides, huge and odd numbers, very long text,
# markup and traversal, non-characters and characters beyond the BMP.
ODD = [
    "\x00",
    "a\x00b",
    "\r\n",
    "/x\r\nSet-Cookie: a=1",
    "\u202egnp.exe",
    "\u2066名\u2069",
    "\ufeff",
    "\uffff",
    "𠀀",
    HUGE,
    "-" + HUGE,
    "0" * 50,
    "1e999",
    "NaN",
    "-1",
    "x" * 5000,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "'\"",
    "%",
    " ",
]
# Already percent-encoded: lone surrogates and overlong or invalid UTF-8, which a client can send
# but no Python string can carry to the test client.
ESCAPED = ["%ED%A0%80", "%ED%BF%BF", "%C0%AF", "%FF%FE", "%00", "%0D%0A", "%E2%80%AE"]
odd_values = st.one_of(
    st.sampled_from(ODD).map(lambda text: quote(text, safe="")),
    st.sampled_from(ESCAPED),
    st.text(max_size=40).map(lambda text: quote(text, safe="")),
)
ROLES = ("anonymous", "citizen", "enterprise", "clerk", "office")
# Signing out would leave the rest of the run anonymous; it is tested on its own.
NOT_PROBED = {"static", "identity.logout"}
QUERY_READ = re.compile(
    r'request\.args(?:\.get(?:list)?\(|\[)"([\w-]+)"|"([\w-]+)" (?:not )?in request\.args'
)


def _form_fields() -> set[str]:
    """The names of every field of every form class of the hall."""
    names: set[str] = set()
    pending = list(Form.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        if form.__module__.startswith("mobile_hall."):
            names |= {n for n in dir(form) if isinstance(getattr(form, n), UnboundField)}
    return names


def _query_parameters() -> set[str]:
    """The names the views read from a query string, found in their source."""
    sources = (Path(mobile_hall.__file__).parent).rglob("*.py")
    return {a or b for path in sources for a, b in QUERY_READ.findall(path.read_text())}


def _routes(app) -> list[tuple[str, Rule]]:
    found = [
        (method, rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_PROBED
        for method in ("GET", "POST")
        if method in (rule.methods or ())
    ]
    return sorted(found, key=lambda pair: (pair[1].rule, pair[0]))


def _path(app, rule: Rule, data: st.DataObject) -> str:
    values = {}
    for name in rule.arguments:
        if isinstance(rule._converters[name], IntegerConverter):
            values[name] = data.draw(st.sampled_from([1, 2, 3, 2**31 - 1, int(HUGE)]))
        else:
            values[name] = data.draw(
                st.sampled_from([*ODD[:9], "QJ-SCJG-0003"]) | st.text(max_size=20)
            )
    return app.url_map.bind("localhost").build(rule.endpoint, values, force_external=False)


def _encoded(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(name, safe='')}={value}" for name, value in pairs)


def test_no_odd_string_in_any_route_form_or_query_gives_a_server_error(app, client, sign_in):
    fields, parameters = sorted(_form_fields()), sorted(_query_parameters() | _form_fields())
    assert {"page", "next", "q", "token"} <= set(parameters) and "title" in fields
    clients = {"anonymous": client}
    for role in ROLES[1:]:
        clients[role] = sign_in(role, app.test_client())
    tokens = {role: token_of(each) for role, each in clients.items()}

    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def probe(method: str, rule: Rule, data: st.DataObject) -> None:
        role = data.draw(st.sampled_from(ROLES))
        names = data.draw(st.lists(st.sampled_from(parameters), max_size=4, unique=True))
        pairs = [(name, data.draw(odd_values)) for name in names]
        path = _path(app, rule, data)
        if method == "GET":
            response = clients[role].get(f"{path}?{_encoded(pairs)}")
        else:
            pairs.append(("csrf_token", tokens[role]))
            response = clients[role].post(
                path, data=_encoded(pairs), content_type="application/x-www-form-urlencoded"
            )
        assert response.status_code < 500, (method, path, pairs, role)

    routes = _routes(app)
    assert len(routes) > 50
    for method, rule in routes:
        probe(method, rule)


def test_no_odd_upload_name_gives_a_server_error(app, sign_in):
    citizen = sign_in("citizen")
    draft = start_draft(app, "citizen", pick_item(app, audience="both"))
    page = f"/applications/{draft}/materials"
    token = token_of(citizen, page)

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(name=st.sampled_from(ODD) | st.text(min_size=1, max_size=60))
    def probe(name: str) -> None:
        upload = {"csrf_token": token, "file-1": (PNG, name + ".png")}
        response = citizen.post(page, **multipart(upload))
        assert response.status_code < 500, name

    probe()
