"""Pools of name parts, drawn once from Faker zh_CN and composed with numpy.

Faker is slow (tens of µs per call); a million companies need ~10M name parts. So Faker is asked
once for its lists (surnames with their frequencies, given-name characters, street names) and the
generator composes names by indexing those pools with vectorized random draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Characters that make up Chinese trade names (字号); chosen for the auspicious, common ones so that
# unrelated companies share characters — which is what makes company-name matching hard.
TRADE_CHARS = tuple(
    "华盛鑫泰恒瑞达通宏远兴隆昌嘉信诚德源丰海天宇创新科金银祥和安康永锦润华美佳联合众利博"
    "亿万豪凯晟腾飞龙凤星辰明阳光辉东方南北中正大成汇聚富贵福顺吉祥益中建江山湖峰林森绿"
    "蓝青红金鼎铭智慧云网数码捷迅迈卓越志远航宁静雅致尚品优质精工睿思启程"
)
INDUSTRIES = (
    ("科技", "I65"),
    ("贸易", "F51"),
    ("建设工程", "E48"),
    ("实业", "C"),
    ("投资", "L72"),
    ("置业", "K70"),
    ("物流", "G58"),
    ("机械制造", "C34"),
    ("化工", "C26"),
    ("纺织", "C17"),
    ("医药", "C27"),
    ("电子", "C39"),
    ("食品", "C14"),
    ("农业开发", "A01"),
    ("能源", "D44"),
    ("建材", "C30"),
    ("房地产开发", "K70"),
    ("商贸", "F52"),
    ("环保科技", "N77"),
    ("新材料", "C29"),
    ("汽车销售", "F52"),
    ("服饰", "C18"),
    ("印务", "C23"),
    ("家具", "C21"),
    ("电气", "C38"),
    ("钢铁", "C31"),
    ("餐饮管理", "H62"),
    ("信息技术", "I65"),
    ("供应链管理", "L72"),
    ("文化传媒", "R86"),
    ("矿业", "B09"),
    ("水产", "A04"),
)
LEGAL_FORMS = (("有限公司", 0.62), ("有限责任公司", 0.26), ("股份有限公司", 0.12))
BRANCH_WORDS = ("分公司", "分公司", "分公司", "营业部", "办事处")
# Province → area code of its capital, for landline numbers (approximate, by design only a format).
AREA_CODES = {
    "北京市": "010",
    "上海市": "021",
    "天津市": "022",
    "重庆市": "023",
    "广东省": "020",
    "浙江省": "0571",
    "江苏省": "025",
    "山东省": "0531",
    "四川省": "028",
    "湖北省": "027",
    "河南省": "0371",
    "河北省": "0311",
    "福建省": "0591",
    "湖南省": "0731",
    "安徽省": "0551",
    "辽宁省": "024",
    "陕西省": "029",
    "江西省": "0791",
    "山西省": "0351",
    "云南省": "0871",
    "贵州省": "0851",
    "广西壮族自治区": "0771",
    "吉林省": "0431",
    "黑龙江省": "0451",
    "内蒙古自治区": "0471",
    "新疆维吾尔自治区": "0991",
    "甘肃省": "0931",
    "海南省": "0898",
    "宁夏回族自治区": "0951",
    "青海省": "0971",
    "西藏自治区": "0891",
}
# Rough economic weight of provinces (share of registered enterprises), so that companies cluster
# in the east as they do in reality.
PROVINCE_WEIGHT = {
    "广东省": 14,
    "江苏省": 10,
    "浙江省": 9,
    "山东省": 8,
    "北京市": 5,
    "上海市": 5,
    "河南省": 5,
    "四川省": 4,
    "福建省": 4,
    "湖北省": 3.5,
    "河北省": 3.5,
    "湖南省": 3,
    "安徽省": 3,
    "重庆市": 2,
    "天津市": 2,
    "陕西省": 2,
    "辽宁省": 2,
    "江西省": 2,
    "云南省": 1.5,
    "广西壮族自治区": 1.5,
    "山西省": 1.5,
}


@dataclass(frozen=True)
class NamePools:
    surnames: tuple[str, ...]
    surname_p: np.ndarray
    given_male: tuple[str, ...]
    given_female: tuple[str, ...]
    streets: tuple[str, ...]
    mobile_prefixes: tuple[str, ...]


@lru_cache(maxsize=4)
def name_pools(seed: int) -> NamePools:
    """Ask Faker once (seeded) for the parts every name and address is built from."""
    from faker import Faker
    from faker.providers.person.zh_CN import Provider as PersonProvider
    from faker.providers.phone_number.zh_CN import Provider as PhoneProvider

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    surnames = tuple(PersonProvider.last_names.keys())
    weights = np.array(list(PersonProvider.last_names.values()), dtype=float)
    streets = sorted({fake.street_name() for _ in range(4000)})
    return NamePools(
        surnames=surnames,
        surname_p=weights / weights.sum(),
        given_male=tuple(PersonProvider.first_names_male),
        given_female=tuple(PersonProvider.first_names_female),
        streets=tuple(streets),
        mobile_prefixes=tuple(str(p) for p in PhoneProvider.phonenumber_prefixes),
    )


def person_names(rng: np.random.Generator, pools: NamePools, male: np.ndarray) -> tuple[list[str], list[str]]:
    """Surname (frequency-weighted) and given name; 40% two-character given names.

    Single-character given names from Faker's frequency-ordered lists (伟, 敏, 娜 …) make common full
    names such as 王伟 occur many times — deliberately, since the resolver must not merge on names.
    """
    n = len(male)
    sur = rng.choice(len(pools.surnames), size=n, p=pools.surname_p)
    gm, gf = pools.given_male, pools.given_female

    # Zipf-like preference for the first entries of Faker's lists (they are the common ones).
    def pick(pool_len: int) -> np.ndarray:
        return np.minimum((rng.pareto(1.2, size=n) * 6).astype(np.int64), pool_len - 1)

    a_m, b_m, a_f, b_f = pick(len(gm)), pick(len(gm)), pick(len(gf)), pick(len(gf))
    two = rng.random(n) < 0.4
    surnames = [pools.surnames[s] for s in sur]
    given = []
    for i in range(n):
        if male[i]:
            g = gm[a_m[i]] + (gm[b_m[i]][:1] if two[i] and len(gm[a_m[i]]) == 1 else "")
        else:
            g = gf[a_f[i]] + (gf[b_f[i]][:1] if two[i] and len(gf[a_f[i]]) == 1 else "")
        given.append(g)
    return surnames, given


def short_place(city: str, county: str) -> str:
    """The place word used in company names: 杭州市 → 杭州, 甘孜藏族自治州 → the county's short form."""
    for suffix in ("市", "地区", "盟"):
        if city.endswith(suffix) and len(city) - len(suffix) >= 2 and "自治" not in city:
            return city[: -len(suffix)]
    for suffix in ("市", "县", "区", "旗"):
        if county.endswith(suffix) and len(county) - len(suffix) >= 2 and "自治" not in county:
            return county[: -len(suffix)]
    return county[:2]


def trade_names(rng: np.random.Generator, n: int) -> list[str]:
    """Two-character trade names (字号) from the shared character pool."""
    a = rng.integers(0, len(TRADE_CHARS), size=n)
    b = rng.integers(0, len(TRADE_CHARS), size=n)
    b = np.where(a == b, (b + 1) % len(TRADE_CHARS), b)
    return [TRADE_CHARS[i] + TRADE_CHARS[j] for i, j in zip(a, b, strict=True)]
