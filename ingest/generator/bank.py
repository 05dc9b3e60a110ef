"""The example bank behind a generated data set, and the cases planted against its capital.

Concentration limits are ratios to the bank's own capital, so a data set only shows them when it
comes with a bank: this module sizes one (a city commercial bank whose net capital fits the
generated book), names its insiders, and plants — on top of the world and credit facts, never
changing them — the cases its limits must catch:

- group customers over 15% of net capital (商业银行集团客户授信业务风险管理指引), each member kept
  below the single-borrower warning level, so the breach is visible only once the group is found;
- single borrowers near and over 10% of net capital (商业银行法 art. 39);
- the bank's insiders (银行保险机构关联交易管理办法): a major shareholder (a group's holding
  company) whose group borrows over 15% with one member over 10%, a director whose spouse's company
  borrows near 10%, and a senior manager whose family borrows little;
- a stale registry row that makes one company's holdings add up to over 100%;
- blacklist listings spread over the months of the year before the as-of date (so history and
  trends have something to show), a few of them lifted again.

Net capital is sized so that the largest ordinary customer or group owes at most
``ORDINARY_SHARE`` of it — well under every warning level, as in a bank that keeps within its
limits — rounded up to a round figure; tier-1 capital is ``TIER1_SHARE`` of net capital. Planted
loans are appended after the ordinary ones (own random stream), so every existing fact and every
ordinary row of the files stays what it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ingest.generator import truth
from ingest.generator.risk import COMPANY_LIST_KINDS, REASONS, Credit, _authority, _entry_id
from ingest.generator.world import AS_OF, COMPANY, PERSON, World, _ord

BANK_NAME = "示例城市商业银行 / Example City Commercial Bank"
ORDINARY_SHARE = 0.06  # the largest ordinary exposure as a share of net capital
TIER1_SHARE = 0.8  # tier-1 / net capital (a bank with little tier-2 capital)
ROUND_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
MEMBER_CAP = 0.065  # a planted group's member stays below this share (single warning: 8%)
# target exposures as shares of net capital
GROUP_OVER = 0.175  # over 15% (and over 20% of tier-1)
GROUP_CRITICAL = 0.25  # over 15% × 1.5
SINGLE_NEAR = 0.09  # 80–100% of the 10% limit
SINGLE_OVER = 0.12
SINGLE_CRITICAL = 0.16  # over 10% × 1.5
INSIDER_MEMBER = 0.11  # a company the major shareholder controls: related party over 10%
INSIDER_NEAR = 0.088  # another: near 10% (together over the 15% of one related party's group)
DIRECTOR_FAMILY = 0.088  # the director's spouse's company: near 10%
STALE_BP = 2000  # the stale registry row: +20% on top of 100%
GROUP_LIMIT = 0.15  # 商业银行集团客户授信业务风险管理指引: the level a planted group case is measured by
CRITICAL_FACTOR = 1.5  # "critical" in the ground truth: 1.5 × the limit or more
LISTINGS_PER_1000 = 1  # planted listings per month per 1,000 companies (at least one)


@dataclass
class Bank:
    name: str
    net_capital: float
    tier1_capital: float
    ordinary_max: float
    # (kind, index, role, title) of each insider
    insiders: list[tuple[int, int, str, str]] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    # (holder kind, holder, company, bp) rows only the registry files carry
    stale_holdings: list[tuple[int, int, int, int]] = field(default_factory=list)
    listings: list[int] = field(default_factory=list)  # indices into the credit's blacklist entries
    loans: list[int] = field(default_factory=list)  # indices into the credit's loans

    @property
    def insider_persons(self) -> frozenset[int]:
        return frozenset(i for k, i, _, _ in self.insiders if k == PERSON)


def round_up(x: float) -> float:
    """The smallest round figure (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) not below ``x``.

    >>> round_up(5.6e9), round_up(1.2e9), round_up(17.4e9)
    (6000000000.0, 1200000000.0, 20000000000.0)
    """
    k = 10.0 ** np.floor(np.log10(x))
    return float(next(s * k for s in ROUND_STEPS if s * k >= x * (1 - 1e-12)))


def open_balances(cr: Credit) -> dict[tuple[int, int], float]:
    bal: dict[tuple[int, int], float] = {}
    for k, p, b, s in zip(cr.l_kind, cr.l_party, cr.l_balance, cr.l_status, strict=True):
        if s != "closed":
            bal[(k, p)] = bal.get((k, p), 0.0) + b
    return bal


def plant_bank(w: World, cr: Credit) -> Bank:
    """Size the bank, name its insiders and append the planted loans, listings and stale rows."""
    rng = np.random.default_rng(np.random.SeedSequence([w.seed, 9]))
    cr.n_base_loans = len(cr.l_id)
    cr.n_base_listings = len(cr.b_id)
    bal = open_balances(cr)
    controllers = truth.actual_controllers(w)
    groups = truth.family_groups(w, controllers)
    group_exp = [sum(bal.get((COMPANY, m), 0.0) for m in g["members"]) for g in groups]
    ordinary_max = max([*bal.values(), *group_exp, 1.0])
    nc = round_up(ordinary_max / ORDINARY_SHARE)
    bank = Bank(BANK_NAME, nc, nc * TIER1_SHARE, ordinary_max)

    # companies already part of a planted story stay out of the new ones
    busy: set[int] = set()
    for key in ("mutual_pairs", "circles", "chains"):
        for ms in cr.planted[key]:
            busy |= set(ms)
    for h in cr.planted["cross_hubs"]:
        busy |= {h["hub"], *h["borrowers"]}
    for h in cr.planted["focus_hubs"]:
        busy |= {h["borrower"], *h["guarantors"]}
    in_group = {m for g in groups for m in g["members"]}
    borrowers = {p for k, p in zip(cr.l_kind, cr.l_party, strict=True) if k == COMPANY}
    listed = {p for k, p in zip(cr.b_kind_party, cr.b_party, strict=True) if k == COMPANY}

    def customer(c: int) -> bool:
        """A company the bank's core system already knows (a group member or a borrower)."""
        return bool(w.c_group[c] >= 0 and w.c_parent[c] < 0) or c in borrowers

    def loan(company: int, balance: float) -> None:
        start = int(rng.integers(_ord(AS_OF.year), _ord(AS_OF.year, 11)))
        amount = float(np.round(balance / 0.9, -4))
        cr.l_id.append(f"L{dt.date.fromordinal(start).year}{len(cr.l_id) + 1:09d}")
        cr.l_kind.append(COMPANY)
        cr.l_party.append(company)
        cr.l_amount.append(amount)
        cr.l_balance.append(float(np.round(balance, -2)))
        cr.l_start.append(start)
        cr.l_maturity.append(start + int(rng.choice([2, 3])) * 365)
        cr.l_status.append("normal")
        cr.l_branch.append(w.c_branch_bank[company])
        bank.loans.append(len(cr.l_id) - 1)
        bal[(COMPANY, company)] = bal.get((COMPANY, company), 0.0) + float(np.round(balance, -2))

    def raise_to(company: int, target: float) -> None:
        need = target * nc - bal.get((COMPANY, company), 0.0)
        if need > 0:
            loan(company, need)

    def fill_group(members: list[int], target: float, cap: float = MEMBER_CAP) -> None:
        """New loans to the members, each kept under ``cap``, until the group owes ``target``."""
        need = target * nc - sum(bal.get((COMPANY, m), 0.0) for m in members)
        for m in sorted(members, key=lambda x: bal.get((COMPANY, x), 0.0)):
            if not customer(m):
                continue
            room = cap * nc - bal.get((COMPANY, m), 0.0)
            if need <= 0:
                break
            if room > 0:
                loan(m, min(room, need))
                need -= min(room, need)

    def exposure(members: list[int]) -> float:
        return sum(bal.get((COMPANY, m), 0.0) for m in members)

    holding = {gr["holding_company"] for gr in w.groups}

    def clean_group(g: dict, size: int) -> bool:
        """A planted group (around its holding company) of ``size`` or more, in no other story."""
        ms = set(g["members"])
        return len(ms) >= size and not (ms & busy) and bool(ms & holding)

    order = [int(i) for i in rng.permutation(len(groups))]
    big = [i for i in order if clean_group(groups[i], 5)]
    small = sorted((i for i in order if clean_group(groups[i], 2)), key=lambda i: len(groups[i]["members"]))
    used_groups: set[int] = set()

    def take_group(pool: list[int]) -> dict:
        i = next(i for i in pool if i not in used_groups)
        used_groups.add(i)
        return groups[i]

    # group customers over the limit (no member near the single-borrower limit)
    widest = sorted(big, key=lambda i: -len(groups[i]["members"]))  # the most members to spread over
    for target, pool in ((GROUP_CRITICAL, widest), (GROUP_OVER, big)):
        g = take_group(pool)
        fill_group(g["members"], target)
        ratio = exposure(g["members"]) / nc
        bank.cases.append(
            {
                "rule": "group.concentration",
                "level": "critical" if ratio >= GROUP_LIMIT * CRITICAL_FACTOR else "over",
                "members": list(g["members"]),
                "controllers": list(g["controllers"]),
                "exposure": exposure(g["members"]),
            }
        )
        busy |= set(g["members"])

    # the major shareholder: a group's holding company. Its related parties counted here are the
    # companies it controls through majority company stakes (registry facts alone, so they are found
    # whatever the resolution of persons): one over 10%, one near it, together over 15%.
    subsidiaries: dict[int, list[int]] = {}
    for k, h, c, bp in zip(
        w.holdings.holder_kind, w.holdings.holder, w.holdings.company, w.holdings.bp, strict=True
    ):
        if k == COMPANY and bp > 5000:
            subsidiaries.setdefault(h, []).append(c)

    def controlled(top: int) -> list[int]:
        seen, todo = {top}, [top]
        while todo:
            for c in subsidiaries.get(todo.pop(), []):
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        return sorted(seen)

    pool = [
        i
        for i in big
        if len([m for m in controlled(min(set(groups[i]["members"]) & holding)) if customer(m)]) >= 3
    ]
    g = take_group(pool or big)
    hold = min(set(g["members"]) & holding)
    reach = [m for m in controlled(hold) if m in set(g["members"])]
    star, near = [m for m in reach if m != hold and customer(m)][:2]
    raise_to(star, INSIDER_MEMBER)
    raise_to(near, INSIDER_NEAR)
    busy |= set(g["members"])
    bank.insiders.append((COMPANY, hold, "major_shareholder", "主要股东"))
    bank.cases += [
        {
            "rule": "concentration.related_party",
            "kind": "group",
            "level": "over",
            "insider": (COMPANY, hold),
            "members": reach,
            "exposure": exposure(reach),
        },
        *(
            {
                "rule": "concentration.related_party",
                "kind": "single",
                "level": level,
                "insider": (COMPANY, hold),
                "entity": m,
                "exposure": bal[(COMPANY, m)],
            }
            for m, level in ((star, "over"), (near, "near"))
        ),
        *(
            {
                "rule": "concentration.large_exposure",
                "level": level,
                "entity": m,
                "exposure": bal[(COMPANY, m)],
            }
            for m, level in ((star, "over"), (near, "near"))
        ),
        {
            "rule": "group.concentration",
            "level": "over",
            "members": list(g["members"]),
            "exposure": exposure(g["members"]),
        },
    ]

    # standalone borrowers: their own companies only, no group, no planted structure
    majority: dict[int, int] = {}
    holders_of: dict[int, list[tuple[int, int, int]]] = {}
    for k, h, c, bp in zip(
        w.holdings.holder_kind, w.holdings.holder, w.holdings.company, w.holdings.bp, strict=True
    ):
        holders_of.setdefault(c, []).append((k, h, bp))
        if k == PERSON and bp > 5000:
            majority[c] = h
    persons_in_groups = {p for g in groups for p in g["controllers"]}
    standalone = [
        c
        for c in (int(x) for x in rng.permutation(w.n_companies))
        if w.c_parent[c] < 0
        and w.c_group[c] < 0
        and w.c_shell[c] < 0
        and c not in in_group
        and c not in busy
        and c not in listed
        and c in majority
        and majority[c] not in persons_in_groups
        and all(k == PERSON for k, _, _ in holders_of.get(c, []))
        and bal.get((COMPANY, c), 0.0) > 0
    ]
    taken: set[int] = set()

    def take_standalone(ok: Callable[[int], bool] = lambda c: True) -> int:
        c = next(c for c in standalone if c not in taken and ok(c))
        taken.add(c)
        return c

    for target, level in ((SINGLE_NEAR, "near"), (SINGLE_OVER, "over"), (SINGLE_CRITICAL, "critical")):
        c = take_standalone()
        raise_to(c, target)
        bank.cases.append(
            {
                "rule": "concentration.large_exposure",
                "level": level,
                "entity": c,
                "exposure": bal[(COMPANY, c)],
            }
        )

    # the director: a person whose spouse owns a standalone borrower (the relation runs through her)
    spouse: dict[int, int] = {}
    for a, b, rel in w.family:
        if rel == "spouse":
            spouse.setdefault(a, b)
            spouse.setdefault(b, a)
    owned_by: dict[int, list[int]] = {}
    for c, p in majority.items():
        owned_by.setdefault(p, []).append(c)

    def director_ok(c: int) -> bool:
        owner = majority[c]
        d = spouse.get(owner)
        return (
            d is not None
            and d not in persons_in_groups
            and len(owned_by.get(owner, [])) == 1
            and not owned_by.get(d)
        )

    c = take_standalone(director_ok)
    director = spouse[majority[c]]
    raise_to(c, DIRECTOR_FAMILY)
    bank.insiders.append((PERSON, director, "director", "董事"))
    bank.cases += [
        {
            "rule": "concentration.related_party",
            "kind": "single",
            "level": "near",
            "insider": (PERSON, director),
            "entity": c,
            "exposure": bal[(COMPANY, c)],
            # a person insider: not in bank.yaml (its graph id is issued at ingest, see configurable)
            "needs_person_id": True,
        },
        {"rule": "concentration.large_exposure", "level": "near", "entity": c, "exposure": bal[(COMPANY, c)]},
    ]

    # the senior manager: the controller of a small group that borrows as usual (nothing to report)
    g = take_group(small)
    busy |= set(g["members"])
    bank.insiders.append((PERSON, g["controllers"][0], "senior_manager", "行长"))

    # a stale registry row: a former shareholder still listed beside the present ones
    x = take_standalone(lambda c: sum(bp for _, _, bp in holders_of[c]) == 10000)
    present = {h for _, h, _ in holders_of[x]}
    officers = sorted(
        {p for p, _, _, _ in w.positions} - present - {majority[c] for c in taken} - persons_in_groups
    )
    former = officers[int(rng.integers(0, len(officers)))]
    bank.stale_holdings.append((PERSON, former, x, STALE_BP))
    bank.cases.append(
        {
            "rule": "data_quality.ownership_over_100",
            "level": "over",
            "entity": x,
            "total_pct": 100 + STALE_BP / 100,
        }
    )

    _listings(w, cr, bank, rng, busy | in_group | taken | listed, bal)
    cr.full_id_persons = bank.insider_persons
    cr.stale_holdings = list(bank.stale_holdings)
    for case in bank.cases:
        if "exposure" in case:
            case["ratio"] = case["exposure"] / nc
    return bank


