"""The committed stubs (fabweave/__init__.pyi, fabweave/aio.pyi) match the module."""

import ast
import inspect
from pathlib import Path

import pytest

import fabweave
import fabweave.aio

STUBS = Path(__file__).resolve().parents[1] / "fabweave"


def stub(name: str) -> ast.Module:
    return ast.parse((STUBS / name).read_text())


def stub_all(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "__all__":
            return ast.literal_eval(node.value)
    raise AssertionError("no __all__ in the stub")


def params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    names = [p.arg for p in a.posonlyargs + a.args]
    if a.vararg:
        names.append("*" + a.vararg.arg)
    names += [p.arg for p in a.kwonlyargs]
    return [n for n in names if n != "self"]


def runtime_params(obj) -> list[str]:
    out = []
    for p in inspect.signature(obj).parameters.values():
        if p.name == "self":
            continue
        out.append(("*" if p.kind is p.VAR_POSITIONAL else "") + p.name)
    return out


CASES = [("__init__.pyi", fabweave), ("aio.pyi", fabweave.aio)]


@pytest.mark.parametrize("file,module", CASES)
def test_stub_names_match_the_module(file, module):
    tree = stub(file)
    assert sorted(stub_all(tree)) == sorted(module.__all__)
    defined = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
    assert set(module.__all__) <= defined


@pytest.mark.parametrize("file,module", CASES)
def test_stub_signatures_match_the_module(file, module):
    for node in stub(file).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert params(node) == runtime_params(getattr(module, node.name)), node.name
        if not isinstance(node, ast.ClassDef) or issubclass(getattr(module, node.name), BaseException):
            continue
        cls = getattr(module, node.name)
        in_stub = {}
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                in_stub[item.name] = item
        public = {n for n in dir(cls) if not n.startswith("_")}
        assert public == {n for n in in_stub if not n.startswith("_")}, node.name
        for name, item in in_stub.items():
            assert hasattr(cls, name), f"{node.name}.{name}"
            attr = getattr(cls, name)
            if callable(attr) and not any(
                isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list
            ) and not name.startswith("__"):
                assert params(item) == runtime_params(attr), f"{node.name}.{name}"


def test_exception_bases_match_the_stub():
    for node in stub("__init__.pyi").body:
        if isinstance(node, ast.ClassDef):
            cls = getattr(fabweave, node.name)
            if issubclass(cls, BaseException):
                bases = [ast.unparse(b) for b in node.bases]
                assert [
                    f"builtins.{b.__name__}" if b.__module__ == "builtins" and b is not Exception else b.__name__
                    for b in cls.__bases__
                ] == bases, node.name


def test_public_names_have_docstrings():
    for module in (fabweave, fabweave.aio):
        for name in module.__all__:
            assert getattr(module, name).__doc__, f"{module.__name__}.{name}"
