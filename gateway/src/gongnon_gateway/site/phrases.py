"""Text the views hand to the templates when a plain Korean string is not enough.

`Label`: reference data with its own English (a category, a district, a stage, an agency's
name); a template shows `label[lang]`. `Phrase`: a sentence with values in it, kept as its
Korean key and the values, so the template translates the sentence as a whole:
`_(p.text, **p.args(lang))`. A value that is itself a Phrase (a label inside the sentence) is
translated too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from gongnon_gateway.i18n import translate

Value = Union[str, int, "Phrase", tuple["Phrase", ...]]


@dataclass(frozen=True)
class Label:
    ko: str
    en: str

    def __bool__(self) -> bool:
        return bool(self.ko)

    def __str__(self) -> str:
        return self.ko


def label_of(table: Mapping[str, Mapping[str, str]], key: Any) -> Label:
    """The label of `key` in a reference table ({key: {"ko", "en"}}); an unknown key is its own label."""
    found = table.get(str(key or ""))
    if found is None:
        return Label(str(key or ""), str(key or ""))
    return Label(found["ko"], found.get("en") or found["ko"])


@dataclass(frozen=True, eq=False)
class Phrase:
    text: str
    values: dict[str, Value] = field(default_factory=dict)

    def args(self, lang: str) -> dict[str, str]:
        """The values to fill in, in `lang` (numbers are formatted by whoever made the phrase)."""
        return {k: _shown(v, lang) for k, v in self.values.items()}

    def in_language(self, lang: str) -> str:
        return translate(self.text, lang, **self.args(lang))

    def __bool__(self) -> bool:
        return bool(self.text)

    def __str__(self) -> str:
        return self.in_language("ko")


def _shown(value: Value, lang: str) -> str:
    if isinstance(value, Phrase):
        return value.in_language(lang)
    if isinstance(value, tuple):
        return ", ".join(p.in_language(lang) for p in value)
    return str(value)
