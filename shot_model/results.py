"""What an analysis returns: one `ShotPrediction` per shot and a `VideoAnalysis` per video, with its summary.

Plain dataclasses, so results serialise to JSON and CSV without a schema of their own.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from . import __version__


def timecode(seconds: float, fps: float) -> str:
    """`HH:MM:SS:FF` (non-drop-frame) for a time in seconds at a frame rate, as editors show it."""
    frames_per_second = max(1, round(fps))
    total_frames = round(seconds * fps)
    frames = total_frames % frames_per_second
    total_seconds = total_frames // frames_per_second
    return f"{total_seconds // 3600:02d}:{total_seconds // 60 % 60:02d}:{total_seconds % 60:02d}:{frames:02d}"


@dataclass(frozen=True)
class ClipProbabilities:
    """Softmax scores of one clip: label -> probability for each active head (empty dict for an inactive one)."""

    scale: dict[str, float]
    movement: dict[str, float]


def average_probabilities(clip_probabilities: list[ClipProbabilities]) -> ClipProbabilities:
    """The mean of several clips' softmax scores: one prediction for a shot sampled as several clips."""

    def mean(dicts):
        if not dicts or not dicts[0]:
            return {}
        return {label: sum(d[label] for d in dicts) / len(dicts) for label in dicts[0]}

    return ClipProbabilities(scale=mean([p.scale for p in clip_probabilities]), movement=mean([p.movement for p in clip_probabilities]))


@dataclass(frozen=True)
class Transition:
    """How one shot gives way to the next: a `cut`, or a `gradual` transition (dissolve, fade, wipe) over frames
    `[first_frame, end_frame)`; the shots split inside it. A cut's frames are the empty range at the new shot's start."""

    kind: str  # "cut" or "gradual"
    first_frame: int
    end_frame: int

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.first_frame

    def describe(self) -> str:
        """`cut`, or `gradual, frames 212-238` (inclusive), as people read it."""
        return "cut" if self.kind == "cut" else f"gradual, frames {self.first_frame}-{self.end_frame - 1}"


@dataclass(frozen=True)
class Shot:
    """One shot: frames `[start_frame, end_frame)` of the video, and the times they are shown.

    `start_time` is when the first frame is shown and `end_time` when the shot gives way to the next one (the end
    of the video for the last shot), both in seconds from the first frame. `transition_in` is how it begins (None for
    the first shot), `transition_out` how it ends (None for the last).
    """

    index: int
    start_frame: int
    end_frame: int
    start_time: float
    end_time: float
    transition_in: Transition | None = None
    transition_out: Transition | None = None

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time

    @property
    def clear_frames(self) -> tuple[int, int]:
        """The frames `[first, end)` of the shot outside its transitions, where it shows itself alone (the whole shot
        when the transitions would leave nothing)."""
        first = self.transition_in.end_frame if self.transition_in is not None else self.start_frame
        end = self.transition_out.first_frame if self.transition_out is not None else self.end_frame
        first, end = max(first, self.start_frame), min(end, self.end_frame)
        return (first, end) if end > first else (self.start_frame, self.end_frame)


@dataclass(frozen=True)
class ShotPrediction:
    """A shot with its predicted scale and movement; probabilities are per label, summing to 1 for each head."""

    shot: Shot
    scale: str | None
    scale_probs: dict[str, float]
    movement: str | None
    movement_probs: dict[str, float]

    @property
    def scale_confidence(self) -> float | None:
        return self.scale_probs[self.scale] if self.scale else None

    @property
    def movement_confidence(self) -> float | None:
        return self.movement_probs[self.movement] if self.movement else None

    def uncertainty_note(self, below: float = 0.5) -> str:
        """Which labels to read with care: each head whose answer has less than `below` of the probability, with its
        two likeliest classes (`scale unsure: MS 41% or CS 38%`); empty when both answers are clear."""
        notes = []
        for head, probabilities in (("scale", self.scale_probs), ("movement", self.movement_probs)):
            ranked = sorted(probabilities.items(), key=lambda item: -item[1])[:2]
            if ranked and ranked[0][1] < below:
                notes.append(f"{head} unsure: " + " or ".join(f"{label} {p:.0%}" for label, p in ranked))
        return "; ".join(notes)

    def caption(self, separator: str = " | ") -> str:
        """Both labels with their confidences, as people read them (`MS 83% | Static 47%`); a head the model does
        not have shows as a dash."""
        return separator.join(
            f"{label} {confidence:.0%}" if label else "-"
            for label, confidence in ((self.scale, self.scale_confidence), (self.movement, self.movement_confidence))
        )

    def to_row(self, fps: float) -> dict:
        """A flat dict for tables (CSV, the app): times as seconds and timecodes, labels with confidences."""
        shot = self.shot
        return {
            "shot": shot.index,
            "start_frame": shot.start_frame,
            "end_frame": shot.end_frame,
            "start_time": round(shot.start_time, 3),
            "end_time": round(shot.end_time, 3),
            "start_timecode": timecode(shot.start_time, fps),
            "end_timecode": timecode(shot.end_time, fps),
            "duration": round(shot.duration, 3),
            # How the shot begins: "cut", "gradual" (its frames start..end, the transition's own), or "" for the first.
            "transition": shot.transition_in.kind if shot.transition_in else "",
            "transition_start_frame": shot.transition_in.first_frame if shot.transition_in else None,
            "transition_end_frame": shot.transition_in.end_frame if shot.transition_in else None,
            "scale": self.scale,
            "scale_confidence": _rounded(self.scale_confidence),
            "movement": self.movement,
            "movement_confidence": _rounded(self.movement_confidence),
        }