def entity_id(w: World, kind: int, i: int) -> str:
    """The graph's id of a party known by its strong identifier (``C:<USCC>``, ``P:<resident ID>``)."""
    return f"C:{w.c_uscc[i]}" if kind == COMPANY else f"P:{w.p_ric[i]}"


def configurable(kind: int) -> bool:
    """Whether an insider's graph id is known before ingest: a company's is ``C:<USCC>`` (the registry
    always gives it); a person's is issued by entity resolution from the first record seen (the
    registry's, masked ID), so a person insider is named by the bank after ingest."""
    return kind == COMPANY


def rules_config(w: World, bank: Bank) -> dict:
    """The bank's overrides of the rule defaults (``riskgraph rules run --config``)."""
    return {
        "bank": {"name": bank.name, "net_capital": bank.net_capital, "tier1_capital": bank.tier1_capital},
        "rules": {
            "concentration.related_party": {
                "insiders": [entity_id(w, k, i) for k, i, _, _ in bank.insiders if configurable(k)]
            }
        },
    }


CONFIG_HEADER = """\
# 演示银行的规则配置（由 riskgraph generate 与样例数据一同生成）/ The demo bank's rule configuration,
# written by `riskgraph generate` with its sample data: `riskgraph rules run --config <this file>`.
# Net capital is sized to the generated book (its largest ordinary customer or group owes {share:.0%}
# of it); the insider is the bank's major shareholder, by entity id (person insiders are added after ingest).
# See docs/rules.md, "The demo bank".
"""


