#!/usr/bin/env python3
"""Checks every #include of src/ and include/nuthatch/ against the layer graph.

The graph is written once, in cmake/layers.txt, which the build reads too (each layer
compiles against a view of only the headers it may include). This script names the
file, the line and the forbidden edge, and needs no build:

    scripts/check_layers.py [--root <source tree>]

It exits 0 when every include is allowed, 1 when one is not, 2 when the graph file
itself is wrong. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

GRAPH_FILE = Path("cmake") / "layers.txt"
SOURCE_SUFFIXES = (".cpp", ".hpp", ".h", ".cc")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
LAYER_RE = re.compile(r"^layer +([a-z_]+) *:(.*)$")
PUBLIC_RE = re.compile(r"^public +([a-z_]+) *:(.*)$")
PUBLIC_ONLY = ":public"


class GraphError(Exception):
    """cmake/layers.txt cannot be read or contradicts the tree."""


@dataclass
class Graph:
    layers: list[str] = field(default_factory=list)  # bottom-up
    private: dict[str, set[str]] = field(default_factory=dict)  # src/<x>/ it may include
    public: dict[str, set[str]] = field(default_factory=dict)  # layers whose public headers
    owner: dict[str, str] = field(default_factory=dict)  # public header -> layer


def read_graph(root: Path) -> Graph:
    path = root / GRAPH_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise GraphError(f"{GRAPH_FILE}: {e.strerror}") from e
    graph = Graph()
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{GRAPH_FILE}:{number}"
        if m := LAYER_RE.match(line):
            name, uses = m.group(1), m.group(2).split()
            if name in graph.layers:
                raise GraphError(f"{where}: layer {name} is declared twice")
            graph.private[name] = {name}
            graph.public[name] = {name}
            for use in uses:
                used = use.removesuffix(PUBLIC_ONLY)
                if used not in graph.layers:
                    raise GraphError(f"{where}: layer {name} uses '{used}', which is not a "
                                     "layer declared above it (layers are listed bottom-up)")
                graph.public[name].add(used)
                if not use.endswith(PUBLIC_ONLY):
                    graph.private[name].add(used)
            graph.layers.append(name)
        elif m := PUBLIC_RE.match(line):
            name = m.group(1)
            if name not in graph.layers:
                raise GraphError(f"{where}: public headers for '{name}', which is not a layer")
            for header in m.group(2).split():
                if header in graph.owner:
                    raise GraphError(f"{where}: nuthatch/{header} belongs to two layers")
                graph.owner[header] = name
        else:
            raise GraphError(f"{where}: expected `layer <name>: <uses>` or "
                             f"`public <layer>: <headers>`, got '{line}'")

    public_dir = root / "include" / "nuthatch"
    headers = {p.name for p in public_dir.glob("*.hpp")} if public_dir.is_dir() else set()
    for header in sorted(headers - graph.owner.keys()):
        raise GraphError(f"include/nuthatch/{header} belongs to no layer: add it to a "
                         f"`public` line of {GRAPH_FILE}")
    src = root / "src"
    if src.is_dir():
        for folder in sorted(p.name for p in src.iterdir() if p.is_dir()):
            if folder not in graph.layers:
                raise GraphError(f"src/{folder}/ is not a layer: add a `layer {folder}: ...` "
                                 f"line to {GRAPH_FILE}")
    return graph


def layer_of(root: Path, path: Path) -> str | None:
    """The layer a file of the tree belongs to (None outside src/ and include/nuthatch/)."""
    parts = path.relative_to(root).parts
    if len(parts) >= 3 and parts[0] == "src":
        return parts[1]
    if len(parts) == 3 and parts[:2] == ("include", "nuthatch"):
        return "public:" + parts[2]
    return None


def target_of(graph: Graph, root: Path, including: Path, kind: str,
              name: str) -> tuple[str, bool] | None:
    """(layer, is_public) of an included header, or None when it is not ours."""
    parts = Path(name).parts
    if parts and parts[0] == "nuthatch" and len(parts) == 2:
        layer = graph.owner.get(parts[1])
        return (layer, True) if layer else None
    if parts and parts[0] in graph.layers:
        return parts[0], False
    if kind == '"':  # relative to the including file ("../engine/x.hpp", "x.hpp")
        resolved = Path(os.path.normpath(including.parent / name))
        try:
            owner = layer_of(root, resolved)
        except ValueError:
            return None
        if owner is None:
            return None
        if owner.startswith("public:"):
            layer = graph.owner.get(owner.removeprefix("public:"))
            return (layer, True) if layer else None
        return owner, False
    return None


def check(root: Path) -> list[str]:
    """Every forbidden include of the tree at `root`, as one message each."""
    graph = read_graph(root)
    files = []
    for top in (root / "src", root / "include" / "nuthatch"):
        if top.is_dir():
            files += sorted(p for p in top.rglob("*") if p.suffix in SOURCE_SUFFIXES)
    problems = []
    for path in files:
        owner = layer_of(root, path)
        if owner is None:
            continue
        if owner.startswith("public:"):
            header = owner.removeprefix("public:")
            layer = graph.owner.get(header)
            if layer is None:
                continue  # reported by read_graph
            where_from = f"{layer} (owner of nuthatch/{header})"
        else:
            layer = owner
            where_from = layer
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            kind, name = m.group(1), m.group(2)
            target = target_of(graph, root, path, kind, name)
            if target is None:
                continue
            to, is_public = target
            allowed = graph.public[layer] if is_public else graph.private[layer]
            if to in allowed:
                continue
            what = "the public headers" if is_public else "the private headers"
            if not is_public and to in graph.public[layer]:
                hint = f" ({layer} may use only the public headers of {to})"
            else:
                hint = ""
            spelled = f'"{name}"' if kind == '"' else f"<{name}>"
            problems.append(
                f"{path.relative_to(root)}:{number}: forbidden include {spelled}: "
                f"layer {where_from} may not include "
                f"{what} of layer {to}{hint}; allowed: "
                f"{', '.join(sorted(allowed))} (see {GRAPH_FILE})")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the source tree (default: this script's)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        problems = check(root)
    except GraphError as e:
        print(f"check_layers: {e}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} include(s) break the layer graph",
              file=sys.stderr)
        return 1
    print("check_layers: every include follows the layer graph")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
