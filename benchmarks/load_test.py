"""Classroom load test: N concurrent sessions of the playground training live, one server.

Starts the app (``streamlit run app.py``) on a free loopback port, waits for
``/_stcore/health``, then for each N in ``--sessions`` opens N websocket sessions of the
playground page with ``benchmarks/st_client.py``, clicks Play in each and fires the page's
``run_every`` fragment timers like a browser does (open loop: a tick every ``run_every`` seconds
whether or not the previous one has been answered) for ``--duration`` seconds. Then every
session clicks Pause and closes, and the next N starts.

Per N it reports the latency of every fragment tick (send ``rerun_script`` -> that fragment
run's ``script_finished``; median and 95th percentile over all ticks of all sessions), ticks
sent and answered, how many sessions were training or waiting for a slot when the step ended,
epochs trained per session, bytes received per tick, and the server's resident memory: the peak
of VmRSS sampled every 0.25 s (server process plus any children) and VmHWM (the kernel's
high-water mark, monotone over the whole run).

With ``--replicas N`` the server is ``deploy/serve --replicas N`` instead: N app processes
behind nginx with session affinity, and the sessions connect through the balancer. It then also
reports the resident memory of each replica, and of nginx.

Per step it also reports the total training throughput (epochs per second, summed over the
sessions: each session's epoch count at the end over its time since Play), the CPU used by
the app processes and by this load generator (from /proc and getrusage), and how busy the whole
machine was (/proc/stat: on a shared machine other work competes for the same cores).

Everything is bounded: loopback only, one server, at most ``--max-sessions`` sessions, a time
limit per step, and the server is stopped at the end, on Ctrl-C and on errors.

    python benchmarks/load_test.py --sessions 1,5,10,20 --duration 30 [--json out.json]
    python benchmarks/load_test.py --replicas 2 --sessions 40 --duration 30

The load generator runs on the same machine as the server (and shares its cores).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from st_client import StreamlitSession, percentile, wait_for_health  # noqa: E402

MAX_SESSIONS = 100
PLAY_LABEL = "Play"
PAUSE_LABEL = "Pause"
EPOCH_LABEL = "Epoch"
WAITING_MARK = "slot"  # the English waiting message mentions a free slot


# --- the server ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Child processes (recursively) from /proc/<pid>/task/*/children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                kids = [int(k) for k in (task / "children").read_text().split()]
                out.extend(kids)
                todo.extend(kids)
    return out


def status_kb(pid: int, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def tree_mb(pid: int, field: str) -> float:
    """``field`` (VmRSS or VmHWM) of the process plus its children, in MiB."""
    return sum(status_kb(p, field) for p in [pid, *descendants(pid)]) / 1024.0


@contextlib.asynccontextmanager
async def rss_peaks(pids: list[int], every: float = 0.25):
    """``async with rss_peaks(pids) as peaks:`` samples the resident memory (VmRSS, children
    included, MiB) of each pid every ``every`` seconds while the block runs; ``peaks[pid]`` is
    the largest value seen, from the one at entry on."""
    peaks = {pid: tree_mb(pid, "VmRSS") for pid in pids}

    async def sample() -> None:
        while True:
            for pid in peaks:
                peaks[pid] = max(peaks[pid], tree_mb(pid, "VmRSS"))
            await asyncio.sleep(every)

    sampler = asyncio.create_task(sample())
    try:
        yield peaks
    finally:
        sampler.cancel()


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far, from /proc."""
    total = 0.0
    for p in [pid, *descendants(pid)]:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, from the first line of /proc/stat:
    what every process used, ours and anybody else's."""
    fields = [float(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Server:
    """``streamlit run app.py`` on a free loopback port, in its own process group."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="load_test_server_", suffix=".log",
                                               delete=False)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> None:
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py",
               "--server.headless", "true", "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; "
                                   f"see {self.log.name}")
            try:
                wait_for_health(self.url, timeout=2)
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def app_pids(self) -> list[int]:
        """The app processes whose memory and CPU are reported: here the one server."""
        return [self.proc.pid]

    balancer_pid = None

    def describe(self) -> str:
        return f"server pid {self.pid} on {self.url}"

    # How long a stop waits after SIGTERM before it kills.
    STOP_SECONDS = 10

    def stop(self) -> None:
        """SIGTERM to the server's process group (started by us), then SIGKILL if needed."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(self.STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


class BalancedServer(Server):
    """``deploy/serve --replicas N`` on a free loopback port: N app processes behind nginx."""

    def __init__(self, replicas: int, port: int | None = None):
        super().__init__(port)
        self.replicas = replicas
        self.state_dir = Path(tempfile.mkdtemp(prefix="load_test_serve_"))
        self.state: dict = {}

    def start(self, timeout: float = 180.0) -> None:
        cmd = [str(ROOT / "deploy" / "serve"), "--replicas", str(self.replicas),
               "--port", str(self.port), "--state-dir", str(self.state_dir), "--no-restart"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.state.get("ready"):
            if self.proc.poll() is not None:
                raise RuntimeError(f"deploy/serve exited with {self.proc.returncode}; "
                                   f"see {self.log.name}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"deploy/serve not ready after {timeout:.0f} s")
            time.sleep(0.25)
            with contextlib.suppress(OSError, ValueError):
                self.state = json.loads((self.state_dir / "state.json").read_text())

    @property
    def app_pids(self) -> list[int]:
        return [replica["pid"] for replica in self.state["replicas"]]

    @property
    def balancer_pid(self) -> int:
        return self.state["nginx"]["pid"]

    def describe(self) -> str:
        return (f"deploy/serve pid {self.pid} on {self.url}: nginx pid {self.balancer_pid}, "
                f"replicas {', '.join(map(str, self.app_pids))}; logs in {self.state_dir}")

    # deploy/serve's group is serve alone (nginx and the replicas have sessions of their own);
    # on SIGTERM it stops all of them, which takes longer than one server.
    STOP_SECONDS = 30


# --- one step: N sessions -------------------------------------------------------------------------
def _epoch(session: StreamlitSession) -> int | None:
    for text in session.texts():
        if text.startswith(EPOCH_LABEL + ":"):
            with contextlib.suppress(ValueError):
                return int(re.sub(r"[^0-9]", "", text.split(":", 1)[1]))
    return None


def _waiting(session: StreamlitSession) -> bool:
    return any(WAITING_MARK in text for text in session.texts())


async def one_step(url: str, n: int, duration: float, app_pids: list[int], query: str,
                   warmup: float = 10.0, balancer_pid: int | None = None) -> dict:
    """N sessions for ``duration`` s against ``url``; ``app_pids`` are the app processes
    (one server, or the replicas behind a balancer) whose memory and CPU are reported."""
    watched = [*app_pids, *([balancer_pid] if balancer_pid else [])]
    rss_start = [tree_mb(pid, "VmRSS") for pid in app_pids]
    cpu_start = {pid: cpu_seconds(pid) for pid in watched}
    own_cpu_start, wall_start = own_cpu_seconds(), time.perf_counter()
    machine_start = machine_cpu()

    async def user(i: int) -> dict:
        s = StreamlitSession()
        out = {"ticks": [], "connect_s": None, "play_s": None, "played_at": None, "epoch": None,
               "waiting": False, "error": None}
        try:
            await asyncio.sleep(i * 0.1)  # a class does not click in the same millisecond
            first = await s.connect(url, page="playground", query=query, timeout=120)
            out["connect_s"] = first.seconds
            play = await s.interact(s.widget(label=PLAY_LABEL), click=True, timeout=120)
            out["play_s"] = play.seconds
            out["played_at"] = time.perf_counter()
            # Everyone stops at the same moment, whatever time they started. The set of
            # timers changes when a waiting session gets its slot (or its turn ends): a full
            # run re-announces them, and the browser starts the new ones.
            while s.auto_reruns and (remaining := end_at - time.perf_counter()) > 0.2:
                kind = "waiting" if _waiting(s) else "live"
                ticks = await s.tick_fragments(remaining, timeout=30)
                out["ticks"] += [(kind, r) for r in ticks]
                if s.auto_reruns and not ticks:
                    await asyncio.sleep(0.1)
            out["epoch"] = _epoch(s)
            out["epoch_at"] = time.perf_counter()
            out["waiting"] = _waiting(s)
            with contextlib.suppress(KeyError):
                await s.interact(s.widget(label=PAUSE_LABEL), click=True, timeout=60)
        except Exception as error:  # noqa: BLE001 - counted and reported
            out["error"] = f"{type(error).__name__}: {error}"
        finally:
            await s.close()
        return out

    async with rss_peaks(watched) as peaks:
        load_before = load_average()
        end_at = time.perf_counter() + duration + n * 0.1
        users = await asyncio.gather(*(user(i) for i in range(n)))
    wall = time.perf_counter() - wall_start
    cpu_share = {pid: (cpu_seconds(pid) - cpu_start[pid]) / wall for pid in watched}
    own_cpu_share = (own_cpu_seconds() - own_cpu_start) / wall
    busy, total = (end - start for end, start in zip(machine_cpu(), machine_start, strict=True))
    machine_busy = busy / total if total else float("nan")
    ticks = [r for u in users for _, r in u["ticks"]]
    ok = [r for r in ticks if r.ok]
    lat = [r.seconds for r in ok]
    # Steady state: once every session has opened the page and pressed Play (those first full
    # page runs all arrive together), plus ``warmup`` seconds for that backlog to drain.
    all_playing = max((u["played_at"] for u in users if u["played_at"]), default=end_at)
    steady = [r.seconds for r in ok if r.sent_at >= all_playing + warmup]
    live = [r.seconds for u in users for kind, r in u["ticks"] if kind == "live" and r.ok]
    wait = [r.seconds for u in users for kind, r in u["ticks"] if kind == "waiting" and r.ok]
    epochs = [u["epoch"] for u in users if u["epoch"] is not None]
    # Training throughput: each session's epochs over its time since Play, summed.
    rates = [u["epoch"] / (u["epoch_at"] - u["played_at"]) for u in users
             if u["epoch"] is not None and u["played_at"] and u["epoch_at"] > u["played_at"]]
    return {
        "sessions": n,
        "duration_s": duration,
        "ticks_sent": len(ticks),
        "ticks_ok": len(ok),
        "timeouts": sum(r.status == "TIMEOUT" for r in ticks),
        "fragment_runs": len({r.script_run_id for r in ok}),
        "median_s": statistics.median(lat) if lat else float("nan"),
        "p95_s": percentile(lat, 95),
        "max_s": max(lat) if lat else float("nan"),
        "steady_ticks": len(steady),
        "steady_median_s": statistics.median(steady) if steady else float("nan"),
        "steady_p95_s": percentile(steady, 95),
        "live_ticks": len(live),
        "live_median_s": statistics.median(live) if live else float("nan"),
        "live_p95_s": percentile(live, 95),
        "waiting_ticks": len(wait),
        "waiting_median_s": statistics.median(wait) if wait else float("nan"),
        "waiting_p95_s": percentile(wait, 95),
        "training_at_end": sum(1 for u in users if u["epoch"] and not u["waiting"]),
        "kb_per_tick": (statistics.mean(r.bytes_received for r in ok) / 1024) if ok else 0.0,
        "play_click_median_s": statistics.median(
            [u["play_s"] for u in users if u["play_s"] is not None] or [float("nan")]),
        "waiting_at_end": sum(u["waiting"] for u in users),
        "epochs_min": min(epochs) if epochs else None,
        "epochs_median": statistics.median(epochs) if epochs else None,
        "epochs_max": max(epochs) if epochs else None,
        "errors": [u["error"] for u in users if u["error"]],
        "epochs_per_s_total": round(sum(rates), 1),
        "app_processes": len(app_pids),
        "rss_start_mb": round(max(rss_start), 1),
        "rss_peak_mb": round(max(peaks[pid] for pid in app_pids), 1),
        "rss_peak_per_process_mb": [round(peaks[pid], 1) for pid in app_pids],
        "hwm_per_process_mb": [round(tree_mb(pid, "VmHWM"), 1) for pid in app_pids],
        "hwm_mb": round(max(tree_mb(pid, "VmHWM") for pid in app_pids), 1),
        "balancer_rss_peak_mb": round(peaks[balancer_pid], 1) if balancer_pid else None,
        "cpu_per_process": [round(cpu_share[pid], 2) for pid in app_pids],
        "balancer_cpu": round(cpu_share[balancer_pid], 2) if balancer_pid else None,
        "load_generator_cpu": round(own_cpu_share, 2),
        # Busy share of all cores: the app, this generator and anything else on the machine.
        "machine_busy": round(machine_busy, 2),
        "loadavg_before": load_before,
        "loadavg_after": load_average(),
    }


# --- report ---------------------------------------------------------------------------------------
def _ms(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds * 1000:.0f} ms"


def table(steps: list[dict]) -> str:
    head = ("| sessions | ticks sent / answered | tick median | tick p95 "
            "| live ticks: n, median, p95 | waiting ticks: n, median, p95 | KB per tick "
            "| training / waiting at end | epochs per session (min/median/max) "
            "| epochs/s, all sessions | peak RSS per app process | CPU per app process "
            "| CPU of load generator | machine busy | steady state: n, median, p95 "
            "| load avg 1 min |")
    rule = "|" + " --- |" * (head.count("|") - 1)
    rows = [head, rule]
    for s in steps:
        ep = "–" if s["epochs_min"] is None else (
            f"{s['epochs_min']} / {s['epochs_median']:g} / {s['epochs_max']}")
        rows.append(
            f"| {s['sessions']} | {s['ticks_sent']} / {s['ticks_ok']} "
            f"| {s['median_s'] * 1000:.0f} ms | {s['p95_s'] * 1000:.0f} ms "
            f"| {s['live_ticks']}, {_ms(s['live_median_s'])}, {_ms(s['live_p95_s'])} "
            f"| {s['waiting_ticks']}, {_ms(s['waiting_median_s'])}, {_ms(s['waiting_p95_s'])} "
            f"| {s['kb_per_tick']:.0f} | {s['training_at_end']} / {s['waiting_at_end']} | {ep} "
            f"| {s['epochs_per_s_total']:.0f} "
            f"| {' / '.join(f'{mb:.0f}' for mb in s['rss_peak_per_process_mb'])} MB "
            f"| {' / '.join(f'{c:.0%}' for c in s['cpu_per_process'])} "
            f"| {s['load_generator_cpu']:.0%} | {s['machine_busy']:.0%} "
            f"| {s['steady_ticks']}, {_ms(s['steady_median_s'])}, {_ms(s['steady_p95_s'])} "
            f"| {s['loadavg_after'][0]:.1f} |")
    return "\n".join(rows)


async def run_all(args, server: Server) -> list[dict]:
    steps = []
    for n in args.sessions:
        print(f"-- {n} session(s), {args.duration:g} s ...", file=sys.stderr, flush=True)
        step = await one_step(server.url, n, args.duration, server.app_pids, args.query,
                              args.warmup, server.balancer_pid)
        steps.append(step)
        print(f"   median {step['median_s'] * 1000:.0f} ms, p95 {step['p95_s'] * 1000:.0f} ms, "
              f"{step['ticks_ok']} ticks, {step['epochs_per_s_total']:.0f} epochs/s, peak RSS "
              f"{step['rss_peak_per_process_mb']} MB, CPU {step['cpu_per_process']} "
              f"(load generator {step['load_generator_cpu']:.0%}, machine busy "
              f"{step['machine_busy']:.0%}), "
              f"errors {len(step['errors'])}", file=sys.stderr, flush=True)
        for error in step["errors"][:3]:
            print("   error:", error, file=sys.stderr)
        await asyncio.sleep(args.settle)  # paused trainers finish their chunk; sockets close
    return steps


def parse_sessions(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1 or max(values) > MAX_SESSIONS:
        raise argparse.ArgumentTypeError(f"session counts between 1 and {MAX_SESSIONS}")
    return values


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=parse_sessions, default=[1, 5, 10, 20],
                    help="comma-separated session counts, e.g. 1,5,10,20")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of ticking per step")
    ap.add_argument("--settle", type=float, default=3.0, help="pause between steps (s)")
    ap.add_argument("--warmup", type=float, default=10.0,
                    help="seconds after the last Play click before steady-state ticks count")
    ap.add_argument("--query", default="", help="URL query for every session, e.g. lang=en")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--replicas", type=int, default=0,
                    help="run deploy/serve with this many app processes behind nginx and "
                         "connect through it (default 0: one plain `streamlit run`)")
    args = ap.parse_args()
    if not 1 <= args.duration <= 600:
        ap.error("--duration between 1 and 600 s")
    if not 0 <= args.replicas <= 8:
        ap.error("--replicas between 0 and 8")

    server = BalancedServer(args.replicas) if args.replicas else Server()
    started = time.time()
    try:
        server.start()
        idle = " / ".join(f"{tree_mb(pid, 'VmRSS'):.0f}" for pid in server.app_pids)
        print(f"{server.describe()}; idle RSS {idle} MB; load average "
              f"{' '.join(f'{v:.2f}' for v in load_average())}", file=sys.stderr)
        steps = asyncio.run(run_all(args, server))
    except KeyboardInterrupt:
        print("interrupted: stopping the server", file=sys.stderr)
        return 130
    finally:
        server.stop()
    result = {
        "date": datetime.date.today().isoformat(),
        "command": " ".join(["python", "benchmarks/load_test.py", *sys.argv[1:]]),
        "cpus": os.cpu_count(),
        "wall_s": round(time.time() - started, 1),
        "server_log": server.log.name,
        "replicas": args.replicas,
        "steps": steps,
    }
    print(table(steps))
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in load_average())} "
          f"({os.cpu_count()} cores)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
