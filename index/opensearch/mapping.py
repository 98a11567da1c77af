"""The OpenSearch index newskb creates: its settings, its mapping (versioned like the
Whoosh schema), and the document an article becomes.

Both backends must find the same articles, to the id. So the words are analysed once,
in Python, by newskb's own analyzer (index.analysis: word pattern, lower case, accent
folding, Porter stems), and OpenSearch receives each word as a pre-analysed pair
`stem|word`. Two small analyzers split the pairs: `title`/`body` index the stems (term
queries: `sharing` finds `shared`), their `exact` sub-fields the words as written
(phrases, proximity, prefixes, wildcards), at the same positions. OpenSearch's own
tokenizer, folding and Porter stemmer differ from these in small ways (Java's `\\w`,
ASCII folding tables, lower-casing rules): the same analysis on both sides is what
guarantees the same ids.

>>> document_for(Article(id="a1", title="Rates rise", body="Sharing data"))["body"]
'share|sharing data|data'
"""
from __future__ import annotations

import re

from index.analysis import WORD_PATTERN, fold, stem_word
from index.documents import parse_published
from index.settings import DEFAULT_SHARDS
from kb.entity_table import name_key
from kb.models import Article
from kb.vocabulary import ENTITY_TYPES

# Bump when the mapping, the analyzers or the documents change: an index of another
# version is rebuilt (as index.schema.INDEX_VERSION for Whoosh).
MAPPING_VERSION = 1
SHARDS = DEFAULT_SHARDS  # unless the knowledge base's settings say otherwise (kb init --shards)
REPLICAS = 1
TITLE_BOOST = 2.0  # as index.schema
PAIR = "|"  # between a word's stem and the word (never inside a word: see WORD_PATTERN)
LONGEST_WORD = 2000  # characters; Lucene refuses terms over 32,766 bytes (the whole document with them)
ENTITY_FIELDS = ENTITY_TYPES
TEXT_FIELDS = ("title", "body")
_WORD = re.compile(WORD_PATTERN)


def words(text: str | None) -> list[str]:
    """The words of `text` as index.analysis makes them: lower case, accents folded."""
    return [fold(match.group())[:LONGEST_WORD] for match in _WORD.finditer(text or "")]


def stemmed_pairs(text: str | None) -> str:
    """`text` as `stem|word` pairs, one per word, space-separated.

    >>> stemmed_pairs("Rates ROSE")
    'rate|rates rose|rose'
    """
    return " ".join(f"{stem_word(word)}{PAIR}{word}" for word in words(text))


def document_for(article: Article) -> dict:
    """The source document of `article` (its `_id` is the article id)."""
    entities = {kind: list(dict.fromkeys(name_key(e.name) for e in article.entities if e.type == kind))
                for kind in ENTITY_FIELDS}
    published = parse_published(article.published)
    return {
        "id": article.id,
        "title": stemmed_pairs(article.title),
        "body": stemmed_pairs(article.body),
        "source": " ".join(words(article.source)),
        "source_name": article.source or None,
        "author": " ".join(words(" ; ".join(article.authors))),
        "lang": (article.language or "").lower() or None,
        "story": article.story_id or article.id,
        "published": published.isoformat(timespec="milliseconds") if published else None,
        **{kind: names for kind, names in entities.items() if names},
    }


def index_body(shards: int = SHARDS, replicas: int = REPLICAS) -> dict:
    """What creates an index of this version: settings with the pair analyzers, and the mapping."""
    pairs = {"type": "whitespace", "max_token_length": 2 * LONGEST_WORD + 1}
    stems = {"type": "pattern_replace", "pattern": r"\|.*$", "replacement": ""}
    exact = {"type": "pattern_replace", "pattern": r"^[^|]*\|", "replacement": ""}
    text = {"type": "text", "analyzer": "newskb_stems", "search_analyzer": "whitespace",
            "fields": {"exact": {"type": "text", "analyzer": "newskb_exact", "search_analyzer": "whitespace"}}}
    keyword = {"type": "keyword"}
    return {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas},
            "analysis": {
                "tokenizer": {"newskb_pairs": pairs},
                "filter": {"newskb_stem_of_pair": stems, "newskb_word_of_pair": exact},
                "analyzer": {
                    "newskb_stems": {"type": "custom", "tokenizer": "newskb_pairs", "filter": ["newskb_stem_of_pair"]},
                    "newskb_exact": {"type": "custom", "tokenizer": "newskb_pairs", "filter": ["newskb_word_of_pair"]},
                    "newskb_words": {"type": "custom", "tokenizer": "newskb_pairs"},
                },
            },
        },
        "mappings": {
            "_meta": {"newskb_version": MAPPING_VERSION},
            "dynamic": "strict",
            "properties": {
                "id": keyword,
                "title": text,
                "body": text,
                "source": {"type": "text", "analyzer": "newskb_words", "search_analyzer": "whitespace"},
                "source_name": keyword,  # as written, for counts by source
                "author": {"type": "text", "analyzer": "newskb_words", "search_analyzer": "whitespace"},
                "lang": keyword,
                "story": keyword,
                "published": {"type": "date"},
                **{kind: keyword for kind in ENTITY_FIELDS},
            },
        },
    }
