"""spinops.halconfig.schema helpers: walking the schema by data path."""

from __future__ import annotations

import pytest

from spinops.halconfig import schema as hs


def test_at_walks_objects_lists_and_maps():
    assert hs.at(("providers", "kubernetes", "accounts", 3, "kubeconfigFile"))["x-spinops-credential-file"] is True
    assert hs.at(("security", "authn", "oauth2", "userInfoRequirements", "hd")) == {"type": "string"}
    plugin = hs.resolve(hs.at(("spinnaker", "extensibility", "plugins", "io.armory.x")))
    assert sorted(plugin["properties"]) == ["enabled", "version"]
    assert hs.at(()) is hs.load_schema()


@pytest.mark.parametrize(
    "path",
    [
        ("providers", "kubernetes", "acounts"),  # unknown key
        ("providers", "kubernetes", 0),  # index into an object
        ("version", "x"),  # key under a scalar
        ("providers", "kubernetes", "accounts", "name"),  # key into a list
        ("name",),  # Halyard's top-level key
    ],
)
def test_at_returns_none_where_the_format_has_no_such_place(path):
    assert hs.at(path) is None


def test_resolve_follows_refs_and_rejects_remote_ones():
    node = hs.at(("persistentStorage",))
    assert "$ref" in node
    assert hs.resolve(node) is hs.load_schema()["$defs"]["storage.PersistentStorage"]
    with pytest.raises(ValueError, match="unsupported"):
        hs.resolve({"$ref": "https://example.com/x.json"})


def test_schema_also_loads_through_importlib_resources(monkeypatch):
    expected = hs._read_package_file(hs.SCHEMA_FILE)
    monkeypatch.setattr(hs.os.path, "isfile", lambda _p: False)  # as in a zipped install
    assert hs._read_package_file(hs.SCHEMA_FILE) == expected
