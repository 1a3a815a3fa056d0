"""The citizen's personal page (/me): the notice, every block, favourites, closing."""

from __future__ import annotations

import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.extensions import db
from mobile_hall.organisations.models import Unit
from mobile_hall.pages.constants import PageKind
from mobile_hall.pages.models import (
    FavouriteItem,
    RecentView,
    RecommendationDismissal,
    RecommendationRule,
)
from mobile_hall.pages.services import page_opening_counts, page_rates
from tests.support.pages import account_named, post, signed_in_openings


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ("/me", "/enterprise"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/auth/login?next=")


def test_the_first_visit_shows_the_notice_and_opens_nothing(sign_in, in_db):
    client = sign_in("citizen")
    html = client.get("/me").get_data(as_text=True)
    assert "个性化服务说明" in html and "同意并开通" in html and "不在曲江区居住" in html
    with in_db():
        assert db.session.scalars(signed_in_openings()).all() == []


def test_accepting_the_notice_opens_the_page_in_the_chosen_town(opened, in_db):
    client = opened("citizen", "QJ-MB")
    assert client.get("/me").status_code == 200
    with in_db():
        opening = db.session.scalars(signed_in_openings()).one()
        assert opening.kind is PageKind.PERSON and opening.town.code == "QJ-MB"
        assert opening.closed_at is None
        assert db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "pages.open")
        ).one()


def test_an_unknown_town_is_refused(sign_in):
    client = sign_in("citizen")
    assert post(client, "/me/open", town="QJ-NOWHERE").status_code == 400


def test_the_page_shows_every_block_of_the_citizens_demo_history(opened):
    html = opened("citizen", "QJ-MB").get("/me").get_data(as_text=True)
    # greeting: real name, masked ID number, level and how to raise it
    assert (
        "张晓明，您好" in html and "440***********1231" in html and "440205198506121231" not in html
    )
    assert "实名账户注册办理点" in html
    # needs me: the supplement, the draft, the rating
    assert "补正材料：居住证申领" in html
    assert "继续填写：个人社会保险参保缴费证明打印" in html
    assert "评价办理" not in html  # the completed one is already rated
    # applications in progress with their due date, finished ones behind a link
    assert "生育登记" in html and "承诺 " in html
    assert "已完成的办件" in html and "/applications/" in html
    # licences, messages
    assert "电子证照 " in html and "个体工商户营业执照" in html and "/licenses" in html
    assert "消息中心" in html and "/messages" in html
    # recommendations explain themselves: a birth application → the maternal handbook
    assert "母子健康手册建册" in html and "因为您办理过「生育收养」方面的事项" in html
    # the town of residence
    assert "因为您居住在马坝镇" in html and "居住证申领" in html


def test_the_page_is_small_chinese_mobile_html(opened):
    response = opened("citizen").get("/me")
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'class="topbar"' in html and "我的个人网页" in html
    assert "<script" not in html and len(response.data) < 40_000


def test_a_senior_is_recommended_by_age_from_the_id_number(opened):
    html = opened("senior").get("/me").get_data(as_text=True)
    assert "老年人优待证办理" in html and "因为您年满60周岁" in html
    assert "高龄老人津贴申领" not in html  # the demo rule asks for 80


def test_an_office_edit_of_a_rule_changes_what_the_senior_sees(opened, sign_in, app, in_db):
    assert "高龄老人津贴申领" not in opened("senior").get("/me").get_data(as_text=True)
    with in_db():
        rule_id = db.session.scalars(
            sa.select(RecommendationRule.id).where(RecommendationRule.code == "senior-allowance")
        ).one()
    office = sign_in("office", app.test_client())
    response = post(
        office,
        f"/staff/recommendations/{rule_id}",
        reason="因为您年满{years}周岁，可以申领高龄老人津贴",
        parameters='{"years": 60}',
        active="y",
    )
    assert response.status_code == 303
    html = opened("senior", on=app.test_client()).get("/me").get_data(as_text=True)
    assert "高龄老人津贴申领" in html and "因为您年满60周岁，可以申领高龄老人津贴" in html
    with in_db():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "pages.rule_update")
        ).one()
        assert event.details["parameters"] == {"years": 60}


def test_a_rule_switched_off_disappears(opened, sign_in, app, in_db):
    with in_db():
        rule_id = db.session.scalars(
            sa.select(RecommendationRule.id).where(RecommendationRule.code == "elderly-card")
        ).one()
    office = sign_in("office", app.test_client())
    post(
        office,
        f"/staff/recommendations/{rule_id}",
        reason="因为您年满{years}周岁",
        parameters='{"years": 60}',
    )
    assert "老年人优待证办理" not in opened("senior").get("/me").get_data(as_text=True)


