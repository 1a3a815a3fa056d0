"""The demo accounts carry the claims of shared/spec/identity.md, with valid identity numbers."""

from datetime import date

import pytest

from devidp.accounts import DEMO_ACCOUNTS, build_accounts
from devidp.checks import (
    id_card_check_digit,
    is_valid_id_card,
    is_valid_uscc,
    org_code_check_char,
)

PERSON_CLAIMS = {"sub", "name", "user_type", "id_card", "real_name_level", "phone_number"}
LEGAL_PERSON_CLAIMS = PERSON_CLAIMS | {"uscc", "org_name", "org_role"}
ACCOUNTS = {data["username"]: data["claims"] for data in DEMO_ACCOUNTS}


def test_check_functions_accept_the_standards_examples_and_reject_a_changed_character():
    assert is_valid_id_card("11010519491231002X")  # GB 11643-1999 example
    assert is_valid_uscc("91350100M000100Y43")  # GB 32100-2015 example
    assert org_code_check_char("M000100Y") == "4"
    assert not is_valid_id_card("110105194912310021")
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_id_card("44020519850612123")  # 17 characters
    assert not is_valid_uscc("91350100M000100I43")  # I is not in the GB 32100 alphabet


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_every_demo_id_card_has_a_valid_check_digit_and_qujiang_area_code(username):
    id_card = ACCOUNTS[username]["id_card"]
    assert is_valid_id_card(id_card)
    assert id_card.startswith("440205")
    assert id_card[17] == id_card_check_digit(id_card[:17])
    date(int(id_card[6:10]), int(id_card[10:12]), int(id_card[12:14]))  # a real birth date


@pytest.mark.parametrize("username", ["enterprise", "agent"])
def test_every_demo_credit_code_has_valid_check_characters(username):
    uscc = ACCOUNTS[username]["uscc"]
    assert is_valid_uscc(uscc)
    assert uscc.startswith("91440205")
    assert org_code_check_char(uscc[8:16]) == uscc[16]


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_every_demo_account_has_exactly_the_claims_of_its_type(username):
    claims = ACCOUNTS[username]
    expected = LEGAL_PERSON_CLAIMS if claims["user_type"] == "legal_person" else PERSON_CLAIMS
    assert set(claims) == expected
    assert claims["real_name_level"] in (1, 2, 3, 4)
    assert claims["sub"] != username


def test_demo_accounts_cover_the_roles_the_hall_needs():
    assert set(ACCOUNTS) >= {
        "citizen", "citizen-l1", "senior", "enterprise", "agent", "clerk", "reviewer",
        "town-clerk", "office",
    }  # fmt: skip
    assert ACCOUNTS["citizen"]["real_name_level"] == 3
    assert ACCOUNTS["citizen-l1"]["real_name_level"] == 1
    assert ACCOUNTS["enterprise"]["org_role"] == "legal_representative"
    assert ACCOUNTS["agent"]["org_role"] == "agent"
    assert ACCOUNTS["agent"]["uscc"] == ACCOUNTS["enterprise"]["uscc"]
    assert int(ACCOUNTS["senior"]["id_card"][6:10]) <= date.today().year - 61
    assert len({claims["sub"] for claims in ACCOUNTS.values()}) == len(ACCOUNTS)
    assert len({claims["id_card"] for claims in ACCOUNTS.values()}) == len(ACCOUNTS)


def test_extra_accounts_keep_malformed_claims_and_duplicates_are_refused():
    extra = [{"username": "bad-id", "claims": {"sub": "x-1", "id_card": "123"}}]
    accounts = build_accounts(extra)
    assert accounts["bad-id"].claims["id_card"] == "123"
    assert accounts["bad-id"].check_password("demo")
    with pytest.raises(ValueError, match="duplicate"):
        build_accounts([{"username": "citizen", "claims": {"sub": "other"}}])
    with pytest.raises(ValueError, match="sub"):
        build_accounts([{"username": "no-sub", "claims": {}}])
