"""The input contract as data: which files riskgraph ingests, their columns, types and code lists.

Readers, validators, the loader, the data generator (``ingest/generator``) and docs/data-interface.md
all read this module, so a column is described once. Keep it stable: the generator emits exactly
these files and columns.

Conventions
- One file per kind, named by the kind's ``stem`` (``companies.csv``, ``companies.xlsx`` or
  ``companies.jsonl``); a folder may hold any subset of the kinds.
- Every file has a ``record_id`` column: the row's own id in its source system. ``source`` (given on
  the command line) + kind + ``record_id`` identify a source record for ever; re-sending the same
  record id with other values is an update of that record, not a new one.
- Relationship files name their parties by the parties' ``record_id`` in the same source
  (``holder_ref``, ``company_ref``, ``person_ref`` …). A ``*_kind`` column says whether a party
  reference points to ``companies`` or ``persons`` where both are possible. The party may also carry
  its strong identifier (``*_uscc`` / ``*_id_number``); a reference is satisfied when the record id
  is found in this ingest or in the graph (an earlier batch of the same source) or, failing that,
  when the strong identifier is found there.
- Loans are referenced by their business key ``loan_id`` (the bank's loan/contract number).
- Code-list columns accept the code or its Chinese name (e.g. ``spouse`` or ``配偶``).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_model.schema import BLACKLIST_KINDS, FAMILY_RELATIONS, LOAN_STATUSES, POSITION_ROLES

# --- column types ------------------------------------------------------------------------------
STRING = "string"  # free text, stored exactly as received (after trimming outer whitespace)
ID = "id"  # an identifier: non-empty text, no line breaks
USCC = "uscc"  # 统一社会信用代码, 18 chars, mod-31 check digit
RESIDENT_ID = "resident_id"  # 居民身份证 18 chars with mod-11 check digit, or masked (3301**********1234)
DATE = "date"  # YYYY-MM-DD (also YYYY/MM/DD, YYYYMMDD, Excel date cells)
DECIMAL = "decimal"  # a non-negative amount in CNY; thousands separators allowed (1,234.50)
PERCENT = "percent"  # 0–100, optional trailing % (35, 35.5, 35.5%)
ENUM = "enum"  # one of a code list (code or Chinese name)
PHONE = "phone"  # 7–15 digits after removing spaces, dashes, brackets and a +86 / 0086 prefix
BOOL = "bool"  # true/false, 1/0, yes/no, 是/否, Y/N
COLUMN_TYPES = (STRING, ID, USCC, RESIDENT_ID, DATE, DECIMAL, PERCENT, ENUM, PHONE, BOOL)

# --- file kinds --------------------------------------------------------------------------------
COMPANIES = "companies"
PERSONS = "persons"
POSITIONS = "positions"
SHAREHOLDINGS = "shareholdings"
LOANS = "loans"
GUARANTEES = "guarantees"
BLACKLIST = "blacklist"
FAMILY = "family"
CONTACTS = "contacts"

# --- code lists: code -> Chinese name ----------------------------------------------------------
PARTY_KINDS: dict[str, str] = {"company": "企业", "person": "自然人"}
POSITION_ROLE_NAMES: dict[str, str] = dict(
    zip(POSITION_ROLES, ("法定代表人", "董事长", "董事", "监事", "高级管理人员"), strict=True)
)
BLACKLIST_KIND_NAMES: dict[str, str] = dict(
    zip(
        BLACKLIST_KINDS,
        ("失信被执行人", "限制高消费", "经营异常名录", "严重违法失信名单", "行政处罚", "本行内部名单"),
        strict=True,
    )
)
LOAN_STATUS_NAMES: dict[str, str] = dict(zip(LOAN_STATUSES, ("正常", "逾期", "违约", "结清"), strict=True))
FAMILY_RELATION_NAMES: dict[str, str] = dict(
    zip(FAMILY_RELATIONS, ("配偶", "父母", "子女", "兄弟姐妹"), strict=True)
)
GUARANTEE_KINDS: dict[str, str] = {
    "joint": "连带责任保证",
    "general": "一般保证",
    "mortgage": "抵押",
    "pledge": "质押",
}
CONTACT_TYPES: dict[str, str] = {"phone": "电话", "address": "地址"}
ADDRESS_KINDS: dict[str, str] = {"registered": "注册地址", "office": "办公地址", "home": "住址"}
GENDERS: dict[str, str] = {"M": "男", "F": "女"}

CODE_LISTS: dict[str, dict[str, str]] = {
    "party_kind": PARTY_KINDS,
    "position_role": POSITION_ROLE_NAMES,
    "blacklist_kind": BLACKLIST_KIND_NAMES,
    "loan_status": LOAN_STATUS_NAMES,
    "family_relation": FAMILY_RELATION_NAMES,
    "guarantee_kind": GUARANTEE_KINDS,
    "contact_type": CONTACT_TYPES,
    "address_kind": ADDRESS_KINDS,
    "gender": GENDERS,
}


@dataclass(frozen=True)
class Column:
    """One column of a file kind.

    ``ref`` names what a reference column points to: a kind (``"companies"``), ``"party"`` (companies
    or persons, chosen by the column named in ``kind_column``), or ``"loans.loan_id"``. ``strong_id``
    names the sibling column that may carry the referenced party's strong identifier.
    """

    name: str
    type: str
    required: bool = False
    description: str = ""
    zh: str = ""
    codes: str | None = None  # key into CODE_LISTS for ENUM columns
    ref: str | None = None
    kind_column: str | None = None
    strong_id: str | None = None
    example: str = ""


@dataclass(frozen=True)
class FileKind:
    kind: str
    zh: str
    description: str
    columns: tuple[Column, ...]

    @property
    def stem(self) -> str:
        """File name without extension; ``companies.csv`` / ``.xlsx`` / ``.jsonl`` all qualify."""
        return self.kind

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def references(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.ref)


def _record_id() -> Column:
    return Column(
        "record_id",
        ID,
        True,
        "the row's own id in its source system (unique per kind and source)",
        "源记录编号",
        example="R000001",
    )


def _validity() -> tuple[Column, ...]:
    return (
        Column("valid_from", DATE, False, "first day the fact holds", "生效日期", example="2021-03-01"),
        Column("valid_to", DATE, False, "last day the fact holds (empty = still valid)", "失效日期"),
    )


def _party(prefix: str, zh: str, *, kinds: str = "party") -> tuple[Column, ...]:
    """The columns that name one party of a relationship: kind, record reference, strong ids."""
    cols: list[Column] = []
    if kinds == "party":
        cols.append(
            Column(
                f"{prefix}_kind",
                ENUM,
                True,
                f"{prefix} is a company or a person",
                f"{zh}类型",
                codes="party_kind",
                example="company",
            )
        )
    cols.append(
        Column(
            f"{prefix}_ref",
            ID,
            True,
            f"record_id of the {prefix} in companies/persons of this source",
            f"{zh}记录编号",
            ref=kinds,
            kind_column=f"{prefix}_kind" if kinds == "party" else None,
            strong_id=f"{prefix}_uscc"
            if kinds == COMPANIES
            else (f"{prefix}_id_number" if kinds == PERSONS else f"{prefix}_strong_id"),
            example="C000001",
        )
    )
    if kinds == COMPANIES:
        cols.append(
            Column(f"{prefix}_uscc", USCC, False, f"USCC of the {prefix}, if known", f"{zh}统一社会信用代码")
        )
    elif kinds == PERSONS:
        cols.append(
            Column(
                f"{prefix}_id_number",
                RESIDENT_ID,
                False,
                f"resident ID of the {prefix}, if known",
                f"{zh}身份证号",
            )
        )
    else:
        cols.append(
            Column(
                f"{prefix}_strong_id",
                STRING,
                False,
                f"USCC (company) or resident ID (person) of the {prefix}, if known",
                f"{zh}证件号码",
            )
        )
    return tuple(cols)


KINDS: tuple[FileKind, ...] = (
    FileKind(
        COMPANIES,
        "企业",
        "Legal entities (customers, shareholders, guarantors); branches are their own rows.",
        columns=(
            _record_id(),
            Column(
                "uscc",
                USCC,
                False,
                "统一社会信用代码; empty for entities without one (then keyed provisionally)",
                "统一社会信用代码",
                example="91110000600037341L",
            ),
            Column(
                "name",
                STRING,
                True,
                "registered name as received",
                "企业名称",
                example="北京某某科技有限公司",
            ),
            Column("legal_form", STRING, False, "legal form, e.g. 有限责任公司", "企业类型"),
            Column(
                "registered_capital",
                DECIMAL,
                False,
                "registered capital, CNY",
                "注册资本（元）",
                example="10000000",
            ),
            Column(
                "net_assets",
                DECIMAL,
                False,
                "net assets, CNY (guarantee leverage denominator)",
                "净资产（元）",
            ),
            Column("established", DATE, False, "registration date", "成立日期", example="2008-06-18"),
            Column("status", STRING, False, "operating status as received (存续, 注销 …)", "经营状态"),
            Column("industry", STRING, False, "industry code or name", "行业"),
            Column("region", STRING, False, "administrative region", "地区"),
            Column("bank_branch", STRING, False, "managing bank branch", "管户机构"),
            Column(
                "is_branch", BOOL, False, "a branch office (分公司/支行 …)", "是否分支机构", example="false"
            ),
            Column(
                "parent_ref",
                ID,
                False,
                "record_id of the parent company when is_branch",
                "上级机构记录编号",
                ref=COMPANIES,
                strong_id="parent_uscc",
            ),
            Column(
                "parent_uscc", USCC, False, "USCC of the parent company, if known", "上级机构统一社会信用代码"
            ),
            Column("valid_from", DATE, False, "date from which these values hold", "生效日期"),
        ),
    ),
    FileKind(
        PERSONS,
        "自然人",
        "Natural persons (shareholders, officers, guarantors, borrowers, relatives).",
        columns=(
            _record_id(),
            Column("name", STRING, True, "name as received", "姓名", example="王伟"),
            Column(
                "id_number",
                RESIDENT_ID,
                False,
                "居民身份证: full 18 chars (check digit verified) or masked like 3301**********1234",
                "身份证号",
                example="11010519491231002X",
            ),
            Column("birth_date", DATE, False, "birth date (else taken from a full ID)", "出生日期"),
            Column("gender", ENUM, False, "M / F (男 / 女)", "性别", codes="gender"),
            Column("bank_branch", STRING, False, "managing bank branch", "管户机构"),
            Column("valid_from", DATE, False, "date from which these values hold", "生效日期"),
        ),
    ),
    FileKind(
        POSITIONS,
        "任职",
        "Offices held by persons in companies.",
        columns=(
            _record_id(),
            *_party("person", "人员", kinds=PERSONS),
            *_party("company", "企业", kinds=COMPANIES),
            Column(
                "role",
                ENUM,
                True,
                "role code or Chinese name",
                "职务类别",
                codes="position_role",
                example="legal_representative",
            ),
            Column("title", STRING, False, "title as received", "职务名称", example="执行董事兼总经理"),
            *_validity(),
        ),
    ),
    FileKind(
        SHAREHOLDINGS,
        "持股",
        "Direct shareholdings: holder (company or person) → company.",
        columns=(
            _record_id(),
            *_party("holder", "股东"),
            *_party("company", "被投资企业", kinds=COMPANIES),
            Column("pct", PERCENT, True, "share 0–100", "持股比例（%）", example="35.5"),
            Column("amount", DECIMAL, False, "subscribed capital, CNY", "认缴出资额（元）"),
            Column("as_of", DATE, False, "date of the register extract", "登记日期"),
            *_validity(),
        ),
    ),
    FileKind(
        LOANS,
        "贷款",
        "Loans (credit facilities drawn) and their borrower.",
        columns=(
            _record_id(),
            Column(
                "loan_id",
                ID,
                True,
                "the bank's loan / contract number (business key)",
                "贷款编号",
                example="L2023000001",
            ),
            *_party("borrower", "借款人"),
            Column("amount", DECIMAL, True, "principal, CNY", "贷款金额（元）", example="5000000"),
            Column("balance", DECIMAL, False, "outstanding balance, CNY", "贷款余额（元）"),
            Column("currency", STRING, False, "ISO 4217, default CNY", "币种", example="CNY"),
            Column("start_date", DATE, False, "drawdown date", "发放日期"),
            Column("maturity_date", DATE, False, "maturity date", "到期日期"),
            Column(
                "status",
                ENUM,
                True,
                "loan status code or Chinese name",
                "贷款状态",
                codes="loan_status",
                example="normal",
            ),
            Column("bank_branch", STRING, False, "booking branch", "经办机构"),
        ),
    ),
    FileKind(
        GUARANTEES,
        "担保",
        "Guarantee contracts: guarantor → borrower, optionally tied to a loan.",
        columns=(
            _record_id(),
            Column("contract_id", ID, True, "guarantee contract id", "担保合同编号", example="G2023000001"),
            *_party("guarantor", "担保人"),
            *_party("borrower", "被担保人"),
            Column(
                "loan_id",
                ID,
                False,
                "loan secured (loans.loan_id, in this ingest or the graph)",
                "贷款编号",
                ref="loans.loan_id",
            ),
            Column("amount", DECIMAL, True, "guaranteed amount, CNY", "担保金额（元）", example="3000000"),
            Column(
                "kind", ENUM, False, "guarantee kind", "担保方式", codes="guarantee_kind", example="joint"
            ),
            *_validity(),
        ),
    ),
    FileKind(
        BLACKLIST,
        "名单",
        "Listings of parties on blacklists (court, regulator, bank-internal).",
        columns=(
            _record_id(),
            Column(
                "entry_id",
                ID,
                True,
                "id of the listing (case number / list entry), unique",
                "名单记录编号",
                example="(2023)京0105执1234号",
            ),
            *_party("party", "被列入方"),
            Column(
                "kind",
                ENUM,
                True,
                "list kind code or Chinese name",
                "名单类别",
                codes="blacklist_kind",
                example="dishonest_judgment_debtor",
            ),
            Column("list_date", DATE, True, "date listed", "列入日期", example="2023-05-10"),
            Column("removal_date", DATE, False, "date removed (empty = still listed)", "移出日期"),
            Column("authority", STRING, False, "issuing court / authority", "发布机关"),
            Column("reason", STRING, False, "reason as published", "列入原因"),
        ),
    ),
    FileKind(
        FAMILY,
        "亲属关系",
        "Near-relative ties between persons, read as 'person is <relation> of relative'.",
        columns=(
            _record_id(),
            *_party("person", "本人", kinds=PERSONS),
            *_party("relative", "亲属", kinds=PERSONS),
            Column(
                "relation",
                ENUM,
                True,
                "relation code or Chinese name",
                "关系",
                codes="family_relation",
                example="spouse",
            ),
            *_validity(),
        ),
    ),
    FileKind(
        CONTACTS,
        "联系方式",
        "Phones and addresses given by parties (shared ones link the parties).",
        columns=(
            _record_id(),
            *_party("party", "当事方"),
            Column(
                "contact_type",
                ENUM,
                True,
                "phone or address",
                "联系方式类型",
                codes="contact_type",
                example="phone",
            ),
            Column(
                "value",
                STRING,
                True,
                "the phone number or the address text as received",
                "号码或地址",
                example="010-6532 8888",
            ),
            Column(
                "address_kind",
                ENUM,
                False,
                "for addresses: registered / office / home",
                "地址类型",
                codes="address_kind",
            ),
            *_validity(),
        ),
    ),
)

KIND_NAMES: tuple[str, ...] = tuple(k.kind for k in KINDS)
FILE_EXTENSIONS: tuple[str, ...] = (".csv", ".xlsx", ".jsonl")
# Loading order: parties before the facts that reference them.
LOAD_ORDER: tuple[str, ...] = (
    COMPANIES,
    PERSONS,
    LOANS,
    BLACKLIST,
    POSITIONS,
    SHAREHOLDINGS,
    GUARANTEES,
    FAMILY,
    CONTACTS,
)


def file_kind(kind: str) -> FileKind:
    for fk in KINDS:
        if fk.kind == kind:
            return fk
    raise KeyError(kind)


def code_lookup(codes: str) -> dict[str, str]:
    """Every accepted spelling of a code list (code, lower-case code, Chinese name) → the code."""
    table: dict[str, str] = {}
    for code, zh in CODE_LISTS[codes].items():
        table[code] = code
        table[code.lower()] = code
        table[zh] = code
    return table
