"""An account of Glue jobs around the script corpus, as the Glue API's responses: job definitions, 30
days of run history, triggers (one in a workflow), the catalog tables two scripts read, and the objects
some jobs' runs read. Written as an export folder, or seeded into moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "corpus"
AS_OF = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SCRIPTS_BUCKET = "acme-glue-scripts"

# job name -> (worker type, workers, execution class, p50 seconds of its runs, trigger)
JOBS: dict[str, tuple[str, int, str, int, str]] = {
    "orders_daily": ("G.1X", 10, "STANDARD", 240, "daily"),
    "customers_catalog": ("G.1X", 5, "STANDARD", 150, "daily"),
    "events_spark": ("G.2X", 10, "STANDARD", 420, "daily"),
    "payments_lookup": ("G.1X", 10, "STANDARD", 300, "daily"),
    "shipments_gzip": ("G.1X", 2, "FLEX", 45, "daily"),
    "inventory_snapshot": ("G.1X", 4, "STANDARD", 90, "workflow"),
    "sessionize_clicks": ("G.2X", 20, "STANDARD", 1500, "daily"),
    "enrich_with_udf": ("G.1X", 10, "STANDARD", 600, "daily"),
    "churn_model": ("G.4X", 10, "STANDARD", 1800, "weekly"),
    "stream_kinesis": ("G.1X", 2, "STANDARD", 3600, "none"),
    "orders_customers_join": ("G.2X", 10, "STANDARD", 900, "daily"),
    "legacy_rdd": ("G.1X", 10, "STANDARD", 500, "daily"),
    "vendor_sdk_calls": ("G.1X", 5, "STANDARD", 200, "daily"),
}
DEFAULT_ARGUMENTS = {"events_spark": {"--source_path": "s3://acme-raw/app/events/",
                                      "--target_path": "s3://acme-lake/app/events/"}}


def job(name: str) -> dict[str, Any]:
    worker, workers, klass, _, _ = JOBS[name]
    command = "gluestreaming" if name == "stream_kinesis" else "glueetl"
    return {"Name": name, "Role": "arn:aws:iam::123456789012:role/glue", "GlueVersion": "4.0",
            "Command": {"Name": command, "ScriptLocation": f"s3://{SCRIPTS_BUCKET}/jobs/{name}.py",
                        "PythonVersion": "3"},
            "WorkerType": worker, "NumberOfWorkers": workers, "ExecutionClass": klass,
            "DefaultArguments": {"--job-language": "python", **DEFAULT_ARGUMENTS.get(name, {})}}


def runs(name: str) -> list[dict[str, Any]]:
    """One run a day (weekly: one a week) for 45 days before AS_OF, durations spread around the p50; the
    fifth run failed. Runs older than 30 days are outside the assessed month."""
    worker, workers, klass, p50, trigger = JOBS[name]
    step = 7 if trigger == "weekly" else 1
    out = []
    for i, day in enumerate(range(1, 46, step)):
        started = AS_OF - timedelta(days=day, hours=-3)
        secs = p50 + (i % 5 - 2) * max(p50 // 10, 1)
        run: dict[str, Any] = {"Id": f"jr_{name}_{i:03d}", "JobName": name, "StartedOn": started.isoformat(),
                               "CompletedOn": (started + timedelta(seconds=secs)).isoformat(),
                               "JobRunState": "FAILED" if i == 4 else "SUCCEEDED", "ExecutionTime": secs,
                               "WorkerType": worker, "NumberOfWorkers": workers, "ExecutionClass": klass}
        if klass == "FLEX":
            run["DPUSeconds"] = secs * workers * 0.8  # Flex reports what it used
        out.append(run)
    return out


def triggers() -> list[dict[str, Any]]:
    daily = [n for n, v in JOBS.items() if v[4] == "daily"]
    return [
        {"Name": "nightly", "Type": "SCHEDULED", "Schedule": "cron(0 3 * * ? *)", "State": "ACTIVATED",
         "Actions": [{"JobName": n} for n in daily]},
        {"Name": "weekly-ml", "Type": "SCHEDULED", "Schedule": "cron(0 5 ? * MON *)", "State": "ACTIVATED",
         "Actions": [{"JobName": "churn_model"}]},
        {"Name": "warehouse-start", "Type": "SCHEDULED", "Schedule": "cron(30 1 * * ? *)", "State": "ACTIVATED",
         "WorkflowName": "warehouse", "Actions": [{"JobName": "orders_daily"}]},
        {"Name": "after-orders", "Type": "CONDITIONAL", "WorkflowName": "warehouse", "State": "ACTIVATED",
         "Predicate": {"Logical": "AND", "Conditions": [{"LogicalOperator": "EQUALS", "JobName": "orders_daily", "State": "SUCCEEDED"}]},
         "Actions": [{"JobName": "inventory_snapshot"}]},
    ]


TABLES: dict[str, dict[str, Any]] = {
    "raw.customers": {"Name": "customers", "DatabaseName": "raw", "Parameters": {"classification": "csv"},
                      "StorageDescriptor": {"Location": "s3://acme-raw/crm/customers/", "Columns": [
                          {"Name": "id", "Type": "string"}, {"Name": "name", "Type": "string"}],
                          "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"}}},
    "curated.customers": {"Name": "customers", "DatabaseName": "curated", "Parameters": {"classification": "parquet"},
                          "StorageDescriptor": {"Location": "s3://acme-lake/curated/customers/", "Columns": [
                              {"Name": "customer_id", "Type": "bigint"}]}},
}

# objects one run reads: key -> size (orders: the day before AS_OF, where its {date} path points)
INPUTS: dict[str, dict[str, int]] = {
    "orders_daily": {f"shop/orders/2026-11-29/part-{i}.csv.gz": 40 * 2**20 for i in range(4)},
    "payments_lookup": {f"payments/part-{i}.parquet": 64 * 2**20 for i in range(3)},
    "customers_catalog": {"crm/customers/customers.csv": 30 * 2**20},
}


def responses() -> dict[str, Any]:
    """Everything in the export layout's shape (``orchestration.assess.export.write_export``)."""
    return {
        "Jobs": [job(n) for n in JOBS], "Triggers": triggers(), "Workflows": ["warehouse"],
        "JobRuns": {n: runs(n) for n in JOBS},
        "Scripts": {n: (CORPUS / f"{n}.py").read_text() for n in JOBS},
        "Inputs": {n: [{"Key": k, "Size": s} for k, s in objs.items()] for n, objs in INPUTS.items()},
        "Tables": TABLES,
    }
