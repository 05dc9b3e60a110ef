"""A text users read, in both languages (rendered by :mod:`api.rendering`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LocalText(BaseModel):
    zh: str = Field(description="中文；用户数据中的 Markdown 符号已转义")
    en: str = Field(description="English; Markdown metacharacters in users' data are escaped")
