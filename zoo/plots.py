"""Figures for `zoo plot-latent` and the model cards, written as PNG files.

Each figure is a `matplotlib.figure.Figure` drawn on its own Agg canvas: no
pyplot, so no global figure state, no interactive backend and nothing left
over between calls. Files are written atomically (`zoo.io.atomic_path`), and
arguments are checked before anything is written, so an error never leaves a
half-written PNG or overwrites a previous one.
"""

from pathlib import Path

import numpy as np

from zoo.io import atomic_path

DPI = 120


def _png_path(path):
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"plots are written as PNG: path must end with .png, got {str(path)!r}")
    return path


def _new_figure(size):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    return path


def latent_map(codes_2d, labels, class_names, path, title=None):
    """Scatter of a test set's codes in a 2-D code plane, coloured by class.

    Points are drawn in a fixed shuffled order, so no class is always painted
    on top of the others.

    Args:
        codes_2d: `(N, 2)` finite codes.
        labels: `(N,)` int labels in [0, len(class_names)).
        class_names: the legend's name of each class (at most 20), or None for
            the label numbers.
        path: the PNG file to write (ends with .png).
        title: optional figure title.

    Returns:
        The `pathlib.Path` written.

    Raises:
        ValueError: For codes that are not `(N, 2)` finite numbers, labels that
            do not match them or the class names, or a path not ending in .png.

    Example:
        >>> latent_map(vae.encode(test_x), test_y, [str(d) for d in range(10)], "latent.png")
        PosixPath('latent.png')
    """
    import matplotlib
    from matplotlib.lines import Line2D

    codes = np.asarray(codes_2d, np.float64)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(codes) == 0:
        raise ValueError(f"codes_2d must be (N, 2) codes of a 2-D code plane, got shape {codes.shape}")
    if not np.all(np.isfinite(codes)):
        raise ValueError("codes_2d holds NaN or inf")
    labels = np.asarray(labels)
    if labels.shape != (len(codes),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {len(codes)} int labels, one per code, got shape {labels.shape}, "
                         f"dtype {labels.dtype}")
    if class_names is None:
        class_names = [str(i) for i in range(int(labels.max()) + 1)]
    class_names = [str(name) for name in class_names]
    k = len(class_names)
    if not 1 <= k <= 20:
        raise ValueError(f"latent_map tells apart 1 to 20 classes by colour, got {k} class names")
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"labels must be in [0, {k}) for {k} class names, got {labels.min()} to {labels.max()}")
    path = _png_path(path)

    # Qualitative maps: tab10's colours for up to 10 classes, tab20 beyond.
    colours = matplotlib.colormaps["tab10" if k <= 10 else "tab20"].colors[:k]
    order = np.random.default_rng(0).permutation(len(codes))
    fig = _new_figure((6.4, 5.2))
    ax = fig.add_subplot()
    ax.scatter(codes[order, 0], codes[order, 1], c=np.asarray(colours)[labels[order]], s=4, alpha=0.5,
               linewidths=0)
    # Proxy handles: the legend shows full-opacity, readable markers.
    handles = [Line2D([], [], linestyle="", marker="o", markersize=6, color=colours[i], label=class_names[i])
               for i in range(k)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    if title:
        ax.set_title(title)
    return _save(fig, path)


def curve_plot(series, path, xlabel, ylabel, title=None, logx=False):
    """Line plot with markers of one or more curves, with a legend.

    Args:
        series: `{label: (xs, ys)}`, each a pair of equally long 1-D finite
            sequences (for example code sizes and reconstruction MSEs).
        path: the PNG file to write (ends with .png).
        xlabel, ylabel: axis labels.
        title: optional figure title.
        logx: a logarithmic x axis (then every x must be > 0).

    Returns:
        The `pathlib.Path` written.

    Raises:
        ValueError: For an empty `series`, a curve whose xs and ys are not
            equally long non-empty 1-D finite arrays, xs <= 0 with `logx`, or
            a path not ending in .png.

    Example:
        >>> curve_plot({"autoencoder": (sizes, ae_mse), "PCA": (sizes, pca_mse)}, "mse.png",
        ...            "code size", "reconstruction MSE", logx=True)
        PosixPath('mse.png')
    """
    if not isinstance(series, dict) or not series:
        raise ValueError("series must be a non-empty dict {label: (xs, ys)}")
    curves = []
    for label, pair in series.items():
        try:
            xs, ys = pair
        except (TypeError, ValueError) as err:
            raise ValueError(f"series[{label!r}] must be a pair (xs, ys)") from err
        xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
        if xs.ndim != 1 or xs.shape != ys.shape or len(xs) == 0:
            raise ValueError(f"series[{label!r}] needs equally long non-empty 1-D xs and ys, "
                             f"got shapes {xs.shape} and {ys.shape}")
        if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
            raise ValueError(f"series[{label!r}] holds NaN or inf")
        if logx and np.any(xs <= 0):
            raise ValueError(f"series[{label!r}] has xs <= 0, which a logarithmic x axis cannot show")
        curves.append((str(label), xs, ys))
    path = _png_path(path)

    fig = _new_figure((6.4, 4.4))
    ax = fig.add_subplot()
    for label, xs, ys in curves:
        ax.plot(xs, ys, marker="o", markersize=4, label=label)
    if logx:
        ax.set_xscale("log")
        ticks = np.unique(np.concatenate([xs for _, xs, _ in curves]))
        if len(ticks) <= 12:
            # Code sizes read better as the plain numbers measured than as powers of ten.
            from matplotlib.ticker import NullLocator

            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xticks(ticks, labels=[f"{v:g}" for v in ticks])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return _save(fig, path)
