"""Entity facets judged against a gold file made by reading (tests/data/facet-gold/bbc.json).

    python benchmarks/facet_eval.py                   # imports BBC into a new knowledge base first
    python benchmarks/facet_eval.py --kb /tmp/bbc-kb  # a knowledge base of BBC made before

For each query of the gold file's two sets ("tuned", the queries facets were tuned on,
and "untuned", never tuned on) and each type, the top rows `kb search` shows are looked
up in the gold judgements: a row is right when a reader judged it a real entity of that
type under its canonical name. Prints, per set and type: precision (right rows over
judged rows), rows no reader has judged yet (left out of the precision, listed with
--unjudged), split rows (a row whose entity another row of the same list already
stands for), and how many of the reader's own top 10 the list shows.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import CORPORA  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "data" / "facet-gold" / "bbc.json"
TYPES = ("person", "org", "place")


def judge(rows: list[str], judgements: dict[str, dict], top10: list[str], overrides: dict | None = None) -> dict:
    """Counts for one facet list: right, judged, unjudged names, split rows, gold top 10
    shown. `overrides` are the judgements that differ in this query (Birmingham, in
    football, is the club)."""
    right = judged = split = 0
    unjudged, seen = [], set()
    for name in rows:
        verdict = (overrides or {}).get(name) or judgements.get(name)
        if verdict is None:
            unjudged.append(name)
            continue
        judged += 1
        right += bool(verdict["ok"])
        entity = verdict.get("entity", name)
        split += entity in seen
        seen.add(entity)
    return {"right": right, "judged": judged, "unjudged": unjudged, "split": split,
            "found": len(set(top10) & {judgements.get(n, {}).get("entity", n) for n in rows}), "gold": len(top10)}


def facet_rows(kb, query: str, top: int) -> dict[str, list[str]]:
    facets = kb.search(query, limit=1, fragments=0, facets=top).facets
    return {kind: [value.value for value in facets.get(kind, [])] for kind in TYPES}


def evaluate(kb, gold: dict, top: int) -> dict[str, dict[str, dict]]:
    """{set: {type: summed counts}} over the set's queries."""
    result: dict[str, dict[str, dict]] = {}
    for set_name, queries in gold["queries"].items():
        totals = {kind: {"right": 0, "judged": 0, "unjudged": [], "split": 0, "found": 0, "gold": 0}
                  for kind in TYPES}
        for query in queries:
            shown = facet_rows(kb, query, top)
            for kind in TYPES:
                read = gold["by_query"].get(query, {}).get(kind, {})
                counts = judge(shown[kind], gold["judgements"][kind], read.get("top10", []), read.get("overrides"))
                for key, value in counts.items():
                    totals[kind][key] += [(query, name) for name in value] if key == "unjudged" else value
        result[set_name] = totals
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, help="a knowledge base holding BBC (default: import it anew)")
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--unjudged", action="store_true", help="list the rows no reader has judged")
    args = parser.parse_args()
    from kb import KnowledgeBase

    gold = json.loads(args.gold.read_text())
    with tempfile.TemporaryDirectory(prefix="newskb-facets-") as work:
        path = args.kb or Path(work) / "kb"
        with KnowledgeBase(path) as kb:
            if args.kb is None:
                kb.import_paths([CORPORA / "bbc-news"])
            result = evaluate(kb, gold, args.top)
    print(f"{'set':<8} {'type':<7} {'precision':>9} {'judged':>7} {'unjudged':>9} {'split':>6} {'gold top 10 shown':>18}")
    for set_name, totals in result.items():
        for kind, counts in totals.items():
            precision = counts["right"] / counts["judged"] if counts["judged"] else float("nan")
            print(f"{set_name:<8} {kind:<7} {precision:>9.3f} {counts['judged']:>7} {len(counts['unjudged']):>9} "
                  f"{counts['split']:>6} {counts['found']:>8} of {counts['gold']:<8}")
            if args.unjudged:
                for query, name in counts["unjudged"]:
                    print(f"    unjudged {kind}: {name!r} ({query})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
