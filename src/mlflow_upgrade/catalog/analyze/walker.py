"""The walker: follows `upgrade()` and the helpers it calls, recording every Alembic operation, raw SQL
statement and connection use, with the dialects each can run on."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlflow_upgrade.catalog.analyze.astutil import (
    _arg,
    _call_name,
    _calls_in,
    _chain_attrs,
    _is_context,
    _is_get_bind,
    _is_op,
    _kind_from_name,
    _kwarg,
    _literal,
    _root,
    _src,
)

DIALECTS = ("sqlite", "mysql", "postgresql", "mssql")

# Alembic operations that the scripts call on `op` or on a batch operation object.
SCHEMA_OPS = {
    "create_table",
    "drop_table",
    "rename_table",
    "add_column",
    "drop_column",
    "alter_column",
    "create_index",
    "drop_index",
    "create_foreign_key",
    "create_primary_key",
    "create_unique_constraint",
    "create_check_constraint",
    "drop_constraint",
    "execute",
    "bulk_insert",
    "create_table_comment",
    "drop_table_comment",
}
# Batch operations SQLite can do in place; anything else makes Alembic recreate the table.
SQLITE_IN_PLACE_BATCH_OPS = {"add_column", "create_index", "drop_index"}
# Calls on a connection or ORM session that touch rows.
DATA_CALLS = {
    "execute",
    "exec_driver_sql",
    "query",
    "merge",
    "add",
    "add_all",
    "delete",
    "scalar",
    "scalars",
    "bulk_save_objects",
    "bulk_insert_mappings",
    "bulk_update_mappings",
}
INSPECTOR_CALLS = {
    "get_columns",
    "get_foreign_keys",
    "get_indexes",
    "get_unique_constraints",
    "get_table_names",
    "get_pk_constraint",
    "get_check_constraints",
    "has_table",
}
# Positional index of the table-name argument for `op.<name>(...)` (batch ops have no table).
TABLE_ARG = {
    "create_table": 0,
    "drop_table": 0,
    "rename_table": 0,
    "add_column": 0,
    "drop_column": 0,
    "alter_column": 0,
    "create_index": 1,
    "drop_index": 1,
    "create_foreign_key": 1,
    "create_primary_key": 1,
    "create_unique_constraint": 1,
    "create_check_constraint": 1,
    "drop_constraint": 1,
    "bulk_insert": 0,
}
TABLE_KWARGS = ("table_name", "source_table", "table")
# Names following these keywords in raw SQL are the tables a statement touches (lookahead: overlapping).
_TARGET = re.compile(r"(?=\b(?:ON|TABLE|INTO|UPDATE|FROM|JOIN)\s+[`\"\[]?([A-Za-z_]\w*))", re.I)
_SQL_WORDS = {
    "ON",
    "EACH",
    "EXISTS",
    "IF",
    "SET",
    "OF",
    "AS",
    "BEGIN",
    "NEW",
    "OLD",
    "ROW",
    "SELECT",
    "ONLY",
    "INSERTED",
    "DELETED",
}


@dataclass
class _Ctx:
    """Where the walker is: enclosing batch table, dialect conditions, try blocks, local names."""

    batch: dict[str, str] = field(default_factory=dict)  # batch-op variable -> table
    when: tuple[str, ...] = ()
    dialects: frozenset[str] = frozenset(DIALECTS)  # dialects on which this code can run
    guarded: bool = False
    env: dict[str, ast.expr] = field(default_factory=dict)  # name -> literal-ish value
    kinds: dict[str, str] = field(default_factory=dict)  # name -> "bind" | "session" | "inspector"
    defs: dict[str, ast.FunctionDef] = field(default_factory=dict)  # nested helper functions
    stack: tuple[str, ...] = ()

    def child(self, **changes: Any) -> _Ctx:
        values = {
            "batch": dict(self.batch),
            "when": self.when,
            "dialects": self.dialects,
            "guarded": self.guarded,
            "env": dict(self.env),
            "kinds": dict(self.kinds),
            "defs": dict(self.defs),
            "stack": self.stack,
        }
        values.update(changes)
        return _Ctx(**values)


class _ModuleInfo:
    def __init__(self, tree: ast.Module) -> None:
        self.functions: dict[str, ast.FunctionDef] = {}
        self.constants: dict[str, ast.expr] = {}
        self.revision: str | None = None
        self.down_revision: Any = None
        self.branch_labels: Any = None
        self.depends_on: Any = None
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef):
                self.functions[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign | ast.AnnAssign):
                self._assign(stmt)

    def _assign(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if not isinstance(target, ast.Name) or stmt.value is None:
                continue
            value = _literal(stmt.value)
            if target.id in {"revision", "down_revision", "branch_labels", "depends_on"}:
                setattr(self, target.id, list(value) if isinstance(value, tuple | list) else value)
            elif isinstance(stmt.value, ast.Constant | ast.List | ast.Tuple | ast.JoinedStr):
                self.constants[target.id] = stmt.value


class _Walker:
    """Walks `upgrade()` and every local helper it calls, collecting operation records."""

    def __init__(self, module: _ModuleInfo, tablenames: Mapping[str, str]) -> None:
        self.module = module
        self.tablenames = tablenames
        self.ops: list[dict[str, Any]] = []
        self.uses_connection = False
        self.inspects_schema = False

    def run(self) -> None:
        upgrade = self.module.functions.get("upgrade")
        if upgrade is not None:
            ctx = _Ctx(env=dict(self.module.constants), stack=("upgrade",))
            self._function_body(upgrade, ctx)

    def _function_body(self, func: ast.FunctionDef, ctx: _Ctx) -> None:
        local_defs = {s.name: s for s in ast.walk(func) if isinstance(s, ast.FunctionDef) and s is not func}
        ctx.defs.update(local_defs)
        self._block(func.body, ctx)

    # -- statements -------------------------------------------------------------------------
    def _block(self, stmts: list[ast.stmt], ctx: _Ctx) -> None:
        for stmt in stmts:
            self._stmt(stmt, ctx)

    def _stmt(self, stmt: ast.stmt, ctx: _Ctx) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
            return  # visited when called
        if isinstance(stmt, ast.If):
            self._if(stmt, ctx)
        elif isinstance(stmt, ast.With):
            self._with(stmt, ctx)
        elif isinstance(stmt, ast.Try):
            self._block(stmt.body, ctx.child(guarded=True))
            for handler in stmt.handlers:
                self._block(handler.body, ctx)
            self._block(stmt.orelse + stmt.finalbody, ctx)
        elif isinstance(stmt, ast.For):
            self._for(stmt, ctx)
        elif isinstance(stmt, ast.While):
            self._exprs(stmt.test, ctx)
            self._block(stmt.body + stmt.orelse, ctx)
        else:
            if isinstance(stmt, ast.Assign | ast.AnnAssign):
                self._track_assign(stmt, ctx)
            for node in ast.iter_child_nodes(stmt):
                self._exprs(node, ctx)

    def _if(self, stmt: ast.If, ctx: _Ctx) -> None:
        self._exprs(stmt.test, ctx)
        test = _src(stmt.test)
        dialect = any(f"'{d}'" in test or f'"{d}"' in test for d in DIALECTS)
        body_ctx, else_ctx = ctx, ctx
        if dialect:
            body_ctx = ctx.child(when=(*ctx.when, test), dialects=ctx.dialects & _dialects_where(stmt.test))
            else_ctx = ctx.child(
                when=(*ctx.when, f"not ({test})"),
                dialects=ctx.dialects & _dialects_where(ast.UnaryOp(ast.Not(), stmt.test)),
            )
        self._block(stmt.body, body_ctx)
        self._block(stmt.orelse, else_ctx)

    def _with(self, stmt: ast.With, ctx: _Ctx) -> None:
        inner = ctx.child()
        for item in stmt.items:
            self._exprs(item.context_expr, ctx, skip_batch=True)
            table = self._batch_table(item.context_expr, ctx)
            if table is not None and isinstance(item.optional_vars, ast.Name):
                inner.batch[item.optional_vars.id] = table
        self._block(stmt.body, inner)

    def _for(self, stmt: ast.For, ctx: _Ctx) -> None:
        self._exprs(stmt.iter, ctx)
        inner = ctx.child()
        items = self._resolve(stmt.iter, ctx)
        values = [self._text(e, ctx) for e in items.elts] if isinstance(items, ast.List | ast.Tuple) else []
        if isinstance(stmt.target, ast.Name) and values and all(v.isidentifier() for v in values):
            # `for table in ["a", SqlB.__tablename__]:` -> ops on table "a|b"
            inner.env[stmt.target.id] = ast.Constant("|".join(values))
        self._block(stmt.body + stmt.orelse, inner)

    def _track_assign(self, stmt: ast.Assign | ast.AnnAssign, ctx: _Ctx) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        if value is None:
            return
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            kind = self._value_kind(value, ctx)
            if kind:
                ctx.kinds[target.id] = kind
            if isinstance(value, ast.Constant | ast.List | ast.Tuple):
                ctx.env[target.id] = value

    def _value_kind(self, value: ast.expr, ctx: _Ctx) -> str | None:
        if _is_get_bind(value):
            return "bind"
        name = _call_name(value) if isinstance(value, ast.Call) else ""
        if name in {"Session", "sessionmaker"}:
            return "session"
        if name == "inspect":
            return "inspector"
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
            return ctx.kinds.get(value.value.id) if value.attr in {"engine", "connection"} else None
        return None

    # -- expressions ------------------------------------------------------------------------
    def _exprs(self, node: ast.AST, ctx: _Ctx, skip_batch: bool = False) -> None:
        """Visit every call in `node`, outermost first (lambdas and comprehensions included)."""
        for sub in _calls_in(node):
            if skip_batch and self._batch_table(sub, ctx) is not None:
                continue
            self._call(sub, ctx)

    def _call(self, call: ast.Call, ctx: _Ctx) -> None:
        func = call.func
        if _is_get_bind(call) or _is_context(call):
            self.uses_connection = True
        if isinstance(func, ast.Name):
            self._local_call(func.id, call, ctx)
            if func.id == "inspect":
                self.inspects_schema = self.uses_connection = True
            return
        if not isinstance(func, ast.Attribute):
            return
        method, receiver = func.attr, func.value
        root = _root(receiver)
        root_name = root.id if isinstance(root, ast.Name) else ""
        if _is_op(receiver) and method in SCHEMA_OPS:
            self._record(method, call, ctx, table=None)
        elif root_name in ctx.batch and receiver is root and method in SCHEMA_OPS:
            self._record(method, call, ctx, table=ctx.batch[root_name])
        elif "batch" in root_name and receiver is root and method in SCHEMA_OPS:
            self._record(method, call, ctx, table="?")
        elif method in INSPECTOR_CALLS or (method == "inspect" and root_name in {"sa", "sqlalchemy"}):
            self.inspects_schema = self.uses_connection = True
        elif method in DATA_CALLS or method in {"update", "delete"}:
            self._data_call(method, call, receiver, ctx)

    def _local_call(self, name: str, call: ast.Call, ctx: _Ctx) -> None:
        func = self._function(name, ctx)
        if not isinstance(func, ast.FunctionDef) or name in ctx.stack or name in {"upgrade", "downgrade"}:
            return
        inner = ctx.child(stack=(*ctx.stack, name))
        params = [a.arg for a in func.args.args]
        for param, value in zip(params, call.args, strict=False):
            self._bind_param(inner, param, value, ctx)
        for kw in call.keywords:
            if kw.arg:
                self._bind_param(inner, kw.arg, kw.value, ctx)
        self._function_body(func, inner)

    def _bind_param(self, inner: _Ctx, param: str, value: ast.expr, ctx: _Ctx) -> None:
        resolved = self._resolve(value, ctx)
        if isinstance(resolved, ast.Constant | ast.List | ast.Tuple):
            inner.env[param] = resolved
        if isinstance(value, ast.Name):
            if value.id in ctx.batch:
                inner.batch[param] = ctx.batch[value.id]
            if value.id in ctx.kinds:
                inner.kinds[param] = ctx.kinds[value.id]

    def _data_call(self, method: str, call: ast.Call, receiver: ast.AST, ctx: _Ctx) -> None:
        root = _root(receiver)
        kind = ctx.kinds.get(root.id) if isinstance(root, ast.Name) else None
        if kind is None and isinstance(root, ast.Name):
            kind = _kind_from_name(root.id)
        if kind is None and _is_get_bind(receiver):
            kind = "bind"
        if kind not in {"bind", "session"}:
            return
        if method in {"update", "delete"} and "query" not in _chain_attrs(receiver):
            return
        self._record(f"{kind}.{method}", call, ctx, table=None)

    # -- records ------------------------------------------------------------------------------
    def _batch_table(self, node: ast.AST, ctx: _Ctx) -> str | None:
        """Table name if `node` opens a batch: `op.batch_alter_table(T)` or a local helper returning one."""
        if not isinstance(node, ast.Call):
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr == "batch_alter_table":
            return self._text(_arg(node, 0, "table_name"), ctx)
        if isinstance(node.func, ast.Name):
            func = self._function(node.func.id, ctx)
            if isinstance(func, ast.FunctionDef):
                returned = next((s.value for s in ast.walk(func) if isinstance(s, ast.Return)), None)
                if isinstance(returned, ast.Call) and _call_name(returned) == "batch_alter_table":
                    inner = ctx.child()
                    for param, value in zip([a.arg for a in func.args.args], node.args, strict=False):
                        self._bind_param(inner, param, value, ctx)
                    return self._text(_arg(returned, 0, "table_name"), inner)
        return None

    def _function(self, name: str, ctx: _Ctx) -> ast.FunctionDef | None:
        return ctx.defs.get(name) or self.module.functions.get(name)

    def _resolve(self, node: ast.AST | None, ctx: _Ctx) -> ast.AST | None:
        if isinstance(node, ast.Name) and node.id in ctx.env:
            return ctx.env[node.id]
        return node

    def _text(self, node: ast.AST | None, ctx: _Ctx) -> str:
        resolved = self._resolve(node, ctx)
        value = _literal(resolved)
        if isinstance(value, str):
            return value
        if (  # `SqlRun.__tablename__`: the ORM model's table, from MLflow's model modules
            isinstance(resolved, ast.Attribute)
            and resolved.attr == "__tablename__"
            and isinstance(resolved.value, ast.Name)
            and resolved.value.id in self.tablenames
        ):
            return self.tablenames[resolved.value.id]
        return _src(resolved)

    def _record(self, method: str, call: ast.Call, ctx: _Ctx, table: str | None) -> None:
        record: dict[str, Any] = {"op": method}
        if table is not None:
            record["batch"] = True
            record["table"] = table
        elif method in TABLE_ARG:
            index = TABLE_ARG[method]
            node = next((_kwarg(call, k) for k in TABLE_KWARGS if _kwarg(call, k) is not None), None)
            record["table"] = self._text(node if node is not None else _arg(call, index), ctx)
        shift = 1 if table is None and method in TABLE_ARG and TABLE_ARG[method] == 0 else 0
        detail = getattr(self, f"_detail_{method.replace('.', '_')}", None)
        if detail is not None:
            detail(record, call, ctx, shift)
        elif method in {"bind.execute", "session.execute", "bind.exec_driver_sql"}:
            self._detail_execute(record, call, ctx, 0)
        if ctx.when:
            record["when"] = " and ".join(ctx.when)
        if ctx.dialects != frozenset(DIALECTS):
            record["dialects"] = sorted(ctx.dialects)
        if ctx.guarded:
            record["guarded"] = True
        self.ops.append(record)

    def _detail_add_column(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        column = self._column_call(_arg(call, shift, "column"), ctx)
        if column is None:
            record["column"] = self._text(_arg(call, shift, "column"), ctx)
            return
        record.update(_column_facts(column, ctx, self))

    def _detail_drop_column(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        record["column"] = self._text(_arg(call, shift, "column_name"), ctx)

    def _detail_alter_column(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        record["column"] = self._text(_arg(call, shift, "column_name"), ctx)
        for key in ("new_column_name", "nullable", "existing_nullable"):
            if (value := _kwarg(call, key)) is not None:
                record[key] = _literal(value) if _literal(value) is not None else _src(value)
        for key in ("type_", "existing_type"):
            if (value := _kwarg(call, key)) is not None:
                record[key.rstrip("_")] = _src(value)
        if _kwarg(call, "server_default") is not None:
            record["server_default"] = _src(_kwarg(call, "server_default"))

    def _detail_create_table(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        columns = [c for c in call.args[1:] if isinstance(c, ast.Call) and _call_name(c) == "Column"]
        record["columns"] = [self._text(_arg(c, 0, "name"), ctx) for c in columns]

    def _detail_create_index(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        record["name"] = self._text(_arg(call, 0, "index_name"), ctx)
        if _literal(_kwarg(call, "unique")):
            record["unique"] = True

    def _detail_drop_index(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        record["name"] = self._text(_arg(call, 0, "index_name"), ctx)

    def _detail_drop_constraint(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        record["name"] = self._text(_arg(call, 0, "constraint_name"), ctx)
        kind = _kwarg(call, "type_") or _arg(call, 2 if record.get("batch") is None else 1)
        if kind is not None:
            record["type"] = self._text(kind, ctx)

    def _detail_constraint(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        record["name"] = self._text(_arg(call, 0, "constraint_name"), ctx)

    _detail_create_primary_key = _detail_constraint
    _detail_create_unique_constraint = _detail_constraint
    _detail_create_check_constraint = _detail_constraint

    def _detail_create_foreign_key(
        self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int
    ) -> None:
        record["name"] = self._text(_arg(call, 0, "constraint_name"), ctx)
        referent = _arg(call, 2 if record.get("batch") is None else 1, "referent_table")
        record["referent"] = self._text(referent, ctx)

    def _detail_rename_table(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        record["new_name"] = self._text(_arg(call, 1, "new_table_name"), ctx)

    def _detail_execute(self, record: dict[str, Any], call: ast.Call, ctx: _Ctx, shift: int) -> None:
        statement = self._resolve(_arg(call, 0, "sqltext"), ctx)
        if isinstance(statement, ast.Call) and _call_name(statement) == "text" and statement.args:
            statement = self._resolve(statement.args[0], ctx)
        text = _literal(statement)
        if isinstance(statement, ast.JoinedStr):
            text = _src(statement)[2:-1]
        if isinstance(text, str):
            record["sql"] = " ".join(text.split())[:160]
            record["statement"] = _sql_verb(text)
            targets = {t for t in _TARGET.findall(text) if t.upper() not in _SQL_WORDS and len(t) > 2}
            if targets:
                record["targets"] = sorted(targets)
        else:
            record["statement"] = _expression_verb(statement)

    def _column_call(self, node: ast.AST | None, ctx: _Ctx) -> ast.Call | None:
        """The `Column(...)` call an argument is, or that a local no-arg helper returns."""
        node = self._resolve(node, ctx)
        if isinstance(node, ast.Call) and _call_name(node) == "Column":
            return node
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            func = self._function(node.func.id, ctx)
            if isinstance(func, ast.FunctionDef):
                returned = next((s.value for s in ast.walk(func) if isinstance(s, ast.Return)), None)
                if isinstance(returned, ast.Call) and _call_name(returned) == "Column":
                    return returned
        return None


def _truth(node: ast.AST, dialect: str) -> bool | None:
    """Value of a condition on a connection whose dialect is `dialect` (None: does not depend on it)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(node.operand, dialect)
        return None if inner is None else not inner
    if isinstance(node, ast.BoolOp):
        values = [_truth(v, dialect) for v in node.values]
        if isinstance(node.op, ast.And):
            return False if False in values else None if None in values else True
        return True if True in values else None if None in values else False
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, right = _literal(node.left), _literal(node.comparators[0])
        value = right if isinstance(right, str | tuple | list | set) else left
        names = (
            {value}
            if isinstance(value, str)
            else set(value)
            if isinstance(value, tuple | list | set)
            else set()
        )
        if not names & set(DIALECTS):
            return None
        op = node.ops[0]
        if isinstance(op, ast.Eq | ast.In):
            return dialect in names
        if isinstance(op, ast.NotEq | ast.NotIn):
            return dialect not in names
    return None


