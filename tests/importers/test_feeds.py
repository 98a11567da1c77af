"""RSS 2.0, RSS 1.0 and Atom feeds: one article per item, from real (some malformed) feeds."""
from __future__ import annotations

import io

import pytest

from helpers import DATA
from importers import feeds
from kb.errors import InputError
from kb.models import Article, Skipped

FEEDS = DATA / "feeds"


def parse(name: str) -> list:
    path = FEEDS / name
    with path.open("rb") as stream:
        return list(feeds.parse(stream, origin=str(path)))


def test_rss2_items():
    first, second = parse("huffpost-canada.xml")
    assert first.title == "Winnipeg High School Orders Custom Hijabs For Muslim Athletes"
    assert first.url.startswith("http://www.huffingtonpost.ca/2017/10/17/winnipeg-high-school-orders-custom-hijabs")
    assert first.published == "2017-10-17T22:17:00Z"
    assert first.authors == ["Canadian Press"]
    assert first.source == "HuffPost Canada - Athena2 - All Posts"
    assert first.language == "en"
    assert (first.record, second.record) == ("item 1", "item 2")
    assert "About 50 female students at Dakota Collegiate in Winnipeg wear hijabs." in first.body
    assert second.authors == ["Adrian Sutherland"] and second.published == "2017-10-17T21:38:00Z"


def test_full_content_preferred_and_html_stripped_to_paragraphs():
    """content:encoded is used over the description; a blank line before <?xml is tolerated."""
    first, second = parse("techcrunch-2-items.xml")
    assert first.title == "Angie’s List Sets Price Range IPO At $11 To $13 Per Share; Valued At Over $600M"
    assert first.published == "2011-11-02T17:25:27Z" and first.authors == ["Leena Rao"]
    assert first.source == "TechCrunch"
    assert first.body.startswith("Angie’s List, which offers consumers a way to review and rate doctors")
    assert "\n\n" in first.body and "<p>" not in first.body and "<a " not in first.body
    assert "Google is launching a new native Gmail application for the iPhone" in second.body


def test_atom_entries():
    records = parse("heise.atom")
    assert len(records) == 15 and all(isinstance(r, Article) for r in records)
    first = records[0]
    assert first.title == "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei"
    assert first.published == "2016-02-01T16:22:00Z"  # <published>17:22+01:00, not <updated>
    assert first.url.startswith("http://www.heise.de/developer/meldung/Java-Anwendungsserver-Red-Hat-gibt-WildFly-10")
    assert first.source == "heise developer neueste Meldungen"
    assert first.body.startswith("Die nun verfügbare Version 10 des Enterprise-Java-Servers")


def test_malformed_latin1_feed_read_leniently():
    records = parse("uol-noticias-latin1.rss")
    assert len(records) == 15
    first = records[0]
    assert first.title == "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    assert first.published == "2018-09-24T22:42:40Z"  # "Seg, 24 Set 2018 19:42:40 -0300"
    assert first.body.startswith("Líder na pesquisa Ibope de intenção de voto para o primeiro turno")
    headline_only = [r for r in records if r.record in ("item 2", "item 9", "item 11", "item 12")]
    assert all(isinstance(r, Article) and r.body == r.title for r in headline_only)


def test_headline_only_items_are_articles_and_empty_items_malformed():
    records = parse("science-rss1-3-items.rss")
    assert [(type(r).__name__, r.body == r.title, bool(r.url)) for r in records] == [("Article", True, True)] * 3
    [empty] = list(feeds.parse(io.BytesIO(b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
                                          b'<item><link>https://example.org/x</link></item></channel></rss>'),
                               origin="empty.rss"))
    assert empty == Skipped("empty.rss", "item 1", "item without text", malformed=True)


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02 not a feed", b"<html><body><p>a page</p></body></html>",
                                  b"{\"json\": true}"])
def test_not_a_feed_raises_input_error(data):
    with pytest.raises(InputError) as error:
        list(feeds.parse(io.BytesIO(data), origin="x.xml"))
    assert error.value.origin == "x.xml"


@pytest.mark.parametrize("garbled", [b"\xf0tf-8", b"\x00tf-8"])
def test_garbled_encoding_declaration_read_by_our_decoder(garbled):
    """feedparser's own decoding raised on these (found by the fuzz tests)."""
    data = (FEEDS / "heise.atom").read_bytes().replace(b"utf-8", garbled, 1)
    records = list(feeds.parse(io.BytesIO(data), origin=str(FEEDS / "heise.atom")))
    assert records == parse("heise.atom") and len(records) > 1


def test_truncated_feed_keeps_complete_items():
    data = (FEEDS / "huffpost-canada.xml").read_bytes()
    cut = data[: data.index(b"<item>", data.index(b"<item>") + 1) + 200]
    records = list(feeds.parse(io.BytesIO(cut), origin="cut.xml"))
    assert records[0].title == "Winnipeg High School Orders Custom Hijabs For Muslim Athletes"


def test_external_entities_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    feed = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
<rss version="2.0"><channel><title>T</title>
<item><title>Leak &xxe;</title><description>Body &xxe; text</description></item>
</channel></rss>""".encode()
    records = list(feeds.parse(io.BytesIO(feed), origin="xxe.rss"))
    assert all("TOP-SECRET-VALUE" not in (getattr(r, "body", "") + getattr(r, "title", "")) for r in records)


@pytest.mark.parametrize("head, expected", [
    (b"\n<?xml version='1.0'?>\n<rss version='2.0'>", True), (b"<feed xmlns='http://www.w3.org/2005/Atom'>", True),
    (b"<?xml version='1.0'?><rdf:RDF xmlns:rdf='x'>", True), (b"<!DOCTYPE html><html>", False),
])
def test_sniff(head, expected):
    assert feeds.looks_like_feed(head) is expected
