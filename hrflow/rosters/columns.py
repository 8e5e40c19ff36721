"""The roster template: its sheets, columns and the values each column accepts.

Headers and values are the Chinese the officers' own spreadsheets use; the help sheet lists them.
A bureau's template (a county's or a city's schools) begins with a school column; a school's has
none. The staff list exports in the same layout (hrflow.rosters.exports), so a file goes out,
is corrected and comes back.
"""

from hrflow.contracts.models import Contract, DispatchAgreement
from hrflow.people.models import EmploymentType
from hrflow.people.validation import EDUCATION_ALIASES
from hrflow.policy import PostCategory
from hrflow.training.models import CertificateKind

STAFF_SHEET = "职工"
CONTRACT_SHEET = "合同"
HELP_SHEET = "填写说明"
LIST_SHEET = "选项"

SCHOOL = ("学校", "school")
STAFF_COLUMNS = [
    ("姓名", "name"),
    ("身份证号码", "id_number"),
    ("性别", "gender"),
    ("学历", "education"),
    ("干部身份", "cadre"),
    ("联系电话", "phone"),
    ("岗位类别", "category"),
    ("职称或技能等级", "title"),
    ("用工形式", "employment_type"),
    ("入职日期", "hired_on"),
    ("宿舍", "dormitory"),
    ("食品安全管理员", "food_safety_manager"),
    ("持有证书", "certificates"),
]
CONTRACT_COLUMNS = [
    ("姓名", "name"),
    ("身份证号码", "id_number"),
    ("合同类型", "kind"),
    ("开始日期", "starts_on"),
    ("结束日期", "ends_on"),
    ("试用期（月）", "probation_months"),
    ("约定月工资（元）", "agreed_pay"),
    ("试用期月工资（元）", "probation_pay"),
    ("派遣单位", "agency"),
    ("岗位性质", "post_nature"),
]

MAX_ROWS = 200_000  # a province's logistics staff fit one file

CATEGORY_VALUES = {
    "食堂": PostCategory.CANTEEN, "宿舍": PostCategory.DORMITORY, "能源": PostCategory.ENERGY, "物业": PostCategory.PROPERTY,
    "绿化": PostCategory.GREENING, "管理": PostCategory.MANAGEMENT, "专业技术": PostCategory.TECHNICAL,
}
EMPLOYMENT_VALUES = {
    "编制内": EmploymentType.ESTABLISHMENT, "合同制": EmploymentType.CONTRACT, "劳务派遣": EmploymentType.DISPATCHED,
    "政府购买服务": EmploymentType.PURCHASED_SERVICE,
}
DISPATCH = "dispatch"  # the contract sheet's third kind: a dispatch agreement, not a contract
KIND_VALUES = {"聘用合同": Contract.Kind.INSTITUTIONAL, "劳动合同": Contract.Kind.LABOUR, "派遣协议": DISPATCH}
NATURE_VALUES = {
    "临时性": DispatchAgreement.PostNature.TEMPORARY, "辅助性": DispatchAgreement.PostNature.AUXILIARY,
    "替代性": DispatchAgreement.PostNature.SUBSTITUTE,
}
# The certificates column: the export writes these words, the import reads them and the aliases.
CERTIFICATE_WORDS = {
    CertificateKind.HEALTH: "健康证明", CertificateKind.FOOD_SAFETY_MANAGER: "食品安全管理员", CertificateKind.ELECTRICIAN: "电工证",
    CertificateKind.BOILER_OPERATOR: "锅炉/压力容器操作", CertificateKind.SPECIAL_EQUIPMENT: "特种设备作业",
    CertificateKind.COOK: "厨师/烹调",
}
CERTIFICATE_ALIASES = {
    "健康证": CertificateKind.HEALTH, "食品安全管理员证": CertificateKind.FOOD_SAFETY_MANAGER, "厨师证": CertificateKind.COOK,
    "锅炉证": CertificateKind.BOILER_OPERATOR, "压力容器操作证": CertificateKind.BOILER_OPERATOR, "特种设备作业证": CertificateKind.SPECIAL_EQUIPMENT,
}
YES_NO = ["是", "否"]
GENDER_VALUES = ["男", "女"]
EDUCATION_VALUES = ["小学", "初中", "高中", "中专/职高/技校", "大专", "本科", "硕士研究生", "博士研究生"]
EDUCATION_WORDS = {EDUCATION_ALIASES[word]: word for word in EDUCATION_VALUES}  # code -> the template's word


