"""Problems found while ingesting: a refused file, a rejected row, a warning.

Every message a data officer sees is bilingual (Chinese first, then English) and names the file, the
row, the field, the value and the rule, so that the row can be fixed in the source and sent again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"

# rule -> (Chinese, English) message templates; {value} and {detail} are filled in.
RULES: dict[str, tuple[str, str]] = {
    "required": ("必填字段为空", "required value is empty"),
    "uscc_check_digit": (
        "统一社会信用代码无效（长度、字符或校验位错误）",
        "invalid USCC (length, characters or check digit)",
    ),
    "resident_id_check_digit": (
        "身份证号无效（长度、出生日期或校验位错误）",
        "invalid resident ID (length, birth date or check digit)",
    ),
    "date_format": ("日期格式无效，应为 YYYY-MM-DD", "not a date; expected YYYY-MM-DD"),
    "number_format": (
        "不是有效数字或分隔符有歧义（应为 {detail}）",
        "not a number, or its separators are ambiguous (expected {detail})",
    ),
    "too_long": ("值过长（{detail} 个字符）", "value too long ({detail} characters)"),
    "nul_byte": ("值中含有 NUL 空字符（\\0）", "the value contains a NUL byte (\\0)"),
    "future_date": ("日期在未来：{detail}", "the date lies in the future: {detail}"),
    "birth_date_mismatch": (
        "出生日期与身份证号中的出生日期不一致：{detail}（已导入，请核实）",
        "the birth date contradicts the one in the resident ID: {detail} (loaded; please check)",
    ),
    "formula_without_value": (
        "单元格是公式但没有保存计算结果：{detail}（请在 Excel 中重新计算并保存）",
        "the cell is a formula without a saved result: {detail} (recalculate and save in Excel)",
    ),
    "negative_amount": ("金额不能为负数", "amount must not be negative"),
    "percent_range": ("比例必须在 0 到 100 之间", "percentage must be within 0–100"),
    "unknown_code": ("不在代码表中：{detail}", "not in the code list: {detail}"),
    "phone_format": ("电话号码应为 7–15 位数字", "phone number must have 7–15 digits"),
    "bool_format": ("应为 是/否（true/false）", "expected yes/no (true/false)"),
    "text_format": ("标识符不能包含换行", "an identifier must not contain line breaks"),
    "column_count": (
        "该行的列数与表头不符：{detail}",
        "the row's number of fields differs from the header: {detail}",
    ),
    "write_failed": (
        "数据库拒绝写入该行：{detail}",
        "the database refused to write this row: {detail}",
    ),
    "merged_cell": (
        "合并单元格 {detail}，已按 Excel 的显示填入该值",
        "merged cells {detail}: the value Excel shows was filled in",
    ),
    "json_format": ("该行不是 JSON 对象", "the line is not a JSON object"),
    "duplicate_record_id": (
        "同一批次中记录编号重复（首次出现在第 {detail} 行）",
        "duplicate record_id in this ingest (first at row {detail})",
    ),
    "dangling_reference": (
        "引用的记录不存在（本批次和图数据库中均未找到）：{detail}",
        "referenced record exists nowhere (neither in this ingest nor in the graph): {detail}",
    ),
    "invalid_reference": ("引用的记录已被拒绝：{detail}", "referenced record was itself rejected: {detail}"),
    "shareholding_over_100": (
        "该企业的股东持股比例合计超过 100%：{detail}",
        "the holdings of this company sum to more than 100%: {detail}",
    ),
    "unknown_column": ("未知列，已忽略：{detail}", "unknown column, ignored: {detail}"),
}


@dataclass(frozen=True)
class Issue:
    """One finding about one value of one row (row 0 = about the file as a whole)."""

    severity: str
    file: str
    row: int
    record_id: str
    field: str
    value: str
    rule: str
    message_zh: str
    message_en: str

    def as_row(self) -> dict[str, object]:
        return asdict(self)


REJECT_COLUMNS = tuple(Issue.__dataclass_fields__)


def issue(
    rule: str,
    *,
    file: str,
    row: int,
    field: str,
    value: object,
    record_id: str = "",
    detail: str = "",
    severity: str = ERROR,
) -> Issue:
    zh, en = RULES[rule]
    shown = "" if value is None else str(value)
    return Issue(
        severity, file, row, record_id, field, shown, rule, zh.format(detail=detail), en.format(detail=detail)
    )


class FileRefused(Exception):
    """A file that is not what it claims to be: it is refused as a whole and nothing of it is loaded."""

    def __init__(self, file: str, reason_zh: str, reason_en: str):
        self.file = file
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        super().__init__(f"{file}: {reason_zh} / {reason_en}")
