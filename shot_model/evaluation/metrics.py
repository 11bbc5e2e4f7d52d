"""Classification figures for one head: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix.

Plain numpy, so training, evaluation and the benchmark scripts all count the same way.
"""

import numpy as np

from ..data.shot_table import MISSING_LABEL


def head_metrics(labels, predictions, class_names: list[str]) -> dict:
    """Figures for the clips that have a label (MISSING_LABEL ones are left out).

    Macro-F1 averages over the classes present in the labels, so every method scored on the same labels is
    averaged over the same classes. A class with no labelled clip has no recall and so no F1; a false alarm
    into it still costs the true class its recall. (Averaging each method over the classes it happens to
    predict would let a method that never answers a rare class skip a zero that another method pays.)
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    keep = labels != MISSING_LABEL
    labels, predictions = labels[keep], predictions[keep]
    size = len(class_names)
    confusion = np.zeros((size, size), dtype=np.int64)
    np.add.at(confusion, (labels, predictions), 1)
    per_class = {}
    f1_scores = []
    for index, name in enumerate(class_names):
        true_positive = confusion[index, index]
        predicted, actual = confusion[:, index].sum(), confusion[index, :].sum()
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": float(precision), "recall": float(recall), "f1": float(f1), "support": int(actual)}
        if actual:
            f1_scores.append(f1)
    return {
        "count": int(keep.sum()),
        "accuracy": float((labels == predictions).mean()) if len(labels) else 0.0,
        "macro_f1": float(np.mean(f1_scores)) if f1_scores else 0.0,
        "per_class": per_class,
        "confusion": confusion.tolist(),
        "labels": list(class_names),
    }


def plot_confusion(metrics: dict, title: str, path) -> None:
    """Save a confusion matrix (rows: true class, columns: predicted) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    confusion = np.array(metrics["confusion"])
    names = metrics["labels"]
    figure, axes = plt.subplots(figsize=(1.1 * len(names) + 2, 1.1 * len(names) + 1.5))
    axes.imshow(confusion, cmap="Blues")
    axes.set_xticks(range(len(names)), names)
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"{title}\naccuracy {metrics['accuracy']:.3f}, macro-F1 {metrics['macro_f1']:.3f}, n={metrics['count']}")
    peak = confusion.max() or 1
    for row in range(len(names)):
        for column in range(len(names)):
            colour = "white" if confusion[row, column] > peak / 2 else "black"
            axes.text(column, row, str(confusion[row, column]), ha="center", va="center", color=colour)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
