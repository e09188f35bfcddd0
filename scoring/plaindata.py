"""``dataclass`` for the project's plain data, built without the standard library's start-up cost.

The standard ``dataclasses.dataclass`` spends ~0.35 ms per class (it writes each method's source and
compiles it) and its module imports ``inspect`` (``ast``, ``dis``, ``tokenize`` …): on the command line's
path that was ~14 ms of a ~75 ms run for ~30 classes. This module builds the methods as closures over the
fields — nothing is generated or compiled (the package runs no ``exec``, docs/guarantees.md) — and
imports nothing at start-up. A frozen instance is built faster than by the standard ``__init__`` (its fields go
straight into the instance's ``__dict__``, which is what ``object.__setattr__`` does there).

Supported, with the standard semantics: ``dataclass`` / ``dataclass(frozen=..., kw_only=..., eq=...,
repr=...)``; fields with defaults or ``field(default=..., default_factory=..., init=..., repr=...,
compare=..., hash=..., kw_only=...)``; ``ClassVar`` annotations skipped; fields inherited from base
classes built here; ``__post_init__``; frozen instances raise ``dataclasses.FrozenInstanceError``;
eq-without-frozen leaves instances unhashable, frozen-with-eq hashes the compared fields;
``__match_args__``. ``fields``, ``asdict`` and ``replace`` work on these classes as the standard ones do
on theirs. Not supported (``TypeError``): ``order``, ``slots``, ``unsafe_hash``, ``InitVar``.
``tests/test_plaindata.py`` checks each behaviour against ``dataclasses`` itself.
"""
from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

__all__ = ["MISSING", "Field", "dataclass", "field", "fields", "asdict", "replace", "is_plain_dataclass"]

