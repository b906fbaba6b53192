"""Find every refusal message the server can raise with a literal text (issue 13).

Walks the source with ``ast``: ``raise X("...")``, ``raise X(f"...")`` and ``"..." + ...``
of every subclass of ``anpr.errors.AnprError`` (also those defined outside anpr.errors,
such as ``OutsideScope``), calls of small helpers that raise their own argument
(``_bad("...")``), module constants passed by name (``REFUSED``), the reasons a
``Qualification`` gives and a schema's ``x-message``/``x-required-message``. Each message becomes a template: its literal text with ``{}`` for
every variable part, the form ``webmap.messages_nl.TABLE`` is keyed by.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The code an officer's, requester's, analyst's or editor's request runs through: the
# casework, the searches, the pages and APIs, the camera registry and plans (the registry
# editor and plan pages), the photo store behind the photos pages, the devices' intake and
# the frame decoder behind the editor's reference frame. The operators' command line
# (anpr/embedded.py, settings.py, audit.py) answers in English.
SCANNED = ["casework", "gis", "webmap", "camera_registry", "anpr/accounts.py",
           "anpr/errors.py", "ingest/intake.py", "ingest/images.py", "detector/frames.py"]


# Functions whose returned text is raised elsewhere (``raise Conflict(held)``): name -> the
# tuple element that holds the message, or None for the value itself.
RETURNED = {"provision_held": None, "blur_state": 1}
# Python's own exceptions: a helper raising one of these with its argument is no refusal.
BUILTIN_ERRORS = {n for n, v in vars(__import__("builtins")).items()
                  if isinstance(v, type) and issubclass(v, BaseException)}


def _files() -> list[Path]:
    out: list[Path] = []
    for name in SCANNED:
        p = ROOT / name
        out += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return out


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    names = {"AnprError", "BadInput", "Unauthenticated", "Forbidden", "NotFound", "Conflict",
             "PayloadTooLarge", "ConfigurationError", "DatabaseUnavailable"}
    changed = True
    while changed:
        changed = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        _name(b) in names for b in node.bases):
                    names.add(node.name)
                    changed = True
    return names


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def template(node: ast.AST) -> str | None:
    """The message's template, or None when no part of it is literal text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value).replace("{", "{{").replace("}", "}}"))
            else:
                parts.append("{}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template(node.left), template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    if isinstance(node, ast.IfExp):  # 'a' + (f' ({x})' if x else '') reads as a hole
        return None
    return None


def _merge_holes(t: str) -> str:
    while "{}{}" in t:
        t = t.replace("{}{}", "{}")
    return t


def messages() -> dict[str, list[str]]:
    """Template -> the places (path:line) that raise it."""
    trees = {p: ast.parse(p.read_text(), str(p)) for p in _files()}
    errors = _error_classes(trees)
    constants: dict[str, ast.AST] = {}
    helpers: dict[str, int] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                    node.targets[0], ast.Name):
                constants.setdefault(node.targets[0].id, node.value)
            if isinstance(node, ast.FunctionDef):
                params = [a.arg for a in node.args.args]
                for sub in ast.walk(node):
                    # raise X(param) or raise status_exc(param): a helper raising its argument
                    # (a refusal; not a lookup's own ``raise KeyError(code)``)
                    if (isinstance(sub, ast.Raise) and isinstance(sub.exc, ast.Call)
                            and _name(sub.exc.func) not in BUILTIN_ERRORS
                            and sub.exc.args
                            and isinstance(sub.exc.args[0], ast.Name)
                            and sub.exc.args[0].id in params):
                        helpers[node.name] = params.index(sub.exc.args[0].id)
    found: dict[str, list[str]] = {}

    def add(node: ast.AST, where: str) -> None:
        if isinstance(node, ast.Name) and node.id in constants:
            node = constants[node.id]
        t = template(node)
        if t is not None and t.strip("{} "):
            found.setdefault(_merge_holes(t), []).append(where)

    for path, tree in trees.items():
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in RETURNED:
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and ret.value is not None:
                        value, index = ret.value, RETURNED[node.name]
                        if index is not None and isinstance(value, ast.Tuple):
                            value = value.elts[index]
                        add(value, f"{rel}:{ret.lineno}")
            if not isinstance(node, ast.Call) or not node.args:
                continue
            fn = _name(node.func)
            where = f"{rel}:{node.lineno}"
            if fn in errors:
                add(node.args[0], where)
            elif fn in helpers and len(node.args) > helpers[fn]:
                add(node.args[helpers[fn]], where)
            elif fn == "Qualification" and len(node.args) > 1:
                add(node.args[1], where)  # its reason is raised as a refusal
        for node in ast.walk(tree):  # a schema's own words for a body that does not fit it
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values):
                    if isinstance(k, ast.Constant) and k.value in ("x-message",
                                                                   "x-required-message"):
                        add(v, f"{rel}:{v.lineno}")
    return found


if __name__ == "__main__":
    for t, where in sorted(messages().items(), key=lambda kv: kv[1][0]):
        print(f"{where[0]}\t{t}")
