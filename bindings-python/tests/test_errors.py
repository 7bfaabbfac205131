"""Errors that need no network."""

import builtins

import pytest

import fabweave


def test_missing_profile_raises_profile_error(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(fabweave.ProfileError) as caught:
        fabweave.connect(missing, user="User1")
    err = caught.value
    assert isinstance(err, fabweave.FabweaveError)
    assert err.file == str(missing)
    assert err.kind == "config"
    assert err.transaction_id is None
    assert "nope.yaml" in str(err)


def test_not_a_profile_raises_profile_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("just: [a list\n")
    with pytest.raises(fabweave.ProfileError) as caught:
        fabweave.connect(str(bad), user="User1")
    assert caught.value.line is not None


def test_bad_mode_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        fabweave.connect(tmp_path / "p.yaml", user="User1", mode="fast")


def test_hierarchy():
    for cls in [
        fabweave.ProfileError,
        fabweave.IdentityError,
        fabweave.EndorseError,
        fabweave.SubmitError,
        fabweave.CommitError,
        fabweave.TimeoutError,
        fabweave.CaError,
        fabweave.TransportError,
        fabweave.IndeterminateError,
    ]:
        assert issubclass(cls, fabweave.FabweaveError)
        assert cls.__module__ == "fabweave"
        assert cls.__doc__
    assert issubclass(fabweave.TimeoutError, builtins.TimeoutError)
    assert not issubclass(fabweave.EndorseError, builtins.TimeoutError)