def label_of(values: dict) -> dict:
    """code -> the template's word for it (the export writes these)."""
    return {code: word for word, code in values.items()}


def staff_columns(bureau: bool) -> list[tuple[str, str]]:
    return [SCHOOL, *STAFF_COLUMNS] if bureau else list(STAFF_COLUMNS)


def contract_columns(bureau: bool) -> list[tuple[str, str]]:
    return [SCHOOL, *CONTRACT_COLUMNS] if bureau else list(CONTRACT_COLUMNS)


# Drop-down lists by field: (values, whether the cell may stay empty).
LISTS = {
    "gender": GENDER_VALUES,
    "education": EDUCATION_VALUES,
    "cadre": YES_NO,
    "category": list(CATEGORY_VALUES),
    "employment_type": list(EMPLOYMENT_VALUES),
    "food_safety_manager": YES_NO,
    "kind": list(KIND_VALUES),
    "post_nature": list(NATURE_VALUES),
}

HELP = {
    # field -> what the help sheet says about the column (the accepted values are listed beside it)
    "school": "县（市、区）或市（州）教育局的名单填写：学校全称或学校代码，须在您的管理范围内；学校的名单没有此列。",
    "name": "与身份证一致，至多100字；少数民族姓名的间隔号“·”可用。",
    "id_number": "18位居民身份证号码，按文本填写（末位可为X）；同一文件中每人只填一行。已在系统中的人员按身份证号码关联，不改动其档案。",
    "gender": "须与身份证号码一致。",
    "education": "从下拉列表中选择。",
    "cadre": "是或否；空白视为否。",
    "phone": "11位手机号，或7至8位固定电话（可带区号，如028-86123456）；可空。",
    "category": "从下拉列表中选择（《通知》所列后勤岗位类别）。",
    "title": "职称或技能等级，如“中式烹调师四级”；可空，至多100字。",
    "employment_type": "从下拉列表中选择。劳务派遣人员在“合同”表中填派遣协议；政府购买服务人员不填合同。",
    "hired_on": "在本校开始工作的日期，如2019-09-01；不得晚于今天，入职时须年满16周岁。",
    "dormitory": "宿舍管理人员填所管宿舍的名称（须为本校已登记的宿舍）；其他岗位空白。",
    "food_safety_manager": "是或否；空白视为否。",
    "certificates": "持有的证书，逗号分隔，如“健康证明，食品安全管理员”；证书编号和有效期在“培训与证书”中登记。",
    "kind": "聘用合同（编制内人员）、劳动合同（合同制人员）或派遣协议（劳务派遣人员）。",
    "starts_on": "合同或派遣协议的开始日期。只导入目前有效或尚未开始的合同。",
    "ends_on": "结束日期；无固定期限合同空白，派遣协议必填。",
    "probation_months": "试用期月数，无试用期填0或空白；不得超过《劳动合同法》第十九条（编制内人员初次就业：《事业单位人事管理条例》第十三条）所许可的期限。",
    "agreed_pay": "约定的月工资（元），合同必填。",
    "probation_pay": "有试用期时必填：不低于约定工资的80%，且不低于当地最低工资标准（《劳动合同法》第二十条）。",
    "agency": "劳务派遣单位全称，派遣协议必填。",
    "post_nature": "派遣岗位的性质，派遣协议必填（《劳动合同法》第六十六条）。",
}
