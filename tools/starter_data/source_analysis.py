"""What the generator needs to know about one source before cutting virtual shots from it, computed once and cached.

Per source: where the faces and people are (tracked over time) and how the real camera moves (with the people
masked out, so that their motion is not taken for the camera's).
"""

import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shot_model.evaluation.global_motion import PathSummary, count_corners, cumulative_motion, motion_gray, summarize_path
from shot_model.evaluation.subjects import Box, Track, detect_faces, detect_people, link_tracks, subject_mask

from .sources import DecodedSource, SourceShot, clean_ranges, decode_source

# Bump when the analysis changes, so cached results from older code are not reused.
ANALYSIS_VERSION = 6
FACE_SAMPLES_PER_SECOND = 4
PEOPLE_SAMPLES_PER_SECOND = 2


@dataclass
class SourceAnalysis:
    """A source's geometry, subjects and camera path, in decode-size pixels; no pixels of the video itself."""

    name: str
    width: int
    height: int
    fps: float
    times: np.ndarray  # (frames,) seconds
    clean_ranges: list[tuple[int, int]]
    hand_scale: str | None
    hand_movement: str | None
    face_tracks: list[Track]
    person_tracks: list[Track]
    transforms: np.ndarray  # (frames, 3, 3) frame 0 -> frame k, in motion-frame pixels
    measured: np.ndarray  # (frames - 1,) bool
    motion_size: tuple[int, int]  # (width, height) the transforms are in
    thumbnails: dict[int, np.ndarray]  # frame index -> greyscale frame at motion size, ~4 a second
    version: int = field(default=ANALYSIS_VERSION)

    @property
    def num_frames(self) -> int:
        return len(self.times)

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def corners_in(self, frame: int, cx: float, cy: float, h: float, aspect: float) -> int:
        """How many trackable corners the window (centre, height, in source pixels) shows near `frame`.

        A camera move is only visible through texture: over a clear sky or a plain wall it cannot be seen.
        """
        index = min(self.thumbnails, key=lambda sampled: abs(sampled - frame))
        return count_corners(self.thumbnails[index], self.motion_size[0] / self.width, cx, cy, h, aspect)

    def path(self, first: int, last: int) -> PathSummary:
        """The real camera's motion from frame `first` to frame `last` (inclusive)."""
        return summarize_path(self.transforms, self.measured, self.motion_size, first, last)


def analyse_source(source: SourceShot, decoded: DecodedSource | None = None) -> SourceAnalysis:
    """Detect and track faces and people, then measure the camera path with them masked out."""
    decoded = decoded or decode_source(source)
    count = len(decoded.frames)
    face_step = max(1, round(decoded.fps / FACE_SAMPLES_PER_SECOND))
    people_step = max(1, round(decoded.fps / PEOPLE_SAMPLES_PER_SECOND))
    faces = {index: detect_faces(decoded.frames[index]) for index in range(0, count, face_step)}
    people = {index: detect_people(decoded.frames[index]) for index in range(0, count, people_step)}
    face_tracks = link_tracks(faces, min_sightings=3)
    person_tracks = link_tracks(people, min_sightings=2)

    grays = [motion_gray(frame) for frame in decoded.frames]
    factor = grays[0].shape[1] / decoded.width
    masks = [subject_mask(grays[0].shape, _boxes_near(face_tracks + person_tracks, index, face_step * 2), factor) for index in range(count)]
    transforms, measured = cumulative_motion(grays, masks)
    return SourceAnalysis(
        name=source.name,
        width=decoded.width,
        height=decoded.height,
        fps=decoded.fps,
        times=decoded.times,
        clean_ranges=clean_ranges(source.name, count),
        hand_scale=source.scale,
        hand_movement=source.movement,
        face_tracks=face_tracks,
        person_tracks=person_tracks,
        transforms=transforms,
        measured=measured,
        motion_size=(grays[0].shape[1], grays[0].shape[0]),
        thumbnails={index: grays[index] for index in range(0, count, face_step)},
    )


def _boxes_near(tracks: list[Track], index: int, reach: int) -> list[Box]:
    """Each track's sighting nearest to frame `index`, if one is within `reach` frames."""
    boxes = []
    for track in tracks:
        distances = np.abs(np.asarray(track.frames) - index)
        nearest = int(distances.argmin())
        if distances[nearest] <= reach:
            boxes.append(track.boxes[nearest])
    return boxes


def cached_analysis(source: SourceShot, cache_dir: Path) -> SourceAnalysis:
    """`analyse_source`, reusing a pickle in `cache_dir` written by the same ANALYSIS_VERSION."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{source.name}.v{ANALYSIS_VERSION}.pkl"
    if path.is_file():
        with open(path, "rb") as handle:
            analysis = pickle.load(handle)
        if analysis.version == ANALYSIS_VERSION and (analysis.hand_scale, analysis.hand_movement) == (source.scale, source.movement):
            return analysis
    analysis = analyse_source(source)
    with open(path, "wb") as handle:
        pickle.dump(analysis, handle)
    return analysis
