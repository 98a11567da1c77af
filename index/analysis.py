"""Analyzers. This module path is pickled into every index: keep it stable.

News words must survive: no stop list (it would eat `US`, `IT`, `WHO`, `May`),
case folded, accents folded (`Mamdáni` finds `Mamdani`).
"""
from __future__ import annotations

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.support.charset import accent_map

WORD_PATTERN = r"\w+(?:\.?\w+)*"


def text_analyzer():
    """Tokenizer for titles and bodies: words (`U.S` kept whole), lower case, no accents."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