def _listings(
    w: World,
    cr: Credit,
    bank: Bank,
    rng: np.random.Generator,
    exclude: set[int],
    bal: dict[tuple[int, int], float],
) -> None:
    """Listings in each month of the year up to the as-of date, on borrowers not listed before.

    The listed companies are borrowers outside every guarantee, group and planted case, so the new
    listings add a year of history without spreading contagion through guarantee networks."""
    kinds, p = zip(*COMPANY_LIST_KINDS, strict=True)
    guaranteed = {g for k, g in zip(cr.g_kind, cr.g_guarantor, strict=True) if k == COMPANY} | set(
        cr.g_borrower
    )
    pool = [
        c
        for c in (int(x) for x in rng.permutation(w.n_companies))
        if bal.get((COMPANY, c)) and c not in exclude and c not in guaranteed
    ]
    per_month = max(1, round(w.n_companies * LISTINGS_PER_1000 / 1000))
    year = AS_OF.year
    for month in range(1, 13):
        first = dt.date(year, month, 1).toordinal()
        last = (dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)).toordinal() - 1
        for _ in range(per_month):
            c = pool.pop()
            kind = str(kinds[int(rng.choice(len(kinds), p=np.array(p)))])
            start = int(rng.integers(first, min(last, AS_OF.toordinal()) + 1))
            removal = -1
            if kind == "abnormal_operation" and rng.random() < 0.5:
                r = start + int(rng.integers(30, 120))
                removal = r if r <= AS_OF.toordinal() else -1
            region = int(w.c_region[c])
            serial = len(cr.b_id) + 1
            bank.listings.append(len(cr.b_id))
            cr.b_id.append(_entry_id(kind, year, serial, w, region))
            cr.b_kind_party.append(COMPANY)
            cr.b_party.append(c)
            cr.b_kind.append(kind)
            cr.b_list.append(start)
            cr.b_removal.append(removal)
            cr.b_authority.append(_authority(kind, w, region, rng))
            reasons = REASONS[kind]
            cr.b_reason.append(reasons[int(rng.integers(0, len(reasons)))])