_FIELDS = "__plain_fields__"


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One field: the same attributes as ``dataclasses.Field``."""

    __slots__ = ("name", "type", "default", "default_factory", "init", "repr", "compare", "hash", "kw_only",
                 "metadata")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True,
                 repr: bool = True, compare: bool = True, hash: Optional[bool] = None,  # noqa: A002
                 kw_only: Any = MISSING, metadata: Optional[dict] = None) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name: str = ""
        self.type: Any = None
        self.default, self.default_factory = default, default_factory
        self.init, self.repr, self.compare, self.hash, self.kw_only = init, repr, compare, hash, kw_only
        self.metadata = metadata or {}

    def __repr__(self) -> str:
        return (f"Field(name={self.name!r}, type={self.type!r}, default={self.default!r}, "
                f"default_factory={self.default_factory!r}, init={self.init!r}, repr={self.repr!r}, "
                f"compare={self.compare!r}, hash={self.hash!r}, kw_only={self.kw_only!r})")


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,  # noqa: A002
          compare: bool = True, hash: Optional[bool] = None, kw_only: Any = MISSING,  # noqa: A002
          metadata: Optional[dict] = None) -> Any:
    return Field(default, default_factory, init, repr, compare, hash, kw_only, metadata)


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):  # the project's modules use ``from __future__ import annotations``
        return annotation.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))
    import typing

    return annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar


def _frozen_error(name: str) -> Exception:
    from dataclasses import FrozenInstanceError  # the standard class; imported only on this error path

    return FrozenInstanceError(f"cannot assign to field {name!r}")


def _collect(cls: type, kw_only: bool) -> list[Field]:
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in getattr(base, _FIELDS, {}).values():
            found[f.name] = f
    for base in cls.__mro__[1:]:
        if base is not object and "__dataclass_fields__" in base.__dict__:
            raise TypeError(f"{cls.__name__}: a base class is a standard dataclass; use one kind of dataclass")
    annotations = cls.__dict__.get("__annotations__", {})
    for name, annotation in annotations.items():
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name, f.type = name, annotation
        if f.kw_only is MISSING:
            f.kw_only = kw_only
        if isinstance(value, Field):  # the class attribute holds the default, as the standard module leaves it
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        if f.default_factory is not MISSING and not callable(f.default_factory):
            raise TypeError(f"field {name}: default_factory must be callable")
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
        found[name] = f
    return list(found.values())


def dataclass(cls: Optional[type] = None, *, init: bool = True, repr: bool = True, eq: bool = True,  # noqa: A002
              frozen: bool = False, kw_only: bool = False, order: bool = False, unsafe_hash: bool = False,
              slots: bool = False, match_args: bool = True) -> Any:
    """Like ``dataclasses.dataclass`` (see the module docstring for what is supported)."""
    if order or unsafe_hash or slots:
        raise TypeError("plaindata.dataclass supports neither order, unsafe_hash nor slots")

    def wrap(c: type) -> type:
        return _process(c, init, repr, eq, frozen, kw_only, match_args)

    return wrap if cls is None else wrap(cls)


def _process(cls: type, init: bool, want_repr: bool, eq: bool, frozen: bool, kw_only: bool,
             match_args: bool) -> type:
    for base in cls.__mro__[1:]:
        params = base.__dict__.get("__plain_params__")
        if params is not None and params["frozen"] != frozen:
            raise TypeError("cannot inherit frozen dataclass from a non-frozen one" if frozen
                            else "cannot inherit non-frozen dataclass from a frozen one")
    flist = _collect(cls, kw_only)
    setattr(cls, _FIELDS, {f.name: f for f in flist})
    cls.__plain_params__ = {"frozen": frozen, "eq": eq}  # type: ignore[attr-defined]
    methods: dict[str, Callable] = {}
    if init and "__init__" not in cls.__dict__:
        methods["__init__"] = _make_init(cls, flist, frozen)
    methods.update(_compare_methods(cls, flist, eq, frozen))
    for name, fn in methods.items():
        if name == "__hash__" and cls.__dict__.get("__hash__") is not None:
            continue  # a __hash__ of the class's own stays
        if name in ("__setattr__", "__delattr__") and name in cls.__dict__:
            raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
        fn.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, fn)
    _finish(cls, flist, want_repr, eq, frozen, match_args)
    return cls


def _make_init(cls: type, flist: list[Field], frozen: bool) -> Callable:
    """``__init__`` as a closure over the fields (no generated source, nothing compiled): the same
    signature rules as the standard one (positional fields in order, keyword-only ones by name,
    defaults, factories, required fields), the fields set in their order."""
    positional = tuple(f.name for f in flist if f.init and not f.kw_only)
    seen_default = False
    for f in flist:
        if f.init and not f.kw_only:
            required = f.default is MISSING and f.default_factory is MISSING
            if required and seen_default:
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
            seen_default = seen_default or not required
    spec = tuple((f.name, f.default, None if f.default_factory is MISSING else f.default_factory, f.init)
                 for f in flist)
    allowed = frozenset(f.name for f in flist if f.init)
    n_pos = len(positional)
    slotted = all("__slots__" in b.__dict__ for b in cls.__mro__[:-1])
    own_setattr = any("__setattr__" in b.__dict__ for b in cls.__mro__[:-1])
    # instances with a __dict__ get it written directly: what the standard __init__'s object.__setattr__
    # (frozen) or plain assignment (no __setattr__ of the class's own) amounts to, at less cost
    direct = not slotted and (frozen or not own_setattr)
    setter = object.__setattr__ if frozen else setattr
    post_init = getattr(cls, "__post_init__", None) is not None
    name_ = cls.__name__

    def __init__(self, *args: Any, **kw: Any) -> None:
        if args:
            if len(args) > n_pos:
                raise TypeError(f"{name_}.__init__() takes {n_pos + 1} positional arguments but {len(args) + 1} were given")
            for key, value in zip(positional, args):
                if key in kw:
                    raise TypeError(f"{name_}.__init__() got multiple values for argument {key!r}")
                kw[key] = value
        if not allowed.issuperset(kw):
            bad = sorted(set(kw) - allowed)[0]
            raise TypeError(f"{name_}.__init__() got an unexpected keyword argument {bad!r}")
        get = kw.get
        d = self.__dict__ if direct else None
        for key, default, factory, takes in spec:
            value = get(key, default) if takes else default
            if value is MISSING:
                if factory is None:
                    if not takes:
                        continue
                    raise TypeError(f"{name_}.__init__() missing 1 required argument: {key!r}")
                value = factory()
            if d is not None:
                d[key] = value
            else:
                setter(self, key, value)
        if post_init:
            self.__post_init__()

    return __init__


def _compare_methods(cls: type, flist: list[Field], eq: bool, frozen: bool) -> dict[str, Callable]:
    """``__eq__``, ``__hash__`` (frozen) and the frozen ``__setattr__``/``__delattr__``, as closures."""
    out: dict[str, Callable] = {}
    if eq and "__eq__" not in cls.__dict__:
        key = _key([f.name for f in flist if f.compare])

        def __eq__(self, other):
            if other.__class__ is self.__class__:
                return key(self) == key(other)
            return NotImplemented

        out["__eq__"] = __eq__
    if frozen and eq:
        hkey = _key([f.name for f in flist if (f.compare if f.hash is None else f.hash)])

        def __hash__(self):
            return hash(hkey(self))

        out["__hash__"] = __hash__
    if frozen:
        names = frozenset(f.name for f in flist)

        def __setattr__(self, name, value):
            if type(self) is cls or name in names:
                raise _frozen_error(name)
            super(cls, self).__setattr__(name, value)

        def __delattr__(self, name):
            if type(self) is cls or name in names:
                raise _frozen_error(name)
            super(cls, self).__delattr__(name)

        out["__setattr__"], out["__delattr__"] = __setattr__, __delattr__
    return out


def _key(names: list[str]) -> Callable[[Any], tuple]:
    """The tuple of the named attributes of an object (what the standard methods compare and hash)."""
    from operator import attrgetter

    if len(names) >= 2:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _finish(cls: type, flist: list[Field], want_repr: bool, eq: bool, frozen: bool, match_args: bool) -> None:
    """``__hash__ = None`` (eq, not frozen), ``__repr__``, ``__match_args__`` and a docstring."""
    if eq and not frozen and "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # type: ignore[assignment]  # as the standard module: eq without frozen is unhashable
    if want_repr and "__repr__" not in cls.__dict__:
        shown = tuple(f.name for f in flist if f.repr)

        def __repr__(self) -> str:
            return f"{type(self).__qualname__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in shown) + ")"

        __repr__.__qualname__ = f"{cls.__qualname__}.__repr__"
        cls.__repr__ = __repr__  # type: ignore[assignment]
    if match_args and "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(f.name for f in flist if f.init and not f.kw_only)  # type: ignore[attr-defined]
    if not cls.__dict__.get("__doc__"):
        cls.__doc__ = f"{cls.__name__}({', '.join(f.name for f in flist)})"


def is_plain_dataclass(obj: Any) -> bool:
    return hasattr(obj if isinstance(obj, type) else type(obj), _FIELDS)


def fields(obj: Any) -> tuple[Field, ...]:
    try:
        return tuple(getattr(obj, _FIELDS).values())
    except AttributeError:
        raise TypeError("must be called with a dataclass type or instance") from None


def asdict(obj: Any, *, dict_factory: Callable = dict) -> Any:
    if not is_plain_dataclass(obj) or isinstance(obj, type):
        raise TypeError("asdict() should be called on dataclass instances")
    return _asdict(obj, dict_factory)


# Values deepcopy gives back as they are (copy's _deepcopy_atomic; Python 3.12's dataclasses skips them
# the same way): returned without importing copy, which the command line's JSON would otherwise load.
_ATOMIC = frozenset({type(None), bool, int, float, complex, str, bytes, range})


def _asdict(obj: Any, dict_factory: Callable) -> Any:
    cls = type(obj)
    if cls in _ATOMIC:
        return obj
    enum = sys.modules.get("enum")  # an enum member cannot exist before the module is loaded
    if enum is not None and isinstance(obj, enum.Enum) and getattr(cls, "__deepcopy__", None) is enum.Enum.__deepcopy__:
        return obj  # Enum.__deepcopy__ gives the member itself
    if is_plain_dataclass(obj) and not isinstance(obj, type):
        return dict_factory([(f.name, _asdict(getattr(obj, f.name), dict_factory)) for f in fields(obj)])
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*[_asdict(v, dict_factory) for v in obj])
    if isinstance(obj, (list, tuple)):
        return type(obj)(_asdict(v, dict_factory) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((_asdict(k, dict_factory), _asdict(v, dict_factory)) for k, v in obj.items())
    import copy

    return copy.deepcopy(obj)


def replace(obj: Any, /, **changes: Any) -> Any:
    if not is_plain_dataclass(obj) or isinstance(obj, type):
        raise TypeError("replace() should be called on dataclass instances")
    for f in fields(obj):
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name} is declared with init=False, it cannot be specified with replace()")
            continue
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)