def test_bad_rule_parameters_are_refused_and_nothing_changes(sign_in, in_db):
    office = sign_in("office")
    with in_db():
        rule = db.session.scalars(
            sa.select(RecommendationRule).where(RecommendationRule.code == "elderly-card")
        ).one()
        rule_id, before = rule.id, dict(rule.parameters)
    for parameters in ("{years: 60", '{"age": 60}', '{"years": "sixty"}'):
        response = post(
            office, f"/staff/recommendations/{rule_id}", reason="x", parameters=parameters
        )
        assert response.status_code == 400
    assert "参数" in response.get_data(as_text=True)
    with in_db():
        assert db.session.get(RecommendationRule, rule_id).parameters == before


def test_a_guide_records_recently_viewed_items_and_offers_a_star(opened, in_db):
    client = opened("citizen")
    html = client.get("/items/QJ-MZ-0003").get_data(as_text=True)
    assert "☆ 收藏" in html
    assert post(client, "/me/favourites/QJ-MZ-0003", back="guide").status_code == 303
    assert "★ 已收藏" in client.get("/items/QJ-MZ-0003").get_data(as_text=True)
    page = client.get("/me").get_data(as_text=True)
    favourites = page.split('id="favourites"')[1].split('id="recent"')[0]
    recent = page.split('id="recent"')[1]
    assert "最低生活保障对象认定" in favourites and "最低生活保障对象认定" in recent
    assert post(client, "/me/favourites/QJ-MZ-0003/remove").status_code == 303
    favourites = client.get("/me").get_data(as_text=True).split('id="favourites"')[1]
    assert "最低生活保障对象认定" not in favourites.split('id="recent"')[0]


def test_only_the_last_ten_views_are_kept(opened, in_db):
    client = opened("citizen")
    codes = [f"QJ-MZ-{n:04d}" for n in range(1, 11)] + ["QJ-RS-0001", "QJ-RS-0002"]
    for code in codes:
        client.get(f"/items/{code}")
    with in_db():
        kept = db.session.scalars(sa.select(RecentView)).all()
        assert len(kept) == 10
        assert {view.item.code for view in kept} == set(codes[2:])


def test_a_guide_read_again_within_minutes_is_not_written_again(opened, in_db, count_queries):
    client = opened("citizen")
    client.get("/items/QJ-MZ-0003")
    with in_db():
        first = db.session.scalars(sa.select(RecentView.viewed_at)).one()
    with count_queries() as counter:
        assert client.get("/items/QJ-MZ-0003").status_code == 200
    writes = [
        s for s in counter.statements if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]
    assert writes == []
    with in_db():
        assert db.session.scalars(sa.select(RecentView.viewed_at)).one() == first


def test_nothing_is_recorded_before_the_page_is_opened(sign_in, in_db):
    client = sign_in("citizen")
    client.get("/items/QJ-MZ-0003")
    with in_db():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecentView)) == 0


def test_an_unknown_item_cannot_be_starred(opened):
    assert post(opened("citizen"), "/me/favourites/QJ-NOPE-0001").status_code == 404


def test_a_dismissed_recommendation_stays_away(opened):
    client = opened("senior")
    html = client.get("/me").get_data(as_text=True)
    rule_id = html.split("/me/recommendations/")[1].split("/dismiss")[0]
    assert post(client, f"/me/recommendations/{rule_id}/dismiss").status_code == 303
    assert "老年人优待证办理" not in client.get("/me").get_data(as_text=True)


def test_closing_the_page_deletes_its_personalisation_data(opened, in_db):
    client = opened("senior", "QJ-DT")
    client.get("/items/QJ-MZ-0009")
    post(client, "/me/favourites/QJ-MZ-0007")
    html = client.get("/me").get_data(as_text=True)
    rule_id = html.split("/me/recommendations/")[1].split("/dismiss")[0]
    post(client, f"/me/recommendations/{rule_id}/dismiss")
    assert post(client, "/me/close").status_code == 303
    with in_db():
        senior = account_named("黄桂芳")
        for model in (FavouriteItem, RecentView, RecommendationDismissal):
            rows = db.session.scalars(sa.select(model).where(model.account_id == senior.id))
            assert rows.all() == [], model
        opening = db.session.scalars(signed_in_openings()).one()
        assert opening.closed_at is not None and opening.town_id is None
    assert "同意并开通" in client.get("/me").get_data(as_text=True)


def test_a_legal_person_is_sent_to_the_enterprise_page_and_cannot_open_a_personal_one(sign_in):
    client = sign_in("enterprise")
    response = client.get("/me")
    assert response.status_code == 303 and response.headers["Location"] == "/enterprise"
    assert post(client, "/me/open").status_code == 403
    assert post(client, "/me/close").status_code == 403


