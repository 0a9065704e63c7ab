"""Run windows: half-open, time-zone aware, and placeholder expansion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestration.core.spec.window import Window, expand_source_uris, parse_window, resolve_window


def test_previous_day_is_resolved_in_the_spec_time_zone() -> None:
    # 23:30 UTC on 2024-05-01 is already 2024-05-02 in Berlin, so "yesterday" there is 2024-05-01.
    w = resolve_window("previous_day", datetime(2024, 5, 1, 23, 30, tzinfo=UTC), "Europe/Berlin")
    assert w is not None
    assert (w.start.isoformat(), w.end.isoformat()) == ("2024-05-01T00:00:00+02:00", "2024-05-02T00:00:00+02:00")


def test_previous_day_across_a_dst_change_is_23_hours() -> None:
    w = resolve_window("previous_day", datetime(2024, 4, 1, 12, tzinfo=UTC), "Europe/Berlin")
    assert w is not None and w.start.day == 31
    assert (w.end.astimezone(UTC) - w.start.astimezone(UTC)).total_seconds() == 23 * 3600


def test_previous_hour_and_current_day_and_none() -> None:
    now = datetime(2024, 5, 1, 10, 17, tzinfo=UTC)
    hour = resolve_window("previous_hour", now)
    day = resolve_window("current_day", now)
    assert hour is not None and (hour.start.hour, hour.end.hour) == (9, 10)
    assert day is not None and (day.start.day, day.end.day) == (1, 2)
    assert resolve_window("none", now) is None


def test_window_is_half_open_and_expands_daily() -> None:
    w = parse_window("2024-01-30..2024-02-02")
    assert expand_source_uris("s3://raw/x/{date}/", w) == ["s3://raw/x/2024-01-30/", "s3://raw/x/2024-01-31/", "s3://raw/x/2024-02-01/"]


def test_hourly_and_monthly_expansion() -> None:
    w = parse_window("2024-01-01T22:00:00+00:00..2024-01-02T01:00:00+00:00")
    assert expand_source_uris("s3://raw/{year}/{month}/{day}/{hour}/", w) == [
        "s3://raw/2024/01/01/22/", "s3://raw/2024/01/01/23/", "s3://raw/2024/01/02/00/"]
    assert expand_source_uris("s3://raw/{year}/{month}/", parse_window("2024-12-15..2025-01-02")) == [
        "s3://raw/2024/12/", "s3://raw/2025/01/"]


def test_no_placeholders_means_one_uri_and_placeholders_need_a_window() -> None:
    assert expand_source_uris("s3://raw/all/", None) == ["s3://raw/all/"]
    with pytest.raises(ValueError, match="--window"):
        expand_source_uris("s3://raw/{date}/", None)


@pytest.mark.parametrize("text", ["2024-02-01..2024-01-01", "2024-01-01..2024-01-01", "yesterday", "2024-13-01..2024-13-02"])
def test_bad_windows_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_window(text)


def test_window_json_round_trip() -> None:
    w = parse_window("2024-01-01..2024-01-03", "Europe/Berlin")
    assert Window.from_json(w.to_json()) == w
