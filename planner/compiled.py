"""Querysets composed and compiled to SQL once, then only bound to new arguments; and the
INSERT of one object, assembled once.

Composing a queryset and compiling it costs the ORM longer than PostgreSQL takes to run the
prepared statement, and a request on a hot path (a carve, token authentication) makes the
same few reads every time, only with other values. A CompiledQuery calls its builder with
stand-in arguments once per shape of arguments, learns where each stand-in lands among the
SQL parameters, and from then on runs that SQL with the real arguments in their places.

- Positional arguments are bound: an int, str or bytes, or a tuple or list of them (its
  length is part of the shape).
- Keyword arguments are literals that shape the SQL text (a LIMIT, say): passed to the
  builder as they are, and part of the shape.

Each shape is compiled twice, with two sets of stand-ins: a builder whose SQL text changes
with a positional argument, or one of whose constants equals a stand-in, is refused rather
than run with the wrong SQL. The SQL is the default database's.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import AutoField, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery
from django.db.transaction import TransactionManagementError

# Stand-ins of the two compiles, told apart from constants by landing at the same positions
# in both. Integers stay within a small integer field's range: Django compiles a lookup past
# its field's range to "no rows", which would drop the stand-in from the SQL.
INT_STAND_IN_BASES = (20_000, 30_000)
TEXT_STAND_IN_PREFIXES = ("stand-in-a-", "stand-in-b-")
SCALAR_TYPES = (int, str, bytes)
SEQUENCE_TYPES = (tuple, list)


def _stand_in(kind: type, compile_index: int, slot: int) -> int | str | bytes:
    if kind is int:
        return INT_STAND_IN_BASES[compile_index] + slot
    text = f"{TEXT_STAND_IN_PREFIXES[compile_index]}{slot}"
    return text if kind is str else text.encode()


def _kind(value: Any) -> type:
    kind = type(value)
    if kind not in SCALAR_TYPES:
        raise TypeError(f"a CompiledQuery binds int, str or bytes, not {kind.__name__}")
    return kind


def _shape(args: tuple) -> tuple:
    return tuple(
        (type(arg), tuple(_kind(item) for item in arg))
        if isinstance(arg, SEQUENCE_TYPES)
        else _kind(arg)
        for arg in args
    )


def _flat(args: tuple) -> list:
    """The bound values in slot order: sequences spread out."""
    values = []
    for arg in args:
        if isinstance(arg, SEQUENCE_TYPES):
            values.extend(arg)
        else:
            values.append(arg)
    return values


def _stand_ins(shape: tuple, compile_index: int) -> tuple[tuple, list]:
    """Arguments of `shape` made of stand-ins, and the stand-ins in slot order."""
    slots = []

    def take(kind: type) -> int | str | bytes:
        slots.append(_stand_in(kind, compile_index, len(slots)))
        return slots[-1]

    args = tuple(
        kind[0](take(item) for item in kind[1]) if isinstance(kind, tuple) else take(kind)
        for kind in shape
    )
    return args, slots


def _unwrapped(param: Any) -> Any:
    """A parameter as given: a database adapter wraps bytes (psycopg's Binary, SQLite's
    memoryview), keeping them as `obj`."""
    return getattr(param, "obj", param)


def _wrapper(param: Any) -> type | None:
    """The type an adapter wrapped a parameter in, to wrap the real value alike."""
    return None if _unwrapped(param) is param else type(param)


def _slot_positions(params: list, stand_ins: list) -> dict[int, int]:
    """Which parameter positions hold which stand-in (by slot)."""
    slots = {value: slot for slot, value in enumerate(stand_ins)}
    positions = {}
    for position, param in enumerate(params):
        value = _unwrapped(param)
        if isinstance(value, SCALAR_TYPES) and value in slots:
            positions[position] = slots[value]
    return positions


@dataclass(frozen=True)
class Binding:
    position: int
    slot: int
    # The adapter's wrapper around bytes, re-applied to the real value; None if unwrapped.
    wrapper: type | None


@dataclass(frozen=True)
class ModelRows:
    """How ModelIterable turns a row into a model instance (with select_related objects and
    annotations), worked out once from the compiler."""

    model: type[Model]
    attnames: list[str]
    start: int
    end: int
    populators: list
    annotations: dict[str, int]

    @classmethod
    def of(cls, compiler) -> "ModelRows | None":
        if not compiler.query.default_cols:  # a values() or values_list() query
            return None
        klass_info = compiler.klass_info
        select = compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return cls(
            model=klass_info["model"],
            attnames=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, DEFAULT_DB_ALIAS),
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def instance(self, row: tuple) -> Model:
        instance = self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, instance)
        for name, position in self.annotations.items():
            setattr(instance, name, row[position])
        return instance


@dataclass(frozen=True)
class Statement:
    """One shape's SQL, its parameters with the stand-ins' positions, and the compiler that
    knows how to read its rows."""

    sql: str
    template: list
    bindings: tuple[Binding, ...]
    compiler: Any
    # The ORM's converters of the selected columns, by position (worked out once).
    converters: dict
    model_rows: ModelRows | None
    locks: bool

    def params(self, values: list) -> list:
        params = list(self.template)
        for binding in self.bindings:
            value = values[binding.slot]
            params[binding.position] = value if binding.wrapper is None else binding.wrapper(value)
        return params

    def converted(self, rows: list[tuple]) -> list[tuple]:
        """The rows as the ORM reads them (what results_iter does, converters ready)."""
        if not self.converters:
            return rows
        return [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]


class CompiledQuery:
    """`build(*args, **literals)` returns the QuerySet; see the module's docstring."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._statements: dict[Hashable, Statement] = {}

    def __deepcopy__(self, memo: dict) -> "CompiledQuery":
        # One per builder, shared: a serializer field holding one is deep-copied per request.
        return self

    def rows(self, *args: Any, **literals: Hashable) -> list[tuple]:
        """The rows of a values_list() query, converted as the ORM converts them."""
        statement, rows = self._run(args, literals)
        return statement.converted(rows)

    def objects(self, *args: Any, **literals: Hashable) -> list[Model]:
        """The model instances of a model query, select_related objects and annotations
        included (not for a related manager's queryset: it is composed from the model)."""
        statement, rows = self._run(args, literals)
        if statement.model_rows is None:
            raise TypeError(f"{self.build.__qualname__} builds a values query: read its rows")
        return [statement.model_rows.instance(row) for row in statement.converted(rows)]

    def one(self, *args: Any, **literals: Hashable) -> Model:
        """The one model instance found; the model's DoesNotExist if none, or
        MultipleObjectsReturned if several."""
        found = self.objects(*args, **literals)
        if len(found) == 1:
            return found[0]
        model = self._statement(args, literals).model_rows.model
        if not found:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"{len(found)} {model._meta.object_name} found")

    def _run(self, args: tuple, literals: dict) -> tuple[Statement, list[tuple]]:
        statement = self._statement(args, literals)
        connection = connections[DEFAULT_DB_ALIAS]
        if statement.locks and connection.get_autocommit():
            # What the ORM itself says of select_for_update outside a transaction.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params(_flat(args)))
            return statement, cursor.fetchall()

    def _statement(self, args: tuple, literals: dict) -> Statement:
        shape = (_shape(args), tuple(sorted(literals.items())))
        statement = self._statements.get(shape)
        if statement is None:
            statement = self._statements[shape] = self._compile(shape[0], literals)
        return statement

    def _compile(self, shape: tuple, literals: dict) -> Statement:
        compiles = []
        for compile_index in range(len(INT_STAND_IN_BASES)):
            args, stand_ins = _stand_ins(shape, compile_index)
            queryset = self.build(*args, **literals)
            compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
            sql, params = compiler.as_sql()
            compiles.append((sql, list(params), _slot_positions(params, stand_ins), compiler))
        (sql, params, positions, compiler), (other_sql, other_params, other_positions, _) = compiles
        same = (
            sql == other_sql
            and positions == other_positions
            and len(params) == len(other_params)
            and all(
                _unwrapped(param) == _unwrapped(other)
                for position, (param, other) in enumerate(zip(params, other_params, strict=True))
                if position not in positions
            )
        )
        if not same:
            raise ValueError(
                f"{self.build.__qualname__}: its SQL does not take every positional argument "
                "as a parameter (or a constant equals a stand-in); pass values that shape "
                "the SQL text as keywords"
            )
        bindings = tuple(
            Binding(position, slot, _wrapper(params[position]))
            for position, slot in sorted(positions.items())
        )
        return Statement(
            sql=sql,
            template=params,
            bindings=bindings,
            compiler=compiler,
            converters=compiler.get_converters(
                [column[0] for column in compiler.select[: compiler.col_count]]
            ),
            model_rows=ModelRows.of(compiler),
            # As the ORM: a database without row locks ignores select_for_update.
            locks=compiler.query.select_for_update
            and compiler.connection.features.has_select_for_update,
        )


