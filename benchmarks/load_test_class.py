"""A whole class on one server: 20 sessions over every page at the heaviest settings each allows.

Starts ``streamlit run app.py`` (``load_test.Server``), then plays a class arriving within a few
seconds, each student as a websocket client speaking Streamlit's protocol (``st_client``):

- ``saturation``: opens /saturation at its largest settings (20 layers x 512 units, batch 1024,
  tanh and sigmoid side by side, a seed of their own), then presses "Train briefly";
- ``dead_relu``: opens a shared link that trains at once on arrival (width 64, depth 5,
  200 epochs, compare with leaky ReLU, a seed of their own);
- ``playground``: presses Play and watches; half of them close the tab mid-training;
- ``activations``: the "Curves from ReLUs" lesson, then "Fit it for me";
- ``light``: students doing light work meanwhile (all 16 activations on /activations, moving
  the x-range slider every second or so): their script-run times are what a class feels.

Reports the server's peak resident memory (VmRSS of the process tree, sampled every 0.25 s),
the p95 script-run time of the light work, how long each heavy session took to get its result
and how long it waited in the admission queue (the time between the first and last "waiting for
your turn" notice it was shown), and every error or exception box seen.

    python benchmarks/load_test_class.py [--students 20] [--mix maxima|teacher] [--json out.json]

``--mix teacher`` plays the everyday class instead: the same roles, but only the first
saturation student and the first dead-ReLU student ask for the maxima (a teacher showing the
extremes); every other student opens those pages at their default settings (a seed each).

Everything is bounded: loopback only, one server, a time limit per student, and the server is
stopped at the end, on Ctrl-C and on errors. The load generator shares the server's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # nn_core and the pages, for names and limits

from load_test import Server, cpu_seconds, load_average, rss_peaks, tree_mb  # noqa: E402
from st_client import StreamlitSession, percentile  # noqa: E402

from nn_core import ACTIVATIONS  # noqa: E402
from nn_core.experiments.depth import MAX_BATCH, MAX_DEPTH, MAX_WIDTH  # noqa: E402
from pages.dead_relu.controls import DEPTH_RANGE, EPOCH_RANGE, WIDTH_RANGE  # noqa: E402

# The largest settings each page allows, from the pages' own limits.
SATURATION_MAX = (f"sat_depth={MAX_DEPTH}&sat_width={MAX_WIDTH}&sat_batch={MAX_BATCH}"
                  "&sat_activations=tanh,sigmoid&sat_init=xavier")
DEAD_RELU_MAX = (f"dead_width={WIDTH_RANGE[1]}&dead_depth={DEPTH_RANGE[1]}"
                 f"&dead_epochs={EPOCH_RANGE[1]}&dead_compare=true")
ALL_ACTIVATIONS = "act_names=" + ",".join(ACTIVATIONS)
WAITING_MARKS = ("in the queue", "排在第")  # the admission notice, English and Chinese
PLAYGROUND_WATCH_SECONDS = 25.0
LIGHT_WORK_SECONDS = 40.0
STUDENT_TIMEOUT = 180.0


@dataclass
class Student:
    role: str
    index: int
    maxima: bool = True  # the heaviest settings of the page, or its defaults
    results: dict = field(default_factory=dict)
    waits: list = field(default_factory=list)  # seconds between first and last waiting notice
    run_seconds: list = field(default_factory=list)  # light work: each script run
    errors: list = field(default_factory=list)


class ClassSession(StreamlitSession):
    """A student's session that also notes when each admission notice arrived, and every
    exception box it was shown."""

    def __init__(self):
        super().__init__()
        self.notice_times = []  # perf_counter() of every "waiting for your turn" notice
        self.exceptions = []

    def _on_delta(self, msg):
        super()._on_delta(msg)
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "alert" and any(mark in element.alert.body for mark in WAITING_MARKS):
            self.notice_times.append(time.perf_counter())
        elif kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}")


def _link_query(student: Student, maxima: str, seed_key: str) -> str:
    """The page's settings for ``student``: the maxima (or the defaults), and a seed of its own."""
    return "&".join([*([maxima] if student.maxima else []), f"{seed_key}={student.index}"])


async def _timed(student: Student, session: ClassSession, name: str, run) -> None:
    """Await one heavy run; note how long it took and how long it queued for its turn."""
    result = await run
    student.results[name] = round(result.seconds, 2)
    if not result.ok:
        student.errors.append(f"{name}: {result.status}")
    notices = [stamp for stamp in session.notice_times if stamp >= result.sent_at]
    if notices:
        student.waits.append(max(notices) - result.sent_at)


async def saturation(session: StreamlitSession, url: str, student: Student) -> None:
    query = _link_query(student, SATURATION_MAX, "sat_seed")
    await _timed(student, session, "open", session.connect(url, page="saturation", query=query,
                                                   timeout=STUDENT_TIMEOUT))
    await _timed(student, session, "train", session.interact("sat_train", click=True,
                                                     timeout=STUDENT_TIMEOUT))


async def dead_relu(session: StreamlitSession, url: str, student: Student) -> None:
    query = _link_query(student, DEAD_RELU_MAX, "dead_seed")
    await _timed(student, session, "open", session.connect(url, page="dead_relu", query=query,
                                                   timeout=STUDENT_TIMEOUT))


async def playground(session: StreamlitSession, url: str, student: Student) -> None:
    await _timed(student, session, "open", session.connect(url, page="playground",
                                                   timeout=STUDENT_TIMEOUT))
    await _timed(student, session, "play", session.interact("pg_play_button", click=True,
                                                    timeout=STUDENT_TIMEOUT))
    # Half of them close the tab mid-training: their slot must go to someone else.
    watch = PLAYGROUND_WATCH_SECONDS / (2 if student.index % 2 else 1)
    end = time.perf_counter() + watch
    while session.auto_reruns and (left := end - time.perf_counter()) > 0.2:
        await session.tick_fragments(left, timeout=30)
    student.results["closed_mid_training"] = bool(student.index % 2)


