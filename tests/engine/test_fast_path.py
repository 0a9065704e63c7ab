"""The DuckDB fast path of each cast (text that is plainly valid skips the shape regex) decides exactly as
the exact path: every short string over an alphabet of the characters that matter, the cast tables'
texts and single-character mutations of typical values must cast to the same value (or fail alike)."""

from __future__ import annotations

import dataclasses
import itertools

import duckdb
import pyarrow as pa
import pytest

from orchestration.core.semantics import cast_breakers
from orchestration.core.semantics.casts import _cast_rule, _converted
from orchestration.core.spec.models import Column

from .cast_tables import TABLES

NUMERIC_ALPHABET = ["0", "1", "9", ".", "e", "E", "+", "-", "_", " ", "\t", "\v", "\f", "\n", "x", "X", "b", "B", "o", "n", "i",
                    "\xa0", "\x00"]
TYPES = [("int", None), ("bigint", None), ("decimal(6,2)", None), ("decimal(5,0)", None), ("double", None),
         ("float", None), ("boolean", None), ("date", None), ("timestamp", None),
         ("timestamp", "yyyy-MM-dd HH:mm:ss"), ("date", "yyyy-MM-dd")]
TYPICAL = ["0", "-12", "47.660136", "-0.50", "2908.30", "1e5", "3.4028235e38", "3.4028236e38", "99999.99",
           "9999.995", "2147483647", "true", "False", "Y", "2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31",
           "2024-05-01 12:34:56", "2024-05-01 23:59:60", "2024-05-01 12:34:56.123456789", "2024-05-01T12:34:56",
           "2024-05-01 12:34:56Z", "0999-01-01 00:00:00", "infinity", "-infinity", "epoch", "1900-01-01 00:00:00"]
MUTATIONS = ["0", "9", " ", "\t", "\v", "+", "-", ".", "_", "T", "Z", ":", "x", "\xa0", "é"]


def _texts() -> list[str]:
    out = {"".join(p) for n in range(1, 4) for p in itertools.product(NUMERIC_ALPHABET, repeat=n)}
    out |= {t for _, _, table in TABLES.values() for t, _ in table if t is not None}
    for base in TYPICAL:
        out.add(base)
        for i in range(len(base) + 1):
            for m in MUTATIONS:
                out |= {base[:i] + m + base[i:], base[:i] + m + base[i + 1:]}
    return sorted(out)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.register("src", pa.table({"raw": pa.array(_texts(), pa.string())}))
    return c


@pytest.mark.parametrize(("type_", "fmt"), TYPES, ids=[f"{t}-{f}" for t, f in TYPES])
def test_fast_path_equals_exact_path(con: duckdb.DuckDBPyConnection, type_: str, fmt: str | None) -> None:
    rule = _cast_rule(Column(name="raw", type=type_, format=fmt), "duckdb")
    assert rule is not None and rule.plain is not None, "every non-string type has a fast path in DuckDB"
    exact_rule = dataclasses.replace(rule, plain=None)

    def ranged(r: object) -> str:
        v = _converted(r, "raw", "duckdb")  # type: ignore[arg-type]
        return f"CASE WHEN {rule.in_range(v)} THEN {v} END" if rule.in_range else v

    fast, exact = ranged(rule), ranged(exact_rule)
    cond, _ = rule.plain("raw")
    rows = con.execute(
        f"SELECT raw, CAST(f AS VARCHAR), CAST(e AS VARCHAR), p FROM (SELECT raw, {fast} AS f, {exact} AS e, "
        f"coalesce({cond}, FALSE) AS p FROM src) WHERE f IS DISTINCT FROM e").fetchall()
    assert not rows, f"{type_} {fmt}: (text, fast, exact, plain) {rows[:20]}"
    taken = con.execute(f"SELECT count(*) FROM src WHERE coalesce({cond}, FALSE)").fetchall()[0][0]
    assert taken > 0, f"{type_} {fmt}: no text took the fast path"


