"""Distributed Map input and output through the task resolver, so a local S3 (or a dict in tests)
plugs in: ItemReader calls ``arn:aws:states:::s3:getObject`` (the resolver returns the body as text)
or ``arn:aws:states:::s3:listObjectsV2`` (the resolver returns the object list or a response with
``Contents``); ResultWriter calls ``arn:aws:states:::s3:putObject`` with Bucket, Key and Body."""

from __future__ import annotations

import csv
import io
import json

from orchestration.local.errors import ITEM_READER_FAILED, StatesError, unsupported
from orchestration.local.json_types import Json, JsonObject

__all__ = ["GET_OBJECT", "LIST_OBJECTS", "PUT_OBJECT", "parse_items"]

GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
PUT_OBJECT = "arn:aws:states:::s3:putObject"


def _fail(message: str) -> StatesError:
    return StatesError(ITEM_READER_FAILED, message)


def parse_items(resource: str, reader_config: JsonObject, body: Json, where: str) -> list[Json]:
    """Turn what the resolver returned for the ItemReader into the list of items."""
    if resource == LIST_OBJECTS:
        contents = body.get("Contents", []) if isinstance(body, dict) else body
        if not isinstance(contents, list):
            raise _fail("listObjectsV2 must return a list of objects")
        return list(contents)
    if resource != GET_OBJECT:
        raise unsupported(f"ItemReader Resource {resource}", where)
    input_type = reader_config.get("InputType", "JSON")
    if isinstance(body, bytes):
        body = body.decode()
    if input_type == "JSON":
        items = json.loads(body) if isinstance(body, str) else body
        if not isinstance(items, list):
            raise _fail("the ItemReader JSON object must contain a JSON array")
        return items
    if not isinstance(body, str):
        raise _fail(f"getObject must return the object body as text for InputType {input_type}")
    if input_type == "JSONL":
        try:
            return [json.loads(line) for line in body.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise _fail(f"invalid JSON line in the ItemReader object: {exc}") from exc
    if input_type == "CSV":
        return _csv(body, reader_config)
    raise unsupported(f"ItemReader InputType {input_type}", where)


def _csv(body: str, config: JsonObject) -> list[Json]:
    delimiter = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}.get(
        str(config.get("CSVDelimiter", "COMMA")), ",")
    rows = list(csv.reader(io.StringIO(body), delimiter=delimiter))
    headers: list[str]
    if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
        given = config.get("CSVHeaders")
        if not isinstance(given, list):
            raise _fail("CSVHeaderLocation GIVEN needs CSVHeaders")
        headers = [str(h) for h in given]
    else:
        if not rows:
            return []
        headers, rows = rows[0], rows[1:]
    items: list[Json] = []
    for row in rows:
        if not row:
            continue
        if len(row) != len(headers):
            raise _fail(f"CSV row has {len(row)} fields but there are {len(headers)} headers")
        items.append({str(h): v for h, v in zip(headers, row, strict=True)})
    return items
