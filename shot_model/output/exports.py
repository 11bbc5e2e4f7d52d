"""Writing an analysis out: JSON (everything), CSV (a row a shot), CMX 3600 EDL and OpenTimelineIO (for editors), a
contact sheet.

Every file is written under a temporary name and renamed into place, so a file that exists is complete.
"""

import csv
import io
import json
import os
from pathlib import Path

import cv2
import numpy as np

from ..results import VideoAnalysis, table_rows, timecode
from .files import write_atomically
from .otio import to_otio

FORMATS = ("json", "csv", "edl", "otio", "contact-sheet")
SUFFIXES = {"json": ".shots.json", "csv": ".shots.csv", "edl": ".shots.edl", "otio": ".shots.otio", "contact-sheet": ".contact.png"}
# EDL marker colours by shot scale, so a timeline shows the rhythm of close and wide shots at a glance.
EDL_COLOURS = {"ECS": "ResolveColorRed", "CS": "ResolveColorPink", "MS": "ResolveColorYellow", "FS": "ResolveColorGreen", "LS": "ResolveColorBlue"}


def to_json(analysis: VideoAnalysis) -> str:
    return json.dumps(analysis.to_dict(), indent=2)


def to_csv(analysis: VideoAnalysis) -> str:
    """One row a shot: times, labels, confidences and every class probability (`scale_p_CS`, ...), as the batch
    table has them."""
    rows = table_rows(analysis.to_dict())
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def to_edl(analysis: VideoAnalysis) -> str:
    """A CMX 3600 EDL: one event a shot, cut in order, with a marker naming its scale and movement.

    Premiere, Resolve and Avid import it; Resolve shows the `* LOC` lines as coloured timeline markers.
    """
    fps = analysis.fps
    reel = "AX"
    title = Path(analysis.file).stem[:60]
    lines = [f"TITLE: {title}", "FCM: NON-DROP FRAME", ""]
    for number, prediction in enumerate(analysis.shots, start=1):
        shot = prediction.shot
        source_in, source_out = timecode(shot.start_time, fps), timecode(shot.end_time, fps)
        transition = shot.transition_in
        if transition is not None and transition.kind == "gradual":
            # A dissolve: the outgoing source held at the transition's start, then this shot dissolving in over it.
            start = timecode(transition.first_frame / fps, fps)
            lines.append(f"{number:03d}  {reel:<8} V     C        {start} {start} {start} {start}")
            lines.append(f"{number:03d}  {reel:<8} V     D    {transition.num_frames:03d} {start} {source_out} {start} {source_out}")
        else:
            lines.append(f"{number:03d}  {reel:<8} V     C        {source_in} {source_out} {source_in} {source_out}")
        lines.append(f"* FROM CLIP NAME: {Path(analysis.file).name}")
        label = f"{prediction.scale or '-'} / {prediction.movement or '-'}"
        colour = EDL_COLOURS.get(prediction.scale, "ResolveColorBlue")
        lines.append(f"* LOC: {source_in} {colour} SHOT {shot.index}: {label}")
        lines.append("")
    return "\n".join(lines)


def contact_sheet(analysis: VideoAnalysis, columns: int = 6, width: int = 240) -> np.ndarray:
    """A grid of one thumbnail a shot (BGR), each captioned with its number, time and labels."""
    thumbnails = analysis.thumbnails
    height = round(width * 9 / 16)
    caption = 34
    rows = max(1, -(-len(thumbnails) // columns))
    sheet = np.full((rows * (height + caption), columns * width, 3), 24, dtype=np.uint8)
    for slot, (prediction, thumbnail) in enumerate(zip(analysis.shots, thumbnails)):
        top, left = slot // columns * (height + caption), slot % columns * width
        sheet[top : top + height, left : left + width] = _letterboxed(thumbnail, width, height)
        first = f"#{prediction.shot.index}  {timecode(prediction.shot.start_time, analysis.fps)}"
        for line, text in enumerate((first, prediction.caption())):
            cv2.putText(sheet, text, (left + 4, top + height + 14 + 15 * line), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (235, 235, 235), 1, cv2.LINE_AA)
    return sheet


def _letterboxed(image: np.ndarray, width: int, height: int) -> np.ndarray:
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    top, left = (height - resized.shape[0]) // 2, (width - resized.shape[1]) // 2
    canvas[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    return canvas


def write_exports(analysis: VideoAnalysis, out_dir: str | os.PathLike, formats) -> dict[str, Path]:
    """Write the chosen formats for one video into `out_dir`; returns format -> path written.

    Raises:
        ValueError: an unknown format, or a contact sheet for an analysis without thumbnails.
        OSError: the folder cannot be written (the message names it).
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"Unknown export format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(analysis.file).stem
    written = {}
    for kind in formats:
        path = out_dir / f"{stem}{SUFFIXES[kind]}"
        if kind == "json":
            data = to_json(analysis).encode()
        elif kind == "csv":
            data = to_csv(analysis).encode()
        elif kind == "edl":
            data = to_edl(analysis).encode()
        elif kind == "otio":
            data = to_otio(analysis).encode()
        else:
            if len(analysis.thumbnails) != len(analysis.shots):
                raise ValueError("A contact sheet needs one thumbnail per shot, as analyze_video records them")
            _, png = cv2.imencode(".png", contact_sheet(analysis))
            data = png.tobytes()
        written[kind] = write_atomically(path, data)
    return written
