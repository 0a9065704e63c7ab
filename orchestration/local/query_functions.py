"""The JSONata functions Step Functions adds to the language ("Transforming data with JSONata in Step
Functions", https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html):
``$partition(array, size)``, ``$range(start, end, step)`` (end included), ``$hash(data, algorithm)``,
``$random([seed])``, ``$uuid()`` and ``$parse(json)``. ``$now``/``$millis`` read the runtime's clock and
``$random``/``$uuid`` the execution's seeded generator, so a run under the virtual clock is reproducible.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from jsonata import Jsonata
from jsonata.functions import Functions

__all__ = ["step_functions_functions"]

_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


class FunctionArgumentError(ValueError):
    """A Step Functions JSONata function got an argument it cannot use."""


def _int(name: str, value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise FunctionArgumentError(f"The {what} argument of ${name} must be an integer")
    return int(value)


def _partition(items: Any = None, size: Any = None) -> list[Any]:
    if not isinstance(items, list):
        raise FunctionArgumentError("The first argument of $partition must be an array")
    chunk = _int("partition", size, "chunk size")
    if chunk <= 0:
        raise FunctionArgumentError("The chunk size of $partition must be greater than 0")
    return [list(items[i : i + chunk]) for i in range(0, len(items), chunk)]


def _range(start: Any = None, end: Any = None, step: Any = None) -> list[int]:
    first, last, by = _int("range", start, "start"), _int("range", end, "end"), _int("range", step, "step")
    if by == 0:
        raise FunctionArgumentError("The step of $range must not be 0")
    return list(range(first, last + (1 if by > 0 else -1), by))


def _hash(data: Any = None, algorithm: Any = None) -> str:
    if algorithm not in _HASHES:
        raise FunctionArgumentError(f"The algorithm of $hash must be one of {', '.join(_HASHES)}")
    if not isinstance(data, str):
        raise FunctionArgumentError("The data argument of $hash must be a string")
    return hashlib.new(_HASHES[str(algorithm)], data.encode()).hexdigest()


def _parse(text: Any = None) -> Any:
    if not isinstance(text, str):
        raise FunctionArgumentError("The argument of $parse must be a string")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FunctionArgumentError(f"$parse could not parse the string as JSON: {exc}") from exc


def step_functions_functions(rng: random.Random, millis: int) -> dict[str, Any]:
    """Bindings for one evaluation: the added functions, and a clock-bound ``$now``/``$millis``."""

    def random_(seed: Any = None) -> float:
        return (rng if seed is None else random.Random(_int("random", seed, "seed"))).random()

    def uuid_() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def now(picture: Any = None, timezone: Any = None) -> Any:
        return Functions.datetime_from_millis(millis, picture, timezone)

    functions: dict[str, Callable[..., Any]] = {
        "partition": _partition, "range": _range, "hash": _hash, "parse": _parse,
        "random": random_, "uuid": uuid_, "now": now, "millis": lambda: millis,
    }
    return {name: Jsonata.JLambda(fn) for name, fn in functions.items()}
