"""Map: runs the ItemProcessor (or legacy Iterator) once per item, at most ``MaxConcurrency`` at a
time in virtual time (``concurrency.py``), results in item order; the first failing iteration fails
the state. Items come from ``ItemsPath`` (JSONPath) or ``Items`` (JSONata; default: the state input).
Distributed mode (``ProcessorConfig.Mode: DISTRIBUTED``) is delegated to ``distributed.py``; the
runtime checks of ``...Path`` fields and their AWS cause texts are in ``map_limits.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.local.concurrency import run_concurrently
from orchestration.local.context import StateCall
from orchestration.local.errors import QUERY_EVALUATION_ERROR, RUNTIME, InvalidDefinitionError, StatesError
from orchestration.local.history import dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View, render
from orchestration.local.query import (
    compile_template,
    evaluate,
    is_expression,
    json_type,
    render_query,
    unexpected_type,
)
from orchestration.local.runtime import Runtime, Scope, check_size
from orchestration.local.states.base import Builder, State
from orchestration.local.states.distributed import DistributedConfig, run_distributed
from orchestration.local.states.map_limits import max_concurrency_from_path

if TYPE_CHECKING:
    from orchestration.local.machine import Program

__all__ = ["MapState"]


def non_negative_int(value: Json, field: str, where: str, jsonata: bool = False) -> int:
    if jsonata and is_expression(value):
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidDefinitionError(f"{field} must be a non-negative integer", where=where)
    return value


class MapState(State):
    kind = "Map"
    fields = frozenset({
        "Iterator", "ItemProcessor", "ItemsPath", "Parameters", "ItemSelector", "ResultSelector", "ResultPath",
        "Retry", "Catch", "MaxConcurrency", "MaxConcurrencyPath", "ItemReader", "ItemBatcher", "ResultWriter",
        "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount",
        "ToleratedFailureCountPath", "Label", "Items",
    })
    has_result = True

    def __init__(self, name: str, spec: JsonObject, where: str, builder: Builder) -> None:
        super().__init__(name, spec, where, builder)
        processor = spec.get("ItemProcessor", spec.get("Iterator"))
        if not isinstance(processor, dict) or ("ItemProcessor" in spec and "Iterator" in spec):
            raise InvalidDefinitionError("a Map state needs exactly one of ItemProcessor or Iterator", where=where)
        if "ItemSelector" in spec and "Parameters" in spec:
            raise InvalidDefinitionError("use ItemSelector or Parameters, not both", where=where)
        config = processor.get("ProcessorConfig") or {}
        self.distributed = isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
        self.processor: Program = builder.nested(
            {k: v for k, v in processor.items() if k != "ProcessorConfig"}, f"{where}.ItemProcessor")
        self.run_program = builder.run
        self.items_path: str | None = spec.get("ItemsPath", "$")  # type: ignore[assignment]
        self.items_template: Json = spec.get("Items")
        self.has_items = "Items" in spec
        self.selector: Json = spec.get("ItemSelector", spec.get("Parameters"))
        self.has_selector = "ItemSelector" in spec or "Parameters" in spec
        self.has_parameters = False  # Parameters of a Map apply per item (legacy ItemSelector)
        self.max_concurrency: Json = spec.get("MaxConcurrency", 0)
        non_negative_int(self.max_concurrency, "MaxConcurrency", where, self.jsonata)
        if "MaxConcurrency" in spec and "MaxConcurrencyPath" in spec:
            raise InvalidDefinitionError("use MaxConcurrency or MaxConcurrencyPath, not both", where=where)
        self.max_concurrency_path: Json = spec.get("MaxConcurrencyPath")
        if self.jsonata:
            for key in ("Items", "ItemSelector", "MaxConcurrency"):
                compile_template(spec.get(key), key, where)
        self.config = DistributedConfig.parse(spec, where, self.jsonata) if self.distributed else None
        if not self.distributed:
            for key in ("ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailurePercentage",
                        "ToleratedFailureCount", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath", "Label"):
                if key in spec:
                    raise InvalidDefinitionError(f"{key} needs ProcessorConfig Mode DISTRIBUTED", where=where)

    def nested_programs(self) -> list[tuple[Program, bool]]:
        return [(self.processor, self.distributed)]

    def items(self, effective: Json, view: View, rt: Runtime) -> list[Json]:
        if self.jsonata:
            return self._jsonata_items(effective, view, rt)
        if self.items_path is None:
            raise StatesError(RUNTIME, "ItemsPath must not be null")
        try:
            items = view.with_data(effective).select(self.items_path)
        except PathError as exc:
            raise StatesError(RUNTIME, f"The JSONPath '{self.items_path}' could not be found in the input '{dumps(effective)}'") from exc
        if not isinstance(items, list):
            raise StatesError(QUERY_EVALUATION_ERROR, f"Map state input must be an array but was: {json_type(items)}")
        return items

    def _jsonata_items(self, effective: Json, view: View, rt: Runtime) -> list[Json]:
        if not self.has_items:
            items = effective
        else:
            items = render_query(self.items_template, self.query_env(effective, rt, view.scope, view.call), "Items")
        if not isinstance(items, list):
            if is_expression(self.items_template):
                raise unexpected_type(str(self.items_template), "Items", "array", items)
            raise StatesError(QUERY_EVALUATION_ERROR, f"Map state input must be an array but was: {json_type(items)}")
        return items

    def item_input(self, effective: Json, index: int, item: Json, view: View, rt: Runtime) -> Json:
        if not self.has_selector:
            return item
        saved = view.call.map_item
        view.call.map_item = {"Index": index, "Value": item}
        try:
            if self.jsonata:
                value = render_query(self.selector, self.query_env(effective, rt, view.scope, view.call), "ItemSelector")
            else:
                value = render(self.selector, view.with_data(effective))
            return check_size(value, "iteration input")
        finally:
            view.call.map_item = saved

    def concurrency(self, effective: Json, view: View, rt: Runtime) -> int:
        """MaxConcurrency (0: unbounded) from the field, its Path form or its expression."""
        if self.max_concurrency_path is not None:
            return max_concurrency_from_path(str(self.max_concurrency_path), view.with_data(effective))
        if self.jsonata and is_expression(self.max_concurrency):
            value = evaluate(str(self.max_concurrency), self.query_env(effective, rt, view.scope, view.call), "MaxConcurrency")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or int(value) != value:
                raise unexpected_type(str(self.max_concurrency), "MaxConcurrency", "integer", value)
            return int(value)
        return int(self.max_concurrency)  # type: ignore[arg-type]

    def work(self, effective: Json, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Json:
        view = View(effective, scope, call, rt.rng)
        limit = self.concurrency(effective, view, rt)
        if self.config is not None:
            return run_distributed(self, self.config, effective, rt, view, limit)
        items = self.items(effective, view, rt)
        rt.history.add("MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})

        def iteration(index: int, child_rt: Runtime) -> Json:
            item = items[index]
            value = self.item_input(effective, index, item, view, child_rt)
            child_rt.history.add("MapIterationStarted", "mapIterationStartedEventDetails", {"name": self.name, "index": index})
            try:
                result = self.run_program(self.processor, value, child_rt, scope.child({"Index": index, "Value": item}))
            except StatesError as err:
                child_rt.history.add("MapIterationFailed", "mapIterationFailedEventDetails", {"name": self.name, "index": index})
                child_rt.history.add("MapStateFailed", "mapStateFailedEventDetails", {"error": err.error, "cause": err.cause})
                raise
            child_rt.history.add("MapIterationSucceeded", "mapIterationSucceededEventDetails", {"name": self.name, "index": index})
            return result

        results = run_concurrently(rt, len(items), limit, iteration)
        rt.history.add("MapStateSucceeded")
        return results
