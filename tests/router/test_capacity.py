"""The router's capacity model is the calibrated curve: no Lambda batch is planned over its time budget."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from orchestration.config import ProjectConfig
from orchestration.core.errors import SpecError
from orchestration.core.spec import parse_spec
from orchestration.router import ObjectFacts, PlanFacts, RoutingConfig, batch_seconds, route
from orchestration.router.curves import DATA_FILE, KEYS, SHAPES, curve_table, default_curves, interpolate

MB = 2**20
GB = 2**30
DATA = json.loads(DATA_FILE.read_text())


def spec_of(fmt: str, compression: str = "auto", columns: int = 1, memory_mb: int = 1769, timeout_s: int = 900,
            glue_minutes: int = 120):
    cols = [{"name": f"c{i}", "type": "bigint" if i % 2 else "double"} for i in range(columns)]
    source: dict[str, object] = {"uri": "s3://raw-bucket/x/", "format": fmt}
    if fmt != "parquet":
        source["compression"] = compression
    return parse_spec({"name": "x", "source": source, "columns": cols,
                       "target": {"database": "d", "table": "x", "location": "s3://lake-bucket/x/"},
                       "routing": {"lambda": {"memory_mb": memory_mb, "timeout_s": timeout_s},
                                   "glue": {"timeout_minutes": glue_minutes}}}, "x.yaml")


def test_interpolation_is_linear_between_points_scaled_below_and_flat_above() -> None:
    curve = {1.0: 10.0, 2.0: 18.0, 4.0: 30.0, 6.0: 36.0}
    got = [interpolate(curve, v) for v in (0.5, 1, 1.5, 3, 5, 6, 8)]
    assert got == pytest.approx([5.0, 10.0, 14.0, 24.0, 33.0, 36.0, 36.0])
    assert interpolate({2.0: 20.0}, 1.0) == pytest.approx(10.0)  # one point: half the vCPUs, half the rate


def test_the_defaults_are_throughput_json_measured_at_one_and_two_vcpus() -> None:
    model = RoutingConfig().throughput
    assert DATA["measured_vcpus"] and set(DATA["measured_vcpus"]) | set(DATA["extrapolated_vcpus"]) == {1, 2, 4, 6}
    assert "extrapolation" in DATA and DATA["batch_setup_s"] >= 0
    for shape in SHAPES:
        for key in KEYS:
            points = DATA["curves"][shape][key]
            fmt, comp = key.split("/")
            assert model.curve(fmt, comp, shape) == {float(v): r for v, r in points.items()}
            # 1769 MB buys one vCPU and 3538 MB two: the rates there are the measured points
            assert model.rate(fmt, comp, model.vcpus(1769), shape) == pytest.approx(points["1"])
            assert model.rate(fmt, comp, model.vcpus(3538), shape) == pytest.approx(points["2"])
            # 10,240 MB (the most) is 5.8 vCPUs by the 1769 MB rule: between the 4 and 6 vCPU points
            assert points["4"] <= model.rate(fmt, comp, model.vcpus(10240), shape) <= points["6"] or \
                points["4"] >= model.rate(fmt, comp, model.vcpus(10240), shape) >= points["6"]


def _curve_seconds(objects: list[ObjectFacts], fmt: str, shape: str, memory_mb: int) -> float:
    """A batch's seconds by the calibrated curve, computed here independently of the router."""
    m = RoutingConfig().throughput
    vcpus = min(memory_mb / 1769, 6.0)
    total = m.invocation_overhead_s + DATA["batch_setup_s"] / min(vcpus, 1.0)  # setup at a share of one vCPU
    for o in objects:
        key = f"{fmt}/{'none' if fmt == 'parquet' else o.compression}"
        curve = {float(v): r for v, r in DATA["curves"][shape][key].items()}
        total += m.per_object_overhead_s + o.size / (interpolate(curve, vcpus) * MB)
    return total


_COMPRESSIONS = st.sampled_from(["none", "gzip", "zstd", "bz2"])
_SIZES = st.integers(min_value=0, max_value=34).map(lambda e: int(2 ** (e * 0.5 + 10)))  # 1 KB .. 128 GB
_OBJECTS = st.lists(st.tuples(_SIZES, _COMPRESSIONS), min_size=1, max_size=40)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects=_OBJECTS, fmt=st.sampled_from(["csv", "jsonl", "parquet"]),
       memory_mb=st.sampled_from([128, 512, 1024, 1769, 2048, 3008, 3538, 5307, 7076, 8192, 10240]),
       timeout_s=st.sampled_from([30, 60, 300, 900]), columns=st.sampled_from([3, 7, 19, 40]),
       glue_minutes=st.sampled_from([5, 120, 2880]))
