"""The test session's development identity provider: the hall as its client, and accounts whose
claims the hall must refuse."""

from __future__ import annotations

import secrets

# The hall as a client of the development identity provider. The test client's requests carry
# the host `localhost`; the live server has its own port.
CLIENT_ID = "mobile-hall-test"
CLIENT_SECRET = secrets.token_urlsafe(32)
TEST_CLIENT_ORIGIN = "http://localhost"
# Accounts whose claims the hall must refuse (identity.md), beside the provider's demo accounts.
BROKEN_ACCOUNTS = [
    {
        "username": name,
        "password": "demo",
        "label": name,
        "claims": {
            "sub": f"broken-{name}",
            "name": "测试用户",
            "user_type": "person",
            "id_card": "440205198506121231",
            "real_name_level": 3,
            "phone_number": "13800000099",
            **claims,
        },
    }
    for name, claims in {
        "bad-id-card": {"id_card": "440205198506121232"},
        "no-id-card": {"id_card": None},
        "level-seven": {"real_name_level": 7},
        "bad-uscc": {
            "user_type": "legal_person",
            "uscc": "91440205MA4W3K7B96",
            "org_name": "某公司",
            "org_role": "legal_representative",
        },
        "no-user-type": {"user_type": None},
        "no-phone": {"phone_number": None},
        "renamed-claims": {
            "user_type": None,
            "id_card": None,
            "real_name_level": None,
            "kind": "person",
            "idNo": "440205198506121231",
            "authLevel": 3,
        },
    }.items()
]
for account in BROKEN_ACCOUNTS:
    account["claims"] = {k: v for k, v in account["claims"].items() if v is not None}
# Not broken: a provider that releases the level and the phone (in E.164 form) at userinfo
# only.
BROKEN_ACCOUNTS.append(
    {
        **BROKEN_ACCOUNTS[0],
        "username": "userinfo-claims",
        "label": "userinfo-claims",
        "claims": {
            **BROKEN_ACCOUNTS[0]["claims"],
            "sub": "userinfo-claims",
            "id_card": "440205198506121231",
            "phone_number": "+86 138 0000 0099",  # E.164, as OpenID Connect recommends
        },
        "userinfo_only": ["real_name_level", "phone_number"],
    }
)


def hall_config(identity_provider: str) -> dict[str, object]:
    """Settings that make an app a client of the test session's provider."""
    return {
        "OIDC_ISSUER": identity_provider,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_CLAIMS_MAP": {},
    }
