"""The package's module structure: no import cycles, and every module imports on its own.

The import graph is read from the source with `ast`: every import statement
counts, at module level or inside a function (a lazy import hides a cycle, it
does not remove it), and so does ``importlib.import_module("literal")``. An
import of ``package.name`` where ``name`` is a module is an edge to that
module; the package's ``__init__`` is not counted as a dependency of the
modules below it (Python runs it first either way, and Keras 3 is laid out
the same way).
"""

import ast
import os
import subprocess
import sys

import tensorgear

PACKAGE_ROOT = os.path.dirname(os.path.abspath(tensorgear.__file__))
# Keras 3's one mutual pair: Model.__new__ returns a Functional, and Functional is a Model.
ALLOWED_CYCLES = [{"tensorgear.keras.models.functional", "tensorgear.keras.models.model"}]


def _modules():
    """{dotted name: path} for every .py module of the package (plus the compiled _C, path None)."""
    parent = os.path.dirname(PACKAGE_ROOT)
    modules = {"tensorgear._C": None}
    for folder, _, files in os.walk(PACKAGE_ROOT):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                name = os.path.relpath(path, parent)[:-3].replace(os.sep, ".")
                modules[name[:-len(".__init__")] if name.endswith(".__init__") else name] = path
    return modules


def _targets(module, is_package, node, modules):
    """The modules an import node names."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            full = ".".join(base + ([node.module] if node.module else []))
        else:
            full = node.module
        names = [f"{full}.{a.name}" if f"{full}.{a.name}" in modules else full for a in node.names]
    else:  # importlib.import_module("tensorgear.x")
        names = [node.args[0].value]
    out = []
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.append(name)
    return out


def _is_literal_import_module(node):
    return (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def import_graph():
    modules = _modules()
    graph = {}
    for module, path in modules.items():
        graph[module] = set()
        if path is None:
            continue
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_literal_import_module(node):
                graph[module].update(_targets(module, path.endswith("__init__.py"), node, modules))
    return graph


def strongly_connected(graph):
    """Tarjan's components with more than one module."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_graph_reader_sees_relative_lazy_and_importlib_imports(tmp_path):
    source = ("from . import b\nfrom .. import c\ndef f():\n    from .b import g\n"
              "    import importlib\n    importlib.import_module('pkg.d')\n")
    tree = ast.parse(source)
    modules = {"pkg", "pkg.sub", "pkg.sub.a", "pkg.sub.b", "pkg.c", "pkg.d"}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_literal_import_module(node):
            found.update(_targets("pkg.sub.a", False, node, modules))
    assert found == {"pkg.sub.b", "pkg.c", "pkg.d"}
    assert strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [{"a", "b"}]


def test_no_import_cycles():
    cycles = [sorted(c) for c in strongly_connected(import_graph()) if c not in ALLOWED_CYCLES]
    assert not cycles, "import cycles among tensorgear's modules:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_every_module_imports_on_its_own():
    """Each module, imported first (the rest of the package unloaded), imports cleanly: no module
    relies on another having been imported before it."""
    names = sorted(n for n, p in _modules().items()
                   if p is not None and not n.endswith("__main__"))
    script = (
        "import importlib, sys, traceback\n"
        "import tensorgear._C\n"
        "failed = []\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('tensorgear') and m != 'tensorgear._C']:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        failed.append(name + ':\\n' + traceback.format_exc())\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n")
    env = dict(os.environ, TENSORGEAR_OFFLINE="1")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