def test_one_person_never_reaches_anothers_data(opened, app, in_db):
    senior = opened("senior")
    post(senior, "/me/favourites/QJ-MZ-0009")
    citizen = opened("citizen", on=app.test_client())
    html = citizen.get("/me").get_data(as_text=True)
    assert "黄桂芳" not in html and "老年人优待证办理" not in html.split('id="favourites"')[1]
    with in_db():
        application_id = db.session.scalar(
            sa.text("select min(id) from application where applicant_name = '张晓明'")
        )
    assert senior.get(f"/applications/{application_id}").status_code == 404
    html = senior.get("/me").get_data(as_text=True)
    assert "张晓明" not in html and "生育登记" not in html


def test_opening_counts_and_rates_per_town(opened, app, in_db):
    # The demo's residents and enterprises have pages open already: count what these add.
    with in_db():
        before = page_opening_counts(PageKind.PERSON)
        enterprises_before = page_opening_counts(PageKind.ENTERPRISE)
    opened("citizen", "QJ-MB")
    opened("senior", "QJ-XK", on=app.test_client())
    opened("citizen-l1", on=app.test_client())  # lives outside the district: not counted
    opened("enterprise", "QJ-MB", path="/enterprise/open", on=app.test_client())
    with in_db():
        counts = page_opening_counts(PageKind.PERSON)
        added = {town: total - before.get(town, 0) for town, total in counts.items()}
        assert sorted(n for n in added.values() if n) == [1, 1]
        rates = page_rates(PageKind.PERSON)
        mb, dt = (
            db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
            for code in ("QJ-MB", "QJ-DT")
        )
        assert rates["QJ-MB"].opened == before.get(mb, 0) + 1 and rates["QJ-MB"].base == 143600
        assert rates["QJ-MB"].rate == (before.get(mb, 0) + 1) / 143600
        assert rates["QJ-DT"].opened == before.get(dt, 0)
        enterprise = page_rates(PageKind.ENTERPRISE)
        assert enterprise["QJ-MB"].opened == enterprises_before.get(mb, 0) + 1
        assert enterprise["QJ-MB"].base == 5320


def test_a_town_without_a_base_figure_has_no_rate(opened, in_db):
    from mobile_hall.organisations.models import Unit, UnitFigure

    with in_db():
        before = page_rates(PageKind.PERSON)["QJ-LK"].opened
    opened("citizen", "QJ-LK")
    with in_db():
        town = db.session.scalars(sa.select(Unit).where(Unit.code == "QJ-LK")).one()
        db.session.execute(
            sa.update(UnitFigure).where(UnitFigure.unit_id == town.id).values(population=0)
        )
        db.session.flush()
        rate = page_rates(PageKind.PERSON)["QJ-LK"]
        assert (rate.opened, rate.base, rate.rate) == (before + 1, 0, None)


def test_results_to_collect_ratings_to_give_and_expiring_licences_need_me(opened, in_db):
    from datetime import timedelta

    from mobile_hall.applications.models import Application, Rating
    from mobile_hall.clock import now
    from mobile_hall.licenses.models import License

    client = opened("citizen")
    with in_db():
        citizen = account_named("张晓明")
        completed = db.session.scalars(
            sa.select(Application).where(
                Application.account_id == citizen.id, Application.status == "completed"
            )
        ).one()
        db.session.execute(sa.delete(Rating).where(Rating.application_id == completed.id))
        completed.delivery, completed.completed_at = "pickup", now()
        licence = db.session.scalars(
            sa.select(License).where(License.holder_id_hash == citizen.id_number_hash)
        ).first()
        licence.valid_until = now().date() + timedelta(days=30)
        db.session.commit()
        name, type_name = completed.version.name, licence.license_type.name
    html = client.get("/me").get_data(as_text=True)
    todo = html.split('id="todo"')[1].split('id="applications"')[0]
    assert f"领取结果：{name}" in todo and f"评价办理：{name}" in todo
    assert f"证照将到期：{type_name}" in todo


def test_holding_a_licence_brings_a_recommendation(opened):
    html = opened("citizen").get("/me").get_data(as_text=True)
    assert "公开涉税信息查询" in html and "因为您持有个体工商户营业执照" in html


def test_the_office_sees_the_rules_and_unit_staff_do_not(sign_in, app):
    office = sign_in("office")
    html = office.get("/staff/recommendations").get_data(as_text=True)
    assert "因为您年满{years}周岁" in html  # the template, as the office edits it
    assert "elderly-card" in html and "QJ-MZ-0009" in html and "启用" in html
    clerk = sign_in("clerk", app.test_client())
    assert clerk.get("/staff/recommendations").status_code == 403
    assert sign_in("citizen", app.test_client()).get("/staff/recommendations").status_code == 403


def test_the_star_is_only_for_signed_in_persons(client, sign_in, app):
    assert "☆ 收藏" not in client.get("/items/QJ-MZ-0003").get_data(as_text=True)
    enterprise = sign_in("enterprise", app.test_client())
    assert "☆ 收藏" not in enterprise.get("/items/QJ-MZ-0003").get_data(as_text=True)
