"""Evaluate an intrinsic call against the state's data, variables and context."""

from __future__ import annotations

import random
from collections.abc import Callable

from orchestration.local.errors import INTRINSIC_FAILURE, StatesError
from orchestration.local.intrinsics.functions import ARITY, FUNCTIONS, IntrinsicError, format_template
from orchestration.local.intrinsics.parser import Call, IntrinsicSyntaxError, Literal, PathArg, parse_call
from orchestration.local.json_types import Json

__all__ = ["evaluate", "validate"]


def evaluate(text: str, resolve: Callable[[str], Json], rng: random.Random) -> Json:
    """Run ``States.X(...)``; ``resolve`` turns a path argument into its value."""
    try:
        call = parse_call(text)
    except IntrinsicSyntaxError as exc:
        raise StatesError(INTRINSIC_FAILURE, f"Invalid intrinsic function {text!r}: {exc}") from exc
    try:
        return _run(call, resolve, rng)
    except IntrinsicError as exc:
        raise StatesError(INTRINSIC_FAILURE, str(exc)) from exc


def _run(call: Call, resolve: Callable[[str], Json], rng: random.Random) -> Json:
    values = [_value(a, resolve, rng) for a in call.args]
    if call.name == "States.Format":
        if not values or not isinstance(values[0], str):
            raise IntrinsicError("Function States.Format: the first argument must be a string template")
        first = call.args[0]
        escaped = isinstance(first, Literal) and first.raw is not None
        template = first.raw if isinstance(first, Literal) and first.raw is not None else values[0]
        return format_template(template, values[1:], escaped)
    fn = FUNCTIONS.get(call.name)
    if fn is None:
        raise IntrinsicError(f"Unknown intrinsic function {call.name}")
    return fn(values, rng)


def _value(arg: Literal | PathArg | Call, resolve: Callable[[str], Json], rng: random.Random) -> Json:
    if isinstance(arg, Literal):
        return arg.value
    if isinstance(arg, PathArg):
        return resolve(arg.path)
    return _run(arg, resolve, rng)


def validate(text: str) -> None:
    """Raise ``IntrinsicSyntaxError`` for a malformed call, an unknown function or a wrong arity."""
    _check(parse_call(text))


def _check(call: Call) -> None:
    if call.name not in ARITY:
        raise IntrinsicSyntaxError(f"unknown intrinsic function {call.name}")
    low, high = ARITY[call.name]
    if len(call.args) < low or (high is not None and len(call.args) > high):
        raise IntrinsicSyntaxError(f"{call.name} takes {low}{'' if high == low else '+' if high is None else f' to {high}'} argument(s), got {len(call.args)}")
    for arg in call.args:
        if isinstance(arg, Call):
            _check(arg)
