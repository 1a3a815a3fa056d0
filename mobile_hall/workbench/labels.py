"""Chinese texts of the workbench pages: queues, statuses as clerks read them, actions, errors.

Stages, channels and decisions read the same on both sides and come from `applications.labels`.
"""

from ..applications.constants import ActorType, ApplicationStatus
from ..applications.labels import CHANNEL, DECISION, STAGE
from ..licenses.labels import REFUSED as LICENSE_REFUSED

__all__ = ["ACTION", "ACTOR", "CHANNEL", "DECISION", "DONE", "ERRORS", "QUEUE", "STAGE", "STATUS"]

QUEUE = {
    "new": "待受理",
    "review": "待审查",
    "decide": "待决定",
    "supplement": "补正中",
    "near_due": "即将到期",
    "overdue": "已超期",
    "complaints": "差评待回复",
    "tolerance": "容缺逾期",
}
STATUS = {
    ApplicationStatus.DRAFT: "草稿",
    ApplicationStatus.SUBMITTED: "待受理",
    ApplicationStatus.SUPPLEMENT_PENDING: "补正中",
    ApplicationStatus.ACCEPTED: "已受理，待审查",
    ApplicationStatus.REVIEWED: "已审查，待决定",
    ApplicationStatus.DECIDED: "已决定，待办结",
    ApplicationStatus.COMPLETED: "已办结",
    ApplicationStatus.REJECTED: "不予受理",
    ApplicationStatus.WITHDRAWN: "已撤回",
}
ACTOR = {ActorType.APPLICANT: "申请人", ActorType.CLERK: "工作人员", ActorType.SYSTEM: "系统"}
ACTION = {
    "accept": "受理",
    "reject_accept": "不予受理",
    "supplement_request": "一次性告知补正",
    "review": "审查意见",
    "decide": "作出决定",
    "complete": "办结送达",
    "visit": "记录现场到访",
    "reply": "回复评价",
}
DONE = {
    "accept": "已受理",
    "reject_accept": "已决定不予受理，已告知申请人",
    "supplement_request": "已一次性告知补正内容，办理时限暂停",
    "review": "已提交审查意见",
    "decide": "已作出决定",
    "complete": "已办结，结果已送达",
    "visit": "已记录现场到访",
    "reply": "已回复评价",
    "counter": "已登记窗口收件",
}
HANDLED_MEANWHILE = "该办件刚刚已由他人处理，请刷新后查看"
# ValueError codes of the workbench services: the form field they concern and what to say there.
ERRORS: dict[str, tuple[str | None, str]] = {
    "tolerance": ("deadline", "容缺受理须填写补交期限，且仅限允许容缺受理的事项"),
    "tolerance_deadline": ("deadline", "补交期限须晚于今天，且不超过承诺办结期限"),
    "reason": ("reason", "请写明理由"),
    "items": (None, "请勾选需要补正的材料，并逐项写明原因"),
    "opinion": ("opinion", "请填写审查意见"),
    "delivery": ("delivery", "请选择本事项提供的送达方式"),
    "reply": ("reply", "请填写回复内容"),
    "id_number": ("id_number", "身份证号码有误，请核对（18位，最后一位可能是X）"),
    # Issuing the electronic license at completion can refuse too (nothing is completed then).
    **{
        code: (None, f"无法签发电子证照：{LICENSE_REFUSED[code]}")
        for code in ("license_holder", "license_type", "issuer", "holder_name", "dates")
    },
}
