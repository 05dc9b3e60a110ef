"""Noisy source records with ground truth, for entity-resolution benchmarks and tests.

Until the project's generator (``riskgraph generate``) emits a ground-truth file, this makes
Chinese company and person records the way bank source systems garble them:
- companies: suffix variants (有限公司/有限责任公司/股份有限公司), traditional characters,
  full-width brackets, inserted spaces, one-character typos, (集团) markers; branches with their
  own USCC; unrelated companies whose names differ by one character (华盛科技 / 华晟科技); USCC
  missing or mistyped; addresses, phones and dates in several formats;
- persons: common names shared by many different people (王伟, 张敏 …); resident ID full, masked
  (``3301**********1234``), missing or mistyped; birth date, phone, address sometimes present.

Every record carries ``true_entity``; ``split_truth`` separates it from the input columns.
Generation is seeded and deterministic.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
import pandas as pd
from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
TRADE_CHARS = "华盛鑫泰恒瑞达通宏远兴隆昌嘉信诚德源丰海天宇创新科金银祥和安康永锦润美佳联合众利博亿万豪凯晟腾飞龙凤星辰明阳光辉东方南北中正大成汇聚富贵福顺吉益建江山湖峰林森绿蓝青红鼎铭智慧云网数码捷迅迈卓越志航宁静雅致尚品优质精工睿思启程"
SIMILAR = {
    "盛": "晟",
    "晟": "盛",
    "华": "桦",
    "达": "大",
    "鑫": "新",
    "新": "鑫",
    "源": "元",
    "元": "源",
    "宏": "弘",
    "泰": "太",
    "兴": "星",
    "星": "兴",
    "瑞": "锐",
    "恒": "衡",
    "通": "同",
    "信": "鑫",
    "利": "力",
    "德": "得",
}
INDUSTRIES = [
    "科技",
    "贸易",
    "建设工程",
    "实业",
    "投资",
    "置业",
    "物流",
    "机械制造",
    "化工",
    "纺织",
    "医药",
    "电子",
    "食品",
    "农业开发",
    "能源",
    "建材",
    "商贸",
    "环保科技",
    "新材料",
    "汽车销售",
    "信息技术",
    "供应链管理",
    "文化传媒",
]
LEGAL_FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
CITIES = [
    "北京",
    "上海",
    "杭州",
    "深圳",
    "广州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "宁波",
    "青岛",
    "厦门",
    "长沙",
    "郑州",
    "合肥",
    "济南",
    "天津",
    "重庆",
    "福州",
]
STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文三路",
    "滨江大道",
    "科技园路",
    "长江路",
    "黄河路",
    "新华街",
    "和平路",
    "学院路",
    "东风路",
    "光明街",
]
COMMON_NAMES = [
    "王伟",
    "王芳",
    "李娜",
    "张伟",
    "张敏",
    "李静",
    "王静",
    "刘伟",
    "王秀英",
    "张丽",
    "李强",
    "王磊",
]


@lru_cache(maxsize=1)
def _person_pools():
    from faker.providers.person.zh_CN import Provider

    surnames = list(Provider.last_names.keys())[:120]
    weights = np.array([Provider.last_names[s] for s in surnames], float)
    return surnames, weights / weights.sum(), list(Provider.first_names)


@lru_cache(maxsize=1)
def _t2s_inverse():
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=1)
def region_codes() -> list[str]:
    """County codes that stdnum accepts for births in 1950 and in 2005."""
    from stdnum import numdb

    codes: list[str] = []

    def walk(nodes, prefix):
        for _length, low, high, _props, kids in nodes:
            if low != high:
                continue
            code = prefix + low
            if len(code) == 6:
                codes.append(code)
            else:
                walk(kids, code)

    walk(numdb.get("cn/loc").prefixes, "")
    ok = []
    for c in codes:
        if all(
            ric.is_valid(b + ric.calc_check_digit(b + "0")) for b in (c + "19500101123", c + "20050101123")
        ):
            ok.append(c)
    return ok


def make_uscc(rng: random.Random) -> str:
    body = "91" + rng.choice(region_codes()) + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def make_ric(rng: random.Random, birth: str) -> str:
    body = rng.choice(region_codes()) + birth + f"{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 2:
        return text
    i = rng.randrange(len(text))
    ch = text[i]
    if ch.isdigit():
        rep = str((int(ch) + rng.randrange(1, 10)) % 10)
    elif ch in SIMILAR and rng.random() < 0.7:
        rep = SIMILAR[ch]
    elif "\u4e00" <= ch <= "\u9fff":
        rep = rng.choice(TRADE_CHARS)
    else:
        rep = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return text[:i] + rep + text[i + 1 :]


def _fullwidth(text: str) -> str:
    return text.replace("(", "（").replace(")", "）")


def _date_variant(d: str, rng: random.Random) -> str:
    y, m, dd = d[:4], d[4:6], d[6:]
    fmt = rng.randrange(4)
    return [f"{y}-{m}-{dd}", f"{y}/{int(m)}/{int(dd)}", f"{y}年{int(m)}月{int(dd)}日", d][fmt]


def _phone_variant(p: str, rng: random.Random) -> str:
    r = rng.randrange(4)
    if len(p) == 11:
        return [p, f"+86 {p}", f"{p[:3]}-{p[3:7]}-{p[7:]}", f"{p[:3]} {p[3:7]} {p[7:]}"][r]
    return [p, f"{p[:4]}-{p[4:]}", f"({p[:4]}){p[4:]}", p][r]


def _random_date(rng: random.Random, y0: int, y1: int) -> str:
    return f"{rng.randint(y0, y1)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _company_entities(n: int, rng: random.Random) -> list[dict]:
    ents: list[dict] = []
    seen: set[str] = set()
    while len(ents) < n:
        r = rng.random()
        if ents and r < 0.06:  # a branch of an existing head office
            parent = rng.choice(ents)
            if parent["branch_of"] is not None:
                continue
            city = rng.choice(CITIES)
            word = rng.choice(["分公司", "分公司", "营业部", "办事处"])
            name = parent["name"] + city + word
            if name in seen:
                continue
            ents.append(dict(name=name, branch_of=parent["eid"]))
        elif ents and r < 0.12:  # a different company with a near-identical name (trap)
            other = rng.choice(ents)
            if other["branch_of"] is not None:
                continue
            name = _typo(other["name"][:-4], rng) + other["name"][-4:]
            if name in seen:
                continue
            ents.append(dict(name=name, branch_of=None))
        else:
            trade = "".join(rng.choice(TRADE_CHARS) for _ in range(rng.choice([2, 2, 3, 4])))
            group = "(集团)" if rng.random() < 0.05 else ""
            name = rng.choice(CITIES) + trade + rng.choice(INDUSTRIES) + group + rng.choice(LEGAL_FORMS)
            if name in seen:
                continue
            ents.append(dict(name=name, branch_of=None))
        e = ents[-1]
        seen.add(e["name"])
        e["eid"] = f"TC{len(ents):07d}"
        e["uscc"] = make_uscc(rng)
        surnames, sp, given = _person_pools()
        e["legal_rep"] = surnames[int(np.searchsorted(np.cumsum(sp), rng.random()))] + "".join(
            rng.choice(given) for _ in range(rng.choice([1, 2]))
        )
        e["address"] = f"{rng.choice(CITIES)}市{rng.choice(STREETS)}{rng.randint(1, 999)}号"
        e["phone"] = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        e["reg_date"] = _random_date(rng, 1995, 2023)
    return ents


def _company_record(e: dict, rng: random.Random) -> dict:
    name = e["name"]
    if e["branch_of"] is None and rng.random() < 0.3:  # legal-form variant
        for form in sorted(LEGAL_FORMS, key=len, reverse=True):
            if name.endswith(form):
                name = name[: -len(form)] + rng.choice(LEGAL_FORMS)
                break
    if rng.random() < 0.1:
        name = _t2s_inverse().convert(name)
    if rng.random() < 0.3:
        name = _fullwidth(name)
    if rng.random() < 0.05:
        i = rng.randrange(1, len(name))
        name = name[:i] + " " + name[i:]
    if rng.random() < 0.04:
        name = _typo(name, rng)
    code = e["uscc"] if rng.random() < 0.7 else None
    if code and rng.random() < 0.03:
        code = _typo(code, rng)
    rep = e["legal_rep"] if rng.random() < 0.8 else None
    if rep and rng.random() < 0.03:
        rep = _typo(rep, rng)
    addr = e["address"] if rng.random() < 0.7 else None
    if addr and rng.random() < 0.1:
        addr = _typo(addr, rng)
    phone = _phone_variant(e["phone"], rng) if rng.random() < 0.5 else None
    reg = _date_variant(e["reg_date"], rng) if rng.random() < 0.6 else None
    return dict(name=name, uscc=code, legal_rep=rep, address=addr, phone=phone, established=reg)


def _person_entities(n: int, rng: random.Random) -> list[dict]:
    surnames, sp, given = _person_pools()
    csp = np.cumsum(sp)
    ents = []
    for i in range(n):
        if rng.random() < 0.08:
            name = rng.choice(COMMON_NAMES)
        else:
            name = surnames[int(np.searchsorted(csp, rng.random()))] + "".join(
                rng.choice(given) for _ in range(rng.choice([1, 2, 2]))
            )
        birth = _random_date(rng, 1950, 2004)
        ents.append(
            dict(
                eid=f"TP{i + 1:07d}",
                name=name,
                birth=birth,
                ric=make_ric(rng, birth),
                phone="1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9)),
                address=f"{rng.choice(CITIES)}市{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}幢",
            )
        )
    return ents


def _person_record(e: dict, rng: random.Random) -> dict:
    name = e["name"]
    if rng.random() < 0.05:
        name = _t2s_inverse().convert(name)
    if rng.random() < 0.03:
        name = _typo(name, rng)
    r = rng.random()
    # KYC makes an ID number near-universal in bank data; many feeds carry it masked
    if r < 0.6:
        idn = e["ric"]
        if rng.random() < 0.02:
            idn = _typo(idn, rng)
    elif r < 0.95:
        idn = e["ric"][:4] + "*" * 10 + e["ric"][-4:]
    else:
        idn = None
    birth = _date_variant(e["birth"], rng) if rng.random() < 0.5 else None
    phone = _phone_variant(e["phone"], rng) if rng.random() < 0.5 else None
    addr = e["address"] if rng.random() < 0.5 else None
    if addr and rng.random() < 0.1:
        addr = _typo(addr, rng)
    return dict(name=name, id_number=idn, birth_date=birth, phone=phone, address=addr)


def _records(ents: list[dict], make, rng: random.Random, prefix: str, sources: int) -> pd.DataFrame:
    rows = []
    for e in ents:
        k = 1 + min(int(rng.expovariate(1 / 1.2)), 8)
        for _ in range(k):
            rec = make(e, rng)
            rec["true_entity"] = e["eid"]
            rec["source"] = f"src{rng.randrange(sources) + 1}"
            rows.append(rec)
    rng.shuffle(rows)
    df = pd.DataFrame(rows)
    df.insert(0, "record_id", [f"{prefix}{i:08d}" for i in range(len(df))])
    return df


def companies(n_entities: int, seed: int = 0, sources: int = 3) -> pd.DataFrame:
    """Company records (columns as in specs/company_cn.yaml) + ``source`` + ``true_entity``;
    ``branch_of`` truth is in the ``attrs`` of the frame."""
    rng = random.Random(seed)
    ents = _company_entities(n_entities, rng)
    df = _records(ents, _company_record, rng, "C", sources)
    df.attrs["branch_of"] = {e["eid"]: e["branch_of"] for e in ents if e["branch_of"]}
    return df


def persons(n_entities: int, seed: int = 0, sources: int = 3) -> pd.DataFrame:
    """Person records (columns as in specs/person_cn.yaml) + ``source`` + ``true_entity``."""
    rng = random.Random(seed)
    return _records(_person_entities(n_entities, rng), _person_record, rng, "P", sources)


def split_truth(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Input records without the truth column, and the truth indexed by record id."""
    return df.drop(columns=["true_entity"]), df.set_index("record_id")["true_entity"]