@pytest.mark.parametrize("type_", ["int", "bigint", "decimal(6,2)", "decimal(5,0)", "double", "float"])
def test_clean_text_path_equals_exact_path(con: duckdb.DuckDBPyConnection, type_: str) -> None:
    """Text without the type's breakers (the engine checks whole chunks) casts with DuckDB's cast alone."""
    column = Column(name="raw", type=type_)
    rule = _cast_rule(column, "duckdb")
    breakers = cast_breakers(column)
    assert rule is not None and breakers, "numeric types have a clean-text path"
    exact = _converted(dataclasses.replace(rule, plain=None), "raw", "duckdb")
    clean = _converted(rule, "raw", "duckdb", clean=True)
    assert clean != _converted(rule, "raw", "duckdb")
    texts = [t for t in _texts() if not any(b in t for b in breakers)]
    con.register("clean_src", pa.table({"raw": pa.array(texts, pa.string())}))
    rows = con.execute(f"SELECT raw, CAST(f AS VARCHAR), CAST(e AS VARCHAR) FROM (SELECT raw, {clean} AS f, {exact} AS e "
                       "FROM clean_src) WHERE f IS DISTINCT FROM e").fetchall()
    assert not rows, f"{type_}: (text, clean path, exact) {rows[:20]}"
    with_breakers = [t for t in _texts() if any(b in t for b in breakers)]
    con.register("dirty_src", pa.table({"raw": pa.array(with_breakers, pa.string())}))
    differs = con.execute(f"SELECT count(*) FROM (SELECT {rule.clean('raw', rule.pre('raw'))} AS f, {exact} AS e FROM dirty_src) "
                          "WHERE f IS NOT NULL AND f IS DISTINCT FROM e").fetchall()[0][0]
    assert differs > 0, f"{type_}: the breakers {breakers!r} guard nothing; the list is stale"


@pytest.mark.parametrize(("type_", "text"), [("int", "-12"), ("decimal(6,2)", "-0.50"), ("double", "47.660136"),
                                              ("float", "-1.5e3"), ("boolean", "True"), ("date", "2024-02-29"),
                                              ("timestamp", "2024-05-01 12:34:56")])
def test_plain_text_takes_the_fast_path(con: duckdb.DuckDBPyConnection, type_: str, text: str) -> None:
    """Typical export values skip the regex (the point of the fast path: wide numeric files)."""
    rule = _cast_rule(Column(name="raw", type=type_), "duckdb")
    assert rule is not None and rule.plain is not None
    cond, _ = rule.plain("$1")
    assert con.execute(f"SELECT {cond}", [text]).fetchall()[0][0] is True


