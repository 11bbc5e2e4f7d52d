"""The shot-model web demo: upload a video, see every shot's scale and camera movement.

    python app.py            # http://127.0.0.1:7860, the starter checkpoint, offline

Deploying: GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (as Hugging Face Spaces and containers set them) or PORT choose
where it listens. Visitors may pick only the models it was started with: the starter, or SHOT_MODEL_MODELS (folders
or Hub ids, separated by commas); SHOT_MODEL_ALLOW_ANY_MODEL=1 lets them type any folder or Hub id (a private demo).

All the work is done by the `shot_model` library; this file only wires the page to it.
"""

import ctypes
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr
import pandas as pd
from transformers.utils import logging as transformers_logging

from shot_model import AnalysisSettings, ModelLoadError, ShotClassifier, SplitSettings, VideoError, analyze_video, probe_video
from shot_model.classifier import DEFAULT_MODEL
from shot_model.data.synthetic import demo_shots, make_video
from shot_model.output.exports import write_exports
from shot_model.output.figures import share_chart, timeline_strip
from shot_model.output.shot_clips import ClipExportError, export_shot_clips
from shot_model.shots import DETECTORS

# Limits, checked before any heavy work; override with environment variables.
MAX_UPLOAD_MB = int(os.environ.get("SHOT_MODEL_MAX_UPLOAD_MB", "500"))
MAX_MINUTES = float(os.environ.get("SHOT_MODEL_MAX_MINUTES", "20"))
# Every file the app writes lives under here, one folder per request; old ones are removed as new ones come.
WORK_ROOT = Path(os.environ.get("SHOT_MODEL_APP_DIR", Path(tempfile.gettempdir()) / "shot-model-app"))
KEEP_RESULTS_HOURS = 6
EXAMPLES_DIR = Path(__file__).resolve().parent / "cache" / "examples"
SHARED_TRAIN = Path(__file__).resolve().parent.parent / "shared" / "media" / "train"
SHARED_EXAMPLES = ["ghost_nggyup_musicvideo.mp4", "sbdhw__news_frames.mp4", "pyscenedetect__goldeneye-vfr-drop3.mp4"]
TABLE_COLUMNS = ["#", "start", "end", "duration (s)", "begins with", "scale", "scale conf.", "movement", "movement conf.", "note"]

# The models visitors may choose; anything else only when the operator allows it (a public demo must not load
# arbitrary repositories or probe the server's folders on a visitor's say-so).
OFFERED_MODELS = [name.strip() for name in os.environ.get("SHOT_MODEL_MODELS", "").split(",") if name.strip()] or [str(DEFAULT_MODEL)]
ALLOW_ANY_MODEL = os.environ.get("SHOT_MODEL_ALLOW_ANY_MODEL", "").strip().lower() in ("1", "true", "yes")

transformers_logging.disable_progress_bar()
_classifiers: dict[str, ShotClassifier] = {}
_classifiers_lock = threading.Lock()


def model_name(model: str) -> str:
    """What the page shows for an offered model: a folder's name (a public page need not show the server's paths),
    or the Hub id."""
    return Path(model).name if Path(model).exists() else model


def chosen_model(model: str | None) -> str:
    """The model a request asked for, by its shown name or its path (the first offered when it names none), if this
    demo offers it."""
    name = (model or "").strip() or OFFERED_MODELS[0]
    by_name = {model_name(offer): offer for offer in OFFERED_MODELS}
    if name in by_name:
        return by_name[name]
    if name not in OFFERED_MODELS and not ALLOW_ANY_MODEL:
        offered = ", ".join(by_name)
        raise gr.Error(
            f"This demo offers only these models: {offered}. Its operator can add models with SHOT_MODEL_MODELS, "
            "or allow any folder or Hub id with SHOT_MODEL_ALLOW_ANY_MODEL=1."
        )
    return name


def get_classifier(model: str | None) -> ShotClassifier:
    """Load each offered model once per process; requests share it."""
    key = chosen_model(model)
    with _classifiers_lock:
        if key not in _classifiers:
            _classifiers[key] = ShotClassifier.from_pretrained(key)
        return _classifiers[key]


def example_videos() -> list[str]:
    """A generated video with known cuts and every camera move (made on first launch), plus real train clips."""
    EXAMPLES_DIR.mkdir(parents=True, exist_ok=True)
    generated = EXAMPLES_DIR / "generated-cuts-pans-zooms.mp4"
    if not generated.is_file():
        partial = generated.with_suffix(".partial.mp4")
        make_video(demo_shots(), partial, width=640, height=360)
        partial.replace(generated)
    examples = [str(generated)]
    examples += [str(SHARED_TRAIN / name) for name in SHARED_EXAMPLES if (SHARED_TRAIN / name).is_file()]
    return examples


def new_work_dir() -> Path:
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEEP_RESULTS_HOURS * 3600
    for old in WORK_ROOT.iterdir():
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix="request-", dir=WORK_ROOT))


