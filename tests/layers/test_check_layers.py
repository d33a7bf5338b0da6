#!/usr/bin/env python3
"""Tests of scripts/check_layers.py on small fake source trees (standard library only).

    python3 tests/layers/test_check_layers.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_layers.py"

GRAPH = """\
# a fake graph
layer common:
layer config: common
layer engine: common config
layer cli: common config engine:public   # the front end
public common: value.hpp
public config: config.hpp
public engine: engine.hpp
"""


class CheckLayersTest(unittest.TestCase):
    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.root = Path(self._tmp.name)
        self.write("cmake/layers.txt", GRAPH)
        self.write("include/nuthatch/value.hpp", "#pragma once\n#include <string>\n")
        self.write("include/nuthatch/config.hpp", '#pragma once\n#include "nuthatch/value.hpp"\n')
        self.write("include/nuthatch/engine.hpp", '#pragma once\n#include "nuthatch/config.hpp"\n')
        self.write("src/common/strings.hpp", "#pragma once\n")
        self.write("src/common/value.cpp",
                   '#include "nuthatch/value.hpp"\n#include "common/strings.hpp"\n')
        self.write("src/config/config.cpp",
                   '#include "nuthatch/config.hpp"\n#include "common/strings.hpp"\n')
        self.write("src/engine/levels.hpp", '#pragma once\n#include "config/config.hpp"\n')
        self.write("src/engine/engine.cpp",
                   '#include "engine/levels.hpp"\n#include "nuthatch/engine.hpp"\n')
        self.write("src/cli/main.cpp", textwrap.dedent("""\
            #include <fmt/format.h>
            #include "nuthatch/engine.hpp"
            #include "config/config.hpp"
            #include "cli_local.hpp"
            """))
        self.write("src/cli/cli_local.hpp", "#pragma once\n")

    def tearDown(self) -> None:
        self._tmp.cleanup()

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def run_script(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(SCRIPT), "--root", str(self.root)],
                              capture_output=True, text=True, check=False)

    def test_a_tree_that_follows_the_graph_passes(self) -> None:
        result = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("every include follows the layer graph", result.stdout)

    def test_an_upward_private_include_names_file_line_and_edge(self) -> None:
        self.write("src/config/config.cpp",
                   '#include "nuthatch/config.hpp"\n\n#include "engine/levels.hpp"\n')
        result = self.run_script()
        self.assertEqual(result.returncode, 1)
        self.assertIn('src/config/config.cpp:3: forbidden include "engine/levels.hpp": '
                      "layer config may not include the private headers of layer engine",
                      result.stderr)

    def test_an_upward_public_include_fails(self) -> None:
        self.write("src/common/value.cpp", '#include <nuthatch/config.hpp>\n')
        result = self.run_script()
        self.assertEqual(result.returncode, 1)
        self.assertIn("src/common/value.cpp:1: forbidden include <nuthatch/config.hpp>: "
                      "layer common may not include the public headers of layer config",
                      result.stderr)

    def test_a_public_header_follows_its_owner(self) -> None:
        self.write("include/nuthatch/value.hpp", '#pragma once\n#include "nuthatch/engine.hpp"\n')
        result = self.run_script()
        self.assertEqual(result.returncode, 1)
        self.assertIn("include/nuthatch/value.hpp:2: forbidden include", result.stderr)
        self.assertIn("layer common (owner of nuthatch/value.hpp)", result.stderr)

    def test_public_only_use_refuses_private_headers(self) -> None:
        self.write("src/cli/main.cpp", '#include "engine/levels.hpp"\n')
        result = self.run_script()
        self.assertEqual(result.returncode, 1)
        self.assertIn("cli may use only the public headers of engine", result.stderr)

    def test_a_relative_include_is_resolved(self) -> None:
        self.write("src/common/value.cpp", '#include "../engine/levels.hpp"\n')
        result = self.run_script()
        self.assertEqual(result.returncode, 1)
        self.assertIn('src/common/value.cpp:1: forbidden include "../engine/levels.hpp"',
                      result.stderr)

    def test_every_violation_is_reported(self) -> None:
        self.write("src/common/value.cpp",
                   '#include "config/config.hpp"\n#include "engine/levels.hpp"\n')
        result = self.run_script()
        self.assertEqual(result.returncode, 1)
        self.assertIn("value.cpp:1:", result.stderr)
        self.assertIn("value.cpp:2:", result.stderr)
        self.assertIn("2 include(s) break the layer graph", result.stderr)

    def test_a_graph_with_an_upward_edge_is_refused(self) -> None:
        self.write("cmake/layers.txt", GRAPH.replace("layer config: common",
                                                     "layer config: common engine"))
        result = self.run_script()
        self.assertEqual(result.returncode, 2)
        self.assertIn("layer config uses 'engine', which is not a layer declared above it",
                      result.stderr)

    def test_a_public_header_without_a_layer_is_refused(self) -> None:
        self.write("include/nuthatch/extra.hpp", "#pragma once\n")
        result = self.run_script()
        self.assertEqual(result.returncode, 2)
        self.assertIn("include/nuthatch/extra.hpp belongs to no layer", result.stderr)

    def test_a_folder_without_a_layer_is_refused(self) -> None:
        self.write("src/extra/extra.cpp", "\n")
        result = self.run_script()
        self.assertEqual(result.returncode, 2)
        self.assertIn("src/extra/ is not a layer", result.stderr)


if __name__ == "__main__":
    unittest.main()