def test_no_lambda_batch_is_planned_beyond_its_budget_by_the_curve(objects: list[tuple[int, str]], fmt: str,
                                                                   memory_mb: int, timeout_s: int, columns: int,
                                                                   glue_minutes: int) -> None:
    facts_objects = [ObjectFacts(size, "none" if fmt == "parquet" else comp, fmt == "parquet" or comp == "none",
                                 f"s3://raw-bucket/x/part-{i}") for i, (size, comp) in enumerate(objects)]
    spec = spec_of(fmt, columns=columns, memory_mb=memory_mb, timeout_s=timeout_s, glue_minutes=glue_minutes)
    shape = "wide" if columns >= 12 else "narrow"
    budget = timeout_s * RoutingConfig().throughput.budget_fraction
    try:
        d = route(PlanFacts(fmt, facts_objects), spec)
    except SpecError as e:  # neither route: the reason names the limits (and the object when one is too slow)
        text = str(e)
        assert "neither route can take this run" in text and "routing.glue.timeout_minutes" in text
        assert "one Lambda may run" in text or "routing.lambda" in text or "routing.throughput" in text
        if "on one Spark core" in text:
            assert any(o.uri in text for o in facts_objects if not o.splittable)
        return
    if d.route == "glue":
        assert any("needs" in r or "more than" in r for r in d.reasons[:-2]), d.reasons
        return
    assert d.route == "lambda"
    assert sorted(i for b in d.batches for i in b.objects) == list(range(len(objects)))
    for b, planned in zip(d.batches, d.batch_seconds, strict=True):
        mine = [facts_objects[i] for i in b.objects]
        by_curve = _curve_seconds(mine, fmt, shape, memory_mb)
        assert by_curve <= budget * (1 + 1e-9), (b, by_curve, budget)
        assert planned == pytest.approx(by_curve, rel=1e-9)
        assert batch_seconds(mine, spec) == planned  # the one estimate records compare with


def test_a_smaller_but_slower_object_over_the_budget_goes_to_glue_naming_it() -> None:
    # 400 MB plain CSV fits one 1769 MB Lambda; a 300 MB bzip2 JSON Lines object does not, though smaller.
    curves = {"jsonl/none": {1: 60.0}, "jsonl/bz2": {1: 0.5}}
    config = RoutingConfig.model_validate({"throughput": {"curves": curves}})
    facts = PlanFacts("jsonl", [ObjectFacts(400 * MB, "none", True, "s3://raw-bucket/x/big.jsonl"),
                                ObjectFacts(300 * MB, "bz2", False, "s3://raw-bucket/x/small.jsonl.bz2")])
    d = route(facts, spec_of("jsonl"), config=config)
    assert d.route == "glue"
    assert d.reasons[0].startswith("slowest object 300 MB bz2 JSON Lines (bz2 cannot be split) needs ~10 min "
                                   "at 1769 MB; one Lambda may run 60% of 900 s (540 s)")


def test_a_bigger_lambda_is_only_as_fast_as_the_curve_says() -> None:
    flat = RoutingConfig.model_validate({"throughput": {"curves": {"csv/gzip": {1: 5.0, 2: 5.0}}, "batch_setup_s": 0}})
    small, big = spec_of("csv", "gzip", memory_mb=1769), spec_of("csv", "gzip", memory_mb=10240)
    one = [ObjectFacts(1000 * MB, "gzip", False)]
    # no speed-up measured: 10 GB of memory buys no time (the linear model said 5.8x faster)
    assert batch_seconds(one, big, flat.throughput) == batch_seconds(one, small, flat.throughput)
    assert route(PlanFacts("csv", [ObjectFacts(3 * GB, "gzip", False)]), big, config=flat).route == "glue"


def test_wide_specs_use_the_wide_curves() -> None:
    model = RoutingConfig().throughput
    one = [ObjectFacts(100 * MB, "gzip", False)]
    for columns, shape in ((7, "narrow"), (19, "wide")):
        spec = spec_of("csv", "gzip", columns=columns)
        rate = interpolate(default_curves()[shape]["csv/gzip"], 1.0)
        want = model.fixed_batch_s() + model.per_object_overhead_s + 100 / rate
        assert batch_seconds(one, spec) == pytest.approx(want)
        assert batch_seconds(one, spec, invocation=False) == pytest.approx(want - model.invocation_overhead_s)


def test_lockgate_yaml_overrides_whole_curves_or_the_one_vcpu_rate() -> None:
    cfg = ProjectConfig.model_validate({"routing": {"throughput": {
        "curves": {"csv/gzip": {1: 6, 2: 11}, "wide/csv/none": {1: 30, 2: 50, 4: 80}},
        "mb_per_s": {"jsonl/gzip": 2.0}}}}).routing.throughput
    assert cfg.curve("csv", "gzip", "wide") == cfg.curve("csv", "gzip", "narrow") == {1.0: 6.0, 2.0: 11.0}
    assert cfg.rate("csv", "none", 3.0, "wide") == pytest.approx(65.0)
    assert cfg.curve("csv", "none", "narrow") == default_curves()["narrow"]["csv/none"]
    # the older key keeps working: the default curve, scaled to that rate at one vCPU
    base = default_curves()["narrow"]["jsonl/gzip"]
    assert cfg.rate("jsonl", "gzip", 1.0) == pytest.approx(2.0)
    assert cfg.rate("jsonl", "gzip", 2.0) == pytest.approx(2.0 * base[2.0] / base[1.0])
    # the plan Lambda gets the same settings as JSON (LOCKGATE_ROUTING)
    again = RoutingConfig.model_validate_json(RoutingConfig(throughput=cfg).model_dump_json(exclude_defaults=True))
    assert again.throughput == cfg


