"""Map: runs the ItemProcessor (or legacy Iterator) once per item. Inline mode runs iterations one
after another in virtual time and keeps results in item order; the first failing iteration fails the
state. Distributed mode (``ProcessorConfig.Mode: DISTRIBUTED``) is delegated to ``distributed.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.local.context import StateCall
from orchestration.local.errors import RUNTIME, InvalidDefinitionError, StatesError
from orchestration.local.history import dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View, render
from orchestration.local.runtime import Runtime, Scope, check_size
from orchestration.local.states.base import Builder, State
from orchestration.local.states.distributed import DistributedConfig, run_distributed

if TYPE_CHECKING:
    from orchestration.local.machine import Program

__all__ = ["MapState"]


def non_negative_int(value: Json, field: str, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidDefinitionError(f"{field} must be a non-negative integer", where=where)
    return value


class MapState(State):
    kind = "Map"
    fields = frozenset({
        "Iterator", "ItemProcessor", "ItemsPath", "Parameters", "ItemSelector", "ResultSelector", "ResultPath",
        "Retry", "Catch", "MaxConcurrency", "MaxConcurrencyPath", "ItemReader", "ItemBatcher", "ResultWriter",
        "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount",
        "ToleratedFailureCountPath", "Label", "Items", "Arguments", "Output",
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
        self.processor: Program = builder.program(
            {k: v for k, v in processor.items() if k != "ProcessorConfig"}, f"{where}.ItemProcessor")
        self.run_program = builder.run
        self.items_path: str | None = spec.get("ItemsPath", "$")  # type: ignore[assignment]
        self.selector: Json = spec.get("ItemSelector", spec.get("Parameters"))
        self.has_selector = "ItemSelector" in spec or "Parameters" in spec
        self.has_parameters = False  # Parameters of a Map apply per item (legacy ItemSelector)
        if "MaxConcurrency" in spec:
            non_negative_int(spec["MaxConcurrency"], "MaxConcurrency", where)
        if "MaxConcurrency" in spec and "MaxConcurrencyPath" in spec:
            raise InvalidDefinitionError("use MaxConcurrency or MaxConcurrencyPath, not both", where=where)
        self.max_concurrency_path: Json = spec.get("MaxConcurrencyPath")
        self.config = DistributedConfig.parse(spec, where) if self.distributed else None
        if not self.distributed:
            for key in ("ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailurePercentage",
                        "ToleratedFailureCount", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath", "Label"):
                if key in spec:
                    raise InvalidDefinitionError(f"{key} needs ProcessorConfig Mode DISTRIBUTED", where=where)

    def items(self, effective: Json, view: View) -> list[Json]:
        if self.items_path is None:
            raise StatesError(RUNTIME, "ItemsPath must not be null")
        try:
            items = view.with_data(effective).select(self.items_path)
        except PathError as exc:
            raise StatesError(RUNTIME, f"The JSONPath '{self.items_path}' could not be found in the input '{dumps(effective)}'") from exc
        if not isinstance(items, list):
            raise StatesError(RUNTIME, f"Item path {self.items_path} did not resolve to a JSON array, got {items!r}")
        return items

    def item_input(self, effective: Json, index: int, item: Json, view: View) -> Json:
        if not self.has_selector:
            return item
        saved = view.call.map_item
        view.call.map_item = {"Index": index, "Value": item}
        try:
            return check_size(render(self.selector, view.with_data(effective)), "iteration input")
        finally:
            view.call.map_item = saved

    def check_concurrency(self, effective: Json, view: View) -> None:
        if self.max_concurrency_path is None:
            return
        try:
            value = view.with_data(effective).select(str(self.max_concurrency_path))
        except PathError as exc:
            raise StatesError(RUNTIME, f"Invalid path '{self.max_concurrency_path}' : {exc}") from exc
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0 or int(value) != value:
            raise StatesError(RUNTIME, f"MaxConcurrencyPath '{self.max_concurrency_path}' must be a non-negative integer, got {value!r}")

    def work(self, effective: Json, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Json:
        view = View(effective, scope, call, rt.rng)
        self.check_concurrency(effective, view)
        if self.config is not None:
            return run_distributed(self, self.config, effective, rt, view)
        items = self.items(effective, view)
        rt.history.add("MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
        results: list[Json] = []
        for index, item in enumerate(items):
            value = self.item_input(effective, index, item, view)
            rt.history.add("MapIterationStarted", "mapIterationStartedEventDetails", {"name": self.name, "index": index})
            try:
                child = scope.child({"Index": index, "Value": item})
                results.append(self.run_program(self.processor, value, rt, child))
            except StatesError as err:
                rt.history.add("MapIterationFailed", "mapIterationFailedEventDetails", {"name": self.name, "index": index})
                rt.history.add("MapStateFailed", "mapStateFailedEventDetails", {"error": err.error, "cause": err.cause})
                raise
            rt.history.add("MapIterationSucceeded", "mapIterationSucceededEventDetails", {"name": self.name, "index": index})
        rt.history.add("MapStateSucceeded")
        return results