@pytest.fixture(params=["memchr", "copy"])
def search(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """clean_columns searches the characters in place (libc's memchr), or a copy of them where libc cannot
    be called: both must decide alike."""
    from orchestration.core.semantics import clean

    if request.param == "copy":
        monkeypatch.setattr(clean, "_memchr", lambda: None)
    else:
        assert clean._memchr() is not None  # this machine's libc: the path the engine takes
    return str(request.param)


@pytest.mark.parametrize("large", [False, True])
def test_clean_columns_reads_only_the_characters_of_each_slice(large: bool, search: str) -> None:
    """Batches cut from a larger table share its character buffer: a breaker outside a slice must not make
    the slice unclean, and one inside it must."""
    from orchestration.core.semantics.clean import breakers, clean_columns
    from orchestration.core.spec.models import Spec

    spec = Spec.model_validate({"name": "t", "source": {"uri": "s3://raw/t/", "format": "csv"},
                                "columns": [{"name": "n", "type": "int"}, {"name": "s", "type": "string"}],
                                "target": {"database": "d", "table": "t", "location": "s3://lake/t/"}})
    found = breakers(spec)
    text = pa.large_string() if large else pa.string()
    whole = pa.table({"n": pa.array(["1", "2", "3.5", "4", "5"], text), "s": pa.array(["a"] * 5, text)})
    assert clean_columns(found, whole) == frozenset()
    assert clean_columns(found, whole.slice(3, 2)) == frozenset({"n"})
    assert clean_columns(found, whole.slice(0, 2)) == frozenset({"n"})
    assert clean_columns(found, whole.slice(1, 2)) == frozenset()
    assert clean_columns(found, whole.slice(3, 2), skip=["n"]) == frozenset()


def test_clean_columns_decides_as_a_search_of_every_value_does(search: str) -> None:
    """Every slice of every chunking of columns with a breaker at the start, middle or end of one value,
    empty values and multi-byte text around it (and a two-byte needle, which takes the copy): clean
    exactly when no value of the slice holds a needle."""
    import itertools

    from orchestration.core.semantics.clean import clean_columns

    values = ["+1", "2", "", "33", "ü4", "5_5", "6", "77\x0b", "é", "8", "9+"]
    needles = {"a": ("a", (b"+", b"_", b"\x0b")), "b": ("b", ("é".encode(),))}
    table = pa.table({"a": pa.chunked_array([values[:5], values[5:9], values[9:]]),
                      "b": pa.chunked_array([values[:8], values[8:]])})
    for start, length in itertools.product(range(len(values)), range(len(values) + 1)):
        part = table.slice(start, length)
        expected = {name for name, (src, chars) in needles.items()
                    if not any(c.decode() in v for v in part.column(src).to_pylist() for c in chars)}
        assert clean_columns(needles, part) == expected, (start, length)


@pytest.mark.parametrize("type_", ["double", "float", "int", "decimal(6,2)", "timestamp"])
def test_each_value_is_tested_and_cast_once(con: duckdb.DuckDBPyConnection, type_: str) -> None:
    """The engine runs its SQL unoptimised (pipeline._statement), so an expression written twice runs
    twice: each column's NULL test and its rule's one cast (``_Cast.pre``) are computed once, in a layer
    below, where the plain and clean paths read them; the rows come out as the exact path gives them."""
    from orchestration.core.semantics import validation_sql
    from orchestration.core.semantics.casts import null_sql

    from .test_semantics import _spec

    spec = _spec(type_, None)
    rule = _cast_rule(spec.columns[0], "duckdb")
    assert rule is not None and rule.pre is not None and rule.plain is not None
    raw = '__src."v"'
    isnull = null_sql(raw, ["", "NULL"], "duckdb")
    exact_rule = dataclasses.replace(rule, plain=None, clean=None)
    for clean in (set(), {"v"}):
        sql = validation_sql(spec, "duckdb", "src", null_values=["", "NULL"], clean=clean)
        assert sql.count(isnull) == 1, "the NULL test is written once"
        assert sql.count(f"{rule.pre(raw)} AS __d0") == 1
        plain_cond, _ = rule.plain(raw, "__src.__d0")
        assert plain_cond in sql, "the plain path reads the cast from the layer below"
        assert rule.plain(raw)[0] not in sql, "the plain path does not cast again"
    texts = ["1.5", "-2", "12", " 7", "", "NULL", "x", "3.5e38", "1e400", "inf", "nan", "47.660136", "-0.50",
             "2024-05-01 12:34:56", "2024-05-01T12:34:56Z", "2024-02-30 00:00:00", None]
    breakers = cast_breakers(spec.columns[0]) or ""
    value = _converted(exact_rule, raw, "duckdb")
    if rule.in_range is not None:
        value = f"CASE WHEN {rule.in_range(value)} THEN {value} END"
    for clean in (set(), {"v"}):
        # a column is only ever rendered clean for text without its breakers (clean_columns)
        kept = [t for t in texts if not clean or t is None or not any(b in t for b in breakers)]
        con.register("src", pa.table({"v": pa.array(kept, pa.string()), "k": pa.array(["1"] * len(kept)),
                                      "_source_file": pa.array(["f"] * len(kept)),
                                      "_record": pa.array(range(len(kept)), pa.int64())}))
        inline = f"SELECT CASE WHEN {isnull} THEN NULL ELSE {value} END FROM src AS __src ORDER BY _record"
        expected = [repr(r[0]) for r in con.execute(inline).fetchall()]
        assert any(e != "None" for e in expected), "some text converts"
        sql = validation_sql(spec, "duckdb", "src", null_values=["", "NULL"], clean=clean)
        con.execute("PRAGMA disable_optimizer")
        try:
            got = [repr(r[0]) for r in con.execute(f"SELECT v FROM ({sql}) ORDER BY _record").fetchall()]
        finally:
            con.execute("PRAGMA enable_optimizer")
        assert got == expected, f"clean={clean}"


@pytest.mark.parametrize(("start", "n"), [(1, 0), (1, 1), (2, 5), (0, 7), (123_456_789_012, 300_000), (9, 600_001),
                                          (3, 200_000)])
def test_record_numbers_are_the_exact_range_whatever_the_shared_base(start: int, n: int) -> None:
    """``int_range`` slices a shared 0..m-1 and adds ``start``: every size (below and past the shared one,
    which then grows) and start gives exactly start..start+n-1 as int64 without nulls."""
    from lambdas.engine.chunks import int_range

    values = int_range(start, n)
    assert values.type == pa.int64() and values.null_count == 0
    assert values.to_pylist() == list(range(start, start + n))
