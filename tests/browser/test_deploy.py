"""A whole school: ``deploy/serve`` runs two app processes behind nginx; a real browser uses it.

Every page renders through the balancer; a CSV upload and a weights upload reach the process
that holds the session (and fail without affinity); killing one replica leaves the other
replica's sessions alone, and the browsers of the killed one get a working page with a
"your session was reset" notice. Needs Debian's nginx and chromium (``.ci/run`` installs both).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pages.playground.files import weights_to_npz
from pages.playground.model import NetworkSpec, TrainingConfig, TrainingRun, make_playground_data
from tests.browser.helpers import assert_no_exception, wait_for_app, wait_for_rerun
from ui.strings import LESSONS, Translator

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVE = REPO_ROOT / "deploy" / "serve"
COOKIE = "activation_lab_replica"
READY_TIMEOUT = 120.0  # two Streamlit processes starting on 2 busy cores
PAGES = {"home": "/", **{lesson: f"/{lesson}" for lesson in LESSONS}}
UPLOAD_PATH = "/_stcore/upload_file/"
ALERT = "[data-testid='stAlert']"
en = Translator("en")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_state(state_dir: Path) -> dict | None:
    try:
        return json.loads((state_dir / "state.json").read_text())
    except (OSError, ValueError):
        return None


def get(url: str, cookie: str | None = None, timeout: float = 5.0):
    """(status, headers) of a GET, with an optional affinity cookie."""
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


@contextmanager
def serve(state_dir: Path, *options: str):
    """Run ``deploy/serve`` until the block ends; yields (process, state when ready)."""
    port = free_port()
    log_path = state_dir / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(SERVE), "--port", str(port), "--state-dir", str(state_dir),
                                 *options], cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not ((state := read_state(state_dir)) and state["ready"]):
            if proc.poll() is not None:
                pytest.fail(f"deploy/serve exited with {proc.returncode}:\n"
                            f"{log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail(f"deploy/serve not ready after {READY_TIMEOUT:.0f} s:\n"
                            f"{log_path.read_text(errors='replace')}")
            time.sleep(0.25)
        yield proc, state
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


@pytest.fixture(scope="module")
def balancer(tmp_path_factory):
    """``deploy/serve --replicas 2`` (affinity on) for this module; yields its state."""
    state_dir = tmp_path_factory.mktemp("serve")
    with serve(state_dir, "--replicas", "2") as (_proc, state):
        state["dir"] = state_dir
        yield state


def on_replica(browser, url: str, replica: str):
    """A page whose context already holds the affinity cookie for ``replica``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.add_cookies([{"name": COOKIE, "value": replica, "url": url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def record_uploads(page) -> list:
    """Every upload request's response, as (status, replica that answered)."""
    seen = []
    page.on("response", lambda r: seen.append((r.status, r.headers.get("x-replica")))
            if UPLOAD_PATH in r.url and r.request.method == "PUT" else None)
    return seen


def template_csv_from_the_page(page) -> bytes:
    """Press the playground's "Template CSV" button; the file comes through the balancer."""
    with page.expect_download() as download:
        page.get_by_role("button", name=en("pg_template")).click()
    return Path(download.value.path()).read_bytes()


def upload(page, label: str, name: str, mime: str, content: bytes) -> None:
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text=label)
    uploader.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}])


def weights_file() -> bytes:
    """A weights file made with the app's own code: 3 hidden layers of 5 ReLU units."""
    data = make_playground_data("moons", 100, 0.2, 0.3, 0)
    run = TrainingRun(data, NetworkSpec(("x1", "x2"), (5, 5, 5), ("relu",) * 3), TrainingConfig())
    return weights_to_npz(run, run.model.theta)


def epoch_counter(page) -> int:
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Epoch").first
    return int(metric.locator("[data-testid='stMetricValue']").inner_text().replace(",", ""))


