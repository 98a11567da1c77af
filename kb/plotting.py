"""Charts of timelines with matplotlib (the optional `plot` extra; imported only here)."""
from __future__ import annotations

from kb.errors import KBError


def plot_timeline(timeline, path: str) -> None:
    """Draw each series as a line over the periods and save to PNG or SVG (by extension)."""
    if not path.lower().endswith((".png", ".svg")):
        raise KBError(f"cannot plot to {path}: use a .png or .svg file name")
    try:
        import matplotlib

        matplotlib.use("Agg")  # no screen needed
        from matplotlib import pyplot
    except ImportError:
        raise KBError("plotting needs matplotlib: pip install 'newskb[plot]'") from None
    figure, axes = pyplot.subplots(figsize=(max(6, len(timeline.periods) * 0.35), 4))
    for label, counts in timeline.series.items():
        axes.plot(timeline.periods, counts, marker="o", label=label)
    axes.set_xlabel(timeline.by)
    axes.set_ylabel("matching articles")
    axes.tick_params(axis="x", labelrotation=90)
    axes.legend()
    figure.tight_layout()
    try:
        figure.savefig(path)
    except OSError as error:
        raise KBError(f"cannot write the chart to {path}: {error.strerror or error}") from None
    finally:
        pyplot.close(figure)
