"""``scoring.plaindata.dataclass`` behaves as ``dataclasses.dataclass`` on what the project uses, checked
side by side on the same class bodies; the project's own classes built with it keep their semantics; and
importing the scoring core (and scoring the example on the command line's path) no longer imports
``dataclasses`` or ``inspect``."""
from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from typing import Any, ClassVar, Optional

import pytest

from scoring import plaindata


class _Base:
    __slots__ = ()
    shared: ClassVar[dict[str, Any]] = {}


def _bodies(dc, fld):
    """The same class bodies, decorated by ``dc`` with fields from ``fld``."""

    @dc
    class Plain:
        a: int
        b: str = "x"
        c: list = fld(default_factory=list)
        d: Optional[float] = None

    @dc(frozen=True)
    class Frozen:
        """A frozen one."""

        code: str
        n: int = 0
        tags: tuple = ()
        hidden: str = fld(default="h", compare=False, repr=False)

    @dc(frozen=True, kw_only=True)
    class KwFrozen(_Base):
        name: str
        weight: Optional[float] = None
        items: list = fld(default_factory=list)
        limit: ClassVar[int] = 3

    @dc(kw_only=True)
    class Kw(_Base):
        x: int = 1
        y: int
        z: dict = fld(default_factory=dict)

    @dc
    class Child(Plain):
        e: int = 5

    @dc
    class Post:
        a: int
        doubled: int = fld(init=False, default=0)

        def __post_init__(self):
            self.doubled = self.a * 2

    return Plain, Frozen, KwFrozen, Kw, Child, Post


STD = _bodies(dataclasses.dataclass, dataclasses.field)
OURS = _bodies(plaindata.dataclass, plaindata.field)
CASES = [  # (class index, args, kwargs)
    (0, (1,), {}), (0, (1, "y", [2], 2.5), {}), (0, (), {"a": 3, "d": 1.0}),
    (1, ("PE201",), {}), (1, ("PE201", 2, ("t",), "other"), {}),
    (2, (), {"name": "n"}), (2, (), {"name": "n", "weight": 2.0, "items": [1]}),
    (3, (), {"y": 2}), (3, (), {"x": 5, "y": 6, "z": {"k": 1}}),
    (4, (1,), {}), (4, (1, "b", [], None, 9), {}),
    (5, (4,), {}),
]


def _std_fields(obj):
    return [(f.name, f.default, f.default_factory, f.init, f.repr, f.compare, f.kw_only)
            for f in dataclasses.fields(obj)]


def _our_fields(obj):
    m = plaindata.MISSING
    return [(f.name, dataclasses.MISSING if f.default is m else f.default,
             dataclasses.MISSING if f.default_factory is m else f.default_factory, f.init, f.repr, f.compare,
             f.kw_only) for f in plaindata.fields(obj)]


