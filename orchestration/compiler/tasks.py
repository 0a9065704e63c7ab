"""Plan, the route Choice and the two engines: a Distributed Map of Lambda batches (with the dedupe
shuffle) or one Glue job run; then Commit."""

from __future__ import annotations

from typing import Any

from orchestration.core.contracts import PlanResult
from orchestration.core.spec.models import Spec

from ..machine_names import SPEC_URI, S, ph
from .retry import catch_all, caught, caught_state, glue_job_retry, lambda_retry

__all__ = ["plan_states", "lambda_states", "glue_states", "commit_state", "LAMBDA_INVOKE", "COMMIT_FIELDS"]

Json = dict[str, Any]
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"

COMMIT_FIELDS = ("status", "engine", "rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated",
                 "bytes_in", "outputs", "schema_changed", "crawl_needed")
"""What the state machine keeps of CommitResult (counts, not partition lists, so payloads stay small)."""


def _invoke(function: str, payload: Json) -> Json:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": ph(f"{function}_function_arn"), "Payload": payload},
        "Retry": lambda_retry(),
    }


def plan_states(spec: Spec, fail: str) -> dict[str, Json]:
    plan = _invoke("plan", {
        "import": spec.name,
        "spec_uri": SPEC_URI,
        "execution": {"name.$": "$$.Execution.Name", "start_time.$": "$$.Execution.StartTime"},
        "input.$": "$",
    })
    # Select PlanResult's fields one by one: the payload stays exactly the contract, never a file list.
    fields = [f.alias or name for name, f in PlanResult.model_fields.items()]
    plan |= {
        "ResultSelector": {f"{f}.$": f"$.Payload.{f}" for f in fields},
        "ResultPath": "$.plan",
        "Catch": [catch_all(S.PLAN)],
        "Next": S.ROUTE,
    }
    # A spec whose only hook is spark never takes the Lambda route, so its machine has no Lambda branch.
    lambda_choice = [] if spec.spark_dependent else [
        {"Variable": "$.plan.route", "StringEquals": "lambda", "Next": S.PROCESS_BATCHES}]
    route = {
        "Type": "Choice",
        "Choices": [
            *lambda_choice,
            {"Variable": "$.plan.route", "StringEquals": "glue", "Next": S.GLUE},
            {"Variable": "$.plan.route", "StringEquals": "empty", "Next": S.SUMMARIZE_EMPTY},
        ],
        "Default": S.UNKNOWN_ROUTE,
    }
    empty = {
        "Type": "Pass",
        "Parameters": {
            "run_id.$": "$.plan.run_id", "import": spec.name, "status": "empty", "route.$": "$.plan.route",
            "reasons.$": "$.plan.reasons", "window.$": "$.plan.window", "objects": 0, "rows_in": 0,
            "rows_written": 0,
        },
        "Next": S.NOTHING,
    }
    return {
        S.PLAN: plan,
        caught(S.PLAN): caught_state(S.PLAN, fail),
        S.ROUTE: route,
        S.SUMMARIZE_EMPTY: empty,
        S.NOTHING: {"Type": "Succeed"},
        S.UNKNOWN_ROUTE: {"Type": "Fail", "Error": "Lockgate.Error",
                          "Cause": f"plan returned a route this machine has no branch for (import {spec.name})"},
    }


def distributed_map(name: str, items: tuple[str, str], selector: Json, child_name: str, child: Json,
                    concurrency: int, next_state: str) -> Json:
    """A Distributed Map state ``name`` over the JSON array in S3 at the (bucket, key) paths ``items``:
    each item (``selector``) runs ``child`` in its own standard child execution, up to ``concurrency`` at
    once; one failed item fails the Map, which is caught into the failure path; the result is dropped."""
    return {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket.$": items[0], "Key.$": items[1]},
        },
        "ItemSelector": selector,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": child_name,
            "States": {child_name: child},
        },
        "MaxConcurrency": concurrency,
        "ToleratedFailurePercentage": 0,
        "ResultPath": None,
        "Catch": [catch_all(name)],
        "Next": next_state,
    }


