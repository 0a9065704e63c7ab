"""Distributed Map: items come from ItemsPath or an ItemReader, may be batched, and every item (or
batch) runs as a child execution of a map run. Child events go to the map run, not the parent
history, which only records MapRunStarted and MapRunSucceeded/MapRunFailed (that is what keeps a
parent's history small). Children cannot see the parent's variables."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orchestration.local.choice_rules import is_number
from orchestration.local.concurrency import run_concurrently
from orchestration.local.errors import (
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    ITEM_READER_FAILED,
    RESULT_WRITER_FAILED,
    RUNTIME,
    InvalidDefinitionError,
    StatesError,
    unsupported,
)
from orchestration.local.history import History, dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.paths import View
from orchestration.local.query import evaluate, is_expression, unexpected_type
from orchestration.local.runtime import Runtime, Scope, TaskContext
from orchestration.local.states.item_io import PUT_OBJECT, parse_items
from orchestration.local.states.map_items import arguments, batches, max_items_from_path, setting
from orchestration.local.states.map_limits import (
    tolerated_count_from_path,
    tolerated_percentage_from_path,
)
from orchestration.local.states.task import invoke_resolver

if TYPE_CHECKING:
    from orchestration.local.states.map import MapState

__all__ = ["ChildExecution", "DistributedConfig", "MapRun", "run_distributed"]


_KNOWN_FIELDS: dict[str, set[str]] = {
    "ItemReader": {"Resource", "ReaderConfig", "Parameters", "Arguments"},
    "ItemBatcher": {"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath",
                    "BatchInput"},
    "ResultWriter": {"Resource", "Parameters", "Arguments"},
}
_READER_CONFIG = {"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath"}


@dataclass(slots=True)
class ChildExecution:
    name: str
    input: Json
    status: str = "RUNNING"
    output: Json = None
    error: str | None = None
    cause: str | None = None
    events: list[JsonObject] = field(default_factory=list)


@dataclass(slots=True)
class MapRun:
    """One distributed Map run and its child executions (their histories live here)."""

    arn: str
    state_name: str
    status: str = "RUNNING"
    executions: list[ChildExecution] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DistributedConfig:
    reader: JsonObject | None
    batcher: JsonObject | None
    writer: JsonObject | None
    tolerated_percentage: Json
    tolerated_count: Json
    label: str | None
    percentage_path: str | None = None
    count_path: str | None = None

    @staticmethod
    def parse(spec: JsonObject, where: str, jsonata: bool = False) -> DistributedConfig:
        for key, known in _KNOWN_FIELDS.items():
            if key not in spec:
                continue
            block = spec[key]
            if not isinstance(block, dict):
                raise InvalidDefinitionError(f"{key} must be an object", where=where)
            wrong = "Parameters" if jsonata else "Arguments"
            if key != "ItemBatcher" and wrong in block:
                raise InvalidDefinitionError(f"{key} of a {'JSONata' if jsonata else 'JSONPath'} state cannot have {wrong}; "
                                             f"use {'Arguments' if jsonata else 'Parameters'}", where=where)
            unknown = sorted(set(block) - known)
            if unknown:
                raise unsupported(f"{key} field(s) {', '.join(unknown)}", where)
            reader_config = block.get("ReaderConfig", {})
            if key == "ItemReader" and isinstance(reader_config, dict) and set(reader_config) - _READER_CONFIG:
                raise unsupported(f"ReaderConfig field(s) {', '.join(sorted(set(reader_config) - _READER_CONFIG))}", where)
        pct = spec.get("ToleratedFailurePercentage", 0)
        count = spec.get("ToleratedFailureCount", 0)
        for key, value, high in (("ToleratedFailurePercentage", pct, 100), ("ToleratedFailureCount", count, None)):
            if jsonata and is_expression(value):
                continue
            if not is_number(value) or value < 0 or (high is not None and value > high):  # type: ignore[operator]
                raise InvalidDefinitionError(f"{key} must be a number between 0 and {high or 'any'}", where=where)
        label = spec.get("Label")
        pct_path, count_path = spec.get("ToleratedFailurePercentagePath"), spec.get("ToleratedFailureCountPath")
        return DistributedConfig(spec.get("ItemReader"), spec.get("ItemBatcher"), spec.get("ResultWriter"),  # type: ignore[arg-type]
                                 pct, count, label if isinstance(label, str) else None,
                                 pct_path if isinstance(pct_path, str) else None,
                                 count_path if isinstance(count_path, str) else None)

    def thresholds(self, state: MapState, view: View, rt: Runtime) -> tuple[float, float]:
        """(tolerated percentage, tolerated count) from the fields, their Path forms or expressions."""
        pct = (tolerated_percentage_from_path(self.percentage_path, view) if self.percentage_path
               else self._expression(self.tolerated_percentage, "ToleratedFailurePercentage", state, view, rt))
        count = (tolerated_count_from_path(self.count_path, view) if self.count_path
                 else self._expression(self.tolerated_count, "ToleratedFailureCount", state, view, rt))
        return pct, count

    @staticmethod
    def _expression(value: Json, field: str, state: MapState, view: View, rt: Runtime) -> float:
        if not is_expression(value):
            return float(value)  # type: ignore[arg-type]
        result = evaluate(str(value), state.query_env(view.data, rt, view.scope, view.call), field)
        if not is_number(result) or result < 0 or (field.endswith("Percentage") and result > 100):  # type: ignore[operator]
            raise unexpected_type(str(value), field, "number", result)
        return float(result)  # type: ignore[arg-type]


def _read(config: DistributedConfig, state: MapState, effective: Json, rt: Runtime, view: View) -> list[Json]:
    if config.reader is None:
        return state.items(effective, view, rt)
    reader = config.reader
    resource = str(reader.get("Resource", ""))
    params = arguments(state, reader, effective, rt, view, "ItemReader")
    reader_config: JsonObject = reader.get("ReaderConfig") or {}  # type: ignore[assignment]
    ctx = TaskContext(state.name, 1, view.call.context_object(), None, None, rt.clock)
    try:
        body = invoke_resolver(rt, resource, params, ctx)
        items = parse_items(resource, reader_config, body, state.where)
    except StatesError as err:
        if err.error == RUNTIME:
            raise
        raise StatesError(ITEM_READER_FAILED, f"{err.error}: {err.cause}") from err
    except (ValueError, TypeError) as exc:
        raise StatesError(ITEM_READER_FAILED, str(exc)) from exc
    if "MaxItemsPath" in reader_config:
        items = items[: max_items_from_path(str(reader_config["MaxItemsPath"]), view.with_data(effective))]
    elif reader_config.get("MaxItems") is not None:
        items = items[: int(setting(state, reader_config["MaxItems"], view.with_data(effective), rt, "MaxItems"))]
    return items


def _run_child(state: MapState, run: MapRun, index: int, value: Json, rt: Runtime) -> ChildExecution:
    child = ChildExecution(f"{run.arn.rsplit(':', 1)[-1]}:{index}", value)
    history = History(rt.clock)
    execution = {**rt.execution, "Id": f"{run.arn.replace(':mapRun:', ':execution:')}:{index}",
                 "Name": child.name, "Input": value}
    child_rt = rt.child(history, execution)
    history.add("ExecutionStarted", "executionStartedEventDetails", {"input": dumps(value), "inputDetails": {"truncated": False}})
    try:
        child.output = state.run_program(state.processor, value, child_rt, Scope())
        child.status = "SUCCEEDED"
        history.add("ExecutionSucceeded", "executionSucceededEventDetails", {"output": dumps(child.output)})
    except StatesError as err:
        child.status, child.error, child.cause = "FAILED", err.error, err.cause
        history.add("ExecutionFailed", "executionFailedEventDetails", {"error": err.error, "cause": err.cause})
    child.events = history.events
    return child


def run_distributed(state: MapState, config: DistributedConfig, effective: Json, rt: Runtime, view: View, limit: int = 0) -> Json:
    items = _read(config, state, effective, rt, view)
    inputs = [state.item_input(effective, i, item, view, rt) for i, item in enumerate(items)]
    inputs = batches(state, config.batcher, inputs, view.with_data(effective), rt)
    data = view.with_data(effective)
    pct, count = config.thresholds(state, data, rt)
    machine = str(rt.state_machine["Id"]).replace(":stateMachine:", ":mapRun:")
    run = MapRun(f"{machine}/{config.label or state.name}:{uuid.UUID(int=rt.rng.getrandbits(128))}", state.name)
    rt.map_runs.append(run)
    rt.history.add("MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": run.arn})
    failed = 0

    def child_run(index: int, child_rt: Runtime) -> None:
        nonlocal failed
        child_rt.check()
        child = _run_child(state, run, index, inputs[index], child_rt)
        run.executions.append(child)
        if child.status == "FAILED":
            failed += 1
            if failed > count and failed * 100.0 / len(inputs) > pct:
                raise StatesError(EXCEED_TOLERATED_FAILURE_THRESHOLD, "The specified tolerated failure threshold was exceeded")

    try:
        run_concurrently(rt, len(inputs), limit, child_run)
    except StatesError as err:
        if err.error != EXCEED_TOLERATED_FAILURE_THRESHOLD:
            raise
        run.status = "FAILED"
        rt.history.add("MapRunFailed", "mapRunFailedEventDetails", {"error": err.error, "cause": err.cause})
        raise
    run.status = "SUCCEEDED"
    output: Json
    if config.writer is not None:
        output = _write(state, config, run, rt, data)
    else:
        output = [c.output if c.status == "SUCCEEDED" else _error_of(c) for c in run.executions]
    rt.history.add("MapRunSucceeded")
    return output


def _error_of(child: ChildExecution) -> Json:
    return {"Error": child.error, "Cause": child.cause}


def _row(child: ChildExecution) -> Json:
    row: JsonObject = {"Name": child.name, "Input": dumps(child.input), "Status": child.status}
    if child.status == "SUCCEEDED":
        row["Output"] = dumps(child.output)
    else:
        row["Error"], row["Cause"] = child.error, child.cause
    return row


def _write(state: MapState, config: DistributedConfig, run: MapRun, rt: Runtime, view: View) -> Json:
    writer = config.writer or {}
    params = arguments(state, writer, view.data, rt, view, "ResultWriter")
    if not isinstance(params, dict) or "Bucket" not in params:
        raise StatesError(RESULT_WRITER_FAILED, "ResultWriter Parameters (Arguments in JSONata) need a Bucket")
    prefix = str(params.get("Prefix", "")).rstrip("/")
    base = f"{prefix}/{run.arn.rsplit(':', 1)[-1]}" if prefix else run.arn.rsplit(":", 1)[-1]
    files: JsonObject = {}
    for status in ("SUCCEEDED", "FAILED"):
        rows: list[Json] = [_row(c) for c in run.executions if c.status == status]
        if rows:
            files[f"{base}/{status}_0.json"] = rows
    manifest: JsonObject = {"DestinationBucket": params["Bucket"], "MapRunArn": run.arn,
                "ResultFiles": {s: [{"Key": k, "Size": len(json.dumps(v))} for k, v in files.items() if s in k]
                                for s in ("SUCCEEDED", "FAILED", "PENDING")}}
    files[f"{base}/manifest.json"] = manifest
    ctx = TaskContext(run.state_name, 1, view.call.context_object(), None, None, rt.clock)
    for key, body in files.items():
        try:
            invoke_resolver(rt, PUT_OBJECT, {"Bucket": params["Bucket"], "Key": key, "Body": dumps(body)}, ctx)
        except StatesError as err:
            raise StatesError(RESULT_WRITER_FAILED, f"{err.error}: {err.cause}") from err
    return {"MapRunArn": run.arn, "ResultWriterDetails": {"Bucket": params["Bucket"], "Key": f"{base}/manifest.json"}}
