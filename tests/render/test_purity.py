"""Converters are pure: the input is never mutated and rendered structs share nothing."""

from __future__ import annotations

import copy

from spinops.render import render_all, render_structs


def _containers(data, seen):
    if isinstance(data, (dict, list)):
        seen.append(data)
        for v in data.values() if isinstance(data, dict) else data:
            _containers(v, seen)
    return seen


def test_input_is_not_mutated(kleat_hal):
    before = copy.deepcopy(kleat_hal)
    render_structs(kleat_hal)
    render_all(kleat_hal)
    assert kleat_hal == before


def test_structs_share_no_containers_with_input_or_each_other(kleat_hal):
    structs = render_structs(kleat_hal)
    owners: dict[int, str] = {id(c): "halconfig" for c in _containers(kleat_hal, [])}
    for name, struct in structs.items():
        for c in _containers(struct, []):
            assert id(c) not in owners, f"{name} shares a container with {owners[id(c)]}"
            owners[id(c)] = name


def test_patching_one_struct_changes_nothing_else(kleat_hal):
    structs = render_structs(kleat_hal)
    structs["clouddriver.yml"]["artifacts"]["github"]["enabled"] = False
    structs["rosco.yml"]["google"]["accounts"].clear()
    assert kleat_hal["artifacts"]["github"]["enabled"] is True
    assert structs["echo.yml"]["artifacts"]["github"]["enabled"] is True
    assert structs["clouddriver.yml"]["google"]["accounts"]
    assert render_structs(kleat_hal)["clouddriver.yml"]["artifacts"]["github"]["enabled"] is True
