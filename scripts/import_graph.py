"""Print framesift's import graph summary: modules, edges and import cycles (strongly connected groups).

    python scripts/import_graph.py [SRC_DIR]     # default: src

Used for the redesign's before/after figures; `lint-imports` (pyproject) is what keeps it so.
"""

from __future__ import annotations

import sys

import grimp
import networkx as nx


def main(src: str = "src") -> None:
    sys.path.insert(0, src)
    graph = grimp.build_graph("framesift", cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        for dep in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, dep)
    cycles = sorted((c for c in nx.strongly_connected_components(g) if len(c) > 1), key=len, reverse=True)
    print(f"modules {len(graph.modules)}, import edges {g.number_of_edges()}, cycles {len(cycles)}")
    for c in cycles:
        print(f"  {len(c)} modules: {', '.join(sorted(c))}")


if __name__ == "__main__":
    main(*sys.argv[1:])