def one_by_pk(query: CompiledQuery, model: type[Model], pk: Any) -> Model:
    """`query.one(pk)` for a primary key given as the ORM takes one: converted by the field
    (its ValidationError if it cannot be), and one past the column's range found nowhere,
    as the ORM answers, rather than bound (SQLite refuses to bind it)."""
    field = model._meta.pk
    value = field.to_python(pk)
    try:
        field.run_validators(value)
    except ValidationError:
        raise model.DoesNotExist(f"no {model._meta.object_name} {value}") from None
    return query.one(value)


@dataclass(frozen=True)
class InsertStatement:
    sql: str
    compiler: Any
    fields: list
    # Each field's placeholder in `sql`: a field may choose its own by value (BinaryField).
    placeholders: tuple[str, ...]
    converters: dict


def _placeholder(field: Any, value: Any, compiler: Any) -> str:
    """The placeholder the ORM's INSERT puts for `value` (prepared) of `field`."""
    choose = getattr(field, "get_placeholder", None)
    return "%s" if choose is None else choose(value, compiler, compiler.connection)


class CompiledInsert:
    """The INSERT of one new `model` object, its primary key left to the database, with the
    SQL assembled once: bulk_create assembles it anew for every call. The values are
    prepared by the ORM's own steps (pre_save, get_db_prep_save), so the row is the one
    bulk_create would write, and the object is left as bulk_create leaves it: its
    database-set columns read back, saved to the default database."""

    def __init__(self, model: type[Model]):
        self.model = model
        self._statement: InsertStatement | None = None

    def insert(self, instance: Model) -> Model:
        if type(instance) is not self.model or instance._is_pk_set():
            raise ValueError(f"inserts a new {self.model.__name__} without a primary key")
        instance._prepare_related_fields_for_save(operation_name="bulk_create")
        statement = self._statement or self._compile(instance)
        params = self._params(statement, instance)
        # Kept once an object's values fit it (an expression would have changed its text).
        self._statement = statement
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            row = connection.ops.fetch_returned_insert_columns(
                cursor, statement.compiler.returning_params
            )
        if statement.converters:
            (row,) = statement.compiler.apply_converters([row], statement.converters)
        for field, value in zip(self.model._meta.db_returning_fields, row, strict=True):
            setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = DEFAULT_DB_ALIAS
        return instance

    @staticmethod
    def _params(statement: InsertStatement, instance: Model) -> list:
        compiler = statement.compiler
        params = []
        for field, placeholder in zip(statement.fields, statement.placeholders, strict=True):
            value = compiler.pre_save_val(field, instance)
            if hasattr(value, "resolve_expression"):
                # An expression (F(), a database default) changes the SQL text.
                raise ValueError(f"{field.name}: a compiled insert takes values, not expressions")
            prepared = compiler.prepare_value(field, value)
            if _placeholder(field, prepared, compiler) != placeholder:
                raise ValueError(f"{field.name}: this value changes the INSERT's text")
            params.append(prepared)
        return params

    def _compile(self, instance: Model) -> InsertStatement:
        opts = self.model._meta
        # What bulk_create writes of an object without a primary key.
        fields = [
            field
            for field in opts.concrete_fields
            if not field.generated and not isinstance(field, AutoField)
        ]
        query = InsertQuery(self.model)
        query.insert_values(fields, [instance])
        compiler = query.get_compiler(using=DEFAULT_DB_ALIAS)
        compiler.returning_fields = opts.db_returning_fields
        # Only the text is kept: every object's values, this one's too, come from _params,
        # which refuses what would change the text.
        ((sql, params),) = compiler.as_sql()
        placeholders = tuple(
            _placeholder(field, value, compiler)
            for field, value in zip(fields, params, strict=True)
        )
        columns = [field.get_col(opts.db_table) for field in opts.db_returning_fields]
        return InsertStatement(
            sql, compiler, fields, placeholders, compiler.get_converters(columns)
        )
