"""The commands: each takes the parsed arguments and returns an exit code (errors are raised and
turned into messages by ``common.guarded``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from nemo_widgets.cli.common import (
    CLI_WORDS,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    client_for,
    last_session,
    remember_session,
    session_arg,
)
from nemo_widgets.cli.progress import ProgressLine, agent_events
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.prompt_options import MusicOptions


def prompt_of(args: argparse.Namespace) -> str:
    """The prompt with the music options written into it as words."""
    options = MusicOptions(args.seed, args.tempo, args.style, args.duration)
    return options.apply(args.prompt)


def generate(args: argparse.Namespace) -> int:
    """``generate INPUT... -p TEXT -o OUT.mp4``: upload, one agent turn, export (a folder:
    ``generate_folder``)."""
    from nemo_widgets.client.uploads import check_files, is_url

    folders = [Path(i) for i in args.inputs if not is_url(i) and Path(i).is_dir()]
    if folders:
        return generate_folder(args, folders)
    output: Path = args.output
    if output.suffix.lower() != ".mp4":
        raise UsageError(f"The output must be an .mp4 file, not {output.name}.")
    args.prompt = prompt_of(args)
    with client_for(args) as client:
        files = [i for i in args.inputs if not is_url(i)]
        check_files(files, client.settings.max_upload_bytes)  # before starting anything
        line = ProgressLine()
        line.say(f"backend: {client.base_url}")
        conv = client.conversation(language=args.language, gui_words=CLI_WORDS,
                                   auto_export=False)
        session = conv.start()
        remember_session(client, session.session_id)
        uploaded = conv.upload(*args.inputs,
                               on_progress=lambda done, total: line.bar(
                                   "upload", done / total if total else 1.0))
        for item in uploaded:
            line.say(f"uploaded {item}")
        line.say(f"> {args.prompt}")
        result = conv.ask(args.prompt, on_event=agent_events(line))
        line.finish()
        print(result.text)
        if result.error is not None:
            line.say(f"session: {session.session_id}")
            raise result.error
        exported = conv.export(output, on_progress=lambda stage, fraction: line.bar(
            stage, fraction))
        line.finish()
        balance = client.ledger.last_balance
        print(f"saved {exported}")
        line.say(f"session: {conv.session_id}" + (f"; {balance}" if balance else ""))
    return EXIT_OK


def generate_folder(args: argparse.Namespace, folders: list[Path]) -> int:
    """``generate DIR/ -p … -o OUTDIR/``: each video of DIR its own session, music and render."""
    import asyncio

    from nemo_widgets.batch import find_videos, plan, run_batch, summary_table

    if len(args.inputs) != 1:
        raise UsageError("Give one folder, or files: not both (the folder's videos are each "
                          "handled on their own).")
    outdir: Path = args.output
    if outdir.suffix.lower() == ".mp4" or outdir.is_file():
        raise UsageError(f"With a folder as input, -o names a folder for the MP4s, not "
                          f"{outdir.name}.")
    videos = find_videos(folders[0])
    if not videos:
        raise UsageError(f"No videos in {folders[0]} (looked for files ending in .mp4, .mov, "
                          ".avi, .webm, .mkv).")
    items = plan(videos, outdir)
    prompt = prompt_of(args)
    say = ProgressLine().say
    if args.workers or args.cluster:
        from nemo_widgets.cluster import ClusterUnavailable, run_on_cluster

        where = args.cluster or f"{args.workers} local Dask worker(s)"
        say(f"{len(items)} video(s) from {folders[0]} → {outdir}/, on {where}")
        try:
            run_on_cluster(items, prompt, cluster=args.cluster, workers=args.workers,
                           backend=args.backend, language=args.language,
                           ship_bytes=args.ship_bytes, say=say)
        except ClusterUnavailable as exc:
            raise UsageError(str(exc)) from exc
    else:
        say(f"{len(items)} video(s) from {folders[0]} → {outdir}/, {args.jobs} at a time")
        asyncio.run(run_batch(items, prompt, backend=args.backend, jobs=args.jobs,
                              language=args.language, say=say))
    print(summary_table(items))
    failed = [item.source.name for item in items if item.status == "failed"]
    if failed:
        print(f"error: {len(failed)} file(s) failed: {', '.join(failed)} (run the same "
              "command again to retry only those)", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def credits(args: argparse.Namespace) -> int:
    """``credits [--json]``: the balance."""
    with client_for(args) as client:
        balance = client.credits()
        if args.json:
            print(json.dumps({"available": balance.available, "frozen": balance.frozen,
                              "total": balance.total}))
        else:
            print(balance)
    return EXIT_OK


def status(args: argparse.Namespace) -> int:
    """``status``: backend, user, credits and the last session's timeline."""
    with client_for(args) as client:
        print(f"backend: {client.base_url}" + (" (embedded engine)" if client.backend.local
                                              else ""))
        client.sign_in()
        kind = "anonymous" if client.anonymous else "registered"
        print(f"user: {client.user_id or 'unknown'} ({kind})")
        print(f"credits: {client.credits()}")
        session_id = args.session or last_session(client)
        if session_id:
            state = client.state(session_id)
            print(f"session: {session_id}")
            print(state.summary())
            if args.table and state.timeline.renderable:
                print(state.to_frame().to_string(index=False))
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    """``export -o OUT.mp4``: render a session (default: the last), or ``--resume``."""
    if args.resume is not None:
        return resume(args)
    if args.output is None:
        raise UsageError("Name the MP4 to write: -o OUT.mp4 (or --resume to follow a render "
                          "started earlier).")
    with client_for(args) as client:
        session_id = session_arg(args, client)
        line = ProgressLine()
        exported = client.conversation(session_id).export(
            args.output, on_progress=lambda stage, fraction: line.bar(stage, fraction))
        line.finish()
        print(f"saved {exported}")
    return EXIT_OK