def _dialects_where(test: ast.expr) -> frozenset[str]:
    """Dialects on which `test` can be true (a part that does not depend on the dialect may be either)."""
    return frozenset(d for d in DIALECTS if _truth(test, d) is not False)


def _column_facts(column: ast.Call, ctx: _Ctx, walker: _Walker) -> dict[str, Any]:
    facts: dict[str, Any] = {"column": walker._text(_arg(column, 0, "name"), ctx)}
    type_node = column.args[1] if len(column.args) > 1 else _kwarg(column, "type_")
    if type_node is not None and not isinstance(type_node, ast.Call | ast.Attribute | ast.Name):
        type_node = None
    if type_node is not None and _call_name(type_node) not in {"ForeignKey"}:
        facts["type"] = _src(type_node)
    nullable = _literal(_kwarg(column, "nullable"))
    primary = bool(_literal(_kwarg(column, "primary_key")))
    facts["nullable"] = (not primary) if nullable is None else bool(nullable)
    facts["server_default"] = _kwarg(column, "server_default") is not None
    return facts


def _sql_verb(sql: str) -> str:
    """A coarse label for a raw SQL statement: what it does to data or schema."""
    text = re.sub(r"--[^\n]*", " ", sql).strip().upper()
    words = text.split()
    first = words[0] if words else ""
    second = words[1] if len(words) > 1 else ""
    if first in {"SELECT", "WITH", "SHOW", "PRAGMA", "SET", "EXPLAIN"}:
        return "read"
    if first in {"INSERT", "UPDATE", "MERGE", "REPLACE"}:
        return "write"
    if first in {"DELETE", "TRUNCATE"}:
        return "delete"
    if first == "DROP" and second == "TABLE":
        return "drop_table"
    if first == "ALTER" and re.search(
        r"\bDROP\s+(COLUMN\b|(?!CONSTRAINT|INDEX|FOREIGN|PRIMARY|CHECK|KEY)\w)", text
    ):
        return "drop_column"
    if first in {"CREATE", "DROP", "ALTER", "COMMENT"}:
        return "ddl"
    return "unknown"


def _expression_verb(node: ast.AST | None) -> str:
    attrs = set(_chain_attrs(node)) if node is not None else set()
    name = _call_name(node) if isinstance(node, ast.Call) else ""
    if attrs & {"delete"} or name == "delete":
        return "delete"
    if attrs & {"update", "insert", "values"} or name in {"update", "insert"}:
        return "write"
    if attrs & {"select", "where"} or name == "select":
        return "read"
    return "unknown"
