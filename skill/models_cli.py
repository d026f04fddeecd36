"""The `models` subcommand: list speech models, download one (checked), remove one (after asking)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `models` (list, download, remove) on the top-level subparsers."""
    p = subparsers.add_parser("models", help="list speech models, download or remove one")
    p.add_argument("action", nargs="?", choices=("list", "download", "remove"), default="list")
    p.add_argument("name", nargs="?")
    p.add_argument("--url", help="download from this address, local file or folder instead of the manifest's")
    p.add_argument("--if-missing", action="store_true", help="download: do nothing if it is already installed")
    p.add_argument("--yes", action="store_true", help="remove: do not ask first")
    p.add_argument("--model", help="a Vosk model folder to consider")
    p.set_defaults(func=cmd_models)
    return p


def cmd_models(args: argparse.Namespace) -> int:
    """`models [list]`, `models download NAME`, `models remove NAME`."""
    from twitch_coach.models import store
    from twitch_coach.skill.app import hints
    from twitch_coach.voice.engines import detect_engine

    if args.action in ("download", "remove"):
        if not args.name:
            print(f"twitch-coach models {args.action} NAME (see `twitch-coach models` for names)", file=sys.stderr)
            return 2
        return _models_download(args) if args.action == "download" else _models_remove(args)
    try:
        found = {m.name: m for m in store.installed()}
        specs = store.load_manifest().models
    except (store.ModelError, OSError) as error:
        print(f"cannot list the models in {store.store_dir()}: {getattr(error, 'strerror', None) or error}")
        return 1
    print(f"models folder: {store.store_dir()}")
    for name, spec in specs.items():
        model = found.pop(name, None)
        if model is None:
            state = f"not installed (twitch-coach models download {name})"
        else:
            state = f"installed in {model.path}" if model.ok else f"broken: {model.problem}"
        print(f"  {name}: {state} - {spec.description}")
    for model in found.values():
        print(f"  {model.name}: {'installed' if model.ok else 'broken: ' + model.problem} in {model.path}")
    choice = detect_engine("auto", args.model, store.store_dir(), hints=hints())
    print(f"auto picks: {choice.name} ({choice.reason})")
    return 0


def _models_download(args: argparse.Namespace) -> int:
    """`models download NAME [--url X] [--if-missing]`: every failure is one plain line, never a traceback."""
    from twitch_coach.models import store
    try:
        if args.if_missing and any(m.name == args.name and m.ok for m in store.installed()):
            return 0
        path = store.download(args.name, url=args.url)
    except store.DownloadInterrupted as error:
        print(f"download stopped: {error}", file=sys.stderr)
        return 143
    except (store.ModelError, OSError) as error:
        print(f"download failed: {getattr(error, 'strerror', None) or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndownload stopped: nothing was installed", file=sys.stderr)
        return 130
    print(f"installed {args.name} in {path}")
    return 0


def _models_remove(args: argparse.Namespace) -> int:
    """`models remove NAME [--yes]`: asks first unless --yes."""
    from twitch_coach.models import store
    try:
        path = store.locate(args.name)
    except store.ModelError as error:
        print(f"remove failed: {error}", file=sys.stderr)
        return 1
    if not args.yes:
        try:
            answer = input(f"Remove {args.name} from {path}? [y/N] ")
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print(f"{args.name} was not removed (answer y, or pass --yes)", file=sys.stderr)
            return 1
    try:
        store.remove(args.name)
    except store.ModelError as error:
        print(f"remove failed: {error}", file=sys.stderr)
        return 1
    print(f"removed {args.name} from {path}")
    return 0