async def activations(session: StreamlitSession, url: str, student: Student) -> None:
    await _timed(student, session, "open", session.connect(
        url, page="activations", query="act_lesson=relu_units", timeout=STUDENT_TIMEOUT))
    await _timed(student, session, "fit", session.interact("act_fit_button", click=True,
                                                           timeout=STUDENT_TIMEOUT))


async def light(session: StreamlitSession, url: str, student: Student) -> None:
    await session.connect(url, page="activations", query=ALL_ACTIVATIONS,
                          timeout=STUDENT_TIMEOUT)
    end = time.perf_counter() + LIGHT_WORK_SECONDS
    value = 6.0
    while time.perf_counter() < end:
        value = 4.0 if value >= 8.0 else value + 0.5
        result = await session.interact("act_half_range", value, timeout=STUDENT_TIMEOUT)
        student.run_seconds.append(result.seconds)
        await asyncio.sleep(1.0)


ROLES = {"saturation": saturation, "dead_relu": dead_relu, "playground": playground,
         "activations": activations, "light": light}


MIXES = ("maxima", "teacher")


def class_of(n, mix="maxima"):
    """The mix of a class of ``n`` students (20: 6, 4, 6, 2, 2), in arrival order; with the
    ``teacher`` mix only the first of the saturation and dead-ReLU students use the maxima."""
    shares = {"saturation": 0.3, "dead_relu": 0.2, "playground": 0.3, "activations": 0.1,
              "light": 0.1}
    counts = {role: max(1, round(share * n)) for role, share in shares.items()}
    students = [Student(role, i, maxima=mix == "maxima" or i == 0)
                for role, count in counts.items() for i in range(count)]
    # Interleave the roles: a class does not arrive page by page.
    return sorted(students, key=lambda s: (s.index, list(shares).index(s.role)))


async def play(url, students, server_pid, arrival_seconds):
    async def attend(order, student):
        await asyncio.sleep(order * arrival_seconds / max(len(students), 1))
        session = ClassSession()
        try:
            await asyncio.wait_for(ROLES[student.role](session, url, student),
                                   STUDENT_TIMEOUT * 2)
            student.errors += session.exceptions
        except Exception as error:  # noqa: BLE001 - reported
            student.errors.append(f"{type(error).__name__}: {error}")
        finally:
            await session.close()

    async with rss_peaks([server_pid]) as peaks:
        start_rss = peaks[server_pid]
        began, cpu_began = time.perf_counter(), cpu_seconds(server_pid)
        own_cpu_began = time.process_time()
        await asyncio.gather(*(attend(i, s) for i, s in enumerate(students)))
    return {"rss_start_mb": round(start_rss), "rss_peak_mb": round(peaks[server_pid]),
            "wall_s": round(time.perf_counter() - began, 1),
            # The server's CPU time over the class: against 2 x wall_s on 2 cores, how busy
            # it was (Python runs one thread at a time, numpy's products run beside it).
            "server_cpu_s": round(cpu_seconds(server_pid) - cpu_began, 1),
            # The load generator's own CPU time: what it took from the cores the server shares
            # with it (in a real class the clients are the students' browsers).
            "load_generator_cpu_s": round(time.process_time() - own_cpu_began, 1)}


def summary(students, memory):
    light_runs = [s for student in students for s in student.run_seconds]
    waits = [w for student in students for w in student.waits]
    by_role, waits_by_role = {}, {}
    for student in students:
        by_role.setdefault(student.role, []).append(student.results)
        waits_by_role.setdefault(student.role, []).extend(round(w, 1) for w in student.waits)
    return {
        **memory,
        "light_runs": len(light_runs),
        "light_p95_s": round(percentile(light_runs, 95), 3),
        "light_median_s": round(statistics.median(light_runs), 3) if light_runs else None,
        "queue_waits": len(waits),
        "queue_wait_max_s": round(max(waits), 1) if waits else 0.0,
        "queue_wait_median_s": round(statistics.median(waits), 1) if waits else 0.0,
        "queue_waits_by_role": waits_by_role,
        "results_by_role": by_role,
        "errors": [f"{s.role}#{s.index}: {e}" for s in students for e in s.errors],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=20, help="class size (5 to 50)")
    ap.add_argument("--arrival", type=float, default=5.0,
                    help="seconds over which the class arrives")
    ap.add_argument("--mix", choices=MIXES, default="maxima",
                    help="everyone at the maxima, or a teacher at the maxima and the class at "
                         "the defaults")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args()
    if not 5 <= args.students <= 50:
        ap.error("--students between 5 and 50")
    server = Server()
    try:
        server.start()
        idle = tree_mb(server.pid, "VmRSS")
        print(f"server pid {server.pid}; idle RSS {idle:.0f} MB; load average "
              f"{' '.join(f'{v:.2f}' for v in load_average())}", file=sys.stderr)
        students = class_of(args.students, args.mix)
        memory = asyncio.run(play(server.url, students, server.pid, args.arrival))
    except KeyboardInterrupt:
        return 130
    finally:
        server.stop()
    result = {"date": datetime.date.today().isoformat(), "students": len(students), "mix": args.mix,
              "command": " ".join(["python", "benchmarks/load_test_class.py", *sys.argv[1:]]),
              "cpus": os.cpu_count(), "load_average_end": load_average(),
              **summary(students, memory)}
    print(json.dumps(result, indent=2, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
