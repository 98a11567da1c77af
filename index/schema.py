"""The Whoosh schema: what of an article is searchable, sortable and faceted."""
from __future__ import annotations

from collections import Counter

from whoosh.columns import VarBytesListColumn
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.system import pack_uint

from index.analysis import stemmed_text_analyzer, text_analyzer
from index.codec.formats import ArrayPositions
from kb.vocabulary import ENTITY_TYPES

# Bump when the schema, the analyzers or the codec change: an index of another version is
# rebuilt. 8: postings written with newskb's codec (index.codec); 9: its per-document arrays
# (lengths, dates, names: index.codec.arrays), text fields' positions in the ArrayPositions format;
# 10: `published` a column only (date_column).
INDEX_VERSION = 10
ENTITY_FIELDS = ENTITY_TYPES  # one field per entity type
TITLE_BOOST = 2.0


class NameListColumn(VarBytesListColumn):
    """A list-of-bytes column whose default (a segment without the column) is an empty list.

    Whoosh 2.7.4's VarBytesListColumn has no default and fails on such segments.
    """

    def default_value(self, reverse=False):
        return []


class EntityField(KEYWORD):
    """Entity names, one term each (commas separate names), matched case-insensitively.

    The names of each document are also kept in a list column, so facets over all
    matches read one column entry per document (Whoosh's term-vector route breaks on
    segments where no document has the field).
    """

    def __init__(self):
        super().__init__(commas=True, lowercase=True, scorable=True)
        self.column_type = NameListColumn()

    @staticmethod
    def names(value: str) -> list[str]:
        """What the field's analyzer (Whoosh's KeywordAnalyzer with commas, lower case)
        makes of `value`: each run between commas, stripped, in lower case.

        >>> EntityField.names("tony blair,Home Office, ,,")
        ['tony blair', 'home office', '']
        """
        return [name.strip().lower() for name in value.split(",") if name]

    def index(self, value, **kwargs):
        """The terms of `value`, as Whoosh's KEYWORD gives them (Frequency: the bytes, the
        count, the count times the boost, the count packed), without a Token a name."""
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        counts = Counter(self.names(value))
        boost = self.format.field_boost
        return [(name.encode("utf-8"), n, n * boost, pack_uint(n)) for name, n in counts.items()]

    def to_column_value(self, value):
        return [name.encode("utf-8") for name in self.names(value)]

    def from_column_value(self, value):
        return [item.decode("utf-8") for item in value]


def phrase_text(analyzer, **options) -> TEXT:
    """A TEXT field with positions (for phrases) in the ArrayPositions format, which the
    codec packs without unpickling."""
    field = TEXT(analyzer=analyzer, phrase=True, **options)
    field.format = ArrayPositions(field_boost=field.format.field_boost)
    return field


def date_column() -> DATETIME:
    """A DATETIME kept as a sortable column only: date ranges, filters and sorts read the
    column (index.dates), never the numeric-trie terms Whoosh would index for each
    document (eight a date: a fifth of a Reuters segment's terms), so none are written."""
    field = DATETIME(sortable=True)
    field.indexed = False
    return field


def build_schema() -> Schema:
    """The schema: bodies are indexed but not stored (SQLite keeps the text)."""
    stemmed, plain = stemmed_text_analyzer(), text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=phrase_text(stemmed, field_boost=TITLE_BOOST),
        body=phrase_text(stemmed),
        source=phrase_text(plain, sortable=True),
        author=phrase_text(plain),
        lang=ID(),
        story=ID(stored=True, sortable=True),
        published=date_column(),
        **{name: EntityField() for name in ENTITY_FIELDS},
    )
