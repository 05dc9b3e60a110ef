"""Deciding a text file's encoding: UTF-8, UTF-8 with BOM, GB18030 or Big5 — decided, never guessed.

GB18030 decodes almost any byte sequence, Big5 files included, so "it decoded" proves nothing: a
Big5 file read as GB18030 is mojibake that loads without a single error. Both candidate decodings
are therefore judged by what they produce. Real Chinese text is made almost entirely of common
characters: GB2312's level-1 hanzi (the 3,755 most used simplified characters) in a simplified file,
Big5's level-1 hanzi (5,401 frequent traditional characters) in a traditional one (or in a GB18030
file written in traditional characters), plus CJK
punctuation. Mojibake scatters over rare characters, kana, Greek or box drawing. The decoding with
the clearly higher share of plausible characters wins; charset-normalizer's guess breaks a near tie;
a file neither decoding makes plausible is refused with a message saying how to force an encoding.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

MIN_PLAUSIBLE = 0.85  # share of plausible non-ASCII characters a decoding needs
MIN_MARGIN = 0.15  # by how much the winner must lead the other candidate
_CANDIDATES = ("gb18030", "big5")
_GUESS_FAMILY = {"gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "big5": "big5", "cp950": "big5"}


def _punctuation(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or 0x2010 <= o <= 0x206F or ch in "·×÷°±"


def _plausible_gb(ch: str) -> bool:
    """A character a real GB18030 file would hold: GB2312 level-1 hanzi (lead byte B0–D7), or a
    common traditional one (GB18030 carries those too; Big5 bytes read as GB18030 rarely give one)."""
    if _punctuation(ch) or _plausible_big5(ch):
        return True
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xB0 <= b[0] <= 0xD7


def _plausible_big5(ch: str) -> bool:
    """A traditional-Chinese character a real file would hold: Big5 level-1 hanzi (A440–C67E)."""
    if _punctuation(ch):
        return True
    try:
        b = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and (0xA440 <= (b[0] << 8 | b[1]) <= 0xC67E)


_PLAUSIBLE = {"gb18030": _plausible_gb, "big5": _plausible_big5}


def plausibility(text: str, encoding: str) -> float:
    """Share of the non-ASCII characters of ``text`` that real text in ``encoding`` would contain."""
    chars = [ch for ch in text if ord(ch) > 0x7F]
    if not chars:
        return 1.0
    judge = _PLAUSIBLE[encoding]
    distinct: dict[str, bool] = {}
    good = 0
    for ch in chars:
        ok = distinct.get(ch)
        if ok is None:
            ok = distinct[ch] = judge(ch)
        good += ok
    return good / len(chars)


def _guess(data: bytes) -> str | None:
    best = from_bytes(data[:200_000]).best()
    if best is None or not best.encoding:
        return None
    return _GUESS_FAMILY.get(best.encoding.lower().replace("-", "").replace("_", ""))


def decode_text(data: bytes, forced: str | None = None) -> tuple[str, str]:
    """(text, encoding). Raises ValueError with a ``中文 / English`` message when undecidable."""
    if forced:
        name = codecs.lookup(forced).name
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"文件不是 {forced} 编码（第 {exc.start} 字节无法解码）"
                f" / the file is not {forced} (undecodable byte at offset {exc.start})"
            ) from None
        return text.removeprefix("\ufeff"), name
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    scores: dict[str, tuple[float, str]] = {}
    for enc in _CANDIDATES:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        scores[enc] = (plausibility(text, enc), text)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])
    if ranked and ranked[0][1][0] >= MIN_PLAUSIBLE:
        best, (score, text) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
        if score - runner_up >= MIN_MARGIN:
            return text, best
        guess = _guess(data)
        if guess in scores and scores[guess][0] >= MIN_PLAUSIBLE:
            return scores[guess][1], guess
    shown = ", ".join(f"{enc} {score:.0%}" for enc, (score, _t) in ranked) or "—"
    raise ValueError(
        "无法确定文件编码（支持 UTF-8、UTF-8 BOM、GB18030、Big5；可用 --encoding 指定，"
        f"如 --encoding big5；各编码下可信字符比例：{shown}）"
        " / cannot decode the file: its encoding is not clear (UTF-8, UTF-8 with BOM, GB18030 and Big5 are supported; "
        f"force one with --encoding, e.g. --encoding big5; share of plausible characters: {shown})"
    )
