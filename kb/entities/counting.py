"""Folding one article's mentions into entity counts."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from kb.entities.features import GAZ_COUNTRY, GAZ_FIRST
from kb.models import EntityCount, Mention
from kb.vocabulary import WORK

_SPACE = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# Punctuation stripped from either end of a name (a final "." is handled apart).
_EDGE = "\"'“”‘’«»()[]{}<>,;:!?*-–—/\\|#@&_~`"


@lru_cache(maxsize=4096)  # a name is asked for again and again within an article
def canonical(text: str) -> str:
    """Whitespace collapsed, surrounding punctuation and a trailing possessive removed.

    >>> canonical(" “Trump’s ")
    'Trump'
    """
    name = _SPACE.sub(" ", text).strip()
    while True:
        before = name
        name = name.strip(_EDGE + " ")
        if name.endswith("'s") or name.endswith("’s"):
            name = name[:-2]
        elif name.endswith("s'") or name.endswith("s’"):
            name = name[:-1]
        if name.endswith(".") and not _keeps_period(name):
            name = name[:-1]
        if name == before:
            return name


def _keeps_period(name: str) -> bool:
    """"U.S." and "Acme Inc." keep their final period; "Washington." does not."""
    last = name.rsplit(" ", 1)[-1]
    return "." in last[:-1] or (len(last) <= 4 and last[:1].isupper() and name != last)


def is_junk(name: str) -> bool:
    """Single characters, pure numbers and all-lower-case strings are no entity names."""
    if len(name) < 2:
        return True
    if name.isascii():  # most names: a capital is a letter, and lower() changes it
        return name.lower() == name
    if not any(c.isalpha() for c in name):
        return True
    return not any(c.isupper() for c in name)


JOB_TITLES = frozenset(
    "Officer Secretary Director President Minister Chairman Chairwoman Chair Spokesman Spokeswoman "
    "Spokesperson Counsel Commissioner Governor Senator Representative Judge Chief Mayor CEO Attorney "
    "General Ambassador Adviser Advisor Administrator Superintendent Inspector Deputy Treasurer".split()
)


NAME_PARTICLES = frozenset("de da del della der di do dos du la le van von al bin ibn y".split())


# Members of an organisation, not the organisation: "Labour MPs" is Labour.
MEMBER_WORDS = frozenset("MPs MEPs MSPs members supporters voters fans officials leaders activists".split())


def trimmed(mention: Mention) -> Mention:
    """A mention without lower-case words at its edges ("than BankAmerica" -> "BankAmerica")
    and an organisation's without the word for its members ("Labour MPs" -> "Labour");
    name particles inside ("Ludwig van Beethoven") stay."""
    words = mention.text.split(" ")
    first, last = 0, len(words)
    while first < last and words[first][:1].islower():
        first += 1
    while last > first and (words[last - 1][:1].islower() and words[last - 1] not in NAME_PARTICLES
                            or mention.type == "org" and last > first + 1 and words[last - 1] in MEMBER_WORDS):
        last -= 1
    if (first, last) == (0, len(words)) or first == last:
        return mention
    start = mention.start + len(" ".join(words[:first])) + (1 if first else 0)
    text = " ".join(words[first:last])
    return Mention(start, start + len(text), mention.type, text)


# Stations and channels are named with their number: "BBC Radio 4", "Channel 4", "BBC Two".
NUMBERED = frozenset("Radio Channel BBC ITV".split())
_NUMBER_AFTER = re.compile(r"^ (\d{1,2}|One|Two|Three|Four|Five Live|Five)(?![\w%.-])")


def with_number(mention: Mention, text: str) -> Mention:
    """An organisation's mention ending in a word of NUMBERED with the number after it
    that the tagger left out: "BBC Radio" + " 4" -> "BBC Radio 4"."""
    number = _NUMBER_AFTER.match(text[mention.end:mention.end + 12])
    if mention.type != "org" or not number or mention.text.rsplit(" ", 1)[-1] not in NUMBERED:
        return mention
    return Mention(mention.start, number.end() + mention.end, "org", mention.text + number.group(0))


# Newspapers and programmes named after a day: the tagger leaves the day out of "the
# Sunday Telegraph" (and makes "Telegraph" a person).
_DAY_BEFORE = re.compile(r"(?:^|\W)[Tt]he (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) $")


def with_day(mention: Mention, text: str) -> Mention:
    """A one-word mention right after "the" and a day's name is the title of an
    organisation that starts with the day.

    >>> with_day(Mention(19, 28, "person", "Telegraph"), "He told the Sunday Telegraph.")
    Mention(start=12, end=28, type='org', text='Sunday Telegraph')
    """
    day = _DAY_BEFORE.search(text[max(0, mention.start - 15):mention.start])
    if not day or " " in mention.text or not mention.text[:1].isupper():
        return mention
    start = mention.start - len(day.group(1)) - 1
    return Mention(start, mention.end, "org", text[start:mention.end])


def without_job_titles(mention: Mention, org_names: set[str]) -> list[Mention]:
    """An org mention that runs into a job title is cut at it: "IRS Chief Risk" -> org "IRS"
    (kept when an acronym or named alone elsewhere), "Control Officer Dottie Romo" ->
    person "Dottie Romo" (two or more words after the title). A name that starts with
    the title word and is no person's is the organisation's own ("General Motors")."""
    words = mention.text.split(" ")
    titles = [i for i, word in enumerate(words) if word in JOB_TITLES]
    if mention.type != "org" or not titles or titles[0] == 0 and len(words) - titles[-1] - 1 < 2:
        return [mention]
    parts = []
    org = " ".join(words[:titles[0]])
    if org and (org.isupper() or org in org_names):
        parts.append(Mention(mention.start, mention.start + len(org), "org", org))
    if len(words) - titles[-1] - 1 >= 2:
        person = " ".join(words[titles[-1] + 1:])
        parts.append(Mention(mention.end - len(person), mention.end, "person", person))
    return parts


def initials(name: str) -> str:
    """"Department of Homeland Security" -> "DHS" (capitalised words only)."""
    return "".join(word[0] for word in name.split() if word[:1].isupper())


SHORTENED_HEADS = ("of", "for", "on")  # "Department of | Homeland Security"


def short_form_of(short: str, long: str) -> bool:
    """True if `short` is an acronym of `long`, or its last two or more words after a
    head ending in "of", "for" or "on" ("Homeland Security" of "Department of Homeland
    Security"; "Labour Party" is another party than "Parliamentary Labour Party").

    >>> short_form_of("Labour Party", "Parliamentary Labour Party")
    False
    """
    if " " not in long or short == long:
        return False
    if short.isupper() and " " not in short and 2 <= len(short) <= 6 and initials(long) == short:
        return True
    head = long[:-len(short)].split()
    return " " in short and long.endswith(" " + short) and bool(head) and head[-1] in SHORTENED_HEADS


def split_coordinations(groups: dict) -> None:
    """"Treasury and Homeland Security" counts as its two orgs when both are named apart too."""
    for kind, name in [key for key in groups if key[0] == "org" and " and " in key[1]]:
        first, last = name.split(" and ", 1)
        if ("org", first) in groups and ("org", last) in groups:
            for start, end in groups.pop((kind, name)):
                groups[("org", first)].append((start, start + len(first)))
                groups[("org", last)].append((end - len(last), end))


def link_short_forms(groups: dict, aliases: dict) -> None:
    """Fold an org's acronym or trailing words into the one longer org name they abbreviate
    ("DHS" and "Homeland Security" into "Department of Homeland Security")."""
    orgs = sorted((name for kind, name in groups if kind == "org"), key=len, reverse=True)
    for short in orgs[::-1]:
        longer = [name for name in orgs if short_form_of(short, name) and ("org", name) in groups]
        if len(longer) > 1:  # prefer a name over a coordination ("X and Y")
            longer = [name for name in longer if " and " not in name]
        if len(longer) == 1:
            target = ("org", longer[0])
            groups[target].extend(groups.pop(("org", short)))
            groups[target].sort()
            aliases.setdefault(target, []).extend([short, *aliases.pop(("org", short), [])])


# Titles before a name: never part of it, and the name is a person's ("Mr Blair": Blair).
# These are taken off any mention (the tagger made "Lord Butler" a place); the others of
# HONORIFICS only off a person's ("General Motors", "Justice Department" are organisations).
PERSONAL_TITLES = frozenset("Mr Mrs Ms Miss Mx Dr Sir Dame Lord Lady Baroness Baron".split())
HONORIFICS = PERSONAL_TITLES | frozenset(
    "Mr Mrs Ms Miss Mx Dr Lord Lady Sir Dame President Chancellor Senator Sen Governor Gov Judge Professor Prof "
    "Rev Reverend Pope Prince Princess King Queen General Gen Colonel Col Captain Capt Sheikh Ayatollah "
    "Archbishop Bishop Cardinal Father Sister Brother Minister Premier Mayor Commissioner Inspector "
    "Detective Sergeant Sgt Chief Justice Representative Rep Deputy Secretary MP MEP MSP Congressman "
    "Congresswoman".split())
MULTI_WORD_HONORIFICS = ("Prime Minister", "Foreign Secretary", "Home Secretary", "Health Secretary",
                         "Culture Secretary", "Education Secretary", "Defence Secretary", "Trade Secretary",
                         "Chief Executive", "Vice President", "Attorney General", "Secretary of State")
_SPACED_HONORIFICS = tuple(title + " " for title in MULTI_WORD_HONORIFICS)  # one startswith tries them all


def without_honorific(mention: Mention, text: str) -> Mention | None:
    """A mention without the titles that lead it ("Mr Blair", "Prime Minister Tony Blair"),
    as a person's when it had one or the text names one just before it ("Mr" + "Blair");
    None if nothing but titles is left ("Lord Chancellor"). Of a mention not tagged as a
    person only PERSONAL_TITLES count.

    >>> [m.text for m in (without_honorific(Mention(0, 14, "org", "General Motors"), "General Motors"),
    ...                   without_honorific(Mention(0, 11, "place", "Lord Butler"), "Lord Butler"))]
    ['General Motors', 'Butler']
    """
    titles, several, spaced = ((HONORIFICS, MULTI_WORD_HONORIFICS, _SPACED_HONORIFICS) if mention.type == "person"
                               else (PERSONAL_TITLES, (), ()))
    name, start, titled = mention.text, mention.start, False
    while True:
        words = name.split(" ")
        lead = next(h for h in spaced if name.startswith(h))[:-1] if name.startswith(spaced) else (
            words[0] if words[0].rstrip(".") in titles and len(words) > 1 else None)
        if lead is None:
            break
        cut = len(lead) + 1
        name, start, titled = name[cut:].lstrip(), start + cut, True
    if name.rstrip(".") in titles or name in several:
        return None
    before = text[max(0, mention.start - 25):mention.start].split()
    titled = titled or bool(before) and before[-1].rstrip(".") in titles
    if not titled:
        return mention if name == mention.text else Mention(start, mention.end, mention.type, name)
    return Mention(start, mention.end, "person", name)


def fold_short_names(groups: dict) -> None:
    """A one-word person or organisation name folds into the one longer name of its type
    in the article that ends with it ("Blair" into "Tony Blair", "United" into
    "Manchester United") or, failing that, starts with it ("George" into "George W
    Bush", "Bank" into "Bank of England"); an organisation's also into the one name it
    begins ("Yugansk" into "Yuganskneftegas"). With two candidates it stays apart."""
    for kind in ("person", "org"):
        longer = [name for k, name in groups if k == kind and " " in name]
        for key in [k for k in groups if k[0] == kind and " " not in k[1]]:
            word = key[1]
            full = ([name for name in longer if name.rsplit(" ", 1)[1] == word]
                    or [name for name in longer if name.split(" ", 1)[0] == word])
            if not full and kind == "org" and len(word) >= 5:
                full = [name for k, name in groups if k == kind and name != word and name.startswith(word)]
            if len(full) == 1:
                target = groups[(kind, full[0])]
                target.extend(groups.pop(key))
                target.sort()


# What the words around a name say of it, in its article: "the Xbox console" speaks of a
# product, "Blair said he", "Blunkett, who" and "Lord Falconer" of a person, "Vodafone said it" of a
# company (or of a government, where a capital speaks).
# Words of business ("the mobile phone maker Nokia", "Vodafone shares") speak of a company,
# whatever the tagger made of the name; the others of an organisation where the tagger
# saw a person ("the band Franz Ferdinand", "a Sony spokesman", "Chelsea striker"), not
# where it saw a place ("France striker" is the national team, "Iraq spokesman" its
# government: a place in news).
COMPANY_BEFORE = frozenset("firm firms company companies giant maker makers operator chain retailer carrier "
                           "airline manufacturer conglomerate insurer analysts consultancy unit".split())
COMPANY_AFTER = frozenset("shares shareholders profits profit revenues revenue subsidiary Inc Corp Corporation "
                          "plc Ltd".split())
ORGANISATION_BEFORE = frozenset("group rival bank network provider producer publisher developer brand broadcaster "
                                "service website site band".split())
ORGANISATION_AFTER = frozenset("spokesman spokeswoman spokesperson boss bosses chairman manager striker midfielder "
                               "defender goalkeeper".split())
PRODUCT_AFTER = frozenset("console consoles handheld browser player players handset handsets phone phones "
                          "technology software device devices chip chips jet plane".split())
PRODUCT_BEFORE = frozenset("system console".split())  # "the operating system Linux"
_AFTER = re.compile(r"^(?:['’]s)?,?\s+(\w+)(?:\s+(\w+))?")
# "Yuganskneftegaz, the unit which", "Grokster and StreamCast, two file-sharing networks.":
# the last word of an apposition says what the name is (not "a company director").
_APPOSITION = re.compile(r"^(?: and [A-Z][\w-]*)?, (?:the|a|an|its|two|three) (?:(?!of )[\w-]+ ){0,3}?([a-z]+)"
                         r"(?=[,.;:)]| which| that| whose)")


# "technology companies such as Intel, Microsoft, and Hewlett Packard": the kind of each name listed.
_NAME = r"[\w&.'-]*[A-Z][\w&.'-]*(?: [\w&.'-]*[A-Z][\w&.'-]*)*"
_KIND_LISTED = re.compile(r"(\w+),? (?:such as|like|including) (?:%s(?:, |,? and |,? or ))*$" % _NAME)


def kind_in_apposition(text: str) -> str | None:
    """"company" or "org" when the apposition `text` starts with names a kind of either.

    >>> kind_in_apposition(", the unit which"), kind_in_apposition(", a former company director, said")
    ('company', None)
    """
    found = _APPOSITION.match(text)
    return kind_of(found.group(1) if found else "")


def kind_listed(before: str) -> str | None:
    """"company" or "org" when the text `before` a name lists it after a kind of either.

    >>> kind_listed("technology companies such as Intel, Microsoft, and "), kind_listed("Networks like eDonkey, ")
    ('company', 'org')
    """
    if not any(words in before for words in (" such as ", " like ", " including ")):
        return None  # most names: no search
    found = _KIND_LISTED.search(before)
    return kind_of(found.group(1).lower() if found else "")


def kind_of(word: str) -> str | None:
    """"company" or "org" for a word (or its plural) of COMPANY_BEFORE or ORGANISATION_BEFORE."""
    for kind, words in (("company", COMPANY_BEFORE), ("org", ORGANISATION_BEFORE)):
        if word in words or word.endswith("s") and word[:-1] in words:
            return kind
    return None


def context_cues(text: str, start: int, end: int) -> str | None:
    """"company", "org", "product", "person" or "it" (said it) when the words around
    text[start:end] say so.

    >>> text = "according to analysts Gartner, a Linux-based phone"
    >>> [context_cues(text, found.start(), found.end()) for found in re.finditer("Gartner|Linux", text)]
    ['company', 'product']
    """
    words = text[max(0, start - 40):start].split()[-3:]
    before = [w.strip(".,;:\"'“”‘’()").lower() for w in words]
    joined = bool(words) and words[-1][-1:] not in ".,;:)" and text[start - 1:start].isspace()  # "giant Nokia"
    after = _AFTER.match(text[end:end + 40])
    first, second = after.groups() if after else ("", "")
    if first in ("said", "says") and second in ("he", "she") or first == "who" and text[end:end + 1] == ",":
        return "person"
    if joined and words[-1].rstrip(".") in PERSONAL_TITLES:  # "Lord Falconer said it was..."
        return "person"
    if first in COMPANY_AFTER or joined and before[-1] in COMPANY_BEFORE:
        return "company"
    if first in ORGANISATION_AFTER or joined and before[-1] in ORGANISATION_BEFORE:
        return "org"
    if apposed := kind_in_apposition(text[end:end + 80]) or kind_listed(text[max(0, start - 150):start]):
        return apposed
    if first in ("said", "says") and second == "it":
        return "it"  # a company's words; a place's, too, when it stands for a government
    made_on = text[end:end + 6] == "-based"  # "a Linux-based computer"
    return "product" if first in PRODUCT_AFTER or made_on or joined and before[-1] in PRODUCT_BEFORE else None


# A name ending with one of these is an institution's, whatever the tagger made of it:
# "High Court", "Home Office", "Metropolitan Police".
INSTITUTION_HEADS = frozenset("Court Council Commission Committee Ministry Department University College Party "
                              "Assembly Parliament Agency Association Federation Institute Corporation Authority "
                              "Office Police Board".split())


def retype_by_context(groups: dict, text: str) -> set[tuple[str, str]]:
    """A name tagged as a person that its article never speaks of as one, but as a
    company (or a product) at least once, is an organisation (or dropped); so is a
    "place" spoken of as a company, even where it is spoken of as a product too ("handset
    giant Nokia", "Nokia handsets": Nokia is a town too), and a person or place named as
    an institution ("High Court"). The other way, an "organisation" named by a first name
    and more ("Keanu Reeves") that its article speaks of as a person ("Reeves said he"),
    never as an organisation, is a person. Every place the name (or that one's last word)
    is written counts, tagged or not. Returns what it retyped: that type is what the
    words say, not the tagger's guess (kb.entity_table weighs the two)."""
    made = set()
    for key in [k for k in groups if k[0] in ("person", "place")]:
        if key[1].rsplit(" ", 1)[-1] in INSTITUTION_HEADS and " " in key[1]:
            cues = {"company"}
        else:
            cues = cues_of(text, key[1])
        if "person" in cues:
            continue
        if "company" in cues or key[0] == "person" and cues & {"org", "it"}:
            made.add(moved(groups, key, "org"))
        elif "product" in cues and key[0] == "person":
            del groups[key]
    for key in [k for k in groups if k[0] == "org" and " " in k[1] and k[1].split(" ", 1)[0].lower() in GAZ_FIRST]:
        cues = cues_of(text, key[1]) | cues_of(text, key[1].rsplit(" ", 1)[1])
        if "person" in cues and not cues & {"company", "org", "it", "product"}:
            made.add(moved(groups, key, "person"))
    return made


def cues_of(text: str, name: str) -> set[str | None]:
    """What the words around each place `name` is written in `text` say of it."""
    return {context_cues(text, start, end) for start, end in written_at(text, name)}


def written_at(text: str, name: str):
    r"""The spans of `text` where `name` is written as whole words: what the regular
    expression ``(?<!\w)name(?!\w)`` finds, without compiling one per name.

    >>> list(written_at("Sony, Sonya and Sony_2 or (Sony)", "Sony"))
    [(0, 4), (27, 31)]
    """
    if not name:
        return
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if _is_word_char(text[start - 1:start]) or _is_word_char(text[end:end + 1]):
            start = text.find(name, start + 1)
        else:
            yield start, end
            start = text.find(name, end)


def _is_word_char(char: str) -> bool:
    r"""Whether `char` is one regular expressions' ``\w`` matches ("" is not)."""
    return char.isalnum() or char == "_"


def moved(groups: dict, key: tuple[str, str], kind: str) -> tuple[str, str]:
    """Move the mentions of `key` to the same name of type `kind`; returns that key."""
    target = groups.setdefault((kind, key[1]), [])
    target.extend(groups.pop(key))
    target.sort()
    return kind, key[1]


# Works of art are neither people nor organisations: a name right after one of these words
# ("the film Vera Drake", "her album Confessions") or in quotes is a title, and so is every
# mention of that name in the article. Awards are dropped by name. (Dropped: newskb has no
# type for works.)
WORK_WORDS = frozenset("film films movie biopic album albums single song songs book books novel novels memoir "
                       "musical show series sitcom documentary opera game video track drama comedy "
                       "thriller cartoon programme soap".split())
AWARDS = frozenset(name.lower() for name in (
    "Oscar", "Oscars", "Academy Award", "Academy Awards", "Bafta", "Baftas", "Grammy", "Grammys", "Golden Globe",
    "Golden Globes", "Emmy", "Emmys", "Brit Award", "Brit Awards", "Brits", "Booker", "Booker Prize",
    "Mercury Prize", "Turner Prize", "Palme d'Or", "Golden Bear", "Olivier Award", "Olivier Awards"))
ROLE_WORDS = frozenset("role roles starring starred stars appeared appears cameo".split())
_QUOTES = "\"'“”‘’«»"


def titles_of_works(mentions: list[Mention], text: str) -> set[str]:
    """The names of `mentions` that stand for works or awards in this article.

    >>> text = "Leigh's film Vera Drake won. Vera Drake stars Imelda Staunton."
    >>> sorted(titles_of_works([Mention(13, 23, "person", "Vera Drake"), Mention(29, 39, "person", "Vera Drake"),
    ...                         Mention(46, 61, "person", "Imelda Staunton")], text))
    ['Vera Drake']
    """
    works = set()
    for mention in mentions:
        if mention.type == "place":
            continue
        before = [word.lower().strip(_QUOTES + ",") for word in text[max(0, mention.start - 30):mention.start].split()]
        if before and before[-1] == "the":  # "the film The Aviator", the mention without its "The"
            before.pop()
        if before[-2:-1] and before[-1] == "in" and before[-2] in ROLE_WORDS:  # "her lead role in Finding Neverland"
            before = ["film"]
        closing = text[mention.end:mention.end + 2]
        quoted = (0 < mention.start and text[mention.start - 1] in _QUOTES and closing[:1] in _QUOTES
                  and not closing[1:].isalpha())  # not "Steve's"
        if canonical(mention.text).lower() in AWARDS or quoted or before and before[-1] in WORK_WORDS:
            works.add(canonical(mention.text))
    return with_listed_works(works, mentions, text)


# Between two names of a list: a comma, "and", "or" (or "of", inside a title), then maybe
# "the" and a kind of work, itself maybe after a capitalised word ("and British film").
_LISTED = re.compile(r"(?:,\s*|,?\s+and\s+|,?\s+or\s+|\s+of\s+)(?:the\s+)?(?:(?-i:[A-Z][a-z]+\s+)?(?:%s)\s+)?"
                     % "|".join(sorted(WORK_WORDS)), re.IGNORECASE)


def with_listed_works(works: set[str], mentions: list[Mention], text: str) -> set[str]:
    """`works` and the names listed with one of them ("The Aviator, Sideways and Million
    Dollar Baby"): a list holds things of one kind; and the rest of a title the tagger
    cut at "of the" (Eternal Sunshine / Spotless Mind). (Not a person's name: "Vera
    Drake and Mike Leigh" lists a film and its director.)

    >>> text = "the film Ray, Sideways and The Aviator with Mike Leigh"
    >>> sorted(with_listed_works({"Ray"}, [Mention(9, 12, "person", "Ray"), Mention(14, 22, "org", "Sideways"),
    ...                                    Mention(31, 38, "org", "Aviator"), Mention(44, 54, "person", "Mike Leigh")],
    ...                          text))
    ['Aviator', 'Ray', 'Sideways']
    >>> text = "up against The Motorcycle Diaries and British film Vera Drake"
    >>> sorted(with_listed_works({"Vera Drake"}, [Mention(15, 33, "org", "Motorcycle Diaries"),
    ...                                           Mention(51, 61, "person", "Vera Drake")], text))
    ['Motorcycle Diaries', 'Vera Drake']
    """
    ordered = sorted((m for m in mentions if m.type != "place"), key=lambda m: m.start)
    pairs = [(a, b) for a, b in zip(ordered, ordered[1:]) if _LISTED.fullmatch(text[a.end:b.start])]
    grown = True
    while grown and works:
        before = len(works)
        for a, b in pairs:
            for one, other in ((a, b), (b, a)):
                if canonical(one.text) in works and other.type != "person":
                    works.add(canonical(other.text))
        grown = len(works) > before
    return works


def _known_names() -> dict[str, tuple[str, str]]:
    """Lower-case name -> (type, name) from data/known_names.tsv."""
    known = {}
    for line in resources.files("kb.entities").joinpath("data", "known_names.tsv").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, name, *others = line.split("\t")
            for other in (name, *others):
                known[other.lower()] = (kind, name)
    return known


KNOWN_NAMES = _known_names()


def known_entity(kind: str, name: str) -> tuple[str, str] | None:
    """The (type, name) a well-known other name stands for, whatever type the tagger
    gave it: "Britain" -> the United Kingdom (a place, also where tagged an org), "Tory"
    -> the Conservative Party (also where tagged a person: "Tory leader").

    >>> known_entity("org", "US"), known_entity("person", "Tory"), known_entity("org", "Acme")
    (('place', 'United States'), ('org', 'Conservative Party'), None)
    """
    return KNOWN_NAMES.get(name.lower())


def type_of_country(kind: str, name: str) -> str:
    """"place" for an organisation named by a country (kb/entities/data/country.txt): the
    tagger learnt from CoNLL-2003 to tag a national team or a government so ("Scotland
    beat Wales"), news readers look for the country.

    >>> type_of_country("org", "Scotland"), type_of_country("org", "Scotland Yard")
    ('place', 'org')
    """
    return "place" if kind == "org" and name.lower() in GAZ_COUNTRY else kind


def count_entities(mentions: list[Mention], text: str = "") -> list[EntityCount]:
    """One EntityCount per (type, canonical name), count desc then name; `text` (what the
    mentions' offsets point into) shows the titles just before a name. Then one of type
    WORK per title of a work its words show (the store counts them, to drop the name
    where other articles only guessed it: kb.entity_table)."""
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    aliases: dict[tuple[str, str], list[str]] = {}
    org_names = {m.text for m in mentions if m.type == "org"}
    works = titles_of_works(mentions, text) if text else set()
    untitled = (without_honorific(trimmed(with_day(with_number(mention, text), text)), text) for mention in mentions
                if canonical(mention.text) not in works)
    pieces = (piece for mention in untitled if mention for piece in without_job_titles(mention, org_names))
    for m in sorted(pieces, key=lambda m: (m.start, m.end)):
        name = canonical(m.text)
        if m.type != "person":
            name = _LEADING_THE.sub("", name)
        if is_junk(name):
            continue
        known = known_entity(m.type, name)
        if known and known[0] == "none":
            continue
        if known:
            if known[1] != name:
                aliases.setdefault(known, []).append(name)
            groups.setdefault(known, []).append((m.start, m.end))
            continue
        groups.setdefault((type_of_country(m.type, name), name), []).append((m.start, m.end))
    split_coordinations(groups)
    link_short_forms(groups, aliases)
    fold_short_names(groups)
    cued = retype_by_context(groups, text) if text else set()
    counts = [EntityCount(kind, name, len(spans), spans, sorted(set(aliases.get((kind, name), []))),
                          cued=(kind, name) in cued) for (kind, name), spans in groups.items()]
    counts.sort(key=lambda e: (-e.count, e.name, e.type))
    return counts + [EntityCount(WORK, title, 1) for title in sorted({_LEADING_THE.sub("", work) for work in works})]
