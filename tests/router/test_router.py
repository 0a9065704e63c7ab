"""The router as a pure function: rules, reasons, packing, cost."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from orchestration.config import ProjectConfig
from orchestration.core.errors import SpecError
from orchestration.core.spec import parse_spec
from orchestration.router import ObjectFacts, PlanFacts, RoutingConfig
from orchestration.router import route as _route
from orchestration.router.binpack import first_fit_decreasing
from orchestration.router.cost import RouteCost, cost_sentence
from orchestration.router.curves import default_curves, interpolate

MB = 2**20
GB = 2**30


# The rules are tested on fixed curves (a 3 GB gzip CSV is over one 1769 MB Lambda's budget, ...), not on
# whatever the calibration last measured: test_capacity.py holds the router to the calibrated curves.
CURVES = {"csv/gzip": {1: 4.7, 2: 9.0, 4: 16.0, 6: 21.0}, "csv/none": {1: 15.8, 2: 30.0, 4: 52.0, 6: 66.0},
          "parquet/none": {1: 4.6, 2: 8.8, 4: 15.0, 6: 19.0}}
FIXED = RoutingConfig.model_validate({"throughput": {"curves": CURVES, "batch_setup_s": 0.0}})


def route(facts: PlanFacts, spec, **kw: object):
    kw.setdefault("config", FIXED)
    return _route(facts, spec, **kw)  # type: ignore[arg-type]


def make_spec(**over: object):
    data: dict = {
        "name": "orders",
        "source": {"uri": "s3://raw-bucket/orders/", "format": "csv", "compression": "gzip"},
        "columns": [{"name": "id", "type": "bigint"}],
        "target": {"database": "sales", "table": "orders", "location": "s3://lake-bucket/orders/"},
    }
    data.update(over)
    return parse_spec(data, "test.yaml")


def gz(n: int, size: int) -> list[ObjectFacts]:
    return [ObjectFacts(size, "gzip", False) for _ in range(n)]


def test_small_input_goes_to_lambda_with_reasons_and_both_costs() -> None:
    d = route(PlanFacts("csv", gz(40, 50 * MB)), make_spec())
    assert d.route == "lambda"
    assert any(r.startswith("largest object 50 MB gzip CSV") and "one Lambda may run 60% of 900 s" in r
               for r in d.reasons)
    assert d.reasons[-1].startswith("lambda ≈ $") and ", glue ≈ $" in d.reasons[-1]
    assert d.cost["lambda"]["usd"] > 0 and d.cost["glue"]["usd"] > 0
    assert sorted(i for b in d.batches for i in b.objects) == list(range(40))


def test_object_beyond_one_lambda_budget_goes_to_glue() -> None:
    facts = PlanFacts("csv", [ObjectFacts(3 * GB, "gzip", False), *gz(3, MB)])
    d = route(facts, make_spec())
    assert d.route == "glue"
    assert "largest object 3.0 GB gzip CSV (gzip cannot be split) needs" in d.reasons[0]
    assert "one Lambda may run 60% of 900 s (540 s)" in d.reasons[0]
    # four unsplittable objects are four read tasks: one G.1X executor (4 cores) and the driver, not 10 workers
    assert any(r.startswith("glue: 2 x G.1X need") and "4 read tasks need 2 x G.1X" in r for r in d.reasons)
    assert d.glue is not None and d.glue.to_json() == {"workers": 2, "worker_type": "G.1X", "execution_class": "STANDARD"}
    assert d.dedupe_buckets == 0


def test_a_run_neither_route_can_take_fails_naming_the_object_and_the_limit() -> None:
    facts = PlanFacts("csv", [ObjectFacts(30 * GB, "gzip", False, "s3://raw/orders/huge.csv.gz"), *gz(3, MB)])
    with pytest.raises(SpecError, match=r"neither route can take this run: Lambda: largest object 30 GB gzip CSV.*"
                       r"Glue: s3://raw/orders/huge.csv.gz \(30 GB gzip CSV, gzip cannot be split\) needs ~3.6 h on one "
                       r"Spark core, over the 120 min Glue timeout \(routing.glue.timeout_minutes\)"):
        route(facts, make_spec())
    longer = make_spec(routing={"glue": {"timeout_minutes": 300}})
    assert route(facts, longer).route == "glue"


def test_glue_workers_follow_the_read_tasks_up_to_the_spec_maximum() -> None:
    spec = make_spec(routing={"glue": {"workers": 6}})
    few = route(PlanFacts("csv", [ObjectFacts(40 * GB, "none", True)]), spec)
    assert few.glue is not None and few.glue.workers == 6 and "capped at 6 (routing.glue.workers)" in few.reasons[-2]
    one_gzip = route(PlanFacts("csv", [ObjectFacts(3 * GB, "gzip", False)]), spec)
    assert one_gzip.glue is not None and one_gzip.glue.workers == 2
    # the estimate and the cost follow the chosen workers: fewer DPUs for the single gzip
    assert one_gzip.cost["glue"]["dpus"] == 2 and few.cost["glue"]["dpus"] == 6


def test_backfills_use_flex_when_the_spec_allows_it_and_the_cost_follows() -> None:
    facts = PlanFacts("csv", [ObjectFacts(3 * GB, "gzip", False)])
    flex = make_spec(routing={"glue": {"flex": True}})
    backfill = route(facts, flex, mode="backfill")
    assert backfill.glue is not None and backfill.glue.execution_class == "FLEX"
    assert any("Flex execution class for this backfill (routing.glue.flex)" in r for r in backfill.reasons)
    scheduled = route(facts, flex, mode="scheduled")
    assert scheduled.glue is not None and scheduled.glue.execution_class == "STANDARD"
    assert backfill.cost["glue"]["compute_usd"] < scheduled.cost["glue"]["compute_usd"]
    big_workers = make_spec(routing={"glue": {"flex": True, "worker_type": "G.4X"}})
    g4 = route(facts, big_workers, mode="backfill")
    assert g4.glue is not None and g4.glue.execution_class == "STANDARD"
    assert any("not Flex: it runs on G.1X and G.2X workers only" in r for r in g4.reasons)


def test_total_beyond_concurrent_budget_goes_to_glue() -> None:
    spec = make_spec(routing={"lambda": {"memory_mb": 1769, "timeout_s": 900, "max_concurrency": 2}})
    d = route(PlanFacts("csv", gz(100, 500 * MB)), spec)
    assert d.route == "glue"
    assert "more than 1 wave of 2 Lambdas" in d.reasons[0]


def test_more_waves_allowed_by_config_keep_lambda() -> None:
    spec = make_spec(routing={"lambda": {"memory_mb": 1769, "timeout_s": 900, "max_concurrency": 2}})
    config = RoutingConfig.model_validate({"throughput": {"max_waves": 100, "curves": CURVES}})
    assert route(PlanFacts("csv", gz(100, 500 * MB)), spec, config=config).route == "lambda"


def test_input_engine_overrides_spec_and_lambda_warns_when_over_budget() -> None:
    spec = make_spec(routing={"engine": "glue"})
    small = PlanFacts("csv", gz(2, MB))
    assert route(small, spec).route == "glue"
    assert route(small, spec).reasons[0] == "glue forced by the spec (routing.engine)"
    forced = route(PlanFacts("csv", gz(1, 12 * GB)), spec, engine="lambda")
    assert forced.route == "lambda"
    assert forced.reasons[0] == "lambda forced by the run input (engine=lambda)"
    assert forced.reasons[1].startswith("warning: largest object 12 GB")


def test_spark_only_spec_goes_to_glue_and_never_to_lambda() -> None:
    spec = make_spec(hooks={"spark": "examples.hooks.sessions:sessionize"})
    assert route(PlanFacts("csv", gz(1, MB)), spec).route == "glue"
    with pytest.raises(SpecError, match="only hook is spark") as err:
        route(PlanFacts("csv", gz(1, MB)), spec, engine="lambda")
    assert err.value.where == "run input: engine"


def test_nothing_found_is_empty() -> None:
    d = route(PlanFacts("csv", [], where="s3://raw-bucket/orders/2024-01-01/"), make_spec())
    assert d.route == "empty" and d.batches == []
    assert "s3://raw-bucket/orders/2024-01-01/" in d.reasons[0]


def test_dedupe_buckets_only_with_more_than_one_batch() -> None:
    spec = make_spec(dedupe={"keys": ["id"]}, routing={"lambda": {"memory_mb": 1769, "timeout_s": 60}})
    one = route(PlanFacts("csv", gz(1, MB)), spec)
    assert one.route == "lambda" and len(one.batches) == 1 and one.dedupe_buckets == 0
    many = route(PlanFacts("csv", gz(20, 20 * MB)), spec)
    assert many.route == "lambda" and len(many.batches) > 1
    assert 1 < many.dedupe_buckets <= RoutingConfig().throughput.max_dedupe_buckets


def test_lambda_memory_share_scales_time() -> None:
    facts = PlanFacts("csv", gz(1, 3 * GB))
    small = make_spec(routing={"lambda": {"memory_mb": 512, "timeout_s": 900}})
    big = make_spec(routing={"lambda": {"memory_mb": 10240, "timeout_s": 900}})
    assert route(facts, small).route == "glue"
    assert route(facts, big).route == "lambda"
    assert "at 10240 MB" in route(facts, big).reasons[0]


def test_packing_is_deterministic_and_respects_capacity() -> None:
    secs = [5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 0.5]
    batches = first_fit_decreasing(secs, [1] * len(secs), capacity=10.0, max_objects=3)
    assert [b.objects for b in batches] == [b.objects for b in first_fit_decreasing(secs, [1] * 7, 10.0, 3)]
    assert all(b.seconds <= 10.0 and len(b.objects) <= 3 for b in batches)
    # longest first: 9 opens batch 0; 5 and 4 share batch 1; 3 and 2 open batch 2; 1 fills batch 0; 0.5 fits batch 1
    assert [b.objects for b in batches] == [[1, 5], [0, 2, 6], [3, 4]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.01, max_value=50), min_size=1, max_size=300),
       st.integers(min_value=1, max_value=20))
def test_packing_places_every_object_once_within_limits(secs: list[float], max_objects: int) -> None:
    capacity = 20.0
    batches = first_fit_decreasing(secs, [1] * len(secs), capacity, max_objects)
    placed = sorted(i for b in batches for i in b.objects)
    assert placed == list(range(len(secs)))
    for b in batches:
        assert len(b.objects) <= max_objects
        assert b.seconds <= capacity + 1e-9 or len(b.objects) == 1


def test_cost_sentence_names_both_routes_and_ratio() -> None:
    lam = RouteCost(0.0123, 0.01, 0.001, 0.0013, {})
    glue = RouteCost(0.1467, 0.14, 0, 0.0067, {})
    assert cost_sentence(lam, glue) == "lambda ≈ $0.0123, glue ≈ $0.1467 (12x)"
    assert cost_sentence(glue, lam) == "lambda ≈ $0.1467, glue ≈ $0.0123 (lambda 12x glue)"


def test_glue_minimum_billing_is_one_minute() -> None:
    d = route(PlanFacts("csv", gz(1, MB)), make_spec())
    assert d.cost["glue"]["billed_seconds"] == 60.0
    assert d.cost["glue"]["dpu_hours"] == pytest.approx(2 * 60 / 3600, abs=1e-4)  # one object: 2 workers


def test_routing_settings_are_typed_in_lockgate_yaml() -> None:
    cfg = ProjectConfig.model_validate({"routing": {"throughput": {"mb_per_s": {"csv/gzip": 2.0}},
                                                    "prices": {"glue_dpu_hour": 0.52}}})
    assert cfg.routing.throughput.rate("csv", "gzip") == pytest.approx(2.0)  # the curve scaled: float arithmetic
    # unspecified keys keep their defaults
    assert cfg.routing.throughput.rate("csv", "none") == interpolate(default_curves()["narrow"]["csv/none"], 1.0)
    assert cfg.routing.prices.glue_dpu_hour == 0.52
    with pytest.raises(ValidationError, match="csv/lz4"):
        ProjectConfig.model_validate({"routing": {"throughput": {"mb_per_s": {"csv/lz4": 2.0}}}})
    with pytest.raises(ValidationError):
        ProjectConfig.model_validate({"routing": {"throughput": {"budget_fraction": 1.5}}})


def test_dedupe_needing_too_many_buckets_goes_to_glue() -> None:
    spec = make_spec(dedupe={"keys": ["id"]},
                     routing={"lambda": {"memory_mb": 512, "timeout_s": 900, "max_concurrency": 1000}})
    d = route(PlanFacts("csv", gz(200, 50 * MB)), spec)
    assert d.route == "glue" and d.dedupe_buckets == 0
    assert d.reasons[0].startswith("deduplicating 9.8 GB needs") and "more than the 64 allowed" in d.reasons[0]
    without = route(PlanFacts("csv", gz(200, 50 * MB)), make_spec(
        routing={"lambda": {"memory_mb": 512, "timeout_s": 900, "max_concurrency": 1000}}))
    assert without.route == "lambda"


def test_parquet_objects_spark_cannot_open_stay_on_lambda_or_fail_the_plan_naming_one() -> None:
    """Spark cannot open a Parquet object whose name holds ':' (Hadoop paths): the router takes Glue for it only
    when nothing else can, and then refuses the run, naming the object."""
    spec = make_spec(source={"uri": "s3://raw-bucket/orders/", "format": "parquet"})
    colon = "s3://raw-bucket/orders/2024-03-01T10:00:00.parquet"
    small = PlanFacts("parquet", [ObjectFacts(50 * MB, "none", True, colon)])
    assert route(small, spec).route == "lambda"
    big = [ObjectFacts(10 * GB, "none", True, "s3://raw-bucket/orders/big.parquet")]
    assert route(PlanFacts("parquet", big), spec).route == "glue"
    with pytest.raises(SpecError, match=r"Glue: s3://raw-bucket/orders/2024-03-01T10:00:00.parquet: Spark's Parquet "
                                        r"reader cannot open an object whose name holds ':'"):
        route(PlanFacts("parquet", [*big, ObjectFacts(MB, "none", True, colon)]), spec)
    csv = PlanFacts("csv", [ObjectFacts(3 * GB, "gzip", False, "s3://raw-bucket/orders/2024-03-01T10:00:00.csv.gz")])
    assert route(csv, make_spec()).route == "glue"  # CSV is read by Lockgate's own readers on Glue
