"""SuiteQL -> SQLite: parse as Oracle with sqlglot, check against the schema, rewrite, and page the result.

What is supported (README.md has the list): one SELECT over the schema's tables (``contact``, ``customer``,
``deletedrecord``, the address books, ``employee``, ``customerstatus``)
with aliases, [LEFT|INNER|RIGHT|FULL] JOIN ... ON, WHERE with comparisons, AND/OR/NOT, IS [NOT] NULL,
[NOT] IN (list), BETWEEN, LIKE, CASE, arithmetic and ``||``, NVL/COALESCE, UPPER/LOWER/TRIM/SUBSTR/LENGTH/
INSTR/REPLACE, TO_TIMESTAMP / TO_DATE / TO_CHAR with Oracle format models, SYSDATE / CURRENT_DATE,
COUNT/MIN/MAX/SUM/AVG, GROUP BY / HAVING, DISTINCT, ORDER BY, and ``ROWNUM <= n`` or
``FETCH FIRST n ROWS ONLY`` as a row limit, and ``BUILTIN.DF(column)`` (a reference's or code's name).
Anything else (subqueries, UNION, other BUILTIN functions, unknown functions) is a 400 naming what is
unsupported, and an unknown table or column is a 400 naming it, worded as NetSuite words it.

Presentation follows NetSuite: lower-case column names, unaliased expressions named ``expr1``, ``expr2``...;
every value a string; NULL columns left out of the item; a datetime selected without TO_CHAR rendered
date-only in the account's date format and time zone; ``TO_TIMESTAMP`` literals read in the account's
time zone. Comparing a datetime column with a bare string literal is refused (use TO_DATE/TO_TIMESTAMP).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.oracle import Oracle
from sqlglot.errors import ErrorLevel, ParseError

from sandbox.netsuite.errors import search_error
from sandbox.netsuite.rendering import render_value
from sandbox.netsuite.schema import COUNTRIES, CUSTOMER_STATUS, LISTS, STATUS_NAMES, FieldSpec, Schema
from sandbox.netsuite.store import Store
from sandbox.netsuite.timefmt import SQLITE_STRFTIME, AccountClock, oracle_to_strftime

MAX_LIMIT = 1000
MAX_RESULTS = 100_000
UNSUPPORTED = "Invalid or unsupported search."
_PASSTHROUGH_FUNCTIONS = frozenset({"INSTR", "REPLACE", "LTRIM", "RTRIM", "ABS", "ROUND", "SIGN", "NULLIF"})
_SUPPORTED_FUNCS: tuple[type[exp.Func], ...] = (
    exp.Count,
    exp.Min,
    exp.Max,
    exp.Sum,
    exp.Avg,
    exp.Coalesce,
    exp.Upper,
    exp.Lower,
    exp.Trim,
    exp.Substring,
    exp.Length,
    exp.StrPosition,
    exp.Replace,
    exp.DecodeCase,
    exp.Case,
    exp.If,
    exp.Cast,
    exp.Abs,
    exp.Round,
    exp.Nullif,
    exp.Concat,
    exp.Floor,
    exp.Ceil,
    exp.ToNumber,
    exp.Greatest,
    exp.Least,
    exp.ToChar,
    exp.CurrentTimestamp,
    exp.CurrentDate,
    exp.Anonymous,
)
_OPERATORS: tuple[type[exp.Expression], ...] = (exp.Connector, exp.Binary, exp.Unary, exp.Predicate)
_TIME_FUNCTIONS = ("TO_DATE", "TO_TIMESTAMP")
_TOKEN_REPR = re.compile(r"<Token token_type: [^,]*, text: ([^,]*),[^>]*>")
SECONDS_PER_DAY = 86_400
# Translation cache: integer literals outside strings, identifiers and comments are replaced by sentinels,
# so keyset pages (same query, other ids) share one translation. Leading zeros or 19+ digits: kept as text.
_LEXEME = re.compile(
    r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|/\*.*?\*/|[A-Za-z_][\w$#]*|(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)", re.S
)
_PARAM_LITERAL = re.compile(r"0|[1-9]\d{0,17}")
_SENTINEL_BASE = 7_306_180_000_000
_SENTINEL = re.compile(r"(?<![\w.])7306180\d{6}(?![\w.])")
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def _raw_time_function(name: str) -> Any:
    return lambda args: exp.Anonymous(this=name, expressions=args)


class SuiteQLDialect(Oracle):
    """Oracle, except that TO_DATE/TO_TIMESTAMP keep their Oracle format model for our own conversion."""

    class Parser(Oracle.Parser):
        FUNCTIONS = {**Oracle.Parser.FUNCTIONS, **{n: _raw_time_function(n) for n in _TIME_FUNCTIONS}}


@dataclass(frozen=True)
class Translation:
    """SQLite for one SuiteQL query: the page (``?`` for limit and offset), the count, the column names.

    ``json_sql``, when set, pages the same rows as one column each: the item's JSON text exactly as
    :func:`render_items` + ``json.dumps`` would write it (None when the names do not allow it).
    """

    page_sql: str
    count_sql: str
    columns: list[str]
    json_sql: str | None = None

    def substitute(self, values: dict[str, str]) -> Translation:
        def fill(sql: str) -> str:
            return _SENTINEL.sub(lambda m: values[m.group(0)], sql)

        json_sql = fill(self.json_sql) if self.json_sql is not None else None
        return Translation(fill(self.page_sql), fill(self.count_sql), self.columns, json_sql)

    def sentinels(self) -> list[str]:
        return _SENTINEL.findall(" ".join([self.page_sql, self.count_sql, self.json_sql or ""]))


def unsupported(what: str) -> Exception:
    return search_error(f"{UNSUPPORTED} (sandbox: {what} is not supported)")


@dataclass
class _Context:
    tables: dict[str, str] = field(default_factory=dict)  # alias or table name (lower) -> record type
    order: list[str] = field(default_factory=list)  # record types in FROM/JOIN order
    aliases: set[str] = field(default_factory=set)  # select-list aliases (lower)
    temporal_nodes: set[int] = field(default_factory=set)  # id() of rewritten nodes holding datetimes
    volatile: bool = False  # SYSDATE / CURRENT_DATE were read: the translation must not be cached
    textual: set[int] = field(default_factory=set)  # id() of rewritten nodes giving text or NULL
    display_fields: int = 0  # BUILTIN.DF subqueries made so far (their aliases are _df1, _df2, ...)


class SuiteQLTranslator:
    """Turns SuiteQL text into a :class:`Translation`, or raises a NetSuite 400 saying what is wrong."""

    def __init__(self, schema: Schema, clock: AccountClock, cache_size: int = 512) -> None:
        self.schema = schema
        self.clock = clock
        self._cache: OrderedDict[tuple[str, int], Translation] = OrderedDict()
        self._cache_size = cache_size
        self.cache_hits = 0

    def translate(self, query: str) -> Translation:
        """Cached by the query's shape (integer literals parameterised) and the schema version.

        The shape is translated with sentinel numbers in place of the literals; it is cached only if every
        sentinel comes out verbatim (so no literal's value steered the translation, e.g. ``ROWNUM < n``)
        and nothing time-dependent (SYSDATE) was read. Otherwise, and for any error, the query itself is
        translated, so results and error messages are those of :meth:`translate_uncached`.
        """
        shape, values = _parameterise(query)
        if shape is None:
            return self.translate_uncached(query)
        key = (shape, self.schema.version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            self.cache_hits += 1
            return cached.substitute(values)
        try:
            ctx = _Context()
            template = self._translate(shape, ctx)
        except Exception:
            return self.translate_uncached(query)
        if ctx.volatile or sorted(set(template.sentinels())) != sorted(values):
            return self.translate_uncached(query)
        self._cache[key] = template
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return template.substitute(values)

    def translate_uncached(self, query: str) -> Translation:
        return self._translate(query, _Context())

    def _translate(self, query: str, ctx: _Context) -> Translation:
        select = self._parse(query)
        self._collect_tables(select, ctx)
        row_limit = self._extract_rownum(select)
        self._expand_stars(select, ctx)
        ctx.aliases = {p.alias.lower() for p in select.expressions if isinstance(p, exp.Alias)}
        self._check_columns(select, ctx)
        self._rewrite_functions(select, ctx)
        self._check_comparisons(select, ctx)
        self._rewrite_display_fields(select, ctx)
        columns = self._present(select, ctx)
        if row_limit is not None:
            select.set("limit", exp.Limit(expression=exp.Literal.number(row_limit)))
        has_own_limit = bool(select.args.get("limit") or select.args.get("offset"))
        sql = select.sql(dialect="sqlite")
        page_sql = f"SELECT * FROM ({sql}) LIMIT ? OFFSET ?" if has_own_limit else f"{sql} LIMIT ? OFFSET ?"
        json_sql = self._json_sql(select, sql, columns, ctx)
        return Translation(page_sql, self._count_sql(select, sql, has_own_limit), columns, json_sql)

    # ---- steps ---------------------------------------------------------------------------------------------
    @staticmethod
    def _parse(query: str) -> exp.Select:
        if not query or not query.strip():
            raise search_error("The query is empty.")
        try:
            statements = sqlglot.parse(query, read=SuiteQLDialect, error_level=ErrorLevel.RAISE)
        except ParseError as exc:
            first = exc.errors[0] if exc.errors else {}
            where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
            description = _TOKEN_REPR.sub(r"'\1'", str(first.get("description", exc)))
            raise search_error(f"{UNSUPPORTED} (syntax error{where}: {description})") from exc
        except sqlglot.errors.SqlglotError as exc:
            raise search_error(f"{UNSUPPORTED} ({exc})") from exc
        statements = [s for s in statements if s is not None]
        if len(statements) != 1:
            raise unsupported("more than one statement")
        select = statements[0]
        if not isinstance(select, exp.Select):
            raise unsupported(f"{select.key.upper()} (only SELECT is allowed)")
        for node in select.find_all(exp.Subquery, exp.Select, exp.Union, exp.Intersect, exp.Except, exp.With):
            if node is not select:
                raise unsupported("a subquery, WITH or set operation")
        if select.args.get("connect") or select.args.get("pivots"):
            raise unsupported("CONNECT BY / PIVOT")
        return select

    def _collect_tables(self, select: exp.Select, ctx: _Context) -> None:
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is None:
            raise search_error(f"{UNSUPPORTED} (a FROM clause is required)")
        sources = [from_.this, *[join.this for join in select.args.get("joins") or []]]
        for source in sources:
            if not isinstance(source, exp.Table) or source.args.get("db"):
                raise unsupported(f"the FROM item '{source.sql()}'")
            name = source.name.lower()
            if name not in self.schema.tables:
                raise search_error(f"Record '{source.name}' was not found.")
            ctx.tables[name] = name
            if source.alias:
                ctx.tables[source.alias.lower()] = name
            ctx.order.append(name)

    @staticmethod
    def _extract_rownum(select: exp.Select) -> int | None:
        """``WHERE ... AND ROWNUM <= n`` -> a row limit of n (Oracle's classic way to fetch first rows)."""
        where = select.args.get("where")
        if where is None:
            return None
        limit: int | None = None
        kept = []
        for conjunct in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
            bound = _rownum_bound(conjunct)
            if bound is None:
                kept.append(conjunct)
            else:
                limit = bound if limit is None else min(limit, bound)
        if limit is None:
            return None
        if kept:
            select.set("where", exp.Where(this=exp.and_(*kept)))
        else:
            select.set("where", None)
        return limit

    def _expand_stars(self, select: exp.Select, ctx: _Context) -> None:
        expanded: list[exp.Expression] = []
        for projection in select.expressions:
            if isinstance(projection, exp.Star):
                targets = [(alias, ctx.tables[alias]) for alias in self._source_aliases(select)]
            elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                alias = projection.table.lower()
                if alias not in ctx.tables:
                    raise search_error(f"Unknown identifier '{projection.table}'.")
                targets = [(alias, ctx.tables[alias])]
            else:
                expanded.append(projection)
                continue
            for alias, table in targets:
                expanded.extend(exp.column(name, table=alias) for name in self.schema.fields(table))
        select.set("expressions", expanded)

    @staticmethod
    def _source_aliases(select: exp.Select) -> list[str]:
        from_ = select.args.get("from_") or select.args.get("from")
        sources = [from_.this, *[join.this for join in select.args.get("joins") or []]]
        return [(s.alias or s.name).lower() for s in sources]

    def _resolve(self, column: exp.Column, ctx: _Context) -> FieldSpec | None:
        """The field a column reference names; None for a select-list alias. Unknown -> NetSuite's 400."""
        name = column.name.lower()
        if column.table:
            table = ctx.tables.get(column.table.lower())
            if table is None:
                raise search_error(f"Unknown identifier '{column.table}'.")
            spec = self.schema.field(table, name)
            if spec is None:
                raise search_error(f"Field '{column.name}' for record '{table}' was not found.")
            return spec
        for table in ctx.order:
            spec = self.schema.field(table, name)
            if spec is not None:
                return spec
        if name in ctx.aliases:
            return None
        if name == "rownum":
            raise unsupported("ROWNUM other than 'ROWNUM <= n' in WHERE")
        raise search_error(f"Field '{column.name}' for record '{ctx.order[0]}' was not found.")

    def _check_columns(self, select: exp.Select, ctx: _Context) -> None:
        for column in select.find_all(exp.Column):
            if not isinstance(column.this, exp.Star):
                self._resolve(column, ctx)

    def _is_temporal(self, node: exp.Expression, ctx: _Context) -> bool:
        if id(node) in ctx.temporal_nodes:
            return True
        if isinstance(node, exp.Column):
            spec = self._resolve(node, ctx)
            return bool(spec and spec.temporal)
        if isinstance(node, exp.Min | exp.Max | exp.Paren | exp.Coalesce):
            return self._is_temporal(node.this, ctx)
        return False

    def _rewrite_functions(self, select: exp.Select, ctx: _Context) -> None:
        display_calls: set[int] = set()  # the DF(...) of each BUILTIN.DF(...): rewritten later
        for node in list(select.walk(bfs=False)):
            if isinstance(node, exp.Dot):
                if not _is_display_field(node):
                    raise unsupported(f"'{node.sql(dialect='oracle')}'")
                display_calls.add(id(node.expression))
                continue
            if isinstance(node, exp.Anonymous) and id(node) in display_calls:
                continue
            if isinstance(node, exp.Anonymous):
                name = node.name.upper()
                if name not in _TIME_FUNCTIONS and name not in _PASSTHROUGH_FUNCTIONS:
                    raise unsupported(f"the function {name}")
            elif isinstance(node, exp.Func) and not isinstance(node, _SUPPORTED_FUNCS + _OPERATORS):
                raise unsupported(f"the function {node.sql_name()}")
        # bottom-up so an argument is rewritten (and typed) before the function that uses it
        for node in reversed(list(select.walk(bfs=False))):
            replacement = self._rewrite(node, ctx)
            if replacement is not None and replacement is not node:
                node.replace(replacement)

    def _rewrite(self, node: exp.Expression, ctx: _Context) -> exp.Expression | None:
        if isinstance(node, exp.Anonymous) and node.name.upper() in _TIME_FUNCTIONS:
            return self._rewrite_parse_time(node, ctx)
        if isinstance(node, exp.ToChar):
            return self._rewrite_to_char(node, ctx)
        if isinstance(node, exp.CurrentTimestamp):
            ctx.volatile = True
            return self._temporal_literal(int(time.time()), ctx)
        if isinstance(node, exp.CurrentDate):
            ctx.volatile = True
            return self._temporal_literal(self.clock.today_midnight(), ctx)
        if isinstance(node, exp.Add | exp.Sub):
            return self._rewrite_date_arithmetic(node, ctx)
        return None

    def _rewrite_date_arithmetic(self, node: exp.Add | exp.Sub, ctx: _Context) -> exp.Expression | None:
        """Oracle date arithmetic counts in days: ``SYSDATE - 30``, ``a - b`` (a difference in days)."""
        left, right = self._is_temporal(node.left, ctx), self._is_temporal(node.right, ctx)
        if left and right and isinstance(node, exp.Sub):
            days = exp.Div(
                this=exp.Paren(this=node.copy()), expression=exp.Literal.number(f"{SECONDS_PER_DAY}.0")
            )
            return days
        if left != right:
            date_side, days_side = (node.left, node.right) if left else (node.right, node.left)
            seconds = exp.Mul(
                this=exp.Paren(this=days_side.copy()), expression=exp.Literal.number(SECONDS_PER_DAY)
            )
            cls = type(node)
            shifted = exp.Paren(
                this=cls(this=date_side.copy(), expression=seconds)
                if left or cls is exp.Add
                else exp.Sub(this=seconds, expression=date_side.copy())
            )
            ctx.temporal_nodes.add(id(shifted))
            return shifted
        return None

    def _rewrite_display_fields(self, select: exp.Select, ctx: _Context) -> None:
        """``BUILTIN.DF(column)``: the name NetSuite shows for the value. A country code's country, a
        status's ``LEAD-Unqualified``, a list value's name, an entity reference's ``entityid`` (a subquery
        by id); any other field's own value. One plain column only; not a datetime."""
        for node in list(select.find_all(exp.Dot)):
            call = node.expression
            args = call.expressions
            if len(args) != 1 or not isinstance(args[0], exp.Column) or isinstance(args[0].this, exp.Star):
                raise unsupported("BUILTIN.DF of anything but one column")
            column = args[0]
            spec = self._resolve(column, ctx)
            if spec is None or spec.temporal:
                raise unsupported(f"BUILTIN.DF of '{column.sql(dialect='oracle')}'")
            node.replace(self._display_field(column, spec, ctx))

    def _display_field(self, column: exp.Column, spec: FieldSpec, ctx: _Context) -> exp.Expression:
        names: dict[Any, str] | None = None
        if spec.display == "country":
            names = dict(COUNTRIES)
        elif spec.type == "list":
            names = dict(LISTS[spec.ref or spec.name])
        elif spec.type == "ref" and spec.ref == CUSTOMER_STATUS:
            names = dict(STATUS_NAMES)
        if names is not None:  # a fixed mapping: CASE, unknown values shown as they are
            literal = exp.Literal.string if spec.type == "text" else exp.Literal.number
            result: exp.Expression = exp.Case(
                this=column.copy(),
                ifs=[exp.If(this=literal(key), true=exp.Literal.string(name)) for key, name in names.items()],
                default=exp.Cast(this=column.copy(), to=exp.DataType.build("TEXT")),
            )
        elif spec.type == "ref" and spec.ref in self.schema.tables:
            ctx.display_fields += 1
            alias = f"_df{ctx.display_fields}"
            lookup = (
                exp.select(exp.column("entityid", table=alias))
                .from_(exp.to_table(spec.ref).as_(alias))
                .where(exp.EQ(this=exp.column("id", table=alias), expression=column.copy()))
            )
            result = exp.Subquery(this=lookup)
        else:  # the value itself (kept apart from a plain column, so an unaliased DF is still exprN)
            result = exp.Paren(this=column.copy())
            if spec.type != "text":
                return result
        ctx.textual.add(id(result))
        return result

    def _rewrite_parse_time(self, node: exp.Anonymous, ctx: _Context) -> exp.Expression:
        args = node.expressions
        if not 1 <= len(args) <= 2:
            raise search_error(f"{UNSUPPORTED} ({node.name.upper()} takes a string and a format)")
        if len(args) == 2 and not (isinstance(args[1], exp.Literal) and args[1].is_string):
            raise unsupported(f"a non-literal format in {node.name.upper()}")
        pyfmt = oracle_to_strftime(args[1].this) if len(args) == 2 else None
        text = args[0]
        if isinstance(text, exp.Literal) and text.is_string:
            try:
                return self._temporal_literal(self.clock.parse_local(text.this, pyfmt), ctx)
            except ValueError as exc:
                raise search_error(f"{UNSUPPORTED} ({node.name.upper()}: {exc})") from exc
        if pyfmt is None:
            raise unsupported(f"{node.name.upper()} of a non-literal without a format")
        call = exp.Anonymous(this="ns_parse_local", expressions=[text.copy(), exp.Literal.string(pyfmt)])
        ctx.temporal_nodes.add(id(call))
        return call

    def _rewrite_to_char(self, node: exp.ToChar, ctx: _Context) -> exp.Expression:
        value = node.this
        fmt = node.args.get("format")
        if fmt is not None and not (isinstance(fmt, exp.Literal) and fmt.is_string):
            raise unsupported("a non-literal format in TO_CHAR")
        if not self._is_temporal(value, ctx):
            result: exp.Expression = exp.Cast(this=value.copy(), to=exp.DataType.build("TEXT"))
        elif fmt is None:
            result = exp.Anonymous(this="ns_display_date", expressions=[value.copy()])
        else:
            result = self._to_char_sql(value, oracle_to_strftime(fmt.this), ctx)
        ctx.textual.add(id(result))
        return result

    def _to_char_sql(self, value: exp.Expression, pyfmt: str, ctx: _Context) -> exp.Expression:
        """``ns_to_char(v, fmt)``; for a standard datetime column and a pattern SQLite renders as Python
        does, SQLite's own ``strftime`` of the value plus its stored UTC offset, the Python function
        remaining for values the offset column leaves NULL (NULL, non-integers, years outside 1900..2999)."""
        slow = exp.Anonymous(this="ns_to_char", expressions=[value.copy(), exp.Literal.string(pyfmt)])
        if not isinstance(value, exp.Column) or not SQLITE_STRFTIME.fullmatch(pyfmt):
            return slow
        if value.table:
            table = ctx.tables[value.table.lower()]
        elif len(ctx.order) == 1:
            table = ctx.order[0]
        else:
            return slow  # unqualified in a join: leave ambiguity errors to the plain column
        offset_name = self.schema.offset_column(table, value.name)
        if offset_name is None:
            return slow
        offset = exp.column(offset_name, table=value.table or None)
        local = exp.Add(this=value.copy(), expression=offset)
        fast = exp.Anonymous(
            this="strftime", expressions=[exp.Literal.string(pyfmt), local, exp.Literal.string("unixepoch")]
        )
        return exp.Case(
            ifs=[exp.If(this=exp.Is(this=offset.copy(), expression=exp.Null()), true=slow)], default=fast
        )

    @staticmethod
    def _temporal_literal(epoch: int, ctx: _Context) -> exp.Expression:
        literal = exp.Literal.number(epoch)
        ctx.temporal_nodes.add(id(literal))
        return literal

    def _check_comparisons(self, select: exp.Select, ctx: _Context) -> None:
        """Oracle would convert the string with the session's NLS format; refuse, so clients stay explicit."""
        for node in select.find_all(exp.Binary, exp.Between, exp.In):
            if isinstance(node, exp.Between):
                pairs = [(node.this, node.args.get("low")), (node.this, node.args.get("high"))]
            elif isinstance(node, exp.In):
                pairs = [(node.this, e) for e in node.expressions]
            elif isinstance(node, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
                pairs = [(node.left, node.right), (node.right, node.left)]
            else:
                continue
            for left, right in pairs:
                if isinstance(right, exp.Literal) and right.is_string and self._is_temporal(left, ctx):
                    raise search_error(
                        f"{UNSUPPORTED} (comparing the datetime '{left.sql(dialect='oracle')}' "
                        f"with the string "
                        f"'{right.this}': convert it with TO_DATE or TO_TIMESTAMP)"
                    )

    def _present(self, select: exp.Select, ctx: _Context) -> list[str]:
        """Column names as NetSuite returns them; datetimes without TO_CHAR become date-only strings."""
        names: list[str] = []
        unnamed = 0
        temporal_aliases: dict[str, exp.Expression] = {}
        projections: list[exp.Expression] = []
        for projection in select.expressions:
            inner = projection.this if isinstance(projection, exp.Alias) else projection
            if isinstance(projection, exp.Alias):
                names.append(projection.alias.lower())
            elif isinstance(projection, exp.Column):
                names.append(projection.name.lower())
            else:
                unnamed += 1
                names.append(f"expr{unnamed}")
            if self._is_temporal(inner, ctx):
                shown = exp.Anonymous(this="ns_display_date", expressions=[inner.copy()])
                ctx.textual.add(id(shown))
                if isinstance(projection, exp.Alias):
                    temporal_aliases[projection.alias.lower()] = inner
                    projection = exp.alias_(shown, projection.alias, copy=False)
                else:
                    projection = shown
            projections.append(projection)
        select.set("expressions", projections)
        order = select.args.get("order")
        if order is not None and temporal_aliases:  # order by the datetime, not by its display string
            for column in list(order.find_all(exp.Column)):
                if not column.table and column.name.lower() in temporal_aliases:
                    column.replace(temporal_aliases[column.name.lower()].copy())
        return names

    @staticmethod
    def _json_sql(select: exp.Select, sql: str, columns: list[str], ctx: _Context) -> str | None:
        """The page as one JSON text per row, built by SQLite (see :class:`Translation`).

        The query runs unchanged as a CTE with positional column names; each value becomes its member:
        a plain column by its SQLite type (text quoted, integer as digits, NULL left out, anything else by
        :func:`sandbox.netsuite.rendering.item_member`), a TO_CHAR or date display (text or NULL) quoted
        unless NULL, any other expression by ``item_member``. Duplicate or unusual names: None.
        """
        if len(set(columns)) != len(columns) or "links" in columns:
            return None
        if not all(_PLAIN_NAME.fullmatch(name) for name in columns):
            return None
        members = []
        for i, (name, projection) in enumerate(zip(columns, select.expressions, strict=True)):
            inner = projection.this if isinstance(projection, exp.Alias) else projection
            col = f"_c{i}"
            key = f',"{name}":'
            if isinstance(inner, exp.Column):
                members.append(
                    f"CASE typeof({col}) WHEN 'text' THEN '{key}' || json_quote({col}) "
                    f"WHEN 'integer' THEN '{key}\"' || {col} || '\"' WHEN 'null' THEN '' "
                    f"ELSE ns_item_member('{name}', {col}) END"
                )
            elif id(inner) in ctx.textual:
                members.append(f"coalesce(nullif('{key}' || json_quote({col}), '{key}null'), '')")
            else:
                members.append(f"ns_item_member('{name}', {col})")
        names = ", ".join(f"_c{i}" for i in range(len(columns)))
        body = " || ".join(["'{\"links\":[]'", *members, "'}'"])
        return f"WITH _ns_page({names}) AS ({sql}) SELECT {body} FROM _ns_page LIMIT ? OFFSET ?"

    @staticmethod
    def _count_sql(select: exp.Select, sql: str, has_own_limit: bool) -> str:
        """``totalResults`` cheaply: drop ORDER BY and the LEFT JOINs that cannot change the count."""
        aggregated = bool(select.args.get("group") or select.args.get("distinct")) or any(
            p.find(exp.AggFunc) for p in select.expressions
        )
        if (
            aggregated
            and not select.args.get("group")
            and not select.args.get("having")
            and not has_own_limit
        ):
            return "SELECT 1"  # an aggregate without GROUP BY is always exactly one row
        if has_own_limit or aggregated:
            return f"SELECT COUNT(*) FROM ({sql})"
        counted = select.copy()
        counted.set("expressions", [exp.Count(this=exp.Star())])
        counted.set("order", None)
        where = counted.args.get("where")
        used = {c.table.lower() for c in where.find_all(exp.Column) if c.table} if where else set()
        joins = []
        for join in counted.args.get("joins") or []:
            alias = (join.this.alias or join.this.name).lower()
            on = join.args.get("on")
            used_elsewhere = alias in used or any(
                alias in {c.table.lower() for c in other.find_all(exp.Column) if c.table}
                for other in counted.args.get("joins") or []
                if other is not join
            )
            if join.side == "LEFT" and not used_elsewhere and _joins_on_own_id(on, alias):
                continue
            joins.append(join)
        counted.set("joins", joins or None)
        return counted.sql(dialect="sqlite")


def _parameterise(query: str) -> tuple[str | None, dict[str, str]]:
    """(query with its integer literals replaced by sentinels, sentinel -> literal); (None, {}) if unsafe."""
    values: dict[str, str] = {}
    out: list[str] = []
    pos = 0
    for match in _LEXEME.finditer(query):
        number = match.group(1)
        if (
            number is None
            or not _PARAM_LITERAL.fullmatch(number)
            or query[match.start() - 1 : match.start()] == "."
        ):
            continue
        sentinel = str(_SENTINEL_BASE + len(values))
        values[sentinel] = number
        out.append(query[pos : match.start()])
        out.append(sentinel)
        pos = match.end()
        if len(values) >= 1_000_000:
            return None, {}
    out.append(query[pos:])
    if _SENTINEL.search(query):
        return None, {}
    return "".join(out), values


def _is_display_field(node: exp.Dot) -> bool:
    """``BUILTIN.DF(...)``, NetSuite's display-value function."""
    return (
        isinstance(node.this, exp.Identifier | exp.Column)
        and node.this.name.upper() == "BUILTIN"
        and isinstance(node.expression, exp.Anonymous)
        and node.expression.name.upper() == "DF"
    )


def _rownum_bound(node: exp.Expression) -> int | None:
    def is_rownum(e: exp.Expression) -> bool:
        return isinstance(e, exp.Column) and not e.table and e.name.lower() == "rownum"

    def number(e: exp.Expression) -> int | None:
        return int(e.this) if isinstance(e, exp.Literal) and not e.is_string and e.this.isdigit() else None

    if isinstance(node, exp.LTE | exp.LT) and is_rownum(node.left) and number(node.right) is not None:
        n = number(node.right)
        return n if isinstance(node, exp.LTE) else n - 1  # type: ignore[operator]
    if isinstance(node, exp.GTE | exp.GT) and is_rownum(node.right) and number(node.left) is not None:
        n = number(node.left)
        return n if isinstance(node, exp.GTE) else n - 1  # type: ignore[operator]
    if isinstance(node, exp.EQ) and is_rownum(node.left) and number(node.right) == 1:
        return 1
    return None


def _joins_on_own_id(on: exp.Expression | None, alias: str) -> bool:
    """``ON alias.id = ...``: at most one joined row per row, so a LEFT JOIN cannot change the count."""
    if not isinstance(on, exp.EQ):
        return False
    for side, other in ((on.left, on.right), (on.right, on.left)):
        if (
            isinstance(side, exp.Column)
            and side.table.lower() == alias
            and side.name.lower() == "id"
            and not any(c.table.lower() == alias for c in other.find_all(exp.Column))
        ):
            return True
    return False


@dataclass
class Page:
    """One executed page and the query's total: rows as tuples in ``Translation.columns`` order, or, when
    ``json`` is true, one JSON text per item (``Translation.json_sql``)."""

    rows: list[tuple[Any, ...]]
    total: int
    json: bool = False

    def items_json(self) -> list[str]:
        """Each item's JSON text (either kind of page)."""
        if self.json:
            return [row[0] for row in self.rows]
        raise ValueError("not a JSON page")


class SuiteQLRunner:
    """Executes translations on the store's thread; caches ``totalResults`` while the data is unchanged."""

    def __init__(self, store: Store, cache_size: int = 256) -> None:
        self.store = store
        self._counts: OrderedDict[tuple[str, int], int] = OrderedDict()
        self._cache_size = cache_size

    def _count(self, sql: str) -> int:
        key = (sql, self.store.version)
        if key in self._counts:
            self._counts.move_to_end(key)
            return self._counts[key]
        total = int(self.store.conn.execute(sql).fetchone()[0])
        self._counts[key] = total
        while len(self._counts) > self._cache_size:
            self._counts.popitem(last=False)
        return total

    def page(self, translation: Translation, limit: int, offset: int, as_json: bool = False) -> Page:
        """Page and count under one lock: call through ``store.run(runner.page, ...)`` or ``store.call``.

        A page shorter than ``limit`` gives the total itself (offset + its rows); only a full page, or
        an empty one past offset 0, runs the count. ``as_json`` uses ``json_sql`` when there is one.
        """
        use_json = as_json and translation.json_sql is not None
        sql = translation.json_sql if use_json else translation.page_sql
        try:
            rows = self.store.conn.execute(sql, (limit, offset)).fetchall()  # type: ignore[arg-type]
            if len(rows) < limit and (rows or offset == 0):
                total = offset + len(rows)
            else:
                total = self._count(translation.count_sql)
        except sqlite3.Error as exc:
            raise search_error(f"{UNSUPPORTED} (sandbox: SQLite refused the query: {exc})") from exc
        return Page(rows if total > offset else [], total, use_json)


def render_items(columns: list[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Items as NetSuite sends them: ``links`` first, every value a string, NULL columns left out."""
    items = []
    for row in rows:
        item: dict[str, Any] = {"links": []}
        for name, value in zip(columns, row, strict=True):
            if value is not None:
                item[name] = render_value(value)
        items.append(item)
    return items