def check_limits(path: str):
    """Refuse files over the size or duration limit before decoding them; returns the video's facts."""
    size_mb = os.path.getsize(path) / 2**20
    if size_mb > MAX_UPLOAD_MB:
        raise gr.Error(f"{Path(path).name} is {size_mb:.0f} MB; this demo takes videos up to {MAX_UPLOAD_MB} MB.")
    try:
        info = probe_video(path)
    except VideoError as error:
        raise gr.Error(f"{Path(path).name}: {error.reason}") from error
    if info.duration > MAX_MINUTES * 60:
        raise gr.Error(f"{Path(path).name} lasts {info.duration / 60:.1f} minutes; this demo takes up to {MAX_MINUTES:g} minutes.")
    return info


def release_freed_memory() -> None:
    """Hand memory freed by a finished analysis back to the system. glibc keeps freed heap for reuse, so without
    this a server stays at its busiest size after a burst of requests; on other C libraries there is nothing to do."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def analyze(video, detector, threshold, min_shot_seconds, clips_per_shot, model, progress=gr.Progress()):
    """Split the uploaded video into shots and classify each; returns every output of the page."""
    if not video:
        raise gr.Error("Upload a video or pick an example first.")
    info = check_limits(video)
    try:
        classifier = get_classifier(model)
    except ModelLoadError as error:
        raise gr.Error(str(error)) from error
    settings = AnalysisSettings(
        split=SplitSettings(detector=detector, threshold=threshold or None, min_shot_seconds=float(min_shot_seconds)),
        clips_per_shot=int(clips_per_shot),
    )
    counts = {"shots": 0}

    def report(stage: str, done: int, total: int) -> None:
        if stage == "shots":
            counts["shots"] = done
        else:
            progress((done, total or None), desc=f"Decoding and splitting: frame {done} of ~{total}; {counts['shots']} shots classified")

    progress(0, desc="Opening the video")
    try:
        analysis = analyze_video(video, classifier, settings, progress=report, info=info)
    except VideoError as error:
        raise gr.Error(f"{Path(video).name}: {error.reason}") from error
    finally:
        release_freed_memory()
    progress(1, desc="Writing results")
    work_dir = new_work_dir()
    downloads = write_exports(analysis, work_dir, ["json", "csv", "edl", "otio", "contact-sheet"])
    rows = [
        [
            p.shot.index,
            row["start_timecode"],
            row["end_timecode"],
            row["duration"],
            p.shot.transition_in.describe() if p.shot.transition_in else "",
            p.scale,
            _two_digits(row["scale_confidence"]),
            p.movement,
            _two_digits(row["movement_confidence"]),
            p.uncertainty_note(),
        ]
        for p in analysis.shots
        for row in [p.to_row(analysis.fps)]
    ]
    gallery = [
        (thumbnail[:, :, ::-1], f"#{p.shot.index} · {p.caption(' · ')}" + (" · unsure" if p.uncertainty_note() else ""))
        for p, thumbnail in zip(analysis.shots, analysis.thumbnails)
    ]
    summary = analysis.summary()
    headline = (
        f"**{summary.num_shots} shot{'' if summary.num_shots == 1 else 's'}** in {analysis.duration:.1f} s · average shot {summary.average_shot_seconds:.2f} s "
        f"(median {summary.median_shot_seconds:.2f} s) · model `{Path(analysis.model_id).name}`"
    )
    if analysis.warnings:  # a damaged file: say what was lost, beside the results for what was there
        headline += "\n\n" + "\n".join(f"⚠️ {warning}." for warning in analysis.warnings)
        gr.Warning(" ".join(analysis.warnings))
    state = {"video": video, "fps": analysis.fps, "work_dir": str(work_dir), "shots": [p.shot for p in analysis.shots]}
    return (
        headline,
        pd.DataFrame(rows, columns=TABLE_COLUMNS),
        gallery,
        timeline_strip(analysis),
        share_chart(analysis, "scale", "Shot scale"),
        share_chart(analysis, "movement", "Camera movement"),
        [str(path) for path in downloads.values()],
        state,
        None,
    )


def _two_digits(confidence: float | None) -> float | None:
    """A confidence for the table; empty for a head the model does not have."""
    return None if confidence is None else round(confidence, 2)


def play_shot(state: dict | None, event: gr.SelectData):
    """Cut the shot selected in the gallery or the table into its own small clip and play it."""
    if not state:
        raise gr.Error("Analyze a video first.")
    # The gallery gives the item's position; the table gives [row, column].
    shot = state["shots"][event.index[0] if isinstance(event.index, (list, tuple)) else event.index]
    try:
        [clip] = export_shot_clips(state["video"], [shot], state["fps"], Path(state["work_dir"]) / "clips")
    except ClipExportError as error:
        raise gr.Error(str(error)) from error
    return str(clip)


# Gradio's own copies of uploads and outputs are deleted hourly once six hours old.
with gr.Blocks(title="shot-model: shot scale and camera movement", delete_cache=(3600, KEEP_RESULTS_HOURS * 3600)) as demo:
    gr.Markdown(
        "# shot-model\nUpload an ad or a trailer: it is split into shots, and every shot gets its **scale** "
        "(ECS extreme close-up · CS close-up · MS medium · FS full · LS long) and **camera movement** "
        "(Static · Motion · Push in · Pull out).\n\n"
        # Remove when a starter that beats the dev-set baselines on both heads ships (issue #6): until then users
        # must know which labels to trust.
        "*The bundled starter model's shot scales beat a face-size rule on our hand-labelled real shots, but it still "
        "misreads most close-ups of products and hands (about 2 in 5 right on footage it never saw); its camera "
        "movements are only level with a simple motion rule (README, 'The starter checkpoint'). For real use, set "
        "Settings → Model to a model fine-tuned on your footage.*"
    )
    analysis_state = gr.State()
    with gr.Row():
        with gr.Column(scale=2):
            video_input = gr.File(label="Video", file_types=["video"], type="filepath")
            preview = gr.Video(label="Preview", interactive=False, height=220)
            with gr.Accordion("Settings", open=False):
                detector = gr.Dropdown(choices=[d for d in DETECTORS if d != "none"], value=SplitSettings.detector, label="Shot detector")
                threshold = gr.Number(value=0, label="Detector threshold (0: the detector's default; lower finds more cuts)")
                min_shot = gr.Slider(0.05, 3.0, value=SplitSettings.min_shot_seconds, step=0.05, label="Minimum shot length (s)")
                clips_per_shot = gr.Slider(1, 4, value=1, step=1, label="Clips per shot (averaged)",
                                           info="One clip per equal part of the shot: steadier scale, but each clip sees only part of a camera move")
                if ALLOW_ANY_MODEL:
                    model_box = gr.Textbox(value=OFFERED_MODELS[0], label="Model (folder or Hub id)", elem_id="model-box")
                else:
                    names = [model_name(offer) for offer in OFFERED_MODELS]
                    model_box = gr.Dropdown(choices=names, value=names[0], label="Model", elem_id="model-box")
            analyze_button = gr.Button("Analyze", variant="primary")
            gr.Examples(examples=[[path] for path in example_videos()], inputs=[video_input], label="Examples")
        with gr.Column(scale=3):
            headline = gr.Markdown("Results appear here.")
            timeline = gr.Image(label="Timeline: shot scale (top lane) and camera movement (bottom lane)", show_label=True, interactive=False, height=120)
            with gr.Row():
                scale_chart = gr.Plot(label="Shot scale: share of shots and of screen time")
                movement_chart = gr.Plot(label="Camera movement: share of shots and of screen time")
    with gr.Row():
        with gr.Column(scale=3):
            gallery = gr.Gallery(label="Shots (select one to play it)", columns=6, height=360, allow_preview=False, object_fit="contain")
        with gr.Column(scale=2):
            shot_player = gr.Video(label="Selected shot", interactive=False, autoplay=True)
    table = gr.Dataframe(headers=TABLE_COLUMNS, label="Shots (select a row to play it; a note marks labels to read with care)", interactive=False, wrap=True)
    downloads = gr.File(label="Downloads: JSON, CSV, EDL and OpenTimelineIO (for editors), contact sheet", file_count="multiple", interactive=False)

    analyze_button.click(
        analyze,
        inputs=[video_input, detector, threshold, min_shot, clips_per_shot, model_box],
        outputs=[headline, table, gallery, timeline, scale_chart, movement_chart, downloads, analysis_state, shot_player],
        api_name="analyze",
        concurrency_limit=1,  # one analysis at a time: it already uses every core
    )
    gallery.select(play_shot, inputs=[analysis_state], outputs=[shot_player], api_name=False, concurrency_limit=2)
    table.select(play_shot, inputs=[analysis_state], outputs=[shot_player], api_name=False, concurrency_limit=2)
    video_input.change(lambda path: path, inputs=[video_input], outputs=[preview], api_name=False)


def launch_options(environ=os.environ) -> dict:
    """Where to listen: Gradio's own GRADIO_SERVER_NAME and GRADIO_SERVER_PORT (set by Spaces and containers), else
    PORT, else 127.0.0.1:7860 (this machine only)."""
    port = environ.get("GRADIO_SERVER_PORT") or environ.get("PORT") or "7860"
    try:
        port_number = int(port)
    except ValueError:
        raise SystemExit(f"app.py: the port {port!r} (GRADIO_SERVER_PORT or PORT) is not a number") from None
    return {"server_name": environ.get("GRADIO_SERVER_NAME") or "127.0.0.1", "server_port": port_number}


if __name__ == "__main__":
    demo.queue(max_size=32).launch(**launch_options(), max_file_size=f"{MAX_UPLOAD_MB}mb")
