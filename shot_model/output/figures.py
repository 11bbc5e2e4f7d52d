"""Pictures of an analysis for people: a timeline of shot scale and camera movement, and share charts."""

import cv2
import numpy as np

from ..results import VideoAnalysis

# One colour per scale (RGB), from warm for close to cool for wide, so the strip reads as a rhythm.
SCALE_COLOURS = {"ECS": (214, 39, 40), "CS": (255, 127, 14), "MS": (227, 200, 40), "FS": (44, 160, 44), "LS": (31, 119, 180)}
# Movement: still in grey, moving in purple, in and out in contrasting teal and brown.
MOVEMENT_COLOURS = {"Static": (160, 160, 160), "Motion": (148, 103, 189), "Push": (23, 190, 207), "Pull": (140, 86, 75)}
UNKNOWN_COLOUR = (127, 127, 127)


def timeline_strip(analysis: VideoAnalysis, width: int = 1200, lane_height: int = 30) -> np.ndarray:
    """An RGB image: the video's duration left to right in two lanes, each shot a block in the colour of its scale
    (top) and of its camera movement (bottom), cuts in white; a legend of both under them."""
    legend_height = 18
    lanes = (("scale", SCALE_COLOURS, lambda p: p.scale), ("movement", MOVEMENT_COLOURS, lambda p: p.movement))
    image = np.full((len(lanes) * (lane_height + legend_height) + 4, width, 3), 255, np.uint8)
    total = analysis.duration or 1.0
    for lane, (_, colours, label_of) in enumerate(lanes):
        top = lane * (lane_height + legend_height)
        for prediction in analysis.shots:
            left = int(prediction.shot.start_time / total * width)
            right = max(left + 1, int(prediction.shot.end_time / total * width))
            image[top : top + lane_height, left:right] = colours.get(label_of(prediction), UNKNOWN_COLOUR)
            image[top : top + lane_height, left] = 255  # the cut
            transition = prediction.shot.transition_in
            if transition is not None and transition.kind == "gradual":  # a dissolve or fade: its span, striped
                first = int(transition.first_frame / analysis.fps / total * width)
                end = max(first + 1, int(transition.end_frame / analysis.fps / total * width))
                image[top : top + lane_height : 3, first:end] = 255
        x = 4
        for label, colour in colours.items():
            cv2.rectangle(image, (x, top + lane_height + 4), (x + 10, top + lane_height + 14), colour, -1)
            cv2.putText(image, label, (x + 14, top + lane_height + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (40, 40, 40), 1, cv2.LINE_AA)
            x += 14 + 9 * len(label) + 20
    return image


def share_chart(analysis: VideoAnalysis, head: str, title: str):
    """A matplotlib figure: side by side for each label, its share of shots and its share of screen time (%)."""
    import matplotlib

    matplotlib.use("Agg")  # pictures only, no display
    import matplotlib.pyplot as plt

    shares = analysis.shares(head)
    positions = np.arange(len(shares))
    figure, axes = plt.subplots(figsize=(4.6, 2.8))
    axes.bar(positions - 0.2, [100 * share.by_count for share in shares], width=0.4, label="by shot count", color="#4c78a8")
    axes.bar(positions + 0.2, [100 * share.by_time for share in shares], width=0.4, label="by screen time", color="#f58518")
    axes.set_xticks(positions, [share.label for share in shares])
    axes.set_ylim(0, 100)
    axes.set_ylabel("%")
    axes.set_title(title)
    axes.legend(frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    plt.close(figure)  # the caller renders it; keep pyplot's registry from growing per request
    return figure
