"""Code fingerprints of cached functions, made of named components so that a stale
entry can say what changed, e.g. "helper `rolling_mean` in pipeline/agg.py changed".

Components: the function's own code, the functions and classes of the user's project it
references (transitively), the module constants, closure cells and defaults it reads (by
value), the ``version`` option, and the versions of the third-party packages it references
(listed, not digested: an upgrade never makes an entry stale). Code is hashed as its AST
without docstrings, comments, formatting or line numbers, and paths come from module names,
so a fingerprint is the same in every process, run and machine.

Not covered: names reached through arguments or instances (``x.method()`` resolves only if
``method`` is also a name of a referenced module), ``getattr`` with strings, namespace
packages (no ``__file__``), state mutated after import, and sources edited after import.
"""
import ast
import functools
import hashlib
import importlib.metadata
import inspect
import json
import os
import site
import sys
import sysconfig
import textwrap
import types

MAX_OBJECTS = 2000     # objects one walk visits at most (a huge project cannot hang it)
MAX_ARRAY = 10_000     # arrays and containers of at most this many elements: by value
_PLAIN = (type(None), bool, int, float, complex, str, bytes)
_OWN_DIR = os.path.dirname(os.path.realpath(__file__))

_kinds = {}            # module name -> "project" | "package" | None (stdlib, builtin, nuthatch)
_state = {}            # "roots": excluded directories; "dists": module -> distributions


def code_fingerprint(func, version=None):
    """(digest, components) of ``func``'s code."""
    func = inspect.unwrap(func)
    func = getattr(func, "__func__", func)  # a bound or static method
    walk = _Walk()
    walk.seen.add(id(func))
    walk.function(func, "function")
    walk.components["version"] = "" if version is None else str(version)
    code = sorted((n, v) for n, v in walk.components.items() if not n.startswith("package "))
    return "py:" + _hash(json.dumps(code)), dict(sorted(walk.components.items()))


def _hash(text):
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _roots():
    """Real paths of the directories whose modules are not the user's project."""
    if "roots" not in _state:
        dirs = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                *sysconfig.get_paths().values(), _OWN_DIR, site.getusersitepackages(),
                *getattr(site, "getsitepackages", list)()]  # not in old virtualenvs
        _state["roots"] = tuple({os.path.realpath(d) for d in dirs if d})
    return _state["roots"]


def _kind(name):
    """Whether module ``name`` is the user's project, a third-party package, or neither."""
    if name not in _kinds:
        _kinds[name] = _classify(name)
    return _kinds[name]


def _classify(name):
    if not name or name == "nuthatch" or name.startswith("nuthatch."):
        return None
    if name == "__main__":
        return "project"
    module = sys.modules.get(name) or sys.modules.get(name.partition(".")[0])
    file = getattr(module, "__file__", None)
    if not file:
        return None
    file = os.path.realpath(file)
    if not any(file == r or file.startswith(r.rstrip(os.sep) + os.sep) for r in _roots()):
        return "project"
    if name.partition(".")[0] in sys.stdlib_module_names:
        return None
    return "package"


