"""Reading the query language, and refusing what Whoosh would silently "repair".

Whoosh's parser never raises: `title:(unclosed` becomes a term and `AND OR`
becomes a NullQuery. `check_syntax` finds those cases first and names where.
Dates are rewritten into explicit ranges before parsing (`published:>2025-11`), a
language stands for its variants (`lang:en` finds en-GB too), phrases, prefixes and
wildcards are looked up as exact words (as written in the text, not their stems), and
wildcard/fuzzy terms are bounded.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from itertools import islice

from whoosh import query as wq
from whoosh.qparser import FuzzyTermPlugin, MultifieldPlugin, PhrasePlugin, PlusMinusPlugin, QueryParser
from whoosh.qparser.plugins import attach

from index.analysis import EXACT_MARK, PHRASE_MODE, fold
from index.dates import answer_from_columns
from kb.errors import QueryError
from kb.vocabulary import language_tag

DEFAULT_FIELDS = ("title", "body")
BINARY_OPERATORS = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
OPERATORS = BINARY_OPERATORS | {"NOT"}
MAX_EXPANSIONS = 1024  # terms one wildcard, prefix or fuzzy term may stand for
MAX_DEPTH = 32  # nested parentheses
MAX_LENGTH = 100_000  # characters: a list of 1,000 names OR-ed together fits
_WORD = re.compile(r'"[^"]*"?(~\d+)?|[()]|[^\s()"]+')
_FIELD_PREFIX = re.compile(r"^[+-]?([A-Za-z_]+):")
_DATE_CLAUSE = re.compile(r"\b(?P<field>published):(?P<op>>=|<=|>|<)?(?P<value>\[[^\]]*\]|[^\s()]+)")
_PERIOD = re.compile(r"^(\d{4})(?:[-/]?(\d{1,2}))?(?:[-/]?(\d{1,2}))?$")
_LANGUAGE_CLAUSE = re.compile(r'\b(?P<field>lang):(?P<value>[^\s()"^~]+)')
LANGUAGE_FIELD = "lang"


def check_syntax(text: str, fieldnames: set[str]) -> None:
    """Raise QueryError naming the first unreadable spot of `text` (1-based position)."""
    if not text.strip():
        raise QueryError("empty query")
    if len(text) > MAX_LENGTH:
        raise QueryError(f"the query is {len(text)} characters long; the limit is {MAX_LENGTH}")
    open_at, previous = [], None
    for match in _WORD.finditer(text):
        word, position = match.group(), match.start() + 1
        if word.startswith('"') and (len(word) == 1 or '"' not in word[1:]):
            raise QueryError(f"unclosed quote at position {position}")
        if word == "(":
            open_at.append(position)
            if len(open_at) > MAX_DEPTH:
                raise QueryError(f"parentheses nested deeper than {MAX_DEPTH} at position {position}")
        elif word == ")":
            if not open_at:
                raise QueryError(f"unmatched ')' at position {position}")
            open_at.pop()
            if previous == "(":
                raise QueryError(f"empty parentheses at position {position - 1}")
            if previous in OPERATORS:
                raise QueryError(f"{previous} needs a term after it, before position {position}")
        elif word in BINARY_OPERATORS and (previous is None or previous == "(" or previous in OPERATORS):
            raise QueryError(f"{word} at position {position} needs a term before it")
        elif word == "NOT" and previous == "NOT":
            raise QueryError(f"NOT at position {position} follows another NOT: drop the double negation")
        field = _FIELD_PREFIX.match(word)
        if field and field.group(1) not in fieldnames and field.group(1) not in ("http", "https"):
            known = ", ".join(sorted(fieldnames))
            raise QueryError(f"unknown field '{field.group(1)}' at position {position} (fields: {known})")
        previous = word
    if open_at:
        raise QueryError(f"unclosed '(' at position {open_at[-1]}")
    if previous in OPERATORS:
        raise QueryError(f"the query ends with {previous}: it needs a term after it")


def operator_hints(text: str) -> list[str]:
    """Hints for lower-case `and`/`or`/`not` between terms, which mean plain words."""
    words = [m.group() for m in _WORD.finditer(text)]
    return [
        f"'{word}' is searched as a word; did you mean {word.upper()}? (operators are upper case)"
        for before, word, after in zip(words, words[1:], words[2:])
        if word in ("and", "or", "not") and before not in "()" and after != ")"
    ]


def period_bounds(value: str) -> tuple[datetime, datetime]:
    """First and last second of a year, month or day: "2025-01" -> (Jan 1 00:00:00, Jan 31 23:59:59)."""
    match = _PERIOD.match(value.strip())
    if not match:
        raise QueryError(f"cannot read the date {value!r} (use 2025, 2025-01 or 2025-01-31)")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        start = datetime(year, month or 1, day or 1)
    except ValueError as error:
        raise QueryError(f"cannot read the date {value!r}: {error}") from None
    if day:
        end = start + timedelta(days=1)
    elif month:
        end = datetime(year + (month == 12), month % 12 + 1, 1)
    else:
        end = datetime(year + 1, 1, 1)
    return start, end - timedelta(seconds=1)


def rewrite_dates(text: str) -> str:
    """Date clauses as explicit second-precision ranges Whoosh reads correctly.

    >>> rewrite_dates("published:>2025-11")
    'published:[20251201000000 TO]'
    """
    def compact(moment: datetime) -> str:
        return moment.strftime("%Y%m%d%H%M%S")

    def rewrite(match: re.Match) -> str:
        field, op, value = match.group("field"), match.group("op"), match.group("value")
        if value.startswith("["):
            parts = re.split(r"\s+(?:TO|to)\s*|\s*(?:TO|to)\s+", value[1:-1].strip())
            if len(parts) != 2:
                raise QueryError(f"cannot read the date range {value!r} (use [2025-01-01 TO 2025-06-30])")
            start = compact(period_bounds(parts[0])[0]) if parts[0].strip() else ""
            end = compact(period_bounds(parts[1])[1]) if parts[1].strip() else ""
            return f"{field}:[{start} TO {end}]".replace("[ TO", "[TO").replace(" ]", "]")
        first, last = period_bounds(value)
        bounds = {
            None: f"[{compact(first)} TO {compact(last)}]",
            ">=": f"[{compact(first)} TO]",
            ">": f"[{compact(last + timedelta(seconds=1))} TO]",
            "<=": f"[TO {compact(last)}]",
            "<": f"[TO {compact(first - timedelta(seconds=1))}]",
        }
        return f"{field}:{bounds[op]}"

    return _DATE_CLAUSE.sub(rewrite, text)


def rewrite_languages(text: str) -> str:
    """Language clauses quoted, so that a tag is one word (the parser reads the hyphen of
    an unquoted `lang:en-US` as a NOT).

    >>> rewrite_languages("oil AND lang:en-US")
    'oil AND lang:"en-US"'
    """
    def quote(match: re.Match) -> str:
        if "*" in match["value"] or "?" in match["value"]:
            return match.group()  # a wildcard (lang:en*) stays one
        return f'{match["field"]}:"{match["value"]}"'

    return _LANGUAGE_CLAUSE.sub(quote, text)


def language_query(code: str, boost: float = 1.0) -> wq.Query:
    """The articles in language `code`, in any case: a language alone stands for its
    regional and other variants too (`en`: en, en-US, en-GB), a longer tag for itself.
    (The index holds languages lower case.)

    >>> language_query("EN-us")
    Term('lang', 'en-us')
    """
    tag = (language_tag(code) or "").lower()
    if not tag:
        raise QueryError(f"no language in {code!r} (use a code such as en, en-GB or pt-BR)")
    if "-" in tag:
        return wq.Term(LANGUAGE_FIELD, tag, boost=boost)
    return wq.Or([wq.Term(LANGUAGE_FIELD, tag), wq.Prefix(LANGUAGE_FIELD, f"{tag}-")], boost=boost)


def with_language_variants(query: wq.Query) -> wq.Query:
    """`query` with each language term standing for the language as `language_query` reads it."""
    def expand(node: wq.Query) -> wq.Query:
        if isinstance(node, wq.Term) and node.fieldname == LANGUAGE_FIELD:
            return language_query(node.text, node.boost)
        return node

    return query.accept(expand)


class Proximity(wq.Phrase):
    """`"a b"~N`: the words within N positions of each other, in any order (a quoted
    phrase without ~N is a wq.Phrase: the words one after the other). newskb answers it
    in index.matching; Whoosh's own searcher (the plain-Whoosh benchmark) gets unordered
    spans, the same for two words."""

    def matcher(self, searcher, context=None):
        spans = wq.SpanNear2([wq.Term(self.fieldname, word) for word in self.words], slop=self.slop,
                             ordered=False, mindist=1)
        return spans.matcher(searcher, context)


class ExactPhrasePlugin(PhrasePlugin):
    """Quoted phrases (and `"a b"~N` proximity) match exact words, not stems."""

    class PhraseNode(PhrasePlugin.PhraseNode):
        def query(self, parser):
            fieldname = self.fieldname or parser.fieldname
            field = parser.schema[fieldname] if parser.schema and fieldname in parser.schema else None
            if field is None or not field.analyzer:
                return super().query(parser)
            start = self.textstartchar  # Whoosh reuses one token object: copy out its values
            words = [(t.text, start + t.startchar, start + t.endchar)
                     for t in field.tokenize(self.text, mode=PHRASE_MODE, chars=True)]
            phrase = (Proximity if self.near else wq.Phrase)(
                fieldname, [w for w, _, _ in words], slop=self.slop, boost=self.boost,
                char_ranges=[(s, e) for _, s, e in words],
            )
            return attach(phrase, self)

        def __init__(self, text, textstartchar, slop=1, near=False):
            super().__init__(text, textstartchar, slop)
            self.near = near

    class PhraseTagger(PhrasePlugin.PhraseTagger):
        def create(self, parser, match):
            slop = match.group("slop")
            return ExactPhrasePlugin.PhraseNode(match.group("text"), match.start("text"), int(slop or 1),
                                                near=bool(slop))

    def taggers(self, parser):
        return [(self.PhraseTagger(self.expr), 0)]


class NewsQueryParser(QueryParser):
    """Whoosh's parser, with prefixes and wildcards matched against the exact words of
    stemmed fields (`explorat*` finds "exploration", whose stem is "explor")."""

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        field = self.schema[fieldname] if self.schema and fieldname in self.schema else None
        stemmed = getattr(getattr(field, "analyzer", None), "stemmed", False)
        if termclass in (wq.Prefix, wq.Wildcard) and stemmed and text.strip("*"):
            return termclass(fieldname, EXACT_MARK + fold(text), boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


def make_parser(schema) -> NewsQueryParser:
    """The query parser: title and body by default, exact phrases, +/- and fuzzy `~` terms."""
    parser = NewsQueryParser(None, schema)
    parser.add_plugin(MultifieldPlugin(list(DEFAULT_FIELDS)))  # as Whoosh's MultifieldParser does
    parser.remove_plugin_class(PhrasePlugin)
    parser.add_plugin(ExactPhrasePlugin())
    parser.add_plugin(PlusMinusPlugin())
    parser.add_plugin(FuzzyTermPlugin())
    return parser


_HYPHENATED = re.compile(r'"[^"]*"|(?<![\w-])(?P<field>[A-Za-z_]+:)?(?P<word>\w+(?:-\w+)+)(?![\w*?~-])')


def rewrite_hyphenated(text: str) -> str:
    """Hyphenated words as the phrases they are indexed as: `Coca-Cola` is "Coca Cola"
    (Whoosh read the hyphen as NOT: coca NOT cola); quoted text, `-word` and `lang:` tags
    (quoted before) stay.

    >>> rewrite_hyphenated('Coca-Cola AND title:long-term -raids "mid-March"')
    '"Coca Cola" AND title:"long term" -raids "mid-March"'
    """
    def rewrite(match: re.Match) -> str:
        if not match.group("word"):
            return match.group()
        return f'{match.group("field") or ""}"{match.group("word").replace("-", " ")}"'

    return _HYPHENATED.sub(rewrite, text)


def parse_query(text: str, schema) -> wq.Query:
    """Parse `text` into a Whoosh query, or raise QueryError with where and why.

    >>> from index.schema import build_schema
    >>> parse_query("IRS AND ICE", build_schema())
    And([Or([Term('title', 'ir'), Term('body', 'ir')]), Or([Term('title', 'ic'), Term('body', 'ic')])])
    """
    searchable = {name for name in schema.names() if name != "id"}
    check_syntax(text, searchable)
    rewritten = rewrite_hyphenated(rewrite_languages(rewrite_dates(text)))
    try:
        parsed = make_parser(schema).parse(rewritten)
    except Exception as error:  # Whoosh's parser has crashes of its own; report, never raise them
        raise QueryError(f"cannot read the query ({type(error).__name__}: {error})") from None
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        raise QueryError(f"nothing to search for in {text!r}")
    return with_language_variants(answer_from_columns(parsed))


def check_expansions(query: wq.Query, reader) -> None:
    """Refuse a wildcard, prefix or fuzzy term that stands for more than MAX_EXPANSIONS terms."""
    for node in query.leaves():
        if isinstance(node, wq.MultiTerm) and not isinstance(node, wq.NumericRange):
            found = sum(1 for _ in islice(node.expanded_terms(reader), MAX_EXPANSIONS + 1))
            if found > MAX_EXPANSIONS:
                raise QueryError(f"{node.text.removeprefix(EXACT_MARK)!r} matches more than {MAX_EXPANSIONS} "
                                 "different words: make it more specific")
