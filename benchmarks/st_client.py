"""A headless Streamlit 1.67 client: drive app sessions over the websocket, without a browser.

It speaks the same protocol as Streamlit's own frontend (checked against the installed
``streamlit`` package: ``web/server/starlette/starlette_websocket.py``, ``runtime/app_session.py``,
``runtime/fragment.py``, ``runtime/forward_msg_cache.py`` and the bundled frontend JS), so a load
test can open many concurrent sessions of the app from one process.

Protocol in one screen (Streamlit 1.67, Starlette/Uvicorn server)
------------------------------------------------------------------
* Connect a websocket to ``ws://HOST:PORT/<baseUrlPath>/_stcore/stream`` with the subprotocol
  list ``["streamlit", <xsrf-or-auth token>, <previous session id>?]``. The server echoes the
  first entry; the second is only used to read a signed ``st.login`` cookie, so an anonymous
  client sends the browser's placeholder ``PLACEHOLDER_AUTH_TOKEN`` and needs no cookie or XSRF
  token (``server.enableXsrfProtection`` does not gate the websocket). ``Origin`` is optional;
  if sent it must be same-origin (or in ``server.allowedOrigins``). All frames are binary
  protobufs (a text frame closes the connection).
* Nothing runs until the client sends ``BackMsg{rerun_script: ClientState}``. The first one
  carries ``query_string`` (URL query without ``?``), ``page_name`` (the URL path relative to the
  app, e.g. ``"saturation"`` for ``pages/saturation/page.py``; ``""`` for the main page),
  ``page_script_hash=""``, ``widget_states`` (empty) and ``context_info`` (timezone, locale, url,
  colour scheme: what ``st.context`` reports). Later reruns send ``page_script_hash`` from
  ``new_session`` instead of ``page_name``, the query string last reported by
  ``page_info_changed`` and the *complete* widget state (the browser sends every widget value it
  knows, plus one-shot ``trigger_value``s for clicked buttons).
* Every run is framed by ForwardMsgs: ``session_status_changed`` (script_is_running),
  ``new_session`` (``metadata.run.script_run_id`` identifies the run, ``metadata.run.fragment_ids``
  is non-empty for a fragment run; also ``page_script_hash``, ``app_pages``,
  ``config.max_cached_message_age``, ``initialize.session_id``), then ``delta``s (placed by
  ``metadata.delta_path``: ``[0, ...]`` main area, ``[1, ...]`` sidebar; ``delta.fragment_id``
  when written by a fragment), ``page_config_changed``, ``page_info_changed`` (when the script
  changes ``st.query_params``), ``auto_rerun`` / ``stop_auto_rerun`` and finally
  ``script_finished`` (FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
  FINISHED_WITH_COMPILE_ERROR or FINISHED_EARLY_FOR_RERUN), tagged with the same run id.
  A script exception is *not* a failed run: it is an ``exception`` element, then
  FINISHED_SUCCESSFULLY.
* Fragments with ``run_every``: when a full run registers ``@st.fragment(run_every=T)`` the server
  sends ``ForwardMsg.auto_rerun{interval: T seconds, fragment_id}``. The server never ticks on
  its own: the browser calls ``setInterval(T)`` and, on each tick, sends ``rerun_script`` with
  ``fragment_id`` set and ``is_auto_rerun=True`` (plus the full widget state), without waiting
  for the previous tick. Timers are cleared on each full run's ``new_session`` (the run re-sends
  ``auto_rerun``) and by ``stop_auto_rerun{fragment_ids}``. A tick for a fragment the server no
  longer knows is silently dropped (no ``script_finished``), and queued fragment reruns are
  coalesced (several ticks -> one run), so count latency per tick, with a timeout.
* Message cache: large ``new_element`` deltas are marked ``metadata.cacheable``; if the next
  ``rerun_script`` lists their hashes in ``cached_message_hashes`` the server replaces them by
  ``ForwardMsg{ref_hash}``. This client caches like the browser (age counted in finished runs,
  ``max_cached_message_age`` from ``new_session``) and expands references; with
  ``use_message_cache=False`` it lists no hashes and always gets full messages.
* Flow control: the server keeps at most 500 unsent messages per session and drops the session
  if the client stops reading, so this client reads in a background task all the time.
* ``BackMsg.app_heartbeat`` is answered with ``ForwardMsg.heartbeat_ack``; websocket pings are
  handled by the ``websockets`` library. Sessions live as long as the socket.

Widget values on the wire (Streamlit 1.67)
-------------------------------------------
checkbox/toggle ``bool_value``; slider ``double_array_value`` (also for an int slider, one value
or two for a range); select_slider ``string_array_value``; selectbox and radio ``string_value``
with the *formatted* option label (not an index); multiselect and segmented_control/pills
(``button_group``) ``string_array_value`` of formatted labels (a button_group option is
``f"{content_icon} {content}".strip()``); number_input ``double_value`` (also for ints);
text_input/text_area ``string_value``; button ``trigger_value=True`` for one rerun only.
Widget ids look like ``$$ID-<hash>-<key>``; the key is ``id.split("-", 2)[2]`` (``"None"`` if
the widget has no key). A widget proto with ``set_value=True`` means the script forced its value
(e.g. via ``st.session_state``): the client adopts it.

Usage
-----
    python benchmarks/st_client.py --url http://127.0.0.1:8501            # smoke check
    python benchmarks/st_client.py --url http://127.0.0.1:8501 --page saturation --query lang=zh

    async def one_user(url):
        s = StreamlitSession()
        first = await s.connect(url, page="playground")
        await s.click(s.widget(label="Play"))          # full rerun, starts training
        lat = await s.tick_fragments(duration=30)      # browser-like run_every timers
        await s.close()
        return lat

See ``load_test_example`` at the bottom for N concurrent sessions with latency percentiles and
server RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

# Importing a streamlit.proto module imports the streamlit package (about a second, once).
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect as ws_connect

__all__ = [
    "RunResult",
    "StreamlitSession",
    "Widget",
    "percentile",
    "process_rss_mb",
    "wait_for_health",
]

# What a browser puts in the subprotocol list when there is no XSRF cookie / host auth token.
PLACEHOLDER_AUTH_TOKEN = "PLACEHOLDER_AUTH_TOKEN"

# Element oneof names that are widgets this client understands.
WIDGET_ELEMENT_TYPES = frozenset({
    "button", "checkbox", "slider", "selectbox", "radio", "multiselect", "button_group",
    "number_input", "text_input", "text_area", "color_picker",
})

_STATUS_NAMES = {v: k for k, v in ForwardMsg.ScriptFinishedStatus.items()}

_SLIDER_SLIDER = 1
_SLIDER_SELECT_SLIDER = 2
_INT = 0  # Slider.DataType.INT == NumberInput.DataType.INT == 0
_TOGGLE = 1  # Checkbox.StyleType.TOGGLE
_PILLS = 1  # ButtonGroup.Style.PILLS
_MULTI_SELECT = 1  # ButtonGroup.ClickMode.MULTI_SELECT


# --------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    """The outcome of one rerun request.

    ``seconds`` is the round trip from sending the BackMsg to receiving the ``script_finished``
    of the run that served it. ``status`` is a ScriptFinishedStatus name, or ``"TIMEOUT"`` when
    no run served the request in time (e.g. a tick for a fragment that no longer exists).
    ``deltas`` are the ``delta`` ForwardMsgs of that run (ref_hash already expanded).
    """

    seconds: float
    status: str
    script_run_id: str = ""
    sent_at: float = 0.0  # time.perf_counter() when the request was sent
    fragment_ids: list[str] = field(default_factory=list)
    deltas: list[ForwardMsg] = field(default_factory=list)
    bytes_received: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY")


@dataclass
class Widget:
    """A widget as last drawn by the server, plus the value this client will send for it."""

    id: str
    key: str | None
    type: str  # checkbox, toggle, slider, select_slider, selectbox, radio, multiselect,
    #            segmented_control, pills, number_input, text_input, text_area, button, ...
    label: str
    path: tuple[int, ...]
    fragment_id: str | None
    options: list[str] = field(default_factory=list)
    min: float | None = None
    max: float | None = None
    step: float | None = None
    is_int: bool = False
    multi: bool = False
    disabled: bool = False
    value: Any = None  # decoded current value (client side), None if unknown/unset
    proto: Any = None  # the widget's protobuf (e.g. streamlit.proto.Slider_pb2.Slider)

    def __repr__(self) -> str:  # short, for printing
        extra = f" options={self.options}" if self.options else ""
        if self.min is not None:
            extra += f" min={self.min} max={self.max} step={self.step}"
        return (f"Widget({self.type} key={self.key!r} label={self.label!r} value={self.value!r}"
                f"{extra}{' fragment=' + self.fragment_id if self.fragment_id else ''})")


@dataclass
class _Waiter:
    """A rerun request waiting for the run that serves it."""

    fragment_id: str | None
    sent_at: float
    future: asyncio.Future
    run_id: str | None = None
    bytes_at_bind: int = 0


@dataclass
class _Node:
    kind: str  # "element" | "block"
    proto: Any  # Element or Block
    run_id: str
    fragment_id: str | None


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; nan for an empty list."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def process_rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB, from /proc/<pid>/status (Linux, no psutil)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for pid {pid}")


def wait_for_health(base_url: str, timeout: float = 60.0) -> None:
    """Block until GET <base_url>/_stcore/health answers 200 (the browser pings this first)."""
    url = base_url.rstrip("/") + "/_stcore/health"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} not healthy after {timeout}s")
        time.sleep(0.25)


def _option_label(opt) -> str:
    """A ButtonGroup option as the frontend formats it for the wire."""
    icon = opt.content_icon if opt.HasField("content_icon") else ""
    return f"{icon} {opt.content}".strip() if icon else opt.content


def _check_value(w: "Widget", value: Any) -> None:
    """Refuse values a browser could not send. (Checked: Streamlit 1.67 silently ignores an
    out-of-range slider value and keeps the old one; no error reaches the client.)"""
    if w.type in ("slider", "number_input") and value is not None:
        vals = value if isinstance(value, (list, tuple)) else [value]
        for v in vals:
            if (w.min is not None and v < w.min) or (w.max is not None and v > w.max):
                raise ValueError(f"{w.type} {w.key or w.label!r}: {v} outside [{w.min}, {w.max}]")
    elif w.type in ("selectbox", "radio", "select_slider", "multiselect", "segmented_control",
                    "pills") and value is not None:
        if getattr(w.proto, "accept_new_options", False):
            return
        vals = value if isinstance(value, (list, tuple)) else [value]
        bad = [v for v in vals if str(v) not in w.options]
        if bad:
            raise ValueError(f"{w.type} {w.key or w.label!r}: {bad} not in {w.options}")


def _decode_state(state: WidgetState) -> Any:
    kind = state.WhichOneof("value")
    if kind is None:
        return None
    v = getattr(state, kind)
    if kind in ("double_array_value", "int_array_value", "string_array_value"):
        return list(v.data)
    return v


# --------------------------------------------------------------------------------------------
# The session
# --------------------------------------------------------------------------------------------
class StreamlitSession:
    """One browser-less Streamlit session (one websocket, one AppSession on the server).

    All methods are coroutines on the running asyncio loop; one instance must not be used from
    two loops. Many instances can share one loop (that is the point).
    """

    def __init__(self, *, locale: str = "en-US", timezone: str = "UTC",
                 color_scheme: str = "light", use_message_cache: bool = True,
                 send_default_widget_states: bool = True, max_size: int | None = 256 * 2**20):
        self.locale = locale
        self.timezone = timezone
        self.color_scheme = color_scheme
        self.use_message_cache = use_message_cache
        # The browser sends the value of every widget it has drawn; False sends only values this
        # client set (the server then keeps its previous values for the others).
        self.send_default_widget_states = send_default_widget_states
        self.max_size = max_size

        self.base_url = ""
        self.page = ""
        self.query_string = ""
        self.page_script_hash = ""
        self.main_script_hash = ""
        self.session_id = ""
        self.app_pages: list[Any] = []
        self.page_title = ""  # from page_config_changed
        self.page_not_found = False

        self._ws = None
        self._reader: asyncio.Task | None = None
        self._closed = asyncio.Event()
        self.close_reason: str | None = None

        self._nodes: dict[tuple[int, ...], _Node] = {}
        self._widget_states: dict[str, WidgetState] = {}  # id -> value we send
        self._triggers: dict[str, WidgetState] = {}  # one-shot button clicks
        self._current_run_id = ""
        self._current_fragment_ids: list[str] = []
        self._run_deltas: dict[str, list[ForwardMsg]] = {}
        self._waiters: list[_Waiter] = []

        self.auto_reruns: dict[str, float] = {}  # fragment_id -> run_every seconds
        self.fragment_ids_seen: set[str] = set()  # every fragment id seen on a delta
        self._max_cached_message_age = 2
        self._cache: dict[str, list] = {}  # hash -> [ForwardMsg, run_count_when_used, frag_id]
        self._cache_run_count = 0

        self.messages_received = 0
        self.bytes_received = 0
        self.heartbeat_acks = 0

    # ---------------------------------------------------------------- connection
    async def connect(self, base_url: str, page: str = "", query: str = "",
                      timeout: float = 60.0, wait: bool = True) -> RunResult | None:
        """Open the websocket and request the first run of ``page`` (URL path, "" = main page).

        ``query`` is the URL query string (``"lang=zh&projector=true"``, with or without ``?``).
        With ``wait`` (default) returns the RunResult of the first run; its ``seconds`` is the
        time from sending the first ``rerun_script`` (socket already open) to ``script_finished``.
        """
        self.base_url = base_url.rstrip("/")
        self.page = page.strip("/")
        self.query_string = query.lstrip("?")
        parts = urllib.parse.urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        ws_url = f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream"
        origin = f"{parts.scheme}://{parts.netloc}"
        self._ws = await ws_connect(
            ws_url,
            subprotocols=["streamlit", PLACEHOLDER_AUTH_TOKEN],
            origin=origin,
            max_size=self.max_size,
            open_timeout=timeout,
            user_agent_header="st_client.py (Streamlit protocol load tester)",
        )
        self._reader = asyncio.create_task(self._read_loop(), name="st-client-reader")
        waiter = self._send_rerun(first=True)
        if not wait:
            return None
        return await self._wait(waiter, timeout)

    async def close(self) -> None:
        """Close the websocket (the server then shuts the AppSession down)."""
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        self._fail_waiters("closed")

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    @property
    def url(self) -> str:
        """The URL a browser would show for this session."""
        path = f"{self.base_url}/{self.page}" if self.page else f"{self.base_url}/"
        return path + (f"?{self.query_string}" if self.query_string else "")

    # ---------------------------------------------------------------- reruns
    async def rerun(self, widget_states: dict[str, Any] | None = None,
                    fragment_id: str | None = None, *, is_auto_rerun: bool = False,
                    timeout: float = 60.0) -> RunResult:
        """Send ``rerun_script`` and wait for the ``script_finished`` of the run that serves it.

        ``widget_states`` optionally maps widget (id, key or Widget) -> value, applied with
        :meth:`set_widget` first. ``fragment_id`` reruns only that fragment (as a click inside a
        fragment or a ``run_every`` tick does). Returns RunResult(seconds, status, deltas, ...).
        """
        for ref, value in (widget_states or {}).items():
            self.set_widget(ref, value)
        waiter = self._send_rerun(fragment_id=fragment_id, is_auto_rerun=is_auto_rerun)
        return await self._wait(waiter, timeout)

    async def tick_fragment(self, fragment_id: str | None = None,
                            timeout: float = 30.0) -> RunResult:
        """One ``run_every`` tick, as the browser's timer sends it; waits for the fragment run.

        Without ``fragment_id``: the only auto-rerun fragment (error if there are several).
        """
        if fragment_id is None:
            if len(self.auto_reruns) != 1:
                raise ValueError(f"pick one of the auto-rerun fragments: {self.auto_reruns}")
            fragment_id = next(iter(self.auto_reruns))
        return await self.rerun(fragment_id=fragment_id, is_auto_rerun=True, timeout=timeout)

    async def tick_fragments(self, duration: float, *, fragment_ids: list[str] | None = None,
                             timeout: float = 30.0, open_loop: bool = True) -> list[RunResult]:
        """Fire the ``run_every`` timers for ``duration`` seconds; returns one RunResult per tick.

        ``open_loop=True`` behaves like the browser's ``setInterval``: a tick is sent every
        ``run_every`` seconds whether or not the previous one has finished (the server coalesces
        queued ticks, so several ticks may complete with one run). ``open_loop=False`` sends the
        next tick ``run_every`` seconds after the previous one finished. Timers follow
        ``auto_rerun``/``stop_auto_rerun`` messages: a fragment that disappears stops ticking.
        """
        fids = list(fragment_ids or self.auto_reruns)
        if not fids:
            raise ValueError("no run_every fragment registered (no auto_rerun message yet)")
        end = time.perf_counter() + duration
        results: list[RunResult] = []
        pending: set[asyncio.Task] = set()

        async def timer(fid: str) -> None:
            next_at = time.perf_counter()
            while not self._closed.is_set() and fid in self.auto_reruns:
                next_at += self.auto_reruns[fid]
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if time.perf_counter() >= end or fid not in self.auto_reruns:
                    return
                waiter = self._send_rerun(fragment_id=fid, is_auto_rerun=True)
                if open_loop:
                    task = asyncio.ensure_future(self._wait(waiter, timeout))
                    task.add_done_callback(lambda t: results.append(t.result()))
                    pending.add(task)
                else:
                    results.append(await self._wait(waiter, timeout))
                    next_at = time.perf_counter()

        await asyncio.gather(*(timer(f) for f in fids))
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        return results

    async def heartbeat(self) -> None:
        """Send ``app_heartbeat`` (the server answers ``heartbeat_ack``)."""
        await self._send(BackMsg(app_heartbeat=True))

    # ---------------------------------------------------------------- widgets
    def widgets(self) -> list[Widget]:
        """The widgets currently on the page (main area and sidebar), in page order."""
        out = []
        for path in sorted(self._nodes):
            node = self._nodes[path]
            if node.kind != "element":
                continue
            kind = node.proto.WhichOneof("type")
            if kind in WIDGET_ELEMENT_TYPES:
                out.append(self._make_widget(path, node, kind))
        return out

    def widget(self, key: str | None = None, *, label: str | None = None,
               type: str | None = None) -> Widget:  # noqa: A002
        """Find one widget by user key, exact label or type (first match in page order)."""
        for w in self.widgets():
            if key is not None and w.key != key:
                continue
            if label is not None and w.label != label:
                continue
            if type is not None and w.type != type:
                continue
            return w
        raise KeyError(f"no widget key={key!r} label={label!r} type={type!r}; have: "
                       f"{[(w.type, w.key, w.label) for w in self.widgets()]}")

    def set_widget(self, ref: Widget | str, value: Any) -> Widget:
        """Set the value this client sends for a widget on the next rerun (does not rerun).

        Values: checkbox/toggle bool; slider a number or (low, high); select_slider an option
        label or a pair; selectbox/radio/segmented_control an option label (or None to clear);
        multiselect/pills(multi) a list of labels; number_input a number; text_input a string.
        Use :meth:`set_index` / :meth:`set_indices` to pick options by position and
        :meth:`click` for buttons.
        """
        w = self._resolve(ref)
        _check_value(w, value)
        s = WidgetState(id=w.id)
        t = w.type
        if t in ("checkbox", "toggle"):
            s.bool_value = bool(value)
        elif t == "slider":
            vals = list(value) if isinstance(value, (list, tuple)) else [value]
            s.double_array_value.data[:] = [float(v) for v in vals]
        elif t == "select_slider":
            vals = list(value) if isinstance(value, (list, tuple)) else [value]
            s.string_array_value.data[:] = [str(v) for v in vals]
        elif t in ("selectbox", "radio"):
            if value is None:
                s.ClearField("string_value")
            else:
                s.string_value = str(value)
        elif t in ("multiselect", "segmented_control", "pills"):
            if value is None:
                vals = []
            elif isinstance(value, (list, tuple)):
                vals = list(value)
            else:
                vals = [value]
            s.string_array_value.data[:] = [str(v) for v in vals]
        elif t == "number_input":
            s.double_value = float(value)
        elif t in ("text_input", "text_area", "color_picker"):
            s.string_value = str(value)
        elif t == "button":
            raise TypeError("use click() for buttons")
        else:
            raise TypeError(f"setting {t} is not supported")
        self._widget_states[w.id] = s
        return w

    def set_index(self, ref: Widget | str, index: int) -> Widget:
        """Select option ``index`` of a selectbox, radio, segmented_control/pills or
        select_slider (wire value = the option's formatted label)."""
        w = self._resolve(ref)
        return self.set_widget(w, w.options[index])

    def set_indices(self, ref: Widget | str, indices: list[int]) -> Widget:
        """Select options by position in a multiselect or multi-select pills."""
        w = self._resolve(ref)
        return self.set_widget(w, [w.options[i] for i in indices])

    def click(self, ref: Widget | str) -> Widget:
        """Queue a button click (``trigger_value=True``) for the next rerun only."""
        w = self._resolve(ref)
        if w.type != "button":
            raise TypeError(f"{w.type} is not a button")
        self._triggers[w.id] = WidgetState(id=w.id, trigger_value=True)
        return w

    async def interact(self, ref: Widget | str, value: Any = None, *, click: bool = False,
                       timeout: float = 60.0) -> RunResult:
        """Set a widget (or click a button) and rerun like the browser does: a widget inside
        a fragment reruns only that fragment, anything else reruns the whole script."""
        w = self._resolve(ref)
        if click:
            self.click(w)
        else:
            self.set_widget(w, value)
        return await self.rerun(fragment_id=w.fragment_id, timeout=timeout)

    # ---------------------------------------------------------------- page content
    def elements(self) -> list[tuple[tuple[int, ...], Any]]:
        """(delta_path, Element proto) of every element now on the page, in page order."""
        return [(p, n.proto) for p, n in sorted(self._nodes.items()) if n.kind == "element"]

    def texts(self, sidebar: bool = False) -> list[str]:
        """Headings, markdown, text, captions, alerts and metric values, in page order."""
        out = []
        for path, el in self.elements():
            if (path[0] == 1) != sidebar:
                continue
            kind = el.WhichOneof("type")
            if kind == "heading":
                out.append(el.heading.body)
            elif kind == "markdown":
                out.append(el.markdown.body)
            elif kind == "text":
                out.append(el.text.body)
            elif kind == "alert":
                out.append(el.alert.body)
            elif kind == "metric":
                out.append(f"{el.metric.label}: {el.metric.body}")
        return out

    def title(self) -> str | None:
        """The first heading in the main area (``st.title`` is a heading with tag h1)."""
        for path, el in self.elements():
            if path[0] == 0 and el.WhichOneof("type") == "heading":
                return el.heading.body
        return None

    def exceptions(self) -> list[str]:
        """Exceptions shown on the page (script errors do not fail the run)."""
        return [f"{el.exception.type}: {el.exception.message}" for _, el in self.elements()
                if el.WhichOneof("type") == "exception"]

    def fragment_ids(self) -> set[str]:
        """Fragment ids of everything now on the page (``delta.fragment_id``), plus the
        ``run_every`` fragments announced by ``auto_rerun``."""
        ids = {n.fragment_id for n in self._nodes.values() if n.fragment_id}
        return ids | set(self.auto_reruns)

    # ---------------------------------------------------------------- internals: sending
    def _context_info(self):
        ci = ClientState().context_info
        ci.timezone = self.timezone
        ci.timezone_offset = 0
        ci.locale = self.locale
        ci.url = self.url
        ci.is_embedded = False
        ci.color_scheme = self.color_scheme
        return ci

    def _send_rerun(self, *, first: bool = False, fragment_id: str | None = None,
                    is_auto_rerun: bool = False) -> _Waiter:
        cs = ClientState(query_string=self.query_string, is_auto_rerun=is_auto_rerun)
        if first or not self.page_script_hash:
            cs.page_name = self.page
            cs.page_script_hash = ""
        else:
            cs.page_script_hash = self.page_script_hash
        if fragment_id:
            cs.fragment_id = fragment_id
        states = dict(self._widget_states)
        states.update(self._triggers)
        self._triggers = {}
        cs.widget_states.widgets.extend(states.values())
        if self.use_message_cache:
            cs.cached_message_hashes.extend(self._cache.keys())
        cs.context_info.CopyFrom(self._context_info())
        waiter = _Waiter(fragment_id=fragment_id or None, sent_at=time.perf_counter(),
                         future=asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        # Send synchronously-ordered: the waiter exists before any reply can arrive.
        asyncio.ensure_future(self._send(BackMsg(rerun_script=cs)))
        return waiter

    async def _send(self, msg: BackMsg) -> None:
        if self._ws is None:
            raise RuntimeError("not connected")
        await self._ws.send(msg.SerializeToString())

    async def _wait(self, waiter: _Waiter, timeout: float) -> RunResult:
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.future), timeout)
        except asyncio.TimeoutError:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            return RunResult(seconds=time.perf_counter() - waiter.sent_at, status="TIMEOUT",
                             sent_at=waiter.sent_at)

    def _fail_waiters(self, reason: str) -> None:
        for w in self._waiters:
            if not w.future.done():
                w.future.set_result(RunResult(seconds=time.perf_counter() - w.sent_at,
                                              status=f"CLOSED: {reason}", sent_at=w.sent_at))
        self._waiters.clear()

    # ---------------------------------------------------------------- internals: receiving
    async def _read_loop(self) -> None:
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    continue
                self.bytes_received += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self.messages_received += 1
                self._handle(msg)
        except Exception as exc:  # connection closed or a bug: wake everybody up
            self.close_reason = repr(exc)
        finally:
            if self.close_reason is None:
                self.close_reason = "connection closed"
            self._closed.set()
            self._fail_waiters(self.close_reason)

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            entry = self._cache.get(msg.ref_hash)
            if entry is None:
                raise RuntimeError(f"ForwardMsg cache miss for {msg.ref_hash}")
            entry[1] = self._cache_run_count
            full = ForwardMsg()
            full.CopyFrom(entry[0])
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        elif self.use_message_cache and msg.metadata.cacheable and msg.hash:
            if msg.hash not in self._cache:
                frag = msg.delta.fragment_id if kind == "delta" else ""
                self._cache[msg.hash] = [msg, self._cache_run_count, frag]

        if kind == "delta":
            self._on_delta(msg)
        elif kind == "new_session":
            self._on_new_session(msg)
        elif kind == "script_finished":
            self._on_script_finished(msg)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_config_changed":
            if msg.page_config_changed.title:
                self.page_title = msg.page_config_changed.title
        elif kind == "auto_rerun":
            if msg.auto_rerun.fragment_id:
                self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fid, None)
        elif kind == "navigation":
            # With a pages/ directory Streamlit 1.67 navigates internally: new_session carries
            # the entry script's hash, this message the page that actually ran (the browser
            # sends this hash on later reruns).
            nav = msg.navigation
            self.page_script_hash = nav.page_script_hash
            self.app_pages = list(nav.app_pages)
            for page in nav.app_pages:
                if page.page_script_hash == nav.page_script_hash:
                    self.page = "" if page.is_default else page.url_pathname
        elif kind == "page_not_found":
            # The main page runs instead; the browser then reruns with the main script hash.
            self.page_not_found = True
            self.page_script_hash = self.main_script_hash
        elif kind == "heartbeat_ack":
            self.heartbeat_acks += 1
        # session_status_changed, navigation, git_info_changed, page_profile, logo, ...: ignored

    def _on_new_session(self, msg: ForwardMsg) -> None:
        ns = msg.new_session
        run_id = msg.metadata.run.script_run_id
        frags = list(msg.metadata.run.fragment_ids)
        # Runs of one session are sequential: a run still open here was dropped by the server
        # (fastReruns replaces the ScriptRunner without a script_finished).
        abandoned = {r for r in self._run_deltas if r != run_id}
        for r in abandoned:
            del self._run_deltas[r]
        self._current_run_id = run_id
        self._current_fragment_ids = frags
        self._run_deltas[run_id] = []
        if ns.initialize.session_id:
            self.session_id = ns.initialize.session_id
        if ns.page_script_hash:
            self.page_script_hash = ns.page_script_hash
        self.main_script_hash = ns.main_script_hash or self.main_script_hash
        if ns.app_pages:
            self.app_pages = list(ns.app_pages)
        if ns.config.max_cached_message_age:
            self._max_cached_message_age = ns.config.max_cached_message_age
        if not frags:
            # A full run re-announces its run_every fragments; the browser clears its timers.
            self.auto_reruns.clear()
        # Bind every unserved request this run can serve. A run that starts while another
        # bound run has not finished means that one was dropped (fastReruns): rebind too.
        for w in self._waiters:
            if w.run_id in abandoned:
                w.run_id = None
            if w.run_id is None and (not frags or (w.fragment_id and w.fragment_id in frags)):
                w.run_id = run_id
                w.bytes_at_bind = self.bytes_received

    def _on_script_finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        name = _STATUS_NAMES.get(status, str(status))
        run_id = msg.metadata.run.script_run_id or self._current_run_id
        frags = list(msg.metadata.run.fragment_ids) if msg.metadata.HasField("run") \
            else self._current_fragment_ids
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self._run_deltas.pop(run_id, None)
            for w in self._waiters:
                if w.run_id == run_id:
                    w.run_id = None  # the next run serves it
            return
        if status in (ForwardMsg.FINISHED_SUCCESSFULLY,
                      ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            self._clear_stale(run_id, frags)
            self._age_cache(frags)
        deltas = self._run_deltas.pop(run_id, [])
        now = time.perf_counter()
        still = []
        for w in self._waiters:
            if w.run_id == run_id:
                if not w.future.done():
                    w.future.set_result(RunResult(
                        seconds=now - w.sent_at, status=name, script_run_id=run_id,
                        sent_at=w.sent_at,
                        fragment_ids=frags, deltas=deltas,
                        bytes_received=self.bytes_received - w.bytes_at_bind))
            else:
                still.append(w)
        self._waiters = still

    def _on_delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        path = tuple(msg.metadata.delta_path)
        frag = delta.fragment_id or None
        if frag:
            self.fragment_ids_seen.add(frag)
        run_id = self._current_run_id
        self._run_deltas.setdefault(run_id, []).append(msg)
        kind = delta.WhichOneof("type")
        if kind == "new_element":
            self._nodes[path] = _Node("element", delta.new_element, run_id, frag)
            el = delta.new_element
            etype = el.WhichOneof("type")
            if etype in WIDGET_ELEMENT_TYPES:
                self._adopt_widget_value(getattr(el, etype), etype)
        elif kind == "add_block":
            self._nodes[path] = _Node("block", delta.add_block, run_id, frag)
        # new_transient (spinner text, toasts) is not part of the page tree

    def _clear_stale(self, run_id: str, frags: list[str]) -> None:
        """Drop what the finished run did not redraw (the browser's clearStaleNodes)."""
        if not frags:
            stale = [p for p, n in self._nodes.items() if n.run_id != run_id]
        else:
            stale = [p for p, n in self._nodes.items()
                     if n.fragment_id in frags and n.run_id != run_id]
        for p in stale:
            del self._nodes[p]
        # The browser's removeInactiveWidgetState: forget values of widgets no longer drawn.
        live_ids = set()
        for n in self._nodes.values():
            if n.kind == "element":
                etype = n.proto.WhichOneof("type")
                if etype in WIDGET_ELEMENT_TYPES:
                    live_ids.add(getattr(n.proto, etype).id)
        for wid in [w for w in self._widget_states if w not in live_ids]:
            del self._widget_states[wid]

    def _age_cache(self, frags: list[str]) -> None:
        """The browser's ForwardMsgCache.incrementRunCount: evict messages not used for
        more than max_cached_message_age finished runs."""
        self._cache_run_count += 1
        for h, (msg, used, frag) in list(self._cache.items()):
            if frags and (not frag or frag not in frags):
                continue
            if self._cache_run_count - used > self._max_cached_message_age:
                del self._cache[h]

    def _adopt_widget_value(self, proto, etype: str) -> None:
        """Keep the value the browser would hold for a widget just drawn: the script's forced
        value (``set_value``), else ours, else (first sight) the widget's default."""
        wid = proto.id
        if not wid or etype == "button":
            return
        if wid in self._widget_states and not getattr(proto, "set_value", False):
            return
        if not self.send_default_widget_states and not getattr(proto, "set_value", False):
            return
        state = self._state_from_proto(proto, etype)
        if state is not None:
            self._widget_states[wid] = state

    @staticmethod
    def _state_from_proto(p, etype: str) -> WidgetState | None:
        s = WidgetState(id=p.id)
        forced = getattr(p, "set_value", False)
        if etype == "checkbox":
            s.bool_value = p.value if forced else p.default
        elif etype == "slider":
            if p.type == _SLIDER_SELECT_SLIDER:
                vals = list(p.raw_value) if forced else [p.options[int(i)] for i in p.default]
                s.string_array_value.data[:] = vals
            else:
                s.double_array_value.data[:] = list(p.value) if forced else list(p.default)
        elif etype in ("selectbox", "radio"):
            if forced:
                if not p.HasField("raw_value"):
                    return None
                s.string_value = p.raw_value
            elif p.HasField("default") and 0 <= p.default < len(p.options):
                s.string_value = p.options[p.default]
            else:
                return None
        elif etype == "multiselect":
            vals = list(p.raw_values) if forced else [p.options[i] for i in p.default]
            s.string_array_value.data[:] = vals
        elif etype == "button_group":
            if forced:
                vals = list(p.raw_values)
            else:
                vals = [_option_label(p.options[i]) for i in p.default]
            s.string_array_value.data[:] = vals
        elif etype == "number_input":
            if forced and p.HasField("value"):
                s.double_value = p.value
            elif p.HasField("default"):
                s.double_value = p.default
            else:
                return None
        elif etype in ("text_input", "text_area"):
            if forced and p.HasField("value"):
                s.string_value = p.value
            elif p.HasField("default"):
                s.string_value = p.default
            else:
                return None
        elif etype == "color_picker":
            s.string_value = p.value if forced else p.default
        else:
            return None
        return s

    def _make_widget(self, path, node: _Node, etype: str) -> Widget:
        p = getattr(node.proto, etype)
        wid = p.id
        key = wid.split("-", 2)[2] if wid.count("-") >= 2 else None
        if key == "None":
            key = None
        w = Widget(id=wid, key=key, type=etype, label=getattr(p, "label", ""), path=path,
                   fragment_id=node.fragment_id, disabled=getattr(p, "disabled", False),
                   proto=p)
        if etype == "checkbox":
            w.type = "toggle" if p.type == _TOGGLE else "checkbox"
        elif etype == "slider":
            w.min, w.max, w.step = p.min, p.max, p.step
            w.is_int = p.data_type == _INT
            if p.type == _SLIDER_SELECT_SLIDER:
                w.type, w.options = "select_slider", list(p.options)
        elif etype in ("selectbox", "radio", "multiselect"):
            w.options = list(p.options)
            w.multi = etype == "multiselect"
        elif etype == "button_group":
            w.type = "pills" if p.style == _PILLS else "segmented_control"
            w.options = [_option_label(o) for o in p.options]
            w.multi = p.click_mode == _MULTI_SELECT
        elif etype == "number_input":
            w.min = p.min if p.has_min else None
            w.max = p.max if p.has_max else None
            w.step = p.step
            w.is_int = p.data_type == _INT
        state = self._widget_states.get(wid)
        value = _decode_state(state) if state is not None else None
        if value is not None:
            if w.type == "slider":
                value = [int(v) if w.is_int else v for v in value]
                value = value[0] if len(value) == 1 else tuple(value)
            elif w.type == "number_input" and w.is_int:
                value = int(value)
            elif w.type in ("segmented_control", "pills") and not w.multi:
                value = value[0] if value else None
            elif w.type == "select_slider":
                value = value[0] if len(value) == 1 else tuple(value)
        w.value = value
        return w

    def _resolve(self, ref: Widget | str) -> Widget:
        if isinstance(ref, Widget):
            return ref
        for w in self.widgets():
            if ref in (w.id, w.key):
                return w
        return self.widget(label=ref)


# --------------------------------------------------------------------------------------------
# Load-test example (not run by the smoke check)
# --------------------------------------------------------------------------------------------
async def load_test_example(base_url: str, n_sessions: int, duration: float,
                            server_pid: int | None = None, page: str = "playground",
                            play_label: str = "Play") -> dict:
    """N concurrent sessions of a page: click the play button, then let the run_every
    fragment tick (browser-like) for ``duration`` seconds; report latency and server RSS."""
    rss0 = process_rss_mb(server_pid) if server_pid else None

    async def user(i: int) -> list[RunResult]:
        s = StreamlitSession()
        try:
            await asyncio.sleep(i * 0.05)  # stagger connects a little
            await s.connect(base_url, page=page)
            await s.interact(s.widget(label=play_label), click=True)
            if not s.auto_reruns:  # training fragment not running: nothing to tick
                return []
            return await s.tick_fragments(duration)
        finally:
            await s.close()

    peak = {"rss": rss0 or 0.0}

    async def sample_rss():
        while True:
            peak["rss"] = max(peak["rss"], process_rss_mb(server_pid))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample_rss()) if server_pid else None
    per_user = await asyncio.gather(*(user(i) for i in range(n_sessions)))
    if sampler:
        sampler.cancel()
    ticks = [r for rs in per_user for r in rs]
    lat = [r.seconds for r in ticks if r.ok]
    return {
        "sessions": n_sessions, "ticks": len(ticks), "ok": len(lat),
        "timeouts": sum(r.status == "TIMEOUT" for r in ticks),
        # Queued ticks are coalesced by the server: distinct runs = redraws actually served.
        "fragment_runs": len({r.script_run_id for r in ticks if r.ok}),
        "median_s": statistics.median(lat) if lat else float("nan"),
        "p95_s": percentile(lat, 95),
        "rss_start_mb": rss0, "rss_peak_mb": peak["rss"] if server_pid else None,
    }