def _package_version(top):
    """The installed version of top-level package ``top``, or None. Its ``__version__``
    first, then the distribution of the same name: both cost microseconds, where mapping
    every installed distribution to its modules costs about 80 ms, paid only for packages
    that neither names (e.g. ``yaml``, installed as PyYAML)."""
    version = getattr(sys.modules.get(top), "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version(top)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        pass
    if "dists" not in _state:
        _state["dists"] = importlib.metadata.packages_distributions()
    for dist in sorted(set(_state["dists"].get(top, ()))):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _path(name):
    """The file of module ``name``, derived from the name (the same on every machine)."""
    module = sys.modules.get(name) if name else None
    file = getattr(module, "__file__", None) or ""
    if name == "__main__":
        return os.path.basename(file) or "__main__"
    if not name:
        return "<unknown>"
    tail = "/__init__.py" if os.path.basename(file) == "__init__.py" else ".py"
    return name.replace(".", "/") + tail


def _value_text(value, loose=False, depth=0):
    """Canonical text of a plain value, or None (``loose``: the type's name instead)."""
    if depth > 20:
        return None
    if isinstance(value, _PLAIN):
        return f"{type(value).__name__}:{value!r}"
    nested = functools.partial(_value_text, loose=loose, depth=depth + 1)
    text = None
    if isinstance(value, (tuple, list, set, frozenset, dict)) and len(value) > MAX_ARRAY:
        pass  # too big to be a constant: not a component
    elif isinstance(value, (tuple, list, set, frozenset)):
        items = [nested(v) for v in value]
        if None not in items:
            if isinstance(value, (set, frozenset)):
                items.sort()
            text = f"{type(value).__name__}({','.join(items)})"
    elif isinstance(value, dict):
        items = [(nested(k), nested(v)) for k, v in value.items()]
        if not any(None in kv for kv in items):
            text = "dict(" + ",".join(f"{k}:{v}" for k, v in sorted(items)) + ")"
    else:
        np = sys.modules.get("numpy")
        if np is not None and isinstance(value, np.generic):
            text = f"numpy:{value.dtype.str}:{value.tobytes().hex()}"
        elif (np is not None and isinstance(value, np.ndarray) and value.size <= MAX_ARRAY
              and value.dtype.kind != "O"):
            data = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
            text = f"ndarray:{value.dtype.str}:{value.shape}:{data}"
    if text is None and loose:
        return "<" + type(value).__module__ + "." + type(value).__qualname__ + ">"
    return text


def _strip_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                del body[0]
                if not body:
                    body.append(ast.Pass())


def _source_text(obj, strip_decorators=False):
    """The normalised source (AST dump) of a function or class, or None without source."""
    if getattr(obj, "__name__", None) == "<lambda>":  # getsource gives the whole line
        return None
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    except (OSError, TypeError, SyntaxError):
        return None
    if strip_decorators and tree.body and hasattr(tree.body[0], "decorator_list"):
        tree.body[0].decorator_list = []
    _strip_docstrings(tree)
    return ast.dump(tree, annotate_fields=True, include_attributes=False)


def _code_text(code):
    """Fallback for code without source (lambdas, exec): its code object. NOT stable across
    Python versions (bytecode changes), only within one interpreter version."""
    consts = [_code_text(c) if isinstance(c, types.CodeType) else _value_text(c, loose=True)
              for c in code.co_consts]
    return f"code:{code.co_code.hex()}:{consts}:{list(code.co_names)}"


def _code_names(code):
    """Global and attribute names the code (and its nested code: inner functions,
    comprehensions) uses."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _class_methods(cls):
    """The functions defined in a class's body (also under static/class methods and
    properties) and the classes nested in it."""
    for value in vars(cls).values():
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            yield from (f for f in (value.fget, value.fset, value.fdel) if f is not None)
        elif isinstance(value, functools.cached_property):
            yield value.func
        elif isinstance(value, (types.FunctionType, type)):
            yield value


class _Walk:
    """One walk over the objects a function references, collecting components."""

    def __init__(self):
        self.components = {}
        self.seen = set()
        self.kept = []  # visited objects stay alive so their ids stay unique
        self.expanded = set()  # (module id, names) of project modules looked into

    def add(self, name, value):
        old = self.components.get(name)
        self.components[name] = value if old in (None, value) else _hash(old + value)

    def claim(self, obj):
        """True the first time ``obj`` is met, while the walk is under its cap."""
        if id(obj) in self.seen or len(self.seen) >= MAX_OBJECTS:
            return False
        self.seen.add(id(obj))
        self.kept.append(obj)
        return True

    def package(self, module_name):
        top = module_name.partition(".")[0]
        version = _package_version(top)
        if version is not None:
            self.add(f"package {top}", version)

    def function(self, func, kind):
        """A component for the function's code ("function" or "helper"), then its
        references."""
        text = _source_text(func, strip_decorators=(kind == "function"))
        value = _hash(text if text is not None else _code_text(func.__code__))
        self.add(f"{kind} `{func.__qualname__}` in {_path(func.__module__)}", value)
        self.references(func)

    def references(self, func):
        names = frozenset(_code_names(func.__code__))
        scope = func.__globals__
        home = scope.get("__name__", func.__module__)
        for name in sorted(names):
            if name in scope:
                self.visit(scope[name], names, name, home)
        for name, cell in zip(func.__code__.co_freevars, func.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            text = _value_text(value)
            if text is not None:
                self.add(f"closure `{name}` of `{func.__qualname__}`", _hash(text))
            else:
                self.visit(value, names)
        if func.__defaults__ or func.__kwdefaults__:
            defaults = (func.__defaults__ or (), func.__kwdefaults__ or {})
            self.add(f"defaults of `{func.__qualname__}`",
                     _hash(_value_text(defaults, loose=True)))
            for value in [*defaults[0], *defaults[1].values()]:
                if _value_text(value) is None:
                    self.visit(value, names)

    def visit(self, obj, names, name=None, home=None):
        """Whatever ``obj`` (the global ``name`` of module ``home``, if named) adds."""
        if isinstance(obj, types.ModuleType):  # looked into once per set of names
            kind = _kind(obj.__name__)
            if kind == "package":
                self.package(obj.__name__)
            elif kind == "project" and (id(obj), names) not in self.expanded:
                self.expanded.add((id(obj), names))
                for attr in sorted(names & vars(obj).keys()):
                    self.visit(vars(obj)[attr], names, attr, obj.__name__)
            return
        named = name is not None and _kind(home) == "project"
        if isinstance(obj, _PLAIN) or not self.claim(obj):
            return self.constant(obj, name, home) if named else None
        if isinstance(obj, functools.partial):
            if named:
                self.add(f"constant `{name}` in {_path(home)}",
                         _hash(_value_text((obj.args, obj.keywords), loose=True)))
            return self.visit(obj.func, names)
        if isinstance(obj, types.MethodType):
            return self.visit(obj.__func__, names)
        if not isinstance(obj, type):
            try:
                inner = inspect.unwrap(obj)
            except Exception:  # noqa: BLE001 - a cycle, or an object answering any attribute
                inner = obj
            if inner is not obj:
                return self.visit(inner, names)
        if isinstance(obj, (types.FunctionType, type, types.BuiltinFunctionType)):
            module = getattr(obj, "__module__", None)
        else:  # an instance: a constant's value, and its class
            if named:
                self.constant(obj, name, home)
            module = type(obj).__module__
            if _kind(module) == "project":
                return self.visit(type(obj), names)
        kind = _kind(module) if isinstance(module, str) else None
        if kind == "package":
            self.package(module)
        elif kind == "project" and isinstance(obj, types.FunctionType):
            self.function(obj, "helper")
        elif kind == "project" and isinstance(obj, type):
            self.klass(obj)

    def constant(self, value, name, home):
        text = _value_text(value)
        if text is not None:
            self.add(f"constant `{name}` in {_path(home)}", _hash(text))

    def klass(self, cls):
        """A component for the class's source, then the references of its methods and its
        project bases."""
        methods = list(_class_methods(cls))
        text = _source_text(cls)
        if text is None:  # no source: the code of its functions
            text = " ".join(_code_text(m.__code__) for m in methods
                            if isinstance(m, types.FunctionType))
        self.add(f"class `{cls.__qualname__}` in {_path(cls.__module__)}", _hash(text))
        for base in cls.__bases__:
            self.visit(base, frozenset())
        for member in methods:
            if isinstance(member, type):
                self.visit(member, frozenset())
            elif self.claim(member):
                self.references(member)
