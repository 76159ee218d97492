"""The one YAML loader: alias bombs, recursive aliases, deep nesting and unreadable values are
each one YAML error with its line, at once; ordinary YAML (aliases included) reads as before."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml

from bot import yaml_safe
from bot.errors import yaml_problem


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """`levels` keys, each a list of `width` aliases of the one before (9 × 9: 9⁹ leaves)."""
    lines = [f"a: &a [{', '.join(['lol'] * width)}]"]
    previous = "a"
    for n in range(1, levels):
        name = f"l{n}"
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * width)}]")
        previous = name
    return "\n".join(lines) + "\n"


@pytest.fixture(params=["libyaml", "python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs on the C parser (the default) and on the pure-Python one."""
    if request.param == "python":
        monkeypatch.setattr(yaml_safe, "LOADER", yaml_safe.BoundedSafeLoader)
    else:
        assert yaml_safe.LOADER is not yaml_safe.BoundedSafeLoader, "PyYAML has no libyaml"
    return str(request.param)


def _problem(text: str) -> tuple[type[yaml.YAMLError], int | None, str]:
    with pytest.raises(yaml.YAMLError) as info:
        yaml_safe.load(text)
    return (type(info.value), *yaml_problem(info.value))


@pytest.mark.usefixtures("loader")
def test_an_alias_bomb_is_refused_at_the_alias_that_crosses_the_bound_at_once() -> None:
    text = "title: fine\n" + alias_bomb()
    assert len(text) < 600
    began = time.perf_counter()
    kind, line, why = _problem(text)
    assert time.perf_counter() - began < 0.5
    assert kind is yaml_safe.YAMLLimitError
    assert why.startswith("aliases repeat more than 100,000 characters (at *l3)")
    assert line == 6  # `l4: &l4 [*l3, …]`, where the repeats pass the bound


@pytest.mark.usefixtures("loader")
def test_a_merge_key_bomb_is_refused_too() -> None:
    lines = ["m0: &m0 {k: v}"]
    lines += [f"m{n}: &m{n} {{<<: [*m{n - 1}, *m{n - 1}], k{n}: v}}" for n in range(1, 40)]
    kind, _, why = _problem("\n".join(lines))
    assert kind is yaml_safe.YAMLLimitError
    assert "aliases repeat more than" in why


@pytest.mark.usefixtures("loader")
def test_a_recursive_alias_is_refused() -> None:
    assert _problem("a: &a [1, *a]\n")[1:] == (
        1,
        "alias *a is inside the node it names (a recursive structure); write the values out",
    )


@pytest.mark.usefixtures("loader")
@pytest.mark.parametrize(
    "text",
    [
        "x:\n" + "".join(f"{'  ' * i}- \n" for i in range(150)),
        "x: " + "[" * 150 + "]" * 150,
        "x: " + "{a: " * 150 + "1" + "}" * 150,
    ],
    ids=["block", "flow sequence", "flow mapping"],
)
def test_deep_nesting_is_a_yaml_error_with_its_line(text: str) -> None:
    kind, line, why = _problem(text)
    assert kind is yaml_safe.YAMLLimitError
    assert why == "nested more than 100 levels deep"
    assert line is not None


def test_very_deep_nesting_is_a_yaml_error_not_a_recursion_error(loader: str) -> None:
    began = time.perf_counter()
    _, _, why = _problem("x: " + "[" * 100_000 + "]" * 100_000)
    if loader == "libyaml":  # the default; PyYAML's own scanner takes a second or two
        assert time.perf_counter() - began < 0.5
    assert "nest" in why


@pytest.mark.usefixtures("loader")
@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("a: 1\nn: " + "9" * 5000 + "\n", 2, "a number of 5,000 digits; at most 64 are read"),
        (
            "a: 1\nb: 2\ndate: 2022-02-30\n",
            3,
            "cannot read the value '2022-02-30': day is out of range for month",
        ),
    ],
)
def test_a_value_python_cannot_make_is_a_yaml_error_at_its_line(
    text: str, line: int, why: str
) -> None:
    kind, at, problem = _problem(text)
    assert issubclass(kind, yaml.constructor.ConstructorError)
    assert (at, problem) == (line, why)


@pytest.mark.usefixtures("loader")
def test_ordinary_yaml_reads_as_pyyaml_reads_it() -> None:
    text = (
        "base: &dtc {show: DataTalks.Club, speakers: {Alexey: Alexey Grigorev}}\n"
        "one: {<<: *dtc, season: 8}\n"
        "two: *dtc\n"
        "date: 2022-03-26\n"
        "n: 12345678901234567890\n"
        "x: 1.5e+3\n"
        "items: [a, 'b', {c: null}]\n"
    )
    expected: Any = yaml.load(text, Loader=yaml.SafeLoader)
    assert yaml_safe.load(text) == expected
    assert yaml_safe.load("") is None
    data, node = yaml_safe.load_with_node("k:\n  - a\n  - b\n")
    assert data == {"k": ["a", "b"]}
    assert node is not None and node.value[0][1].value[1].start_mark.line == 2


def test_many_small_aliases_a_curator_might_write_are_within_the_bound() -> None:
    entries = "".join(f"ep{n}.txt: {{<<: *dtc, episode: {n}}}\n" for n in range(500))
    text = "defaults: &dtc {show: DataTalks.Club, speakers: {Alexey: Alexey Grigorev}}\n" + entries
    data = yaml_safe.load(text)
    assert data["ep499.txt"]["speakers"] == {"Alexey": "Alexey Grigorev"}