def wait_until(condition, page, timeout: float = 30.0, what: str = "condition") -> None:
    """Poll ``condition``; waiting through ``page`` lets Playwright deliver its events (a
    plain sleep would hold them back)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(250)


# --- through the balancer ----------------------------------------------------------------------
def test_every_page_renders_through_the_balancer(balancer, browser):
    # One browser per page, as students would open them; all loading at once keeps this quick.
    contexts = {key: browser.new_context(viewport={"width": 1400, "height": 1000})
                for key in PAGES}
    try:
        pages = {key: context.new_page() for key, context in contexts.items()}
        replicas = {}
        for key, page in pages.items():
            response = page.goto(balancer["url"] + PAGES[key], wait_until="commit")
            replicas[key] = response.headers.get("x-replica")
        for key, page in pages.items():
            wait_for_app(page, timeout=60_000)
            assert_no_exception(page)
            expect(page.locator("h1").first).to_be_visible()
            assert en(f"page_{key}") in page.title(), key
            expect(page.locator(ALERT).filter(has_text=en("reconnect_reset"))).to_have_count(0)
        assert set(replicas.values()) == {"r1", "r2"}, replicas  # least_conn spreads them
        home = pages["home"]
        home.reload()  # a reload starts a new session too, but the browser had none to lose
        wait_for_app(home, timeout=60_000)
        expect(home.locator(ALERT).filter(has_text=en("reconnect_reset"))).to_have_count(0)
    finally:
        for context in contexts.values():
            context.close()


def test_new_visitor_gets_a_cookie_naming_its_replica(balancer):
    status, headers = get(balancer["url"] + "/_stcore/health")
    assert status == 200
    replica = headers["X-Replica"]
    assert replica in {"r1", "r2"}
    assert f"{COOKIE}={replica}; Path=/; HttpOnly; SameSite=Lax" in headers.get_all("Set-Cookie")
    for name in ("r1", "r2"):  # the cookie decides, and is not re-sent when it is right
        status, headers = get(balancer["url"] + "/_stcore/health", cookie=name)
        assert (status, headers["X-Replica"]) == (200, name)
        assert not any(c.startswith(COOKIE) for c in headers.get_all("Set-Cookie") or [])


def test_csv_and_weights_uploads_reach_the_session(balancer, browser):
    url = balancer["url"]
    page = on_replica(browser, url, "r2")
    uploads = record_uploads(page)
    try:
        page.goto(url + "/playground?pg_dataset=upload")
        wait_for_app(page, timeout=60_000)
        csv = template_csv_from_the_page(page)
        assert csv.startswith(b"x1,x2,label\n")
        upload(page, en("pg_upload"), "class.csv", "text/csv", csv)
        expect(page.get_by_text(en("pg_upload_ok", rows=40, task=en("pg_task_classification"))))\
            .to_be_visible(timeout=30_000)

        # Weights for this data (2 inputs, 2 classes) and another network: 3 layers of 5.
        upload(page, en("pg_import_weights"), "weights.npz", "application/octet-stream",
               weights_file())
        expect(page.get_by_text(en("pg_weights_loaded"))).to_be_visible(timeout=30_000)
        layers = page.locator("[data-testid='stSlider']").filter(has_text=en("pg_layers"))
        expect(layers.get_by_role("slider")).to_have_value("3")
        assert_no_exception(page)
        assert uploads == [(204, "r2"), (204, "r2")]
    finally:
        page.context.close()


def test_uploads_fail_without_affinity(browser, tmp_path):
    """``--no-affinity`` is a plain round robin: an upload that reaches the other replica is
    refused (400, "Invalid session_id"). Then SIGTERM stops every process and exits 0."""
    with serve(tmp_path, "--replicas", "2", "--no-affinity", "--no-restart") as (proc, state):
        url = state["url"]
        context = browser.new_context(viewport={"width": 1400, "height": 1600})
        page = context.new_page()
        uploads = record_uploads(page)
        page.goto(url + "/playground?pg_dataset=upload")
        wait_for_app(page, timeout=60_000)
        csv = b"x1,x2,label\n" + b"".join(f"{i / 10},{i % 7},{i % 2}\n".encode()
                                           for i in range(40))
        refused = False
        for attempt in range(8):
            upload(page, en("pg_upload"), f"try{attempt}.csv", "text/csv", csv)
            # 60 s: in a full run, beside the suite's other worker on 2 cores, one upload went
            # unanswered for the default 30 s (1 run in 4; alone the whole test takes 13 s).
            wait_until(lambda n=attempt + 1: len(uploads) >= n, page, timeout=60.0,
                       what=f"upload {attempt + 1} (so far {uploads})")
            if uploads[-1][0] == 400:
                refused = True
                break
            # The accepted file reruns the page; the next upload starts from the page at rest,
            # not from an uploader that the rerun may be drawing again.
            wait_for_rerun(page, timeout=60_000)
            # Round robin strictly alternates: one request of our own moves the next upload
            # on to the other replica, whatever the page requests in between.
            get(url + "/_stcore/health")
        assert refused, f"every upload reached the session's replica: {uploads}"
        expect(page.get_by_text("Request failed with status code 400")).to_be_visible()
        session_replica = {replica for status, replica in uploads if status == 204}
        refused_replica = {replica for status, replica in uploads if status == 400}
        assert len(refused_replica) == 1 and not session_replica & refused_replica
        context.close()

        pids = [state["nginx"]["pid"], *(r["pid"] for r in state["replicas"])]
        assert all(alive(pid) for pid in pids)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert not [pid for pid in pids if alive(pid)], "a child outlived deploy/serve"


def test_serve_fails_at_once_when_the_port_is_taken(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([str(SERVE), "--replicas", "1", "--port", str(port),
                                 "--state-dir", str(tmp_path)], cwd=REPO_ROOT,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert read_state(tmp_path) is None  # no replica was started


# Last in this module: it kills a replica of the shared balancer (deploy/serve restarts it).
def test_killing_a_replica_resets_only_its_sessions(balancer, browser):
    """r1 holds a session training live and an idle one, r2 a session with one epoch trained.

    On a reconnect Streamlit's frontend reruns the page at once only if it was running or has
    live (``run_every``) panels; an idle page reruns, and shows the notice, at the next click.
    """
    url = balancer["url"]
    victim, survivor = balancer["replicas"]
    playground = "/playground?pg_layers=1&pg_units_1=3"
    browsers = {"live": ("r1", playground), "idle": ("r1", "/"), "kept": ("r2", playground)}
    pages = {role: on_replica(browser, url, replica) for role, (replica, _) in browsers.items()}
    sockets = {role: [] for role in pages}
    step = en("pg_step")
    try:
        for role, page in pages.items():
            page.on("websocket", lambda ws, r=role: sockets[r].append(ws))
            replica, path = browsers[role]
            response = page.goto(url + path, wait_until="commit")
            assert response.headers.get("x-replica") == replica
        for page in pages.values():
            wait_for_app(page, timeout=60_000)
        live, idle, kept = pages["live"], pages["idle"], pages["kept"]
        live.get_by_role("button", name="Play").click(timeout=60_000)
        kept.get_by_role("button", name=step).click(timeout=60_000)  # one epoch, then idle
        wait_until(lambda: epoch_counter(live) > 0, live, what="training on r1")
        wait_until(lambda: epoch_counter(kept) == 1, kept, what="one epoch on r2")

        os.kill(victim["pid"], signal.SIGKILL)
        wait_until(lambda: not reachable(victim["port"]), kept, what="the replica to die")
        # Before deploy/serve restarts it: a browser stuck to r1 is served by r2 and its
        # cookie now names r2, so it stays with its new session.
        status, headers = get(url + "/_stcore/health", cookie="r1")
        assert (status, headers["X-Replica"]) == (200, "r2")
        assert f"{COOKIE}=r2; Path=/; HttpOnly; SameSite=Lax" in headers.get_all("Set-Cookie")

        def notice(page):
            return page.locator(ALERT).filter(has_text=en("reconnect_reset"))

        expect(notice(live)).to_be_visible(timeout=60_000)
        wait_for_app(live, timeout=60_000)
        assert_no_exception(live)
        assert len(sockets["live"]) >= 2  # the browser reconnected
        assert epoch_counter(live) == 0  # a fresh session: the training is gone
        live.get_by_role("button", name=step).click(timeout=60_000)  # and the page works
        wait_until(lambda: epoch_counter(live) == 1, live, what="an epoch in the new session")

        wait_until(lambda: len(sockets["idle"]) >= 2, idle, what="the idle page to reconnect")
        # Any click reruns the page. (The new session takes the language from the URL, so this
        # first click does not switch it yet: the notice is in English.)
        idle.get_by_role("radio", name="简体中文").click(timeout=60_000)
        expect(notice(idle)).to_be_visible(timeout=60_000)
        assert_no_exception(idle)

        assert epoch_counter(kept) == 1  # untouched
        kept.get_by_role("button", name=step).click(timeout=60_000)
        wait_until(lambda: epoch_counter(kept) == 2, kept, what="r2's session to train on")
        assert len(sockets["kept"]) == 1  # its websocket was never dropped
        expect(notice(kept)).to_have_count(0)
        assert_no_exception(kept)

        # deploy/serve noticed and restarted the dead replica (on the same port; its health
        # is polled like any replica's, and this test need not wait for it).
        def restarted():
            r1 = read_state(balancer["dir"])["replicas"][0]
            return r1["restarts"] == 1 and r1["pid"] != victim["pid"] and alive(r1["pid"])
        wait_until(restarted, kept, what="deploy/serve to restart r1")
        state = read_state(balancer["dir"])
        assert state["replicas"][0]["port"] == victim["port"]
        assert state["replicas"][1]["pid"] == survivor["pid"]
    finally:
        for page in pages.values():
            page.context.close()