def lambda_states(spec: Spec, fail: str) -> dict[str, Json]:
    """The Distributed Map over batches.json; each batch is one child execution whose output is
    dropped (``OutputPath: null``), so the Map's result stays a few bytes per batch."""
    if spec.spark_dependent:
        return {}
    concurrency = spec.routing.lambda_.max_concurrency
    child = _invoke("process_batch", {"manifest_uri.$": "$.manifest_uri", "batch.$": "$.batch"})
    child |= {"ResultPath": None, "OutputPath": None, "End": True}
    after = S.DEDUPE_NEEDED if spec.dedupe else S.COMMIT
    states: dict[str, Json] = {
        S.PROCESS_BATCHES: distributed_map(
            S.PROCESS_BATCHES, ("$.plan.batches_bucket", "$.plan.batches_key"),
            {"manifest_uri.$": "$.plan.manifest_uri", "batch.$": "$$.Map.Item.Value.batch"},
            S.PROCESS_BATCH, child, concurrency, after),
        caught(S.PROCESS_BATCHES): caught_state(S.PROCESS_BATCHES, fail),
    }
    if spec.dedupe:
        bucket = _invoke("dedupe", {"manifest_uri.$": "$.manifest_uri", "bucket.$": "$.bucket"})
        bucket |= {"ResultPath": None, "OutputPath": None, "End": True}
        states |= {
            S.DEDUPE_NEEDED: {
                "Type": "Choice",
                "Choices": [{"Variable": "$.plan.dedupe_buckets", "NumericGreaterThan": 0, "Next": S.MAKE_BUCKETS}],
                "Default": S.COMMIT,
            },
            S.MAKE_BUCKETS: {
                "Type": "Pass",
                "Parameters": {"buckets.$": "States.ArrayRange(0, States.MathAdd($.plan.dedupe_buckets, -1), 1)"},
                "ResultPath": "$.dedupe",
                "Next": S.DEDUPE,
            },
            S.DEDUPE: {
                "Type": "Map",
                "ItemsPath": "$.dedupe.buckets",
                "ItemSelector": {"manifest_uri.$": "$.plan.manifest_uri", "bucket.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": S.DEDUPE_BUCKET,
                    "States": {S.DEDUPE_BUCKET: bucket},
                },
                "MaxConcurrency": concurrency,
                "ResultPath": None,
                "Catch": [catch_all(S.DEDUPE)],
                "Next": S.COMMIT,
            },
            caught(S.DEDUPE): caught_state(S.DEDUPE, fail),
        }
    return states


def glue_states(spec: Spec, fail: str) -> dict[str, Json]:
    glue = spec.routing.glue
    return {
        S.GLUE: {
            "Type": "Task",
            "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {
                "JobName": ph("glue_job_name"),
                "Arguments": {
                    "--spec_uri": SPEC_URI,
                    "--manifest_uri.$": "$.plan.manifest_uri",
                    "--run_id.$": "$.plan.run_id",
                    "--staging_uri.$": "$.plan.staging_uri",
                    "--result_uri.$": "$.plan.glue_result_uri",
                },
                "WorkerType.$": "$.plan.glue.worker_type",
                "NumberOfWorkers.$": "$.plan.glue.workers",
                "ExecutionClass.$": "$.plan.glue.execution_class",
                "Timeout": glue.timeout_minutes,
            },
            "Retry": glue_job_retry(),
            "ResultPath": None,
            "Catch": [catch_all(S.GLUE)],
            "Next": S.COMMIT,
        },
        caught(S.GLUE): caught_state(S.GLUE, fail),
    }


def commit_state(fail: str, next_state: str) -> dict[str, Json]:
    commit = _invoke("commit", {"manifest_uri.$": "$.plan.manifest_uri"})
    selector = {f"{f}.$": f"$.Payload.{f}" for f in COMMIT_FIELDS}
    selector["partitions.$"] = "$.Payload.partitions"  # a count: CommitResult never carries partition lists
    commit |= {
        "ResultSelector": selector,
        "ResultPath": "$.commit",
        "Catch": [catch_all(S.COMMIT)],
        "Next": next_state,
    }
    return {S.COMMIT: commit, caught(S.COMMIT): caught_state(S.COMMIT, fail)}
