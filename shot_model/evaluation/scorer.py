"""The one scorer every accuracy figure comes from: a model and the two baselines on hand-labelled real shots (the dev
set, the real validation set, or any `video,start,end,scale,movement` CSV), each shot seen as `shot-model analyze`
sees it: frames decoded once by the pipeline's decoder at its resolution, sampled evenly inside the shot.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..classifier import ShotClassifier
from ..data.shot_table import MISSING_LABEL, read_shot_csv
from ..models.shot_videomae import MOVEMENT_LABELS, SCALE_LABELS
from ..results import average_probabilities
from ..sampling import clip_frame_indices, rgb_clip
from ..shots import SplitSettings
from ..video import analysis_size, iter_frames, probe_video
from .metrics import head_metrics

# The rule baseline reads this many frames spread over a shot.
RULE_FRAMES = 16
HEADS = {"scale": list(SCALE_LABELS), "movement": list(MOVEMENT_LABELS)}


@dataclass
class ScoredShots:
    """Every shot's truth and each method's answer ("model", "rule", "majority"), by head; None where a method has
    no answer (a single-head model)."""

    shots: list[dict]
    truth: dict[str, list[str | None]]
    answers: dict[str, dict[str, list[str | None]]] = field(default_factory=dict)

    def report(self) -> dict:
        """{method: {head: head_metrics}} over the shots labelled for that head."""
        report = {}
        for method, heads in self.answers.items():
            report[method] = {}
            for head, labels in HEADS.items():
                if not any(answer is not None for answer in heads[head]):
                    continue
                as_index = lambda values: [labels.index(v) if v in labels else MISSING_LABEL for v in values]  # noqa: E731
                report[method][head] = head_metrics(as_index(self.truth[head]), as_index(heads[head]), labels)
        return report

    def per_shot(self) -> list[dict]:
        rows = []
        for index, shot in enumerate(self.shots):
            row = {"video": shot["video"], "start": shot["start"], "end": shot["end"]}
            for head in HEADS:
                row[f"{head}_truth"] = self.truth[head][index]
                for method, heads in self.answers.items():
                    row[f"{head}_{method}"] = heads[head][index]
            rows.append(row)
        return rows


def labelled_shots(csv_path: str | Path, split: str | None = None) -> list[dict]:
    """The rows of a labelled CSV with frame ranges (`300f`), as the shot table reads them; only one split's when
    `split` is given."""
    rows = [row for row in read_shot_csv(csv_path, SCALE_LABELS, MOVEMENT_LABELS) if split is None or row["split"] == split]
    if not rows:
        raise ValueError(f"{csv_path}: no labelled rows{f' in split {split!r}' if split else ''}")
    for row in rows:
        if row["unit"] != "frames" or row["start"] < 0 or row["end"] < 0:
            raise ValueError(f"{csv_path}: {row['video']}: the scorer needs start and end in frames (300f)")
        row["start_frame"], row["end_frame"] = int(row["start"]), int(row["end"])
    return rows


def frames_of_shots(video: str | Path, shots: list[dict], wanted_per_shot) -> list[dict]:
    """Decode `video` once; for each shot keep the frames (by index) that `wanted_per_shot(shot)` asks for."""
    wanted = [set(wanted_per_shot(shot)) for shot in shots]
    everything = set().union(*wanted)
    kept = {}
    for frame in iter_frames(video, analysis_size(probe_video(video), SplitSettings().decode_short_side)):
        if frame.index in everything:
            kept[frame.index] = frame
    return [{index: kept[index] for index in indices if index in kept} for indices in wanted]


def score_shots(
    csv_path: str | Path, classifier: ShotClassifier | None, clips_per_shot: int = 1, with_rule: bool = True, split: str | None = None
) -> ScoredShots:
    """Each labelled shot's answers from the model (when given), the rule baseline and the majority class."""
    from .rule_baseline import classify_shot

    shots = labelled_shots(csv_path, split)
    num_frames = classifier.num_frames if classifier is not None else 0

    def model_clips(shot):
        return clip_frame_indices(shot["start_frame"], shot["end_frame"], num_frames, clips_per_shot) if classifier is not None else []

    def rule_indices(shot):
        return clip_frame_indices(shot["start_frame"], shot["end_frame"], RULE_FRAMES)[0] if with_rule else []

    by_video: dict[str, list[dict]] = {}
    for shot in shots:
        by_video.setdefault(shot["video"], []).append(shot)
    ordered, model, rule = [], {head: [] for head in HEADS}, {head: [] for head in HEADS}
    for video, video_shots in by_video.items():
        kept = frames_of_shots(video, video_shots, lambda shot: [i for clip in model_clips(shot) for i in clip] + rule_indices(shot))
        for shot, frames in zip(video_shots, kept):
            ordered.append(shot)
            if classifier is not None:
                clips = [rgb_clip([frames[i] for i in indices]) for indices in model_clips(shot)]
                averaged = average_probabilities(classifier.classify(clips))
                for head in HEADS:
                    scores = getattr(averaged, head)
                    model[head].append(max(scores, key=scores.get) if scores else None)
            if with_rule:
                scale, movement = classify_shot([frames[i].bgr[:, :, ::-1] for i in rule_indices(shot)])
                rule["scale"].append(scale)
                rule["movement"].append(movement)
    truth = {head: [HEADS[head][shot[head]] if shot[head] != MISSING_LABEL else None for shot in ordered] for head in HEADS}
    scored = ScoredShots(shots=ordered, truth=truth)
    if classifier is not None:
        scored.answers["model"] = model
    if with_rule:
        scored.answers["rule"] = rule
    majority = {head: Counter(label for label in truth[head] if label).most_common(1)[0][0] for head in HEADS if any(truth[head])}
    scored.answers["majority"] = {head: [majority.get(head)] * len(ordered) for head in HEADS}
    return scored