@pytest.mark.parametrize("i, args, kwargs", CASES)
def test_same_behaviour_as_the_standard_dataclass(i, args, kwargs):
    std_cls, our_cls = STD[i], OURS[i]
    s1, s2 = std_cls(*args, **kwargs), std_cls(*args, **kwargs)
    o1, o2 = our_cls(*args, **kwargs), our_cls(*args, **kwargs)
    assert repr(o1).replace(our_cls.__qualname__, "C") == repr(s1).replace(std_cls.__qualname__, "C")
    assert (o1 == o2) == (s1 == s2) is True
    assert (o1 == s1) is False and o1 != object()
    assert _our_fields(o1) == _std_fields(s1)
    assert plaindata.asdict(o1) == dataclasses.asdict(s1)
    assert our_cls.__match_args__ == std_cls.__match_args__
    hashable = std_cls.__hash__ is not None
    assert (our_cls.__hash__ is not None) == hashable
    if hashable:
        def outcome(x):
            try:
                return hash(x)
            except TypeError:  # a frozen instance holding a list is unhashable with either
                return TypeError
        assert outcome(o1) == outcome(o2) and (outcome(o1) is TypeError) == (outcome(s1) is TypeError)
    for other in (copy.copy(o1), copy.deepcopy(o1)):
        assert other == o1
    frozen = std_cls.__dataclass_params__.frozen
    name = _our_fields(o1)[0][0]
    if frozen:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(o1, name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(o1, name)
    else:
        setattr(o1, name, 7)
        setattr(s1, name, 7)
        assert plaindata.asdict(o1) == dataclasses.asdict(s1)
    changed = {name: 9} if _our_fields(o1)[0][3] else {}
    assert plaindata.asdict(plaindata.replace(o2, **changed)) == dataclasses.asdict(dataclasses.replace(s2, **changed))


def test_errors_and_edges_match():
    for dc in (dataclasses.dataclass, plaindata.dataclass):
        with pytest.raises(TypeError):
            @dc
            class Bad:  # noqa: F841  non-default after default
                a: int = 1
                b: int
        with pytest.raises(ValueError):
            @dc
            class Mutable:  # noqa: F841
                a: list = []
        with pytest.raises(TypeError):
            OURS_OR_STD = OURS if dc is plaindata.dataclass else STD
            OURS_OR_STD[0]()  # a is required
    assert OURS[1]("a").hidden == "h" and OURS[1]("a", hidden="z") == OURS[1]("a")  # compare=False
    assert "hidden" not in repr(OURS[1]("a"))
    assert OURS[2].limit == 3 and "limit" not in [f.name for f in plaindata.fields(OURS[2])]
    assert OURS[0].b == "x" and not hasattr(OURS[0], "c")  # class attributes as the standard leaves them
    with pytest.raises(TypeError):
        OURS[2]("positional")


def test_the_project_classes_keep_their_semantics():
    from scoring import models, settings, totals
    from scoring.profiles import load_profile
    from scoring.values import parse_value

    p = load_profile("hubei-2-1")
    assert p == load_profile("hubei-2-1")
    assert settings.Profile.model_fields and p.model_dump()["name"] == "hubei-2-1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.tolerance = 1.0
    v = parse_value("4.97万人")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.number = 1.0
    assert v.model_dump()["number"] == v.number
    f = models.Finding(code="PE201", severity="error", message="m")
    assert f.model_dump() == {"code": "PE201", "severity": "error", "cell": None, "message": "m"}
    assert f.model_copy(update={"cell": "B2"}).cell == "B2" and f.cell is None
    assert pickle.loads(pickle.dumps(f)) == f
    assert totals is not None


@pytest.mark.parametrize("code", [
    "import scoring.engine, workbook.pipeline, workbook.fast",
])
def test_the_core_imports_neither_dataclasses_nor_inspect(code):
    out = subprocess.run([sys.executable, "-c", code + "; import sys; print(sorted(m for m in ('dataclasses', 'inspect')"
                          " if m in sys.modules))"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_asdict_copies_values_as_dataclasses_does():
    """Values deepcopy gives back unchanged (numbers, strings, None, enum members) come back as they
    are without the copy module; anything else is still deep-copied, as by ``dataclasses.asdict``."""
    import enum

    class Colour(str, enum.Enum):
        RED = "红"

    class Copied:
        def __init__(self):
            self.items = [1]

        def __deepcopy__(self, memo):
            return ("deep-copied", tuple(self.items))

    leaves = [None, True, 3, 2.5, 1j, "文字", b"\x00", range(3), Colour.RED, [[1], {"k": [2]}], Copied()]

    def build(dc):
        @dc
        class Holder:
            values: list

        return Holder

    ours = plaindata.asdict(build(plaindata.dataclass)(list(leaves)))["values"]
    std = dataclasses.asdict(build(dataclasses.dataclass)(list(leaves)))["values"]
    assert ours == std
    for mine, theirs, leaf in zip(ours, std, leaves):
        assert (mine is leaf) == (theirs is leaf), leaf  # the same objects shared, the same copied
    assert ours[-1] == ("deep-copied", (1,)) and ours[-2] is not leaves[-2]
