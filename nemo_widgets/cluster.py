"""The folder batch spread over a Dask cluster: ``nemo-widgets generate DIR/ --workers N``.

The job is the folder batch's own (``batch.run_batch`` on one file): one session, the same
instruction, one render. Dask only decides where it runs: on a ``LocalCluster`` of worker
processes on this machine (``workers=N``) or on an existing cluster (``cluster=
"tcp://scheduler:8786"``). No scheduler of ours: retries, placement and failure detection are
Dask's.

Every worker talks to a backend of its own. With the embedded engine (no ``backend``), each
worker process starts one under ``<engine_root>/<worker name>``: an engine renders one file at a
time, so a shared engine would undo the scale-out. With ``NEMO_API_URL``-style ``backend``,
every worker talks to that service.

Files travel in one of two ways. When every worker sees the same file system (a
``LocalCluster``, or a cluster with a shared mount), the paths travel and each worker writes its
MP4 straight into the output folder. Otherwise (``ship_bytes=True``) the input's bytes travel to
the worker and the MP4's bytes come back, and this process writes them.

A file that fails is retried once (Dask's ``retries=1``, so possibly on another worker); what
still fails is reported by name. Finished files are recorded in the batch manifest, so a second
run skips them, as the local batch does.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nemo_widgets.batch import BatchItem, Manifest, run_batch

RETRIES = 1
"""How many times Dask runs a failed file again before it is reported."""


class ClusterUnavailable(RuntimeError):
    """Dask is not installed (``pip install "nemo-widgets[cluster]"``) or the scheduler is
    unreachable."""


@dataclass(frozen=True)
class FileJob:
    """One file's work, as it travels to a worker (plain values only, so it pickles)."""

    name: str
    prompt: str
    language: str
    backend: str | None
    engine_root: str | None
    source_path: str | None = None
    output_path: str | None = None
    source_bytes: bytes | None = None


@dataclass(frozen=True)
class FileOutcome:
    """What a worker sends back: where it ran, its session and, when shipping bytes, the MP4."""

    worker: str
    session_id: str | None
    music: str | None
    seconds: float
    mp4_bytes: bytes | None = None


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"pid-{os.getpid()}"


def _use_worker_engine(engine_root: str | None) -> None:
    """Point this worker process's embedded engine at a home of its own."""
    if engine_root is None:
        return
    home = Path(engine_root) / f"worker-{_worker_name()}".replace("/", "_").replace(":", "_")
    home.mkdir(parents=True, exist_ok=True)
    os.environ["NEMO_HOME"] = str(home)


def score_file(job: FileJob) -> FileOutcome:
    """Run one file through the folder batch's job on this worker; raises when it fails, so
    that Dask retries it."""
    _use_worker_engine(job.engine_root if job.backend is None else None)
    with tempfile.TemporaryDirectory(prefix="nemo-job-") as scratch:
        if job.source_bytes is not None:
            source = Path(scratch) / job.name
            source.write_bytes(job.source_bytes)
            output = Path(scratch) / "out" / f"{source.stem}.mp4"
        else:
            assert job.source_path is not None and job.output_path is not None
            source, output = Path(job.source_path), Path(job.output_path)
        item = BatchItem(source, output)
        asyncio.run(run_batch([item], job.prompt, backend=job.backend, jobs=1,
                              language=job.language, say=lambda _line: None))
        if item.status != "done":
            raise RuntimeError(f"{job.name}: {item.error or 'failed'}")
        shipped = output.read_bytes() if job.source_bytes is not None else None
    return FileOutcome(_worker_name(), item.session_id, item.music, item.seconds, shipped)


def stop_worker_engine(engine_root: str) -> bool:
    """Stop the embedded engine this worker started (run on every worker at the end)."""
    from nemo_widgets.engine.server import stop_engine

    home = os.environ.get("NEMO_HOME")
    if home is None or not Path(home).is_relative_to(Path(engine_root)):
        return False
    return stop_engine(Path(home))