@dataclass(frozen=True)
class ShareOfShots:
    """How one label shares the video: by number of shots and by screen time, each a fraction in [0, 1]."""

    label: str
    shots: int
    by_count: float
    seconds: float
    by_time: float


@dataclass(frozen=True)
class AnalysisSummary:
    num_shots: int
    average_shot_seconds: float
    median_shot_seconds: float
    scale_shares: list[ShareOfShots]
    movement_shares: list[ShareOfShots]


@dataclass
class VideoAnalysis:
    """Everything known about one analysed video, including the model's label lists, so it describes itself."""

    file: str
    fps: float
    num_frames: int
    duration: float
    width: int
    height: int
    model_id: str
    # A fingerprint of the weights that made the predictions (sha256 of their bytes, 12 hex digits): two results
    # with the same fingerprint came from the same model, whatever folder or Hub id it was loaded from.
    model_weights: str
    scale_labels: list[str]
    movement_labels: list[str]
    shots: list[ShotPrediction] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    # One small BGR frame from the middle of each shot, for galleries and contact sheets (a `Thumbnails`, stored as
    # JPEG; any sequence of frames will do); not serialised.
    thumbnails: Sequence = field(default_factory=list, repr=False, compare=False)
    # What decoding had to skip (damaged packets, a truncated file), one sentence each; empty for a clean file.
    warnings: list[str] = field(default_factory=list)
    # False when the file ended before the frames it declares: the shots cover only what is there.
    complete: bool = True
    # Seconds spent decoding, splitting, sampling and classifying.
    timings: dict = field(default_factory=dict, compare=False)

    def summary(self) -> AnalysisSummary:
        durations = sorted(prediction.shot.duration for prediction in self.shots)
        return AnalysisSummary(
            num_shots=len(self.shots),
            average_shot_seconds=sum(durations) / len(durations) if durations else 0.0,
            median_shot_seconds=_median(durations),
            scale_shares=self.shares("scale"),
            movement_shares=self.shares("movement"),
        )

    def shares(self, head: str) -> list[ShareOfShots]:
        """How each label of `head` ("scale" or "movement") shares the video, by shot count and screen time."""
        labels = self.scale_labels if head == "scale" else self.movement_labels
        label_of = (lambda prediction: prediction.scale) if head == "scale" else (lambda prediction: prediction.movement)
        total_shots = len(self.shots) or 1
        total_seconds = sum(prediction.shot.duration for prediction in self.shots) or 1.0
        shares = []
        for label in labels:
            chosen = [prediction for prediction in self.shots if label_of(prediction) == label]
            seconds = sum(prediction.shot.duration for prediction in chosen)
            shares.append(
                ShareOfShots(
                    label=label,
                    shots=len(chosen),
                    by_count=len(chosen) / total_shots,
                    seconds=round(seconds, 3),
                    by_time=seconds / total_seconds,
                )
            )
        return shares

    def to_dict(self) -> dict:
        """The full result as JSON-ready data: video facts, model, settings, summary, and every shot."""
        return {
            "file": self.file,
            "fps": self.fps,
            "num_frames": self.num_frames,
            "duration": round(self.duration, 3),
            "width": self.width,
            "height": self.height,
            "model": {"id": self.model_id, "weights_sha256": self.model_weights},
            "labels": {"scale": list(self.scale_labels), "movement": list(self.movement_labels)},
            "shot_model_version": __version__,
            "complete": self.complete,
            "warnings": list(self.warnings),
            "settings": self.settings,
            "timings": self.timings,
            "summary": asdict(self.summary()),
            "shots": [shot_record(prediction, self.fps) for prediction in self.shots],
        }


def shot_record(prediction: ShotPrediction, fps: float) -> dict:
    """One shot as JSON-ready data: its row plus every class probability."""
    return {**prediction.to_row(fps), "scale_probs": prediction.scale_probs, "movement_probs": prediction.movement_probs}


def table_rows(document: dict) -> list[dict]:
    """One flat row a shot (file, times, labels, confidences, `scale_p_CS`-style probability columns, one for every
    class of the model) from an analysis as `VideoAnalysis.to_dict` gives it: the one schema of every per-shot table,
    the per-video CSV and the batch table alike."""
    labels = document["labels"]
    rows = []
    for shot in document["shots"]:
        row = {"file": document["file"], "fps": document["fps"]}
        row.update({key: value for key, value in shot.items() if not key.endswith("_probs")})
        for head in ("scale", "movement"):
            row.update({f"{head}_p_{label}": round(shot[f"{head}_probs"].get(label, 0.0), 4) for label in labels[head]})
        rows.append(row)
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _median(values: list[float]) -> float:
    if not values:
        return 0.0
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
