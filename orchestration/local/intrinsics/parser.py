"""Parse an intrinsic call such as ``States.Format('{} items', States.ArrayLength($.items))``.

Arguments are string literals in single quotes (``\\'``, ``\\{``, ``\\}`` and ``\\\\`` escaped),
numbers, ``true``/``false``/``null``, paths (``$.x``, ``$$.Execution.Name``, ``$var.x``) and nested
calls. Parsing errors raise ``IntrinsicSyntaxError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from orchestration.local.json_types import Json

__all__ = ["Call", "IntrinsicSyntaxError", "Literal", "PathArg", "is_intrinsic", "parse_call"]


class IntrinsicSyntaxError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Literal:
    value: Json
    raw: str | None = None  # string literals keep \{ \} \\ escapes for States.Format


@dataclass(frozen=True, slots=True)
class PathArg:
    path: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Literal | PathArg | Call, ...]


Arg = Literal | PathArg | Call


def is_intrinsic(text: str) -> bool:
    return text.startswith("States.")


@lru_cache(maxsize=2048)
def parse_call(text: str) -> Call:
    parser = _Parser(text.strip())
    call = parser.call()
    parser.skip_ws()
    if parser.pos != len(parser.text):
        raise IntrinsicSyntaxError(f"unexpected text after the call in {text!r}")
    return call


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def call(self) -> Call:
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in "._"):
            self.pos += 1
        name = self.text[start : self.pos]
        if not name.startswith("States.") or self.peek() != "(":
            raise IntrinsicSyntaxError(f"expected an intrinsic call at {self.text[start:]!r}")
        self.pos += 1
        args: list[Arg] = []
        self.skip_ws()
        if self.peek() == ")":
            self.pos += 1
            return Call(name, ())
        while True:
            self.skip_ws()
            args.append(self.arg())
            self.skip_ws()
            ch = self.peek()
            self.pos += 1
            if ch == ")":
                return Call(name, tuple(args))
            if ch != ",":
                raise IntrinsicSyntaxError(f"expected ',' or ')' in {self.text!r}")

    def arg(self) -> Arg:
        ch = self.peek()
        if ch == "'":
            return self.string()
        if ch == "$":
            return PathArg(self.path())
        if self.text.startswith("States.", self.pos):
            return self.call()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",)" and not self.text[self.pos].isspace():
            self.pos += 1
        token = self.text[start : self.pos]
        try:
            return Literal(json.loads(token))
        except json.JSONDecodeError as exc:
            raise IntrinsicSyntaxError(f"bad argument {token!r} in {self.text!r}") from exc

    def string(self) -> Literal:
        self.pos += 1
        value: list[str] = []
        raw: list[str] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                value.append(nxt)
                raw.append(nxt if nxt == "'" else ch + nxt)
                self.pos += 2
                continue
            if ch == "'":
                self.pos += 1
                return Literal("".join(value), "".join(raw))
            value.append(ch)
            raw.append(ch)
            self.pos += 1
        raise IntrinsicSyntaxError(f"unterminated string in {self.text!r}")

    def path(self) -> str:
        start = self.pos
        depth = 0
        quote = ""
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"" and depth:
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])" and depth:
                depth -= 1
            elif ch in ",)" or ch.isspace():
                break
            self.pos += 1
        return self.text[start : self.pos]
