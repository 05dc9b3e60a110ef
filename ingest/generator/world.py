"""The true world: companies, persons and how they are tied together, before any source sees them.

Everything the sources later describe (with noise) is drawn here once, as arrays indexed by the
true entity number. The ground truth is computed from these arrays, never from the emitted files,
so the files can be checked against it.

Structure that is planted on purpose:
- groups: a controller (老板) and near relatives owning a holding company, which owns subsidiaries
  through a pyramid of majority stakes (some held directly by the spouse/child/sibling), with
  cross-holdings (a subsidiary holding a minority stake in the holding company or in a sister);
- standalone companies owned by 1–5 persons (majority, two partners, or dispersed), a few with a
  corporate minority holder;
- branches (分公司 …) with their own USCC, tied to their parent;
- shell clusters: many tiny companies registered on one address and phone, with rotating legal
  representatives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ingest.generator.identifiers import Region, make_rics, make_usccs, regions
from ingest.generator.names import (
    AREA_CODES,
    BRANCH_WORDS,
    INDUSTRIES,
    LEGAL_FORMS,
    PROVINCE_WEIGHT,
    NamePools,
    person_names,
    short_place,
    trade_names,
)

AS_OF = dt.date(2025, 12, 31)
COMPANY, PERSON = 0, 1


def _ord(y: int, m: int = 1, d: int = 1) -> int:
    return dt.date(y, m, d).toordinal()


@dataclass
class Holding:
    holder_kind: list[int] = field(default_factory=list)
    holder: list[int] = field(default_factory=list)
    company: list[int] = field(default_factory=list)
    bp: list[int] = field(default_factory=list)  # basis points (1/100 of a percent): exact sums

    def add(self, kind: int, holder: int, company: int, bp: int) -> None:
        self.holder_kind.append(kind)
        self.holder.append(holder)
        self.company.append(company)
        self.bp.append(bp)


@dataclass
class World:
    seed: int
    regions: tuple[Region, ...]
    # companies
    c_name: list[str]
    c_trade: list[str]
    c_form: list[str]
    c_region: np.ndarray
    c_uscc: np.ndarray
    c_est: np.ndarray  # date ordinals
    c_capital: np.ndarray  # CNY
    c_net_assets: np.ndarray
    c_status: list[str]
    c_industry: list[str]
    c_parent: np.ndarray  # -1 unless a branch
    c_group: np.ndarray  # planted group id or -1
    c_shell: np.ndarray  # planted shell cluster id or -1
    c_branch_bank: list[str]
    # persons
    p_name: list[str]
    p_male: np.ndarray
    p_birth: np.ndarray
    p_ric: np.ndarray
    p_region: np.ndarray
    p_branch_bank: list[str]
    # relationships
    holdings: Holding
    positions: list[tuple[int, int, str, str]]  # person, company, role, title
    family: list[tuple[int, int, str]]  # person is <relation> of relative
    groups: list[dict]
    shells: list[dict]
    # contacts: (party kind, party, contact value, address kind or "")
    phones: list[tuple[int, int, str]] = field(default_factory=list)
    addresses: list[tuple[int, int, str, str]] = field(default_factory=list)

    @property
    def n_companies(self) -> int:
        return len(self.c_name)

    @property
    def n_persons(self) -> int:
        return len(self.p_name)


def _region_weights(regs: tuple[Region, ...]) -> np.ndarray:
    w = np.array([PROVINCE_WEIGHT.get(r.province, 0.6) for r in regs], dtype=float)
    counts: dict[str, int] = {}
    for r in regs:
        counts[r.province] = counts.get(r.province, 0) + 1
    w = w / np.array([counts[r.province] for r in regs])
    return w / w.sum()


def _split_bp(rng: np.random.Generator, total: int, parts: int, min_bp: int = 100) -> list[int]:
    """Split ``total`` basis points into ``parts`` positive integer shares (each ≥ min_bp)."""
    if parts == 1:
        return [total]
    cuts = np.sort(rng.choice(np.arange(1, total // min_bp), size=parts - 1, replace=False)) * min_bp
    edges = np.concatenate(([0], cuts, [total]))
    return [int(x) for x in np.diff(edges)]


class _PersonFactory:
    """Hands out person indices: fresh ones for new roles, reused ones for the busy few."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        self.n = n
        self.next = 0
        self.male = rng.random(n) < 0.62
        # birth dates: adults 22–80 years old at AS_OF; set later for relatives to be coherent
        self.birth = rng.integers(_ord(1946), _ord(2002), size=n)

    def fresh(self) -> int:
        if self.next >= self.n:  # pool exhausted: reuse someone (busy directors exist anyway)
            return int(self.rng.integers(0, self.n))
        i = self.next
        self.next += 1
        return i

    def any(self) -> int:
        """A person already in use with probability 0.5 (people sit in several companies)."""
        if self.next > 50 and self.rng.random() < 0.5:
            return int(self.rng.integers(0, self.next))
        return self.fresh()


