"""Reuters-21578 SGML: one dated article per document, the sign-off dropped."""
from __future__ import annotations

import io

from importers import reuters_sgml
from kb.models import Article, Skipped

DOCUMENTS = b"""<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TEXT>&#2;
<TITLE>BAHIA COCOA REVIEW</TITLE>
<BODY>Showers continued throughout the week in
the Bahia cocoa zone.
    Comissaria Smith said the temporao will be late.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="2">
<DATE>26-FEB-1987 15:02:20.00</DATE>
<TEXT>&#2;
<TITLE>OIL PRICES STEADY</TITLE>
<BODY>Oil prices held steady on Thursday.
 REUTER
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="3">
<DATE>26-FEB-1987 15:03:00.00</DATE>
<TEXT TYPE="BRIEF">&#2;
<TITLE>BRIEF ITEM</TITLE>
&#3;</TEXT>
</REUTERS>
"""


def test_documents_become_dated_articles_without_the_sign_off():
    first, second, third = reuters_sgml.parse(io.BytesIO(DOCUMENTS), origin="reut2-000.sgm")
    assert isinstance(first, Article) and first.title == "BAHIA COCOA REVIEW"
    assert first.published == "1987-02-26T15:01:01Z" and first.source == "Reuters"
    assert first.body == ("Showers continued throughout the week in the Bahia cocoa zone.\n\n"
                          "Comissaria Smith said the temporao will be late.")
    assert second.body == "Oil prices held steady on Thursday."  # "REUTER" in capitals too
    assert third == Skipped("reut2-000.sgm", "NEWID 3", "no body text")
