"""Demo accounts of the development identity provider (all with the password ``demo``).

Each account is data: a username and password to type on the login page, a label shown on the
home page, and the claims the province's platform would release (see shared/spec/identity.md).
The ``sub`` values are fixed so that accounts stay the same across restarts.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field

DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the demo accounts

#: The company used by the ``enterprise`` and ``agent`` accounts.
DEMO_COMPANY = {
    "uscc": "91440205MA4W3K7B95",
    "org_name": "韶关市曲江区马坝镇曲香食品有限公司",
}

DEMO_ACCOUNTS: list[dict] = [
    {
        "username": "citizen",
        "label": "自然人，实名等级 3",
        "claims": {
            "sub": "f874e353-0afd-4eb0-a241-28f3ab286603",
            "name": "张晓明",
            "user_type": "person",
            "id_card": "440205198506121231",
            "real_name_level": 3,
            "phone_number": "13800000001",
        },
    },
    {
        "username": "citizen-l1",
        "label": "自然人，实名等级 1（仅注册）",
        "claims": {
            "sub": "bd79eb43-bf8e-416a-88bf-dcbd1dcde61d",
            "name": "李秀英",
            "user_type": "person",
            "id_card": "440205199203082428",
            "real_name_level": 1,
            "phone_number": "13800000002",
        },
    },
    {
        "username": "senior",
        "label": "自然人，60 岁以上，实名等级 3",
        "claims": {
            "sub": "723d0c17-ad10-42ef-b301-3487edf8e49e",
            "name": "黄桂芳",
            "user_type": "person",
            "id_card": "440205195811033621",
            "real_name_level": 3,
            "phone_number": "13800000003",
        },
    },
    {
        "username": "enterprise",
        "label": "法人，演示企业的法定代表人，实名等级 3",
        "claims": {
            "sub": "cfae1437-2350-4d48-848d-f7fa500f8730",
            "name": "刘建华",
            "user_type": "legal_person",
            "id_card": "440205197609211518",
            "real_name_level": 3,
            "phone_number": "13800000004",
            **DEMO_COMPANY,
            "org_role": "legal_representative",
        },
    },
    {
        "username": "agent",
        "label": "法人，演示企业的经办人，实名等级 3",
        "claims": {
            "sub": "f5955940-76c9-47a7-815c-d764e5c35281",
            "name": "陈丽娟",
            "user_type": "legal_person",
            "id_card": "44020519900115274X",
            "real_name_level": 3,
            "phone_number": "13800000005",
            **DEMO_COMPANY,
            "org_role": "agent",
        },
    },
    {
        "username": "clerk",
        "label": "区市场监管局窗口人员（角色由网厅分配），实名等级 4",
        "claims": {
            "sub": "4638d29a-0940-423d-accf-4e6178361a76",
            "name": "王志强",
            "user_type": "person",
            "id_card": "440205198804301716",
            "real_name_level": 4,
            "phone_number": "13800000006",
        },
    },
    {
        "username": "reviewer",
        "label": "区市场监管局审查、决定人员（角色由网厅分配），实名等级 4",
        "claims": {
            "sub": "65180cdb-0aa4-4d63-a0be-bea1615ae7d3",
            "name": "何淑珍",
            "user_type": "person",
            "id_card": "440205197912023245",
            "real_name_level": 4,
            "phone_number": "13800000007",
        },
    },
    {
        "username": "town-clerk",
        "label": "马坝镇便民服务中心窗口人员（角色由网厅分配），实名等级 4",
        "claims": {
            "sub": "51d946f8-4638-4dba-a31c-63c6bf58275a",
            "name": "邓伟",
            "user_type": "person",
            "id_card": "440205199407191319",
            "real_name_level": 4,
            "phone_number": "13800000008",
        },
    },
    {
        "username": "dept-contact",
        "label": "区市场监管局考核联络员（角色由网厅分配），实名等级 4",
        "claims": {
            "sub": "a3f4c1d2-5b6e-4f70-8a91-2c3d4e5f6071",
            "name": "陈丽华",
            "user_type": "person",
            "id_card": "440205198605231823",
            "real_name_level": 4,
            "phone_number": "13800000010",
        },
    },
    {
        "username": "town-contact",
        "label": "马坝镇考核联络员（角色由网厅分配），实名等级 4",
        "claims": {
            "sub": "b4e5d2c3-6c7f-4081-9ba2-3d4e5f607182",
            "name": "李春梅",
            "user_type": "person",
            "id_card": "440205199108172644",
            "real_name_level": 4,
            "phone_number": "13800000011",
        },
    },
    {
        "username": "catalog-editor",
        "label": "区市场监管局事项管理员（角色由网厅分配），实名等级 4",
        "claims": {
            "sub": "c5f6e3d4-7d80-4192-acb3-4e5f60718293",
            "name": "刘建军",
            "user_type": "person",
            "id_card": "44020519850314151X",
            "real_name_level": 4,
            "phone_number": "13800000012",
        },
    },
    {
        "username": "bb-reviewer",
        "label": "区编办事项审核员（审核行政许可等行政权力事项），实名等级 4",
        "claims": {
            "sub": "d6a7f4e5-8e91-42a3-bdc4-5f60718293a4",
            "name": "黄敏",
            "user_type": "person",
            "id_card": "440205199006222620",
            "real_name_level": 4,
            "phone_number": "13800000013",
        },
    },
    {
        "username": "center-reviewer",
        "label": "区行政服务中心事项审核员（审核公共服务事项），实名等级 4",
        "claims": {
            "sub": "e7b8a5f6-9fa2-43b4-8ed5-60718293a4b5",
            "name": "周婷",
            "user_type": "person",
            "id_card": "440205198709093736",
            "real_name_level": 4,
            "phone_number": "13800000014",
        },
    },
    {
        "username": "office",
        "label": "区网厅办工作人员（角色由网厅分配），实名等级 4",
        "claims": {
            "sub": "162b4dc7-8661-4542-b281-fec89c033e92",
            "name": "钟国平",
            "user_type": "person",
            "id_card": "440205198202271951",
            "real_name_level": 4,
            "phone_number": "13800000009",
        },
    },
]


@dataclass(frozen=True)
class Account:
    """A person who can sign in at the provider."""

    username: str
    password: str
    label: str
    claims: dict = field(hash=False)
    # Claims released at /userinfo but left out of the ID token, as providers that keep their
    # ID tokens small do.
    userinfo_only: frozenset[str] = frozenset()

    @property
    def sub(self) -> str:
        """The stable subject identifier released as ``sub``."""
        return self.claims["sub"]

    def check_password(self, password: str) -> bool:
        """Compare ``password`` with the account's in constant time."""
        return hmac.compare_digest(self.password.encode(), password.encode())


def build_accounts(extra: list[dict] | str | None = None) -> dict[str, Account]:
    """Return the demo accounts plus ``extra`` ones (a list or its JSON text), by username.

    Extra accounts take the demo accounts' shape; their claims are released as given, even when
    malformed, so tests can check how a relying party refuses them.

    :raises ValueError: if an extra account has no username or ``sub``, or reuses a username.
    """
    if isinstance(extra, str):
        extra = json.loads(extra) if extra.strip() else []
    accounts: dict[str, Account] = {}
    for data in DEMO_ACCOUNTS + list(extra or []):
        account = _account_from_data(data)
        if account.username in accounts:
            raise ValueError(f"duplicate devidp account username: {account.username!r}")
        accounts[account.username] = account
    return accounts


def _account_from_data(data: dict) -> Account:
    username = data.get("username")
    claims = data.get("claims")
    if not username or not isinstance(claims, dict) or not claims.get("sub"):
        raise ValueError(f"a devidp account needs a username and claims with a sub: {data!r}")
    return Account(
        username=username,
        password=data.get("password", DEMO_PASSWORD),
        label=data.get("label", ""),
        claims=dict(claims),
        userinfo_only=frozenset(data.get("userinfo_only", ())),
    )
