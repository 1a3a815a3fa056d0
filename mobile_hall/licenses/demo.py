"""Demo licenses, so that the demo people's wallets are not empty: the demo company's business
license and 张晓明's marriage certificate, entered as converted paper licenses."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..audit.services import record_event
from ..catalog.models import LicenseType
from ..extensions import db
from ..identity.identifiers import mask_id_number
from .constants import LicenseSource
from .issuance import Holder, content_hash, issue_license, license_data
from .models import License

BUSINESS_LICENSE = "11440205MB2C31477C001"  # 营业执照
MARRIAGE_CERTIFICATE = "114402050070186335001"  # 结婚证
DEMO_COMPANY = ("韶关市曲江区马坝镇曲香食品有限公司", "91440205MA4W3K7B95")
DEMO_CITIZEN = ("张晓明", "440205198506121231")
SPOUSE_ID_NUMBER = "440205198807153325"  # 林小燕, as in the demo history


def _demo_licenses() -> list[tuple[str, Holder, date, dict[str, str]]]:
    company, citizen = Holder.enterprise(*DEMO_COMPANY), Holder.person(*DEMO_CITIZEN)
    return [
        (
            BUSINESS_LICENSE,
            company,
            date(2019, 6, 18),
            {
                "uscc": DEMO_COMPANY[1],
                "name": DEMO_COMPANY[0],
                "entity_type": "有限责任公司（自然人投资或控股）",
                "legal_representative": "刘建华",
                "address": "韶关市曲江区马坝镇工业园区兴业路8号",
                "registered_capital": "人民币伍拾万元",
                "established_on": "2019-06-18",
                "business_term": "长期",
                "scope": "食品生产；食品销售；农副产品销售",
                "registration_authority": "韶关市曲江区市场监督管理局",
                "issued_on": "2019-06-18",
            },
        ),
        (
            MARRIAGE_CERTIFICATE,
            citizen,
            date(2013, 10, 2),
            {
                "certificate_number": "J440205-2013-000518",
                "holder_name": DEMO_CITIZEN[0],
                "registered_on": "2013-10-02",
                "husband_name": DEMO_CITIZEN[0],
                "husband_id_number": mask_id_number(DEMO_CITIZEN[1]),
                "wife_name": "林小燕",
                "wife_id_number": mask_id_number(SPOUSE_ID_NUMBER),
                "registration_authority": "韶关市曲江区民政局",
            },
        ),
    ]


def load_demo_licenses() -> int:
    """Issue the demo licenses that are not in the library yet; returns how many were issued.

    Running it again issues nothing. Needs the license types (the reference data) loaded.
    """
    issued = 0
    for code, holder, issued_on, data in _demo_licenses():
        license_type = db.session.execute(
            sa.select(LicenseType).where(LicenseType.code == code)
        ).scalar_one()
        texts = license_data(license_type, data)
        known = db.session.scalar(
            sa.select(License.id).where(
                License.content_hash == content_hash(license_type, holder, texts)
            )
        )
        if known is not None:
            continue
        license = issue_license(
            license_type,
            license_type.issuing_unit,
            holder,
            texts,
            source=LicenseSource.IMPORTED,
            valid_from=issued_on,
        )
        record_event("cli:demo-load", "licenses.import", target=f"license:{license.identifier}")
        issued += 1
    db.session.commit()
    return issued
