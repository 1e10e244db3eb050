"""`plot_leaves(result, path)`: the leaves of a 2-D minimisation proof on a contour plot.

Needs matplotlib (optional dependency: `pip install matplotlib`, or the `plot` extra).
"""
import math

from .errors import InputError, UnsupportedOperationError


def plot_leaves(result, path, *, resolution=200):
    """Draw f's contours, every leaf box of the proof (coloured by its proven lower bound) and
    the witness; save the figure to `path` (any format matplotlib knows: .png, .pdf, .svg)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Rectangle
    except ImportError:
        raise UnsupportedOperationError("plot_leaves needs matplotlib: pip install matplotlib") \
            from None
    import numpy as np

    leaves = getattr(result, "leaves", None)
    if not leaves or len(leaves[0][0]) != 2:
        raise InputError("plot_leaves draws 2-D problems only (this result has "
                         f"{len(leaves[0][0]) if leaves else 0} dimensions)")
    (x_lo, x_hi), (y_lo, y_hi) = _extent(leaves)
    fig, ax = plt.subplots(figsize=(7, 6))
    if result._float_f is not None:
        xs, ys = np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution)
        values = np.array([[result._float_f([x, y]) for x in xs] for y in ys])
        finite = values[np.isfinite(values)]
        if finite.size:
            levels = np.unique(np.quantile(finite, np.linspace(0, 1, 25)))
            if levels.size > 1:
                ax.contour(xs, ys, np.where(np.isfinite(values), values, np.nan), levels=levels,
                           colors="0.55", linewidths=0.6)
    lows = np.array([low for _, low in leaves], dtype=float)
    shown = np.where(np.isfinite(lows), lows, np.nanmin(np.where(np.isfinite(lows), lows, np.nan))
                     if np.isfinite(lows).any() else 0.0)
    patches = [Rectangle((b[0][0], b[1][0]), b[0][1] - b[0][0], b[1][1] - b[1][0])
               for b, _ in leaves]
    coll = PatchCollection(patches, cmap="viridis", edgecolor="k", linewidth=0.2, alpha=0.45)
    coll.set_array(shown)
    ax.add_collection(coll)
    fig.colorbar(coll, ax=ax, label="proven lower bound on the leaf")
    if result.argmin is not None:
        x, y = result.argmin
        ax.plot([x], [y], marker="*", color="red", markersize=14, label="witness")
        ax.legend(loc="upper right")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_title(f"{len(leaves)} leaves; min f in [{result.lower:.10g}, {result.upper:.10g}]",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def _extent(leaves):
    out = []
    for d in range(2):
        lo = min(b[d][0] for b, _ in leaves)
        hi = max(b[d][1] for b, _ in leaves)
        out.append((lo, hi) if math.isfinite(lo) and math.isfinite(hi) else (-1.0, 1.0))
    return out