# --------------------------------------------------------------------------------------------
# Smoke check
# --------------------------------------------------------------------------------------------
async def _smoke(args) -> int:
    wait_for_health(args.url, timeout=30)
    async with StreamlitSession(locale=args.locale) as s:
        first = await s.connect(args.url, page=args.page, query=args.query)
        print(f"connected: session_id={s.session_id} page_script_hash={s.page_script_hash}")
        print(f"first run: {first.status} in {first.seconds * 1000:.1f} ms, "
              f"{len(first.deltas)} deltas, {first.bytes_received} bytes")
        print(f"page title (page config): {s.page_title!r}; url now {s.url}")
        print("main area text:")
        for text in s.texts():
            print("  |", text.replace("\n", " ")[:160])
        print("sidebar widgets:")
        for w in s.widgets():
            print("  ", w)
        if s.exceptions():
            print("EXCEPTIONS:", s.exceptions())
        times = []
        for _ in range(args.reruns):
            r = await s.rerun()
            times.append(r.seconds)
        if times:
            print(f"{len(times)} plain reruns: median {statistics.median(times) * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms")
        return 0 if first.ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8501", help="app base URL")
    ap.add_argument("--page", default="", help="page URL path, e.g. saturation ('' = home)")
    ap.add_argument("--query", default="", help="query string, e.g. lang=zh")
    ap.add_argument("--locale", default="en-US", help="browser locale sent in context_info")
    ap.add_argument("--reruns", type=int, default=3, help="plain reruns to time after load")
    return asyncio.run(_smoke(ap.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
