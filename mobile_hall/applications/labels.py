"""Chinese texts of the applicant's pages: statuses, stages, channels and upload refusals."""

from __future__ import annotations

from ..catalog.labels import DELIVERY
from ..storage.files import Rejection, UploadRejected
from .constants import ApplicationStatus, Channel, Decision, Stage

STATUS = {
    ApplicationStatus.DRAFT: "草稿（未提交）",
    ApplicationStatus.SUBMITTED: "已提交，待受理",
    ApplicationStatus.SUPPLEMENT_PENDING: "待补正材料",
    ApplicationStatus.ACCEPTED: "已受理，审查中",
    ApplicationStatus.REVIEWED: "已审查，待决定",
    ApplicationStatus.DECIDED: "已决定，待办结",
    ApplicationStatus.COMPLETED: "已办结",
    ApplicationStatus.REJECTED: "不予受理",
    ApplicationStatus.WITHDRAWN: "已撤回",
}
STAGE = {
    Stage.SUBMIT: "提交申请",
    Stage.ACCEPT: "受理",
    Stage.REJECT_ACCEPT: "不予受理",
    Stage.SUPPLEMENT_REQUEST: "要求补正材料",
    Stage.SUPPLEMENT_SUBMIT: "提交补正材料",
    Stage.REVIEW: "审查",
    Stage.DECIDE: "决定",
    Stage.COMPLETE: "办结",
    Stage.DELIVER: "送达结果",
    Stage.VISIT: "到现场",
    Stage.EVALUATE: "评价",
    Stage.WITHDRAW: "撤回申请",
}
CHANNEL = {
    Channel.MOBILE: "手机",
    Channel.WEB: "网上",
    Channel.COUNTER: "窗口",
    Channel.DEPARTMENT_SYSTEM: "部门系统",
}
DECISION = {Decision.APPROVED: "准予许可", Decision.DENIED: "不予许可"}
SCORE = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}
# What a refused action tells the person (IllegalTransition.action → text).
REFUSED_ACTION = {
    "withdraw": "申请已受理，不能再撤回。如需撤回，请联系受理单位。",
    "attach": "现在不能上传这份材料。",
    "remove": "已随申请提交的材料不能删除。",
    "edit": "申请已提交，不能再修改。",
    "evaluate": "这件申请已经评价过了，每件申请只能评价一次。",
}
REFUSED_ACTION_DEFAULT = "当前状态下不能进行此操作。"

_UPLOAD_REJECTION = {
    Rejection.EMPTY: "文件是空的，请重新选择",
    Rejection.UNSUPPORTED_TYPE: "只能上传 JPG、PNG 照片或 PDF 文件",
}


LICENSE_UNUSABLE = "所选电子证照已过期或已注销，不能使用，请上传材料"


def upload_error(rejected: UploadRejected) -> str:
    """The Chinese message shown next to a material whose upload was refused."""
    megabytes = (rejected.max_bytes or 0) // (1024 * 1024)
    if rejected.reason is Rejection.TOO_LARGE:
        return f"文件过大：每个文件不能超过{megabytes}MB"
    if rejected.reason is Rejection.APPLICATION_TOO_LARGE:
        return f"一份申请的文件合计不能超过{megabytes}MB，请压缩后再上传"
    if rejected.reason is Rejection.TOO_MANY_FOR_MATERIAL:
        return f"这份材料最多上传{rejected.max_files}个文件，请先删除不需要的文件"
    if rejected.reason is Rejection.TOO_MANY_FOR_APPLICATION:
        return f"一份申请最多上传{rejected.max_files}个文件，请先删除不需要的文件"
    return _UPLOAD_REJECTION[rejected.reason]


def stage_result(stage: Stage, result: str) -> str:
    """The readable result of a process record (a decision, a delivery, a score), or ''."""
    if stage is Stage.DECIDE and result in DECISION:
        return DECISION[Decision(result)]
    if stage is Stage.EVALUATE and result.isdigit():
        return f"{result}分"
    if stage is Stage.DELIVER:
        return next((text for key, text in DELIVERY.items() if key == result), "")
    return ""