def resume(args: argparse.Namespace) -> int:
    """``export --resume [ID]``: follow a render submitted earlier — by a terminal closed since,
    or a kernel restarted — to its end, and download it (to ``-o``, else where it was meant
    to go). Without an id: the newest render not downloaded yet (of ``--session``, if given)."""
    with client_for(args) as client:
        render_id = args.resume
        if not render_id:
            pending = client.pending_renders(args.session)
            if not pending:
                raise UsageError("No render is waiting to be downloaded on this backend: "
                                  "start one with `nemo-widgets export -o OUT.mp4`.")
            render_id = pending[-1].render_id
        line = ProgressLine()
        line.say(f"following {render_id}")
        exported = client.follow_render(render_id, args.output,
                                        on_progress=lambda stage, fraction: line.bar(
                                            stage, fraction))
        line.finish()
        print(f"saved {exported}")
    return EXIT_OK


def music(args: argparse.Namespace) -> int:
    """``music [SESSION] -o DIR [--stems] [--cue] [--mp3]``: the music to take away."""
    with client_for(args) as client:
        session_id = args.session_id or session_arg(args, client)
        formats = ("wav", "mp3") if args.mp3 else ("wav",)
        saved = client.conversation(session_id).save_music(
            args.output, stems=args.stems, cue=args.cue, formats=formats,
            version=args.version)
        if not saved:
            raise UsageError(f"The session {session_id} has no music yet.")
        for path in saved:
            print(f"saved {path}")
    return EXIT_OK


def serve(args: argparse.Namespace) -> int:
    """``serve``: the embedded engine in the foreground."""
    from nemo_widgets.engine.server import serve as serve_engine

    overrides: dict[str, Any] = {"host": args.host, "port": args.port}
    if args.home:
        overrides["home"] = args.home
    try:
        serve_engine(EngineSettings.from_env(**overrides))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def stop(args: argparse.Namespace) -> int:
    """``stop``: stop the background engine."""
    from nemo_widgets.engine.server import stop_engine

    home = args.home or EngineSettings.from_env().home
    stopped = stop_engine(home)
    print("engine stopped" if stopped else "no engine was running")
    return EXIT_OK


def demo(args: argparse.Namespace) -> int:
    """``demo``: the README's main job (``nemo_widgets.demo``)."""
    from nemo_widgets.demo import run_demo

    run_demo(args.output, video=args.video, music=args.music, prompt=args.prompt,
              backend=args.backend)
    return EXIT_OK


