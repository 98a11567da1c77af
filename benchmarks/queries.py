"""The fixed query sets: each newskb query with its FTS5 equivalent.

Kinds: boolean, phrase, proximity, field, entity (filter), date (range). Entity
filters use `KnowledgeBase.search(entities=...)` in newskb and a join on the entity
tables for FTS5; date ranges use `since`/`until` and a `published` comparison.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    text: str  # newskb query
    match: str  # FTS5 MATCH expression
    since: str | None = None
    until: str | None = None  # inclusive day
    entities: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def fts_where(self) -> str:
        """Extra SQL conditions for the FTS5 reference (dates, entities)."""
        parts = []
        if self.since:
            parts.append(f"and articles.published >= '{self.since}'")
        if self.until:
            parts.append(f"and articles.published <= '{self.until}T23:59:59Z'")
        for kind, name in self.entities:
            parts.append(
                "and articles.id in (select ae.article_id from kb.article_entities ae join kb.entities e "
                f"on e.id = ae.entity_id where e.type = '{kind}' and e.key = '{name.lower()}')")
        return " ".join(parts)


def plain(text: str) -> BenchQuery:
    """A boolean query written the same way in both languages."""
    return BenchQuery("boolean", text, text)


BBC = [
    plain("government AND election"), plain("music OR film"), plain("economy AND growth NOT China"),
    plain("(Microsoft OR Apple) AND software"), plain("club AND (injury OR injured)"),
    plain("bank AND rates"),
    BenchQuery("phrase", '"prime minister"', '"prime minister"'),
    BenchQuery("phrase", '"interest rates"', '"interest rates"'),
    BenchQuery("phrase", '"mobile phone"', '"mobile phone"'),
    BenchQuery("phrase", '"world cup"', '"world cup"'),
    BenchQuery("proximity", '"oil prices"~5', "NEAR(oil prices, 4)"),
    BenchQuery("field", "title:election", "title:election"),
    BenchQuery("field", "title:(oil OR gas)", "title:(oil OR gas)"),
    BenchQuery("field", 'title:"box office"', 'title:"box office"'),
    BenchQuery("entity", "election", "election", entities=(("person", "Tony Blair"),)),
    BenchQuery("entity", "profits", "profits", entities=(("org", "Microsoft"),)),
    BenchQuery("entity", "match", "match", entities=(("place", "England"),)),
    BenchQuery("date", "oil", "oil", since="2005-03-01", until="2005-05-31"),
    BenchQuery("date", "film OR music", "film OR music", since="2005-01-01", until="2005-01-31"),
    BenchQuery("date", "government AND tax", "government AND tax", since="2005-06-01", until="2005-12-31"),
]

REUTERS = [
    plain("oil AND OPEC"), plain("wheat OR corn"), plain("coffee NOT Brazil"),
    plain("(gold OR silver) AND prices"), plain("bank AND rates AND Japan"), plain("shares AND profit"),
    BenchQuery("phrase", '"trade deficit"', '"trade deficit"'),
    BenchQuery("phrase", '"Bank of Japan"', '"Bank of Japan"'),
    BenchQuery("phrase", '"mln dlrs"', '"mln dlrs"'),
    BenchQuery("phrase", '"interest rates"', '"interest rates"'),
    BenchQuery("proximity", '"oil prices"~5', "NEAR(oil prices, 4)"),
    BenchQuery("field", "title:cocoa", "title:cocoa"),
    BenchQuery("field", "title:(oil OR gas)", "title:(oil OR gas)"),
    BenchQuery("field", 'title:"money market"', 'title:"money market"'),
    BenchQuery("entity", "oil", "oil", entities=(("org", "OPEC"),)),
    BenchQuery("entity", "trade", "trade", entities=(("place", "Japan"),)),
    BenchQuery("entity", "dollar", "dollar", entities=(("person", "James Baker"),)),
    BenchQuery("date", "oil", "oil", since="1987-03-01", until="1987-03-31"),
    BenchQuery("date", "wheat OR grain", "wheat OR grain", since="1987-04-01", until="1987-05-31"),
    BenchQuery("date", "bank AND rates", "bank AND rates", since="1987-02-01", until="1987-03-14"),
]

QUERY_SETS = {"bbc": BBC, "reuters": REUTERS}