def build_world(seed: int, n_companies: int, pools: NamePools) -> World:
    """Draw the true world of ``n_companies`` companies (branches included) deterministically."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    regs = regions()
    n = n_companies
    n_persons = int(n * 3) + 300
    pf = _PersonFactory(rng, n_persons)

    # --- companies: kind of each slot ----------------------------------------------------------
    c_region = rng.choice(len(regs), size=n, p=_region_weights(regs))
    n_branch = int(n * 0.04)
    n_shell = max(20, int(n * 0.012)) if n >= 200 else 0
    order = rng.permutation(n)
    branch_idx = np.sort(order[:n_branch])
    shell_idx = order[n_branch : n_branch + n_shell]
    is_branch = np.zeros(n, bool)
    is_branch[branch_idx] = True
    c_parent = np.full(n, -1, np.int64)
    c_group = np.full(n, -1, np.int64)
    c_shell = np.full(n, -1, np.int64)
    trades = trade_names(rng, n)
    ind = rng.integers(0, len(INDUSTRIES), size=n)
    form_names, form_p = zip(*LEGAL_FORMS, strict=True)
    forms: list[str] = [str(form_names[i]) for i in rng.choice(3, size=n, p=np.array(form_p))]
    est = rng.integers(_ord(1995), _ord(2025, 6), size=n)
    capital = np.round(np.exp(rng.normal(np.log(5e6), 1.3, size=n)), -4)
    capital = np.maximum(capital, 1e5)
    holdings = Holding()
    positions: list[tuple[int, int, str, str]] = []
    family: list[tuple[int, int, str]] = []
    groups: list[dict] = []
    shells: list[dict] = []

    # --- groups ---------------------------------------------------------------------------------
    ordinary = np.setdiff1d(np.arange(n), np.concatenate([branch_idx, shell_idx]))
    ordinary = ordinary[rng.permutation(len(ordinary))]
    n_in_groups = int(len(ordinary) * 0.25)
    cursor = 0
    group_sizes: list[int] = []
    while cursor < n_in_groups:
        extra = int(rng.zipf(1.6)) * 3 if rng.random() < 0.08 else 0
        size = int(min(3 + rng.geometric(0.3) - 1 + extra, 150, n_in_groups - cursor))
        if size < 3:
            break
        group_sizes.append(size)
        cursor += size
    in_group = ordinary[:cursor]
    standalone = ordinary[cursor:]

    def relatives_of(boss: int) -> dict[str, list[int]]:
        """Spouse, parents, children, siblings of a controller, with coherent ages and surnames."""
        rel: dict[str, list[int]] = {"spouse": [], "parent": [], "child": [], "sibling": []}
        by = pf.birth[boss]
        sp = pf.fresh()
        pf.male[sp] = not pf.male[boss]
        pf.birth[sp] = by + int(rng.integers(-1500, 1500))
        rel["spouse"].append(sp)
        for _ in range(int(rng.integers(0, 3))):
            ch = pf.fresh()
            pf.birth[ch] = min(by + int(rng.integers(22 * 365, 34 * 365)), _ord(2003))
            rel["child"].append(ch)
        for _ in range(int(rng.integers(0, 3))):
            sb = pf.fresh()
            pf.birth[sb] = by + int(rng.integers(-3000, 3000))
            rel["sibling"].append(sb)
        if rng.random() < 0.3:
            pa = pf.fresh()
            pf.birth[pa] = max(by - int(rng.integers(22 * 365, 32 * 365)), _ord(1930))
            pf.male[pa] = True
            rel["parent"].append(pa)
        return rel

    cursor = 0
    for g, size in enumerate(group_sizes):
        members = [int(x) for x in in_group[cursor : cursor + size]]
        cursor += size
        boss = pf.fresh()
        pf.birth[boss] = int(rng.integers(_ord(1958), _ord(1985)))
        rel = relatives_of(boss)
        family.append((rel["spouse"][0], boss, "spouse"))
        for ch in rel["child"]:
            family.append((ch, boss, "child"))
        for sb in rel["sibling"]:
            family.append((sb, boss, "sibling"))
        for pa in rel["parent"]:
            family.append((pa, boss, "parent"))
        kin = rel["spouse"] + rel["child"] + rel["sibling"] + rel["parent"]
        staff = [pf.any() for _ in range(max(2, size // 3))]
        gtrade = trades[members[0]]
        hold = members[0]
        forms[hold] = "有限公司"
        for m in members:
            trades[m] = gtrade
            c_group[m] = g
        capital[hold] = max(capital[hold], 5e7) * 4
        # holding company: boss ≥ 51%, spouse the rest (minus an optional cross-holding)
        cross_bp = int(rng.integers(5, 21)) * 100 if size >= 4 and rng.random() < 0.35 else 0
        boss_bp = int(rng.integers(51, 100 - cross_bp // 100)) * 100
        holdings.add(PERSON, boss, hold, boss_bp)
        holdings.add(PERSON, rel["spouse"][0], hold, 10000 - boss_bp - cross_bp)
        controllers = {boss}
        level = {hold: 0}
        for j, m in enumerate(members[1:], start=1):
            if kin and rng.random() < 0.15:
                owner = kin[int(rng.integers(0, len(kin)))]
                bp = int(rng.integers(51, 101)) * 100
                holdings.add(PERSON, owner, m, bp)
                controllers.add(owner)
                rest_holder = (PERSON, boss)
                level[m] = 1
            else:
                # preferential attachment to the holding company and first-level subsidiaries
                cand = members[:j]
                weights = np.array([1.0 / (1 + level[c]) ** 2 for c in cand])
                parent = cand[int(rng.choice(len(cand), p=weights / weights.sum()))]
                bp = int(rng.choice([10000, 10000, 8000, 7000, 6000, 5100]))
                holdings.add(COMPANY, parent, m, bp)
                level[m] = level[parent] + 1
                sisters = [x for x in members[:j] if x != parent]
                if sisters and rng.random() < 0.3:  # the minority stake sits in a sister company
                    rest_holder = (COMPANY, sisters[int(rng.integers(0, len(sisters)))])
                else:
                    rest_holder = (PERSON, staff[int(rng.integers(0, len(staff)))])
            if bp < 10000:
                holdings.add(rest_holder[0], rest_holder[1], m, 10000 - bp)
        if cross_bp:
            sub = members[int(rng.integers(1, size))]
            holdings.add(COMPANY, sub, hold, cross_bp)
        groups.append(
            {
                "group": g,
                "members": members,
                "boss": boss,
                "relatives": rel,
                "kin_controllers": sorted(controllers),
                "holding_company": hold,
                "cross_holding": bool(cross_bp),
                "staff": staff,
            }
        )
        # positions: boss chairs the holding company; staff run the rest
        for m in members:
            lr = (
                boss
                if m == hold
                else (staff[0] if rng.random() < 0.5 else staff[int(rng.integers(0, len(staff)))])
            )
            positions.append((lr, m, "legal_representative", "法定代表人"))
            positions.append(
                (boss if m == hold else lr, m, "chairman", "董事长" if m == hold else "执行董事")
            )
            if m == hold:
                for k in kin[:2]:
                    positions.append((k, m, "director", "董事"))
            sup = staff[-1] if len(staff) > 1 else pf.any()
            positions.append((sup, m, "supervisor", "监事"))
            positions.append((staff[0], m, "senior_manager", "总经理" if m == hold else "财务负责人"))

    # sister cross-holdings: in a third of the groups with ≥ 5 members
    # a mutual cross-holding between two sisters: each holds 10% of the other (taken from a minority
    # holder when there is one, else from the majority stake as long as it stays above 50%)
    rows_of: dict[int, list[int]] = {}
    for i, c in enumerate(holdings.company):
        rows_of.setdefault(c, []).append(i)
    for gr in groups:
        ms = gr["members"]
        if len(ms) >= 5 and rng.random() < 0.33:
            a, b = (int(x) for x in rng.choice(ms[1:], size=2, replace=False))
            done = [_move_stake(holdings, rows_of.setdefault(y, []), y, x, 1000) for x, y in ((a, b), (b, a))]
            if any(done):
                gr["sister_cross"] = [a, b]

    # --- standalone companies ---------------------------------------------------------------------
    for c in standalone:
        c = int(c)
        u = rng.random()
        owners: list[tuple[int, int, int]] = []
        if u < 0.55:  # one majority person
            major = pf.any()
            bp = int(rng.integers(51, 101)) * 100
            owners.append((PERSON, major, bp))
            rest = 10000 - bp
            if rest:
                parts = _split_bp(rng, rest, min(int(rng.integers(1, 3)), rest // 100))
                owners += [(PERSON, pf.any(), p) for p in parts]
        elif u < 0.75:  # two partners
            a = int(rng.integers(40, 61)) * 100
            owners += [(PERSON, pf.any(), a), (PERSON, pf.any(), 10000 - a)]
        elif u < 0.90:  # dispersed: 3–5 holders none above 50%, or 6–8 holders none reaching 25%
            wide = rng.random() < 0.4
            k = int(rng.integers(6, 9)) if wide else int(rng.integers(3, 6))
            cap = 2400 if wide else 5000
            while True:
                parts = _split_bp(rng, 10000, k, 100 if wide else 500)
                if max(parts) <= cap:
                    break
            owners += [(PERSON, pf.any(), p) for p in parts]
        else:  # a corporate minority holder from the standalone pool, persons the rest
            corp = int(standalone[int(rng.integers(0, len(standalone)))])
            cbp = int(rng.integers(10, 41)) * 100
            if corp != c:
                owners.append((COMPANY, corp, cbp))
            else:
                cbp = 0
            major = pf.any()
            owners.append((PERSON, major, 10000 - cbp))
        for kind, h, bp in owners:
            holdings.add(kind, h, c, bp)
        persons_here = [h for kind, h, _ in owners if kind == PERSON]
        lr = persons_here[0] if persons_here and rng.random() < 0.75 else pf.any()
        positions.append((lr, c, "legal_representative", "法定代表人"))
        positions.append((lr, c, "chairman", "执行董事"))
        if forms[c] == "股份有限公司":
            for _ in range(int(rng.integers(2, 5))):
                positions.append((pf.any(), c, "director", "董事"))
        positions.append((pf.any(), c, "supervisor", "监事"))
        if rng.random() < 0.6:
            positions.append(
                (pf.any(), c, "senior_manager", str(rng.choice(["总经理", "财务负责人", "副总经理"])))
            )

    # --- shell clusters: one address, one phone, a handful of rotating legal representatives -------
    if n_shell:
        sizes: list[int] = []
        left = n_shell
        while left >= 6:
            s = min(int(rng.integers(6, 31)), left if left < 12 else max(6, left // 2))
            sizes.append(s)
            left -= s
        if sizes:
            sizes[-1] += left
        pos = 0
        for k, s in enumerate(sizes):
            members = [int(x) for x in shell_idx[pos : pos + s]]
            pos += s
            reps = [pf.fresh() for _ in range(int(rng.integers(1, 4)))]
            agent_region = int(c_region[members[0]])
            for m in members:
                c_shell[m] = k
                c_region[m] = agent_region
                capital[m] = float(rng.choice([1e5, 5e5, 1e6]))
                est[m] = int(rng.integers(_ord(2021), _ord(2025, 6)))
                r = reps[int(rng.integers(0, len(reps)))]
                holdings.add(PERSON, r, m, 10000)
                positions.append((r, m, "legal_representative", "法定代表人"))
                positions.append((r, m, "chairman", "执行董事"))
                positions.append((pf.any(), m, "supervisor", "监事"))
            shells.append({"cluster": k, "members": members, "legal_representatives": reps})

    # --- branches: attach to the larger non-branch companies ------------------------------------
    heads = np.setdiff1d(np.arange(n), np.concatenate([branch_idx, shell_idx]))
    w = capital[heads] / capital[heads].sum()
    parents = rng.choice(heads, size=n_branch, p=w)
    for b, p in zip(branch_idx, parents, strict=True):
        c_parent[b] = p
        trades[b] = trades[p]
        forms[b] = forms[p]
        c_group[b] = c_group[p]
        capital[b] = 0.0
        # a branch opens after its parent, and before the as-of date
        est[b] = min(max(int(est[p]) + int(rng.integers(100, 3000)), int(est[b])), AS_OF.toordinal() - 30)
        ind[b] = ind[p]
        head = pf.any()
        positions.append((head, int(b), "senior_manager", "负责人"))

    # --- names (unique, as registries require) -------------------------------------------------
    places = [short_place(regs[r].city, regs[r].county) for r in c_region]
    names: list[str] = [""] * n
    seen: set[str] = set()
    bw = rng.integers(0, len(BRANCH_WORDS), size=n)
    style = rng.random(n)
    for c in range(n):
        if c_parent[c] >= 0:
            continue
        t, f = trades[c], forms[c]
        industry = INDUSTRIES[ind[c]][0]
        if c_group[c] >= 0 and groups[c_group[c]]["holding_company"] == c:
            base = f"{places[c]}{t}控股集团{f}" if style[c] < 0.6 else f"{t}集团{f}"
        elif style[c] < 0.85 or c_group[c] >= 0:
            base = f"{places[c]}{t}{industry}{f}"
        else:  # the bracketed place style: 华盛科技（杭州）有限公司
            base = f"{t}{industry}（{places[c]}）{f}"
        name = base
        k = 0
        while name in seen:
            k += 1
            extra_trade = trade_names(rng, 1)[0][0]
            name = (
                base.replace(t, t + extra_trade, 1)
                if k < 5
                else f"{places[c]}{t}{extra_trade}{k}{industry}{f}"
            )
        seen.add(name)
        names[c] = name
    for c in branch_idx:
        p = int(c_parent[c])
        name = f"{names[p]}{places[c]}{BRANCH_WORDS[bw[c]]}"
        if style[c] < 0.1:  # numbered branches carry digits (full-width noise has something to act on)
            name = f"{names[p]}{places[c]}第{int(rng.integers(2, 9))}{BRANCH_WORDS[bw[c]]}"
        k = 0
        while name in seen:
            k += 1
            name = f"{names[p]}{places[c]}第{'一二三四五六七八九十'[min(k, 10) - 1]}{BRANCH_WORDS[bw[c]]}"
            if k > 10:
                name = f"{names[p]}{places[c]}{k}号{BRANCH_WORDS[bw[c]]}"
        seen.add(name)
        names[c] = name

    # --- identifiers, status, net assets -----------------------------------------------------
    reg_codes = np.array([regs[r].code for r in c_region])
    usccs = make_usccs(rng, reg_codes, n)
    status = np.where(rng.random(n) < 0.93, "存续", np.where(rng.random(n) < 0.5, "在业", "吊销"))
    net_assets = np.round(capital * np.exp(rng.normal(0.3, 0.9, size=n)), -3)
    net_assets[is_branch] = 0.0
    bank_branches = _bank_branches(regs, c_region)

    n_used = max(pf.next, 1)
    p_male = pf.male[:n_used]
    p_birth = pf.birth[:n_used]
    p_region = rng.choice(len(regs), size=n_used, p=_region_weights(regs))
    sur, given = person_names(rng, pools, p_male)
    # children share their father's surname (or mother's, when the controller is a woman)
    for gr in groups:
        boss = gr["boss"]
        for ch in gr["relatives"]["child"]:
            sur[ch] = sur[boss] if p_male[boss] else sur[gr["relatives"]["spouse"][0]]
            p_region[ch] = p_region[boss]
        for sb in gr["relatives"]["sibling"]:
            sur[sb] = sur[boss]
            p_region[sb] = p_region[boss]
        for pa in gr["relatives"]["parent"]:
            sur[pa] = sur[boss]
            p_region[pa] = p_region[boss]
    p_name = [a + b for a, b in zip(sur, given, strict=True)]
    p_ric = make_rics(rng, p_birth, p_male, regs)  # birthplace ≠ residence: any county
    p_bank = _bank_branches(regs, p_region)

    # ordinary spouses among everyone else: 15% of persons get a spouse tie
    taken = {a for a, _, _ in family} | {b for _, b, _ in family}
    free = np.array([i for i in range(n_used) if i not in taken])
    if len(free) > 10:
        men = free[p_male[free]]
        women = free[~p_male[free]]
        k = min(len(men), len(women), int(len(free) * 0.075))
        for a, b in zip(
            rng.choice(men, size=k, replace=False), rng.choice(women, size=k, replace=False), strict=True
        ):
            family.append((int(a), int(b), "spouse"))

    holdings = _merge_holdings(holdings)
    positions = list(
        {(pp, cc, role): (pp, cc, role, title) for pp, cc, role, title in reversed(positions)}.values()
    )[::-1]
    world = World(
        seed=seed,
        regions=regs,
        c_name=names,
        c_trade=trades,
        c_form=forms,
        c_region=c_region,
        c_uscc=usccs,
        c_est=est,
        c_capital=capital,
        c_net_assets=net_assets,
        c_status=[str(s) for s in status],
        c_industry=[INDUSTRIES[i][1] + " " + INDUSTRIES[i][0] for i in ind],
        c_parent=c_parent,
        c_group=c_group,
        c_shell=c_shell,
        c_branch_bank=bank_branches,
        p_name=p_name,
        p_male=p_male,
        p_birth=p_birth,
        p_ric=p_ric,
        p_region=p_region,
        p_branch_bank=p_bank,
        holdings=holdings,
        positions=positions,
        family=family,
        groups=groups,
        shells=shells,
    )
    _contacts(world, rng, pools)
    return world


def _merge_holdings(h: Holding) -> Holding:
    """One row per (holder, company): a person drawn twice for the same company holds the sum."""
    merged: dict[tuple[int, int, int], int] = {}
    for k, p, c, bp in zip(h.holder_kind, h.holder, h.company, h.bp, strict=True):
        if bp > 0:
            merged[(k, p, c)] = merged.get((k, p, c), 0) + bp
    out = Holding()
    for (k, p, c), bp in merged.items():
        out.add(k, p, c, bp)
    return out


def _move_stake(h: Holding, rows: list[int], company: int, new_holder: int, bp: int) -> bool:
    """Give ``bp`` of ``company`` to ``new_holder`` (a company), keeping the total at exactly 100%.

    The slice comes from a minority holder when one holds enough, else from the majority holder as
    long as it keeps more than 50% — the majority chains that define control stay intact.
    """
    if not rows:
        return False
    big = max(rows, key=lambda i: h.bp[i])
    minor = [i for i in rows if i != big and h.bp[i] > bp]
    if minor:
        src = minor[0]
    elif h.bp[big] - bp >= 5100:
        src = big
    else:
        return False
    h.bp[src] -= bp
    rows.append(len(h.company))
    h.add(COMPANY, new_holder, company, bp)
    return True


def _bank_branches(regs: tuple[Region, ...], reg_idx: np.ndarray) -> list[str]:
    """The managing bank branch: one per city (e.g. 杭州分行)."""
    cache: dict[int, str] = {}
    out = []
    for r in reg_idx:
        r = int(r)
        if r not in cache:
            reg = regs[r]
            cache[r] = short_place(reg.city, reg.county) + "分行"
        out.append(cache[r])
    return out


def _address(rng: np.random.Generator, reg: Region, pools: NamePools, *, home: bool = False) -> str:
    street = pools.streets[int(rng.integers(0, len(pools.streets)))]
    no = int(rng.integers(1, 999))
    city = "" if reg.city == reg.province else reg.city
    tail = (
        f"{int(rng.integers(1, 30))}幢{int(rng.integers(1, 30))}0{int(rng.integers(1, 9))}室"
        if home
        else ("" if rng.random() < 0.5 else f"{int(rng.integers(1, 25))}楼")
    )
    return f"{reg.province}{city}{reg.county}{street}{no}号{tail}"


def _landline(rng: np.random.Generator, reg: Region) -> str:
    code = AREA_CODES.get(reg.province, "0" + str(int(rng.integers(310, 999))))
    return f"{code}-{int(rng.integers(6, 9))}{int(rng.integers(0, 10_000_000)):07d}"


def _mobile(rng: np.random.Generator, pools: NamePools) -> str:
    pre = pools.mobile_prefixes[int(rng.integers(0, len(pools.mobile_prefixes)))]
    return f"{pre}{int(rng.integers(0, 100_000_000)):08d}"


def _contacts(w: World, rng: np.random.Generator, pools: NamePools) -> None:
    """Phones and addresses; group members share their headquarters', shells their agent's."""
    regs = w.regions
    hq_addr: dict[int, str] = {}
    hq_phone: dict[int, str] = {}
    for gr in w.groups:
        reg = regs[int(w.c_region[gr["holding_company"]])]
        hq_addr[gr["group"]] = _address(rng, reg, pools)
        hq_phone[gr["group"]] = _landline(rng, reg)
    for sh in w.shells:
        reg = regs[int(w.c_region[sh["members"][0]])]
        sh["address"] = (
            f"{reg.province}{'' if reg.city == reg.province else reg.city}{reg.county}"
            f"{pools.streets[int(rng.integers(0, len(pools.streets)))]}{int(rng.integers(1, 300))}号"
            f"商务秘书中心{int(rng.integers(2, 20))}0{int(rng.integers(1, 9))}室"
        )
        sh["phone"] = _mobile(rng, pools)
    for c in range(w.n_companies):
        reg = regs[int(w.c_region[c])]
        g, s = int(w.c_group[c]), int(w.c_shell[c])
        if s >= 0:
            w.addresses.append((COMPANY, c, w.shells[s]["address"], "registered"))
            w.phones.append((COMPANY, c, w.shells[s]["phone"]))
            continue
        w.addresses.append((COMPANY, c, _address(rng, reg, pools), "registered"))
        if g >= 0 and rng.random() < 0.5:
            w.addresses.append((COMPANY, c, hq_addr[g], "office"))
        elif rng.random() < 0.3:
            w.addresses.append((COMPANY, c, _address(rng, reg, pools), "office"))
        w.phones.append((COMPANY, c, hq_phone[g] if g >= 0 and rng.random() < 0.3 else _landline(rng, reg)))
    spouse_home: dict[int, int] = {}
    for a, b, rel in w.family:
        if rel == "spouse":
            spouse_home[a] = b
            spouse_home[b] = a
    homes: dict[int, str] = {}
    for p in range(w.n_persons):
        reg = regs[int(w.p_region[p])]
        if p in spouse_home and spouse_home[p] in homes:
            homes[p] = homes[spouse_home[p]]
        else:
            homes[p] = _address(rng, reg, pools, home=True)
        w.addresses.append((PERSON, p, homes[p], "home"))
        w.phones.append((PERSON, p, _mobile(rng, pools)))