@pytest.mark.parametrize(("throughput", "message"), [
    ({"curves": {"csv/lz4": {1: 2}}}, r"'csv/lz4' is not \[SHAPE/\]FORMAT/COMPRESSION"),
    ({"curves": {"tall/csv/gzip": {1: 2}}}, r"'tall/csv/gzip' is not \[SHAPE/\]FORMAT/COMPRESSION"),
    ({"curves": {"csv/gzip": {}}}, r"csv/gzip: give at least one point"),
    ({"curves": {"csv/gzip": {0: 2}}}, r"csv/gzip: 0 vCPUs is not in \(0, 64\]"),
    ({"curves": {"csv/gzip": {1: -1}}}, r"csv/gzip: throughput at 1 vCPUs must be above 0 MB/s"),
    ({"curves": {"wide/csv/gzip": {1: 2}}, "mb_per_s": {"csv/gzip": 3}},
     r"csv/gzip set in both mb_per_s and curves: keep curves"),
    ({"mb_per_s": {"parquet/gzip": 3}}, r"'parquet/gzip' is not FORMAT/COMPRESSION.*routing.throughput.curves"),
])
def test_a_wrong_curve_fails_naming_the_key(throughput: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ProjectConfig.model_validate({"routing": {"throughput": throughput}})


def test_the_estimate_scales_with_the_curve_not_the_memory() -> None:
    model = RoutingConfig().throughput
    for shape in SHAPES:
        curve = default_curves()[shape]["csv/none"]
        for memory_mb in (885, 1769, 2654, 3538, 7076, 10240):
            vcpus = min(memory_mb / 1769, 6)
            assert model.rate("csv", "none", vcpus, shape) == pytest.approx(interpolate(curve, vcpus))
            assert math.isfinite(model.rate("csv", "none", vcpus, shape))


def test_docs_show_the_default_curves() -> None:
    docs = (DATA_FILE.parents[2] / "docs" / "routing.md").read_text()
    assert curve_table() in docs, "docs/routing.md: paste orchestration.router.curves.curve_table() after calibrating"


def test_the_lockgate_yaml_example_in_the_docs_is_valid() -> None:
    import re

    import yaml

    docs = (DATA_FILE.parents[2] / "docs" / "routing.md").read_text()
    block = re.search(r"```yaml\n# lockgate.yaml\n(.*?)```", docs, re.S)
    assert block is not None
    throughput = ProjectConfig.model_validate(yaml.safe_load(block.group(1))).routing.throughput
    assert throughput.curve("csv", "gzip", "wide") == {1.0: 9.0, 2.0: 15.5, 4.0: 24.0, 6.0: 28.0}
    assert throughput.rate("jsonl", "gzip", 1.0, "narrow") == pytest.approx(1.1)


def test_the_lambda_cost_counts_each_invocations_overhead_once() -> None:
    """A batch's estimate already holds its invocation overhead; the cost bills the batches' estimated
    seconds (plus plan and commit), not the overhead a second time."""
    config = RoutingConfig.model_validate({"throughput": {"curves": {"csv/none": {1: 1.0}}}})
    facts = PlanFacts("csv", [ObjectFacts(300 * MB, "none", True, f"s3://raw-bucket/x/{i}.csv") for i in range(6)])
    spec = spec_of("csv", memory_mb=1769)
    d = route(facts, spec, config=config)
    assert d.route == "lambda" and len(d.batch_seconds) > 1
    model = config.throughput
    control = 2 * model.control_seconds * model.control_memory_mb / 1024
    expected = sum(d.batch_seconds) * 1769 / 1024 + control
    assert d.cost["lambda"]["gb_seconds"] == pytest.approx(expected, abs=1e-3)


def test_below_one_vcpu_the_setup_takes_longer_in_proportion() -> None:
    """A Lambda under 1769 MB gets a share of one vCPU: the engine's setup is CPU work like its data."""
    setup = DATA["batch_setup_s"]
    one = [ObjectFacts(10 * MB, "none")]
    rate = interpolate(default_curves()["narrow"]["csv/none"], 0.5)
    half = batch_seconds(one, spec_of("csv", memory_mb=round(1769 / 2)), invocation=False)
    assert half == pytest.approx(2 * setup + RoutingConfig().throughput.per_object_overhead_s + 10 / rate, rel=1e-3)
    full = batch_seconds(one, spec_of("csv", memory_mb=3538), invocation=False)
    assert full - RoutingConfig().throughput.per_object_overhead_s - 10 / interpolate(
        default_curves()["narrow"]["csv/none"], 2.0) == pytest.approx(setup)
