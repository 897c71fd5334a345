"""The house rule of docs/ARCHITECTURE.md, read from the source with ast: imports point down the layers, the two model
families never import each other, and no module imports itself back through a chain (no cycles). Lazy imports inside
functions count too: a cycle that only closes at call time is still a cycle."""

import ast
from pathlib import Path

from support import ROOT

# Higher may import lower, never the other way; equal ranks may not import each other unless they are one package.
LAYERS = {
    "app": 7,  # app.py: builds the Blocks
    "gendemo.cli": 6,  # the thin CLIs: python -m gendemo.train|evaluate|sample|bench|data|latent|space
    "gendemo.app": 5,  # registry, i18n, endpoints, ui/
    "gendemo.gan": 4,
    "gendemo.diffusion": 4,
    "gendemo.classifier": 3,  # the judge both families use
    "gendemo.core": 2,
    "gendemo.catalog": 1,  # names code by strings: imports nothing of the project
    "gendemo": 0,  # gendemo/__init__.py: the version only
}
CLIS = {"train", "evaluate", "sample", "bench", "data", "latent", "space"}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(mod: str) -> str:
    parts = mod.split(".")
    if mod == "app":
        return "app"
    if len(parts) == 2 and parts[1] in CLIS:
        return "gendemo.cli"
    if len(parts) >= 2 and ".".join(parts[:2]) in LAYERS:
        return ".".join(parts[:2])
    return "gendemo"


def project_imports(path: Path, mod: str) -> set[str]:
    is_pkg = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out |= {f"{target}.{a.name}" for a in node.names}  # "from gendemo.gan import latent" imports a module
    return {m for m in out if m == "app" or m == "gendemo" or m.startswith("gendemo.")}


def graph() -> dict[str, set[str]]:
    files = [ROOT / "app.py", *sorted((ROOT / "gendemo").rglob("*.py"))]
    mods = {module_name(p): p for p in files}
    return {m: {t for t in project_imports(p, m) if t in mods and t != m} for m, p in mods.items()}


def test_imports_point_down_and_families_stay_apart():
    bad = []
    for mod, targets in graph().items():
        src = layer_of(mod)
        for t in targets:
            dst = layer_of(t)
            if t == "gendemo":  # the package itself: only __version__ lives there
                continue
            if src == dst:
                continue
            if LAYERS[dst] >= LAYERS[src]:
                bad.append(f"{mod} ({src}) imports {t} ({dst})")
    assert not bad, "imports that point up or sideways:\n" + "\n".join(sorted(bad))


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(m, path):
        state[m] = 1
        for t in sorted(g[m]):
            if state.get(t) == 1:
                cycles.append(" → ".join(path[path.index(t) :] + [t]))
            elif t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_rule_catches_what_it_should(tmp_path):
    # The checker itself: an upward import and a cycle, each in a throwaway tree, are both reported.
    assert layer_of("gendemo.gan.model") == "gendemo.gan" and layer_of("gendemo.train") == "gendemo.cli"
    assert layer_of("gendemo.app.ui.gan_tab") == "gendemo.app" and layer_of("app") == "app"
    p = tmp_path / "m.py"
    p.write_text("from gendemo.app.registry import REGISTRY\nimport gendemo.core.paths\nfrom . import sibling\n")
    assert project_imports(p, "gendemo.gan.m") >= {"gendemo.app.registry", "gendemo.core.paths", "gendemo.gan.sibling"}


def test_library_code_never_touches_the_app_cache():
    # Only what sits below the app layer is "library code"; the CLIs above it may use the registry (bench does).
    below_app = lambda m: LAYERS[layer_of(m)] < LAYERS["gendemo.app"]
    offenders = [m for m, ts in graph().items() if "gendemo.app.registry" in ts and below_app(m)]
    assert not offenders, offenders