def _connect(cluster: str | None, workers: int | None) -> tuple[Any, Any]:
    """A Dask client, and the ``LocalCluster`` started for it (None for a given scheduler)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterUnavailable(
            'Running on a cluster needs Dask: pip install "nemo-widgets[cluster]".') from exc
    if cluster:
        try:
            return Client(cluster, timeout="20s"), None
        except OSError as exc:
            raise ClusterUnavailable(f"Cannot reach the Dask scheduler at {cluster}: {exc}") \
                from exc
    local = LocalCluster(n_workers=max(1, workers or 1), threads_per_worker=1, processes=True,
                         dashboard_address=None)
    return Client(local), local


def progress_line(done: int, total: int, width: int = 24) -> str:
    """``[#########.........] 3/8``: the bar printed after each file, in a terminal or a
    notebook alike."""
    filled = round(width * done / total) if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def run_on_cluster(items: Sequence[BatchItem], prompt: str, *, cluster: str | None = None,
                   workers: int | None = None, backend: str | None = None,
                   language: str = "en", ship_bytes: bool = False,
                   engine_root: Path | None = None,
                   say: Callable[[str], None] = print) -> list[BatchItem]:
    """Run the batch's items on Dask; each item ends ``done``, ``skipped`` or ``failed``.

    ``cluster`` is a scheduler address; without it a ``LocalCluster`` of ``workers`` processes
    is started and closed here. ``engine_root`` holds the workers' embedded engines (a
    temporary folder by default, removed with its engines at the end)."""
    if not items:
        return []
    outdir = items[0].output.parent
    outdir.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(outdir)
    todo = []
    for item in items:
        if manifest.is_done(item, prompt):
            item.status = "skipped"
            say(f"{item.source.name}: already done ({item.output.name})")
        else:
            todo.append(item)
    if not todo:
        return list(items)
    with tempfile.TemporaryDirectory(prefix="nemo-engines-") as scratch:
        root = str(engine_root or scratch)
        client, local = _connect(cluster, workers)
        try:
            _run(client, todo, prompt, manifest, backend=backend, language=language,
                 ship_bytes=ship_bytes, engine_root=root, say=say)
        finally:
            if backend is None:
                client.run(stop_worker_engine, root)
            client.close()
            if local is not None:
                local.close()
    return list(items)


def _run(client: Any, todo: list[BatchItem], prompt: str, manifest: Manifest, *,
         backend: str | None, language: str, ship_bytes: bool, engine_root: str,
         say: Callable[[str], None]) -> None:
    from distributed import as_completed

    futures = {}
    for item in todo:
        job = FileJob(item.source.name, prompt, language, backend, engine_root,
                      source_path=None if ship_bytes else str(item.source.resolve()),
                      output_path=None if ship_bytes else str(item.output.resolve()),
                      source_bytes=item.source.read_bytes() if ship_bytes else None)
        future = client.submit(score_file, job, retries=RETRIES, pure=False,
                               key=f"nemo-{item.source.name}-{os.urandom(4).hex()}")
        futures[future] = item
    say(progress_line(0, len(todo)))
    for done, future in enumerate(as_completed(futures), 1):
        item = futures[future]
        try:
            outcome: FileOutcome = future.result()
        except Exception as exc:  # Dask re-raises the worker's error after the retries
            item.status, item.error = "failed", str(exc).splitlines()[0] or type(exc).__name__
            say(f"{progress_line(done, len(todo))}  {item.source.name}: failed: {item.error}")
            continue
        if outcome.mp4_bytes is not None:
            partial = item.output.with_suffix(".mp4.part")
            partial.write_bytes(outcome.mp4_bytes)
            os.replace(partial, item.output)
        item.status, item.session_id = "done", outcome.session_id
        item.music, item.seconds = outcome.music, outcome.seconds
        manifest.record(item, prompt)
        say(f"{progress_line(done, len(todo))}  {item.source.name}: saved {item.output} "
            f"(worker {outcome.worker}, {outcome.seconds:.1f} s)")
