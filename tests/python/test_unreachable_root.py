"""A root that cannot be reached: as the original Nuthatch, a call that names no cache mode
runs in read_only_strict, reading the mirrors; a miss raises instead of computing."""
import pytest

import nuthatch
from nuthatch import cache, set_parameter


def test_calls_fall_back_to_the_mirrors(project, tmp_path, caplog):
    mirror = tmp_path / "team-mirror"
    set_parameter(str(mirror), "filesystem", location="root")
    computed = []

    @cache(cache_args=["n"])
    def stage(n):
        computed.append(n)
        return n * 10

    stage(1)
    project.write_toml(f'[nuthatch.mirror-team]\nfilesystem = "{mirror}"\n')
    set_parameter("s3://no-such-bucket/root", "filesystem", location="root")
    set_parameter({"endpoint_url": "http://127.0.0.1:9", "max_attempts": 1, "key": "k",
                   "secret": "s"}, "filesystem_options", location="root")
    nuthatch.clear_memoizer()
    assert stage(1) == 10 and computed == [1]  # from the mirror
    assert "cannot be reached" in caplog.text and "read_only_strict" in caplog.text
    with pytest.raises(nuthatch.CacheMissError):
        stage(2)
    assert stage(3, cache_mode="off") == 30  # a mode the call names applies as given
