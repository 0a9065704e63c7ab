"""lockgate.yaml problems come all at once, with their line and column and a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.config import Project
from orchestration.core.errors import ConfigError


def test_every_config_problem_is_reported_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "lockgate.yaml").write_text('imports: x\nlocal: {lake: .lake, lak: 1}\naws: {regon: eu-west-1, prefix: "Bad!"}\n')
    with pytest.raises(ConfigError) as info:
        Project.load(tmp_path)
    lines = str(info.value).splitlines()
    f = tmp_path / "lockgate.yaml"
    assert f"{f}:2:22: local.lak: unknown field (did you mean 'lake'?); remove it or check its spelling" in lines
    assert f"{f}:3:7: aws.regon: unknown field (did you mean 'region'?); remove it or check its spelling" in lines
    assert any(line.startswith(f"{f}:3:25: aws.prefix: ") for line in lines)
