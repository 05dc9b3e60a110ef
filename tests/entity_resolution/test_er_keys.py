from er_helpers import make_ric, make_uscc, mask

from entity_resolution.keys import birth_date_from_ric, masked_compatible, transform, valid_ric, valid_uscc


def test_valid_and_invalid_uscc():
    code = make_uscc(12345)
    assert valid_uscc(code) == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert valid_uscc(wrong) is None
    assert valid_uscc(mask(code)) is None


def test_valid_ric_masked_is_never_a_key():
    code = make_ric("19800102", 123)
    assert valid_ric(code) == code
    assert valid_ric(code[:-1] + ("0" if code[-1] != "0" else "1")) is None
    assert valid_ric(mask(code)) is None
    assert birth_date_from_ric(code) == "19800102"


def test_masked_compatibility_and_blocking_key():
    code = make_ric("19800102", 123)
    assert masked_compatible(mask(code), code)
    assert not masked_compatible(mask(code), make_ric("19800102", 124))
    key = transform("prefix4_suffix4")
    assert key(mask(code)) == key(code)
    assert transform("prefix4_suffix4")("**************1234") is None


def test_fast_validators_agree_with_stdnum():
    import random

    from stdnum.cn import ric, uscc

    rng = random.Random(5)
    codes = []
    for i in range(3000):
        u = make_uscc(rng.randrange(31**9), rng.choice(["110105", "330100", "440300", "999999"]))
        r = make_ric(
            f"{rng.randint(1930, 2030)}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}",
            i,
            rng.choice(["110105", "330106", "330100", "000000"]),
        )
        for code in (u, r):
            codes.append(code)
            pos = rng.randrange(18)
            codes.append(code[:pos] + rng.choice("0123456789AXZ") + code[pos + 1 :])
    for code in codes:
        assert (valid_uscc(code) is not None) == uscc.is_valid(code), code
        assert (valid_ric(code) is not None) == ric.is_valid(code), code
