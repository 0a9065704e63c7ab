"""Distributed Map settings and batches: ItemReader/ResultWriter call arguments (``Parameters`` in
JSONPath, ``Arguments`` in JSONata), numeric settings given as numbers, paths or expressions,
``ReaderConfig.MaxItemsPath`` with the ``States.ItemReaderFailed`` causes Step Functions gives, and the
``ItemBatcher`` that groups item inputs into ``{"BatchInput", "Items"}`` batches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.local.choice_rules import is_number
from orchestration.local.errors import ITEM_READER_FAILED, RUNTIME, StatesError
from orchestration.local.history import dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View, render
from orchestration.local.query import evaluate, is_expression, render_query, unexpected_type
from orchestration.local.runtime import Runtime
from orchestration.local.states.map_limits import shown

if TYPE_CHECKING:
    from orchestration.local.states.map import MapState

__all__ = ["arguments", "batches", "max_items_from_path", "setting"]


def _number(value: Json, view: View, what: str) -> float:
    if isinstance(value, str):
        try:
            value = view.select(value)
        except PathError as exc:
            raise StatesError(RUNTIME, f"Invalid path '{value}' for {what}: {exc}") from exc
    if not is_number(value):
        raise StatesError(RUNTIME, f"{what} must be a number, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def arguments(state: MapState, block: JsonObject, effective: Json, rt: Runtime, view: View, field: str) -> Json:
    """ItemReader/ResultWriter call parameters: ``Parameters`` (JSONPath) or ``Arguments`` (JSONata)."""
    if state.jsonata:
        env = state.query_env(effective, rt, view.scope, view.call)
        return render_query(block.get("Arguments", {}), env, f"{field}/Arguments")
    return render(block.get("Parameters", {}), view.with_data(effective))


def setting(state: MapState, value: Json, view: View, rt: Runtime, field: str) -> float:
    """A numeric setting: a number, a JSONPath path (``...Path`` fields) or a JSONata expression."""
    if state.jsonata and is_expression(value):
        result = evaluate(str(value), state.query_env(view.data, rt, view.scope, view.call), field)
        if not is_number(result) or result < 0:  # type: ignore[operator]
            raise unexpected_type(str(value), field, "number", result)
        return float(result)  # type: ignore[arg-type]
    return _number(value, view, field)


def max_items_from_path(path: str, view: View) -> int:
    """``ReaderConfig.MaxItemsPath``, with the ``States.ItemReaderFailed`` causes Step Functions gives."""
    try:
        value = view.select(path)
    except PathError as exc:
        raise StatesError(RUNTIME, f"Invalid path '{path}' for MaxItems: {exc}") from exc
    number = int(value.strip()) if isinstance(value, str) and value.strip().lstrip("-").isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int):
        raise StatesError(ITEM_READER_FAILED, f"The MaxItemsPath field refers to value '{shown(value)}' which is not a valid integer: {path}")
    if number < 0:
        raise StatesError(ITEM_READER_FAILED, "field MaxItems must be positive")
    return number


def batches(state: MapState, batcher: JsonObject | None, inputs: list[Json], view: View, rt: Runtime) -> list[Json]:
    if batcher is None:
        return inputs
    max_items = batcher.get("MaxItemsPerBatchPath", batcher.get("MaxItemsPerBatch"))
    max_bytes = batcher.get("MaxInputBytesPerBatchPath", batcher.get("MaxInputBytesPerBatch"))
    per_batch = int(setting(state, max_items, view, rt, "MaxItemsPerBatch")) if max_items is not None else len(inputs) or 1
    byte_cap = int(setting(state, max_bytes, view, rt, "MaxInputBytesPerBatch")) if max_bytes is not None else 262_144
    batch_input: Json = None
    if "BatchInput" in batcher:
        batch_input = (render_query(batcher["BatchInput"], state.query_env(view.data, rt, view.scope, view.call),
                                    "ItemBatcher/BatchInput") if state.jsonata else render(batcher["BatchInput"], view))
    groups: list[list[Json]] = [[]]
    size = 0
    for item in inputs:
        item_size = len(dumps(item).encode())
        if groups[-1] and (len(groups[-1]) >= per_batch or size + item_size > byte_cap):
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += item_size
    out: list[Json] = []
    for batch in groups if groups[-1] else []:
        entry: JsonObject = {"Items": batch}
        if "BatchInput" in batcher:
            entry = {"BatchInput": batch_input, "Items": batch}
        out.append(entry)
    return out
