"""Credit facts of the true world: loans, guarantee contracts (with planted structures), blacklists.

Guarantee edges go guarantor → borrower. To know the true guarantee circles exactly, every edge
that is not part of a planted mutual pair or circle goes *up* a random rank order of the companies
(strictly), and the members of one planted pair/circle share one rank. A cycle therefore can only
run inside one planted pair/circle: the strongly connected components of the true guarantee graph
are exactly the planted ones (truth.py recomputes them and the tests check it). Persons guarantee
but are never guaranteed, so they cannot close a cycle either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ingest.generator.names import short_place
from ingest.generator.world import AS_OF, COMPANY, PERSON, World, _ord

PROVINCE_ABBR = {
    "北京市": "京",
    "天津市": "津",
    "上海市": "沪",
    "重庆市": "渝",
    "河北省": "冀",
    "河南省": "豫",
    "云南省": "云",
    "辽宁省": "辽",
    "黑龙江省": "黑",
    "湖南省": "湘",
    "安徽省": "皖",
    "山东省": "鲁",
    "新疆维吾尔自治区": "新",
    "江苏省": "苏",
    "浙江省": "浙",
    "江西省": "赣",
    "湖北省": "鄂",
    "广西壮族自治区": "桂",
    "甘肃省": "甘",
    "山西省": "晋",
    "内蒙古自治区": "蒙",
    "陕西省": "陕",
    "吉林省": "吉",
    "福建省": "闽",
    "贵州省": "黔",
    "广东省": "粤",
    "青海省": "青",
    "西藏自治区": "藏",
    "四川省": "川",
    "宁夏回族自治区": "宁",
    "海南省": "琼",
}
GUARANTEE_KIND_P = (("joint", 0.7), ("general", 0.1), ("mortgage", 0.12), ("pledge", 0.08))
REASONS = {
    "dishonest_judgment_debtor": (
        "有履行能力而拒不履行生效法律文书确定义务",
        "违反财产报告制度",
        "以虚假诉讼规避执行",
    ),
    "consumption_restriction": ("未按执行通知书指定的期间履行给付义务",),
    "abnormal_operation": (
        "未按规定公示年度报告",
        "通过登记的住所或者经营场所无法联系",
        "公示信息隐瞒真实情况、弄虚作假",
    ),
    "serious_violation": ("被列入经营异常名录届满3年仍未履行相关义务", "提交虚假材料取得登记"),
    "administrative_penalty": ("虚开增值税发票", "违反环境保护法规", "违反安全生产规定", "无证经营"),
    "bank_internal": ("贷款本息逾期超过90天", "挪用贷款资金", "提供虚假财务报表"),
}
COMPANY_LIST_KINDS = (
    ("dishonest_judgment_debtor", 0.3),
    ("consumption_restriction", 0.15),
    ("abnormal_operation", 0.25),
    ("serious_violation", 0.05),
    ("administrative_penalty", 0.17),
    ("bank_internal", 0.08),
)
PERSON_LIST_KINDS = (
    ("dishonest_judgment_debtor", 0.45),
    ("consumption_restriction", 0.45),
    ("bank_internal", 0.1),
)


@dataclass
class Credit:
    # loans
    l_id: list[str] = field(default_factory=list)
    l_kind: list[int] = field(default_factory=list)
    l_party: list[int] = field(default_factory=list)
    l_amount: list[float] = field(default_factory=list)
    l_balance: list[float] = field(default_factory=list)
    l_start: list[int] = field(default_factory=list)
    l_maturity: list[int] = field(default_factory=list)
    l_status: list[str] = field(default_factory=list)
    l_branch: list[str] = field(default_factory=list)
    # guarantee contracts
    g_id: list[str] = field(default_factory=list)
    g_kind: list[int] = field(default_factory=list)
    g_guarantor: list[int] = field(default_factory=list)
    g_borrower: list[int] = field(default_factory=list)  # always a company
    g_loan: list[int] = field(default_factory=list)
    g_amount: list[float] = field(default_factory=list)
    g_type: list[str] = field(default_factory=list)
    g_start: list[int] = field(default_factory=list)
    g_tag: list[str] = field(default_factory=list)  # which planted structure (or "ordinary")
    # blacklist entries
    b_id: list[str] = field(default_factory=list)
    b_kind_party: list[int] = field(default_factory=list)
    b_party: list[int] = field(default_factory=list)
    b_kind: list[str] = field(default_factory=list)
    b_list: list[int] = field(default_factory=list)
    b_removal: list[int] = field(default_factory=list)  # -1 = still listed
    b_authority: list[str] = field(default_factory=list)
    b_reason: list[str] = field(default_factory=list)
    # planted structures and the rank order that keeps everything else acyclic
    planted: dict = field(default_factory=dict)
    rank: np.ndarray | None = None
    distressed: np.ndarray | None = None
    # facts planted later against the example bank (bank.py) are appended after these many
    n_base_loans: int | None = None
    n_base_listings: int | None = None
    full_id_persons: frozenset[int] = frozenset()  # the bank's insiders: its systems hold their full IDs
    stale_holdings: list[tuple[int, int, int, int]] = field(default_factory=list)  # registry-only rows

    def base_loans(self) -> int:
        """How many loans the credit world drew itself (planted ones follow them)."""
        return len(self.l_id) if self.n_base_loans is None else self.n_base_loans

    def base_listings(self) -> int:
        return len(self.b_id) if self.n_base_listings is None else self.n_base_listings


def build_credit(w: World) -> Credit:
    rng = np.random.default_rng(np.random.SeedSequence([w.seed, 2]))
    n = w.n_companies
    cr = Credit()
    eligible = np.flatnonzero((w.c_parent < 0) & (w.c_shell < 0))
    pool = [int(x) for x in eligible[rng.permutation(len(eligible))]]
    e = len(eligible)
    take_pos = 0

    def take(k: int) -> list[int]:
        nonlocal take_pos
        out = pool[take_pos : take_pos + k]
        take_pos += k
        return out

    rank = rng.permutation(n).astype(np.float64)
    planted: dict[str, list] = {
        "mutual_pairs": [],
        "circles": [],
        "chains": [],
        "cross_hubs": [],
        "focus_hubs": [],
    }
    edges: list[tuple[int, int, int, str]] = []  # guarantor kind, guarantor, borrower, tag
    for _ in range(max(3, int(e * 0.008))):
        a, b = take(2)
        rank[a] = rank[b] = min(rank[a], rank[b])
        planted["mutual_pairs"].append([a, b])
        edges += [(COMPANY, a, b, "mutual_pair"), (COMPANY, b, a, "mutual_pair")]
    sizes = np.arange(3, 9)
    size_p = np.array([0.35, 0.25, 0.15, 0.1, 0.08, 0.07])
    for _ in range(max(3, int(e * 0.002))):
        k = int(rng.choice(sizes, p=size_p))
        ms = take(k)
        r = min(rank[m] for m in ms)
        for m in ms:
            rank[m] = r
        planted["circles"].append(ms)
        edges += [(COMPANY, ms[i], ms[(i + 1) % k], "circle") for i in range(k)]
    for _ in range(max(3, int(e * 0.002))):
        ms = sorted(take(int(rng.integers(3, 7))), key=lambda m: rank[m])
        planted["chains"].append(ms)
        edges += [(COMPANY, ms[i], ms[i + 1], "chain") for i in range(len(ms) - 1)]
    for _ in range(max(3, int(e * 0.0015))):
        ms = sorted(take(int(rng.integers(4, 12))), key=lambda m: rank[m])
        planted["cross_hubs"].append({"hub": ms[0], "borrowers": ms[1:]})
        edges += [(COMPANY, ms[0], b, "cross_hub") for b in ms[1:]]
    for _ in range(max(3, int(e * 0.0015))):
        ms = sorted(take(int(rng.integers(4, 8))), key=lambda m: rank[m])
        planted["focus_hubs"].append({"borrower": ms[-1], "guarantors": ms[:-1]})
        edges += [(COMPANY, g, ms[-1], "focus_hub") for g in ms[:-1]]

    # intra-group guarantees (up the rank order) and the controller's personal guarantee
    for gr in w.groups:
        ms = sorted(gr["members"], key=lambda m: rank[m])
        for _ in range(max(1, len(ms) // 2)):
            i, j = sorted(int(x) for x in rng.choice(len(ms), size=2, replace=False))
            if rank[ms[i]] < rank[ms[j]]:
                edges.append((COMPANY, ms[i], ms[j], "group"))
        for m in rng.choice(ms, size=min(len(ms), int(rng.integers(1, 4))), replace=False):
            edges.append((PERSON, gr["boss"], int(m), "controller_personal"))

    # borrowers: everyone a guarantee points at, plus a share of the rest
    borrower = np.zeros(n, bool)
    for _, _, b, _ in edges:
        borrower[b] = True
    borrower[eligible[rng.random(e) < 0.45]] = True
    borrower[(w.c_group >= 0) & (w.c_parent < 0) & (rng.random(n) < 0.7)] = True
    borrower[w.c_parent >= 0] = False

    # ordinary guarantees: random pairs kept only when they go strictly up the rank order
    bl = np.flatnonzero(borrower)
    m = int(e * 0.5)
    gi = eligible[rng.integers(0, e, size=m)]
    bi = bl[rng.integers(0, len(bl), size=m)]
    keep = rank[gi] < rank[bi]
    for g, b in zip(gi[keep][: int(e * 0.25)], bi[keep][: int(e * 0.25)], strict=True):
        edges.append((COMPANY, int(g), int(b), "ordinary"))
    # owners' personal guarantees on standalone companies' loans
    majority: dict[int, int] = {}
    hs = w.holdings
    for k, h, c, bp in zip(hs.holder_kind, hs.holder, hs.company, hs.bp, strict=True):
        if k == PERSON and bp > 5000:
            majority[c] = h
    for b in bl[rng.random(len(bl)) < 0.25]:
        if int(b) in majority and w.c_group[b] < 0:
            edges.append((PERSON, majority[int(b)], int(b), "owner_personal"))

    # distress: circles and pairs are riskier, as the studies of Chinese guarantee networks find
    distressed = np.zeros(n, bool)
    distressed[bl[rng.random(len(bl)) < 0.04]] = True
    for ms in planted["mutual_pairs"] + planted["circles"]:
        for x in ms:
            if rng.random() < 0.12:
                distressed[x] = True

    # loans
    loans_of: dict[int, list[int]] = {}
    serial = 0

    def add_loan(kind: int, party: int, scale: float, dist: bool, branch: str) -> int:
        nonlocal serial
        serial += 1
        start = int(rng.integers(_ord(2020), _ord(2025, 11)))
        years = int(rng.choice([1, 2, 3, 3, 5]))
        maturity = start + years * 365
        amount = float(max(1e5, np.round(scale * np.exp(rng.normal(0, 0.7)), -4)))
        if dist:
            status = str(rng.choice(["defaulted", "overdue", "normal"], p=[0.5, 0.4, 0.1]))
        elif maturity < AS_OF.toordinal() and rng.random() < 0.9:
            status = "closed"
        else:
            status = str(rng.choice(["normal", "overdue", "defaulted"], p=[0.95, 0.035, 0.015]))
        balance = 0.0 if status == "closed" else float(np.round(amount * rng.uniform(0.2, 1.0), -2))
        year = dt.date.fromordinal(start).year
        cr.l_id.append(f"L{year}{serial:09d}")
        cr.l_kind.append(kind)
        cr.l_party.append(party)
        cr.l_amount.append(amount)
        cr.l_balance.append(balance)
        cr.l_start.append(start)
        cr.l_maturity.append(maturity)
        cr.l_status.append(status)
        cr.l_branch.append(branch)
        return len(cr.l_id) - 1

    for b_ix in bl:
        b = int(b_ix)
        k = 1 + int(rng.geometric(0.6)) - 1
        for j in range(max(1, k)):
            li = add_loan(
                COMPANY, b, max(w.c_capital[b], 1e6) * 0.6, bool(distressed[b]) and j == 0, w.c_branch_bank[b]
            )
            loans_of.setdefault(b, []).append(li)
    for p in np.flatnonzero(rng.random(w.n_persons) < 0.03):
        add_loan(PERSON, int(p), 5e5, rng.random() < 0.05, w.p_branch_bank[int(p)])

    # guarantee contracts: one per edge, securing one of the borrower's loans
    types, tp = zip(*GUARANTEE_KIND_P, strict=True)
    for gk, g, b, tag in edges:
        ls = loans_of[b]
        li = ls[int(rng.integers(0, len(ls)))]
        amount = float(np.round(cr.l_amount[li] * rng.uniform(0.3, 1.0), -4))
        cr.g_id.append(f"GC{dt.date.fromordinal(cr.l_start[li]).year}{len(cr.g_id) + 1:09d}")
        cr.g_kind.append(gk)
        cr.g_guarantor.append(g)
        cr.g_borrower.append(b)
        cr.g_loan.append(li)
        cr.g_amount.append(max(amount, 1e4))
        cr.g_type.append(str(types[int(rng.choice(4, p=np.array(tp)))]))
        cr.g_start.append(cr.l_start[li])
        cr.g_tag.append(tag)

    # blacklists
    _blacklists(w, cr, rng, distressed)
    cr.planted = planted
    cr.rank = rank
    cr.distressed = distressed
    return cr


def _entry_id(kind: str, year: int, serial: int, w: World, region: int) -> str:
    reg = w.regions[region]
    abbr = PROVINCE_ABBR.get(reg.province, "京")
    if kind in ("dishonest_judgment_debtor", "consumption_restriction"):
        return f"({year}){abbr}{reg.code[2:6]}执{serial}号"
    if kind == "abnormal_operation":
        return f"JYYC{reg.code}{year}{serial:08d}"
    if kind == "serious_violation":
        return f"YZWF{reg.code}{year}{serial:08d}"
    if kind == "administrative_penalty":
        return f"{short_place(reg.city, reg.county)}市监处罚〔{year}〕{serial}号"
    return f"BL{year}{serial:08d}"


def _authority(kind: str, w: World, region: int, rng: np.random.Generator) -> str:
    reg = w.regions[region]
    place = short_place(reg.city, reg.county)
    if kind in ("dishonest_judgment_debtor", "consumption_restriction"):
        if reg.city.endswith("市") and rng.random() < 0.4:
            return f"{reg.city}中级人民法院"
        return f"{reg.county}人民法院"
    if kind in ("abnormal_operation", "serious_violation"):
        return f"{reg.city if reg.city.endswith('市') else reg.county}市场监督管理局"
    if kind == "administrative_penalty":
        return f"{reg.county}市场监督管理局" if rng.random() < 0.6 else f"国家税务总局{place}市税务局"
    return "本行风险管理部"


def _blacklists(w: World, cr: Credit, rng: np.random.Generator, distressed: np.ndarray) -> None:
    n = w.n_companies
    ck, cp = zip(*COMPANY_LIST_KINDS, strict=True)
    pk, pp = zip(*PERSON_LIST_KINDS, strict=True)
    targets: list[tuple[int, int, str]] = []
    for c in range(n):
        p = 0.6 if distressed[c] else (0.3 if w.c_shell[c] >= 0 else 0.015)
        if rng.random() < p:
            kind = (
                "abnormal_operation"
                if w.c_shell[c] >= 0
                else str(ck[int(rng.choice(len(ck), p=np.array(cp)))])
            )
            targets.append((COMPANY, c, kind))
            if rng.random() < 0.2:  # a second listing of another kind
                targets.append((COMPANY, c, str(ck[int(rng.choice(len(ck), p=np.array(cp)))])))
    # legal representatives of companies on the dishonest list are restricted from high consumption
    lr_of = {c: p for p, c, role, _ in w.positions if role == "legal_representative"}
    for kind_p, party, kind in list(targets):
        if (
            kind_p == COMPANY
            and kind == "dishonest_judgment_debtor"
            and party in lr_of
            and rng.random() < 0.5
        ):
            targets.append((PERSON, lr_of[party], "consumption_restriction"))
    for p_ix in np.flatnonzero(rng.random(w.n_persons) < 0.006):
        targets.append((PERSON, int(p_ix), str(pk[int(rng.choice(len(pk), p=np.array(pp)))])))
    for serial, (kind_p, party, kind) in enumerate(targets, start=1):
        region = int(w.c_region[party] if kind_p == COMPANY else w.p_region[party])
        start = int(rng.integers(_ord(2014), _ord(2025, 12, 15)))
        removal = -1
        if rng.random() < 0.3:
            r = start + int(rng.integers(30, 1500))
            removal = r if r <= AS_OF.toordinal() else -1
        cr.b_id.append(_entry_id(kind, dt.date.fromordinal(start).year, serial, w, region))
        cr.b_kind_party.append(kind_p)
        cr.b_party.append(party)
        cr.b_kind.append(kind)
        cr.b_list.append(start)
        cr.b_removal.append(removal)
        cr.b_authority.append(_authority(kind, w, region, rng))
        reasons = REASONS[kind]
        cr.b_reason.append(reasons[int(rng.integers(0, len(reasons)))])
