"""NiFi's component definitions read from its source at a release tag: what the extension manifest
of each NAR says (property descriptors, relationships, dynamic properties, attributes), plus the
renames `migrateProperties` applies on load and each descriptor's Java field.

`Release` reads a bare git mirror of apache/nifi without a work tree; `Interpreter` evaluates the
few Java patterns NiFi declares components with (see tools/java_source.py); `extract` returns one
component's definition, with every fact it could not read listed under `unresolved`.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

from java_source import (
    Field,
    JType,
    Method,
    Tok,
    Unit,
    match_close,
    parse_unit,
    split_top,
)

JAVA_ROOT = "/src/main/java/"


# ---- values ------------------------------------------------------------------------------------

@dataclass
class Unresolved:
    reason: str


@dataclass
class Descriptor:
    attrs: dict
    field: str | None = None


@dataclass
class Rel:
    name: object
    field: str | None = None


@dataclass
class Allowable:
    value: object
    display: object


@dataclass
class ClassRef:
    fqn: str
    jtype: JType | None


@dataclass
class Obj:
    """An instance the interpreter built: an enum constant, or an object whose class it read."""

    jtype: JType
    name: str | None
    fields: dict = field(default_factory=dict)


@dataclass
class Builder:
    kind: str  # "property" | "relationship"
    attrs: dict


@dataclass
class ConfigRecorder:
    """Stands for NiFi's PropertyConfiguration in migrateProperties: it records renames and removals."""

    renamed: dict = field(default_factory=dict)
    removed: list = field(default_factory=list)


@dataclass
class Lambda:
    params: list
    body: list
    ctx: object
    block: bool


@dataclass
class MethodRef:
    name: str


@dataclass
class Ref:
    """An AtomicReference/AtomicBoolean: get() and set() on one value."""

    value: object = None


# Constants of classes outside the mirror (the JDK, nifi-api, libraries) that NiFi's descriptors use.
EXTERNAL_CONSTANTS = {
    "Boolean.TRUE": True, "Boolean.FALSE": False,
    "StandardCharsets.UTF_8": "UTF-8", "StandardCharsets.US_ASCII": "US-ASCII",
    "StandardCharsets.ISO_8859_1": "ISO-8859-1", "StandardCharsets.UTF_16": "UTF-16",
    "StandardCharsets.UTF_16BE": "UTF-16BE", "StandardCharsets.UTF_16LE": "UTF-16LE",
    "CoreAttributes.FILENAME": "filename", "CoreAttributes.PATH": "path", "CoreAttributes.ABSOLUTE_PATH": "absolute.path",
    "CoreAttributes.MIME_TYPE": "mime.type", "CoreAttributes.UUID": "uuid",
    "CoreAttributes.DISCARD_REASON": "discard.reason", "CoreAttributes.ALTERNATE_IDENTIFIER": "alternate.identifier",
    "HttpServletResponse.SC_OK": 200, "HttpURLConnection.HTTP_OK": 200,
    "Connection.TRANSACTION_NONE": 0, "Connection.TRANSACTION_READ_UNCOMMITTED": 1,
    "Connection.TRANSACTION_READ_COMMITTED": 2, "Connection.TRANSACTION_REPEATABLE_READ": 4,
    "Connection.TRANSACTION_SERIALIZABLE": 8,
    "MessageDigestAlgorithms.SHA_256": "SHA-256", "MessageDigestAlgorithms.SHA_512": "SHA-512",
    "MessageDigestAlgorithms.MD5": "MD5", "MessageDigestAlgorithms.SHA_1": "SHA-1",
    "Integer.MAX_VALUE": 2147483647, "Long.MAX_VALUE": 9223372036854775807,
}
# Enums outside the mirror: their constants, in declaration order.
EXTERNAL_ENUMS = {
    "LogLevel": ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "NONE"],
    "ExpressionLanguageScope": ["NONE", "ENVIRONMENT", "FLOWFILE_ATTRIBUTES"],
}


class _Return(Exception):
    def __init__(self, value):
        self.value = value


# ---- a release's source ------------------------------------------------------------------------

class Release:
    """The Java sources and poms of one release tag of a bare apache/nifi mirror."""

    def __init__(self, repo: str, tag: str):
        self.repo, self.tag = repo, tag
        self.commit = self._git("rev-parse", f"{tag}^{{commit}}").strip()
        names = self._git("ls-tree", "-r", "--name-only", tag).splitlines()
        self.paths: dict[str, str] = {}
        for path in names:
            if path.endswith(".java") and JAVA_ROOT in path and "/src/test/" not in path:
                fqn = path.split(JAVA_ROOT, 1)[1][:-5].replace("/", ".")
                self.paths.setdefault(fqn, path)
        self.poms = [p for p in names if p.endswith("/pom.xml") or p == "pom.xml"]
        self.services: dict[str, list[str]] = {}
        for path in names:
            if "/src/main/resources/META-INF/services/" in path:
                self.services.setdefault(path.rpartition("/")[2], []).append(path)
        self._units: dict[str, Unit] = {}
        self._batch: subprocess.Popen | None = None
        self._nar_index: dict[str, list[tuple[str, str]]] | None = None

    def _git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", self.repo, *args], check=True, capture_output=True, text=True).stdout

    def read(self, path: str) -> str:
        if self._batch is None:
            self._batch = subprocess.Popen(["git", "-C", self.repo, "cat-file", "--batch"], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE)
        assert self._batch.stdin and self._batch.stdout
        self._batch.stdin.write(f"{self.tag}:{path}\n".encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode().split()
        if len(header) < 3 or header[1] == "missing":
            raise FileNotFoundError(path)
        data = self._batch.stdout.read(int(header[2]))
        self._batch.stdout.read(1)
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._batch is not None:
            assert self._batch.stdin
            self._batch.stdin.close()
            self._batch.wait()
            self._batch = None

    def unit(self, path: str) -> Unit:
        if path not in self._units:
            self._units[path] = parse_unit(path, self.read(path))
        return self._units[path]

    def find_type(self, fqn: str) -> JType | None:
        parts = fqn.split(".")
        for cut in range(len(parts), 0, -1):
            top = ".".join(parts[:cut])
            path = self.paths.get(top)
            if path is None:
                continue
            jtype = self.unit(path).types.get(parts[cut - 1])
            for name in parts[cut:]:
                jtype = jtype.nested.get(name) if jtype else None
            return jtype
        return None

    # -- NARs: module -> artifactId -> the *-nar pom that bundles it
    @staticmethod
    def _artifact_id(pom: str) -> str:
        pom = re.sub(r"<parent>.*?</parent>", "", pom, flags=re.DOTALL)
        match = re.search(r"<artifactId>\s*([^<\s]+)\s*</artifactId>", pom)
        return match.group(1) if match else ""

    def _nars(self) -> dict[str, list[tuple[str, str]]]:
        if self._nar_index is None:
            self._nar_index = {}
            for pom_path in self.poms:
                directory = pom_path.rpartition("/")[0]
                if not directory.endswith("-nar"):
                    continue
                pom = self.read(pom_path)
                nar = self._artifact_id(pom)
                for dep in re.findall(r"<dependency>(.*?)</dependency>", pom, flags=re.DOTALL):
                    if re.search(r"<scope>\s*(provided|test)\s*</scope>", dep):
                        continue
                    art = re.search(r"<artifactId>\s*([^<\s]+)\s*</artifactId>", dep)
                    if art:
                        self._nar_index.setdefault(art.group(1), []).append((directory, nar))
        return self._nar_index

    def _module_deps(self) -> dict[str, set[str]]:
        """artifactId -> the artifactIds it depends on (compile scope), for every non-NAR module."""
        if getattr(self, "_deps", None) is None:
            self._deps = {}
            for pom_path in self.poms:
                if pom_path.rpartition("/")[0].endswith("-nar"):
                    continue
                pom = self.read(pom_path)
                deps = set()
                for dep in re.findall(r"<dependency>(.*?)</dependency>", pom, flags=re.DOTALL):
                    if re.search(r"<scope>\s*(provided|test)\s*</scope>", dep):
                        continue
                    art = re.search(r"<artifactId>\s*([^<\s]+)\s*</artifactId>", dep)
                    if art:
                        deps.add(art.group(1))
                self._deps[self._artifact_id(pom)] = deps
        return self._deps

    def registered_in(self, fqn: str) -> str | None:
        """The module whose META-INF/services registers a component class (how NiFi finds it)."""
        if getattr(self, "_registrations", None) is None:
            self._registrations: dict[str, list[str]] = {}
            for api in ("org.apache.nifi.processor.Processor", "org.apache.nifi.controller.ControllerService"):
                for path in self.services.get(api, []):
                    for line in self.read(path).splitlines():
                        line = line.split("#", 1)[0].strip()
                        if line:
                            self._registrations.setdefault(line, []).append(path.split("/src/main/resources/")[0])
        modules = self._registrations.get(fqn, [])
        return modules[0] if len(modules) == 1 else None

    def nar_of(self, source_path: str) -> str | None:
        module = source_path.split(JAVA_ROOT, 1)[0]
        try:
            artifact = self._artifact_id(self.read(f"{module}/pom.xml"))
        except FileNotFoundError:
            return None
        candidates = self._nars().get(artifact, [])
        if not candidates:  # bundled through a module that depends on it
            users = [a for a, deps in self._module_deps().items() if artifact in deps]
            candidates = [c for user in users for c in self._nars().get(user, [])]
        if not candidates:
            return None

        def shared(entry: tuple[str, str]) -> int:
            a, b = entry[0].split("/"), module.split("/")
            n = 0
            while n < min(len(a), len(b)) and a[n] == b[n]:
                n += 1
            return n
        best = max(shared(c) for c in candidates)
        nars = sorted({nar for d, nar in candidates if shared((d, nar)) == best})
        return nars[0] if len(nars) == 1 else None


# ---- the interpreter ---------------------------------------------------------------------------

SKIPPED_BUILDER_CALLS = {"description", "addValidator", "validator", "dependsOn", "clearValidators",
                         "clearDependsOn", "identifiesExternalResource", "autoTerminateDefault",
                         "dynamicallyModifiesClasspath", "addValidators", "asControllerService",
                         "identifiesListenPort"}
COLLECTION_FACTORIES = {("List", "of"), ("Set", "of"), ("Arrays", "asList"), ("Stream", "of"), ("EnumSet", "of"),
                        ("Collections", "singletonList"), ("Collections", "singleton"), ("Sets", "newHashSet"),
                        ("Lists", "newArrayList")}
WRAPPERS = {("Collections", "unmodifiableList"), ("Collections", "unmodifiableSet"), ("Arrays", "stream"),
            ("Collections", "synchronizedSet"), ("Collections", "synchronizedList"), ("List", "copyOf"),
            ("Set", "copyOf"), ("Collections", "unmodifiableMap"),
            ("Collections", "unmodifiableCollection"), ("Objects", "requireNonNull")}
EMPTY = {("Collections", "emptyList"), ("Collections", "emptySet"), ("List", "of"), ("Set", "of")}
NEW_COLLECTIONS = {"ArrayList", "LinkedList", "HashSet", "LinkedHashSet", "TreeSet", "CopyOnWriteArrayList"}
NEW_MAPS = {"HashMap", "LinkedHashMap", "TreeMap", "ConcurrentHashMap"}


@dataclass
class Ctx:
    cls: JType                      # where the code is written (lexical scope)
    this: object = None             # the instance (Obj), or the concrete JType for a component
    locals: dict = field(default_factory=dict)
    fields: dict | None = None      # instance fields assigned while running a constructor or init
    explore: bool = False           # run both branches of an if whose condition is unknown


class Interpreter:
    def __init__(self, release: Release):
        self.release = release
        self.statics: dict[tuple[str, str], object] = {}
        self.static_blocks_run: set[str] = set()
        self.notes: list[str] = []
        self.depth = 0
        self._headers: dict[tuple[str, str], tuple[str, JType | None]] = {}
        self.root: Ctx | None = None  # the component being read
        self.instances: dict[tuple[str, str, str], object] = {}  # a component's instance fields

    # -- names
    def resolve_type(self, name: str, cls: JType | None) -> tuple[str, JType | None]:
        head, _, rest = name.partition(".")
        found = self._resolve_simple(head, cls) if cls else None
        if found is None:
            jtype = self.release.find_type(name)
            return name, jtype
        fqn, jtype = found
        for part in rest.split(".") if rest else ():
            jtype = jtype.nested.get(part) if jtype else None
            fqn = f"{fqn}.{part}"
        return fqn, jtype

    def _resolve_simple(self, name: str, cls: JType, inherited: bool = True) -> tuple[str, JType | None] | None:
        scope: JType | None = cls
        while scope is not None:
            if scope.name == name:
                return scope.fqn, scope
            for holder in self.hierarchy(scope) if inherited else [scope]:
                if name in holder.nested:
                    return holder.nested[name].fqn, holder.nested[name]
            scope = scope.outer
        unit = cls.unit
        if name in unit.types:
            return unit.types[name].fqn, unit.types[name]
        if name in unit.imports:
            fqn = unit.imports[name]
            return fqn, self.release.find_type(fqn)
        same = f"{unit.package}.{name}"
        if same in self.release.paths:
            return same, self.release.find_type(same)
        for wildcard in unit.wildcards:
            jtype = self.release.find_type(f"{wildcard}.{name}")
            if jtype is not None:
                return jtype.fqn, jtype
        if name in ("String", "Integer", "Long", "Boolean", "Object", "Math", "System", "Character", "Double"):
            return f"java.lang.{name}", None
        return None

    def header_type(self, name: str, jtype: JType) -> tuple[str, JType | None]:
        """A name in a type's extends/implements clause (resolved without the type's inherited members)."""
        key = (jtype.fqn, name)
        if key not in self._headers:
            head, _, rest = name.partition(".")
            found = self._resolve_simple(head, jtype, inherited=False)
            if found is None:
                self._headers[key] = (name, self.release.find_type(name))
            else:
                fqn, sup = found
                for part in rest.split(".") if rest else ():
                    sup = sup.nested.get(part) if sup else None
                    fqn = f"{fqn}.{part}"
                self._headers[key] = (fqn, sup)
        return self._headers[key]

    def supertypes(self, jtype: JType) -> list[JType]:
        out = []
        for name in [*jtype.extends, *jtype.implements]:
            _, sup = self.header_type(name, jtype)
            if sup is not None and sup is not jtype:
                out.append(sup)
        return out

    def hierarchy(self, jtype: JType) -> list[JType]:
        """jtype, its superclasses, then its interfaces (each once)."""
        seen, order, todo = set(), [], [jtype]
        while todo:
            current = todo.pop(0)
            if current.fqn in seen:
                continue
            seen.add(current.fqn)
            order.append(current)
            todo.extend(self.supertypes(current))
        return order

    def superclass(self, jtype: JType) -> JType | None:
        if not jtype.extends or jtype.kind == "interface":
            return None
        return self.header_type(jtype.extends[0], jtype)[1]

    def supertype_names(self, jtype: JType) -> set[str]:
        """Every supertype's fully-qualified name, also those outside the mirror (nifi-api)."""
        names, todo, seen = set(), [jtype], set()
        while todo:
            current = todo.pop()
            if current.fqn in seen:
                continue
            seen.add(current.fqn)
            for name in [*current.extends, *current.implements]:
                fqn, sup = self.header_type(name, current)
                names.add(fqn)
                if sup is not None:
                    todo.append(sup)
        return names

    def find_field(self, name: str, cls: JType) -> Field | None:
        scope: JType | None = cls
        while scope is not None:
            for holder in self.hierarchy(scope):
                if name in holder.fields:
                    return holder.fields[name]
            scope = scope.outer
        unit = cls.unit
        owners = ([unit.static_imports[name]] if name in unit.static_imports else []) + unit.static_wildcards
        for owner in owners:
            jtype = self.release.find_type(owner)
            if jtype is not None:
                for holder in self.hierarchy(jtype):
                    if name in holder.fields:
                        return holder.fields[name]
        return None

    def find_method(self, name: str, cls: JType, arity: int, args: list | None = None) -> Method | None:
        for holder in self.hierarchy(cls):
            candidates = [m for m in holder.methods.get(name, ()) if m.accepts(arity) and m.body is not None]
            if candidates:
                return max(candidates, key=lambda m: (len(m.params) == arity, _fit(m, args or [])))
        scope = cls.outer
        while scope is not None:
            method = self.find_method(name, scope, arity, args)
            if method is not None:
                return method
            scope = scope.outer
        unit = cls.unit
        owners = ([unit.static_imports[name]] if name in unit.static_imports else []) + unit.static_wildcards
        for owner in owners:
            jtype = self.release.find_type(owner)
            if jtype is not None and jtype.method(name, arity):
                return jtype.method(name, arity)
        return None

    # -- fields
    def field_value(self, f: Field, ctx: Ctx):
        if f.static:
            key = (f.owner.fqn, f.name)
            if key not in self.statics:
                self.statics[key] = Unresolved(f"{f.owner.name}.{f.name}: circular initialisation")
                value = self.evaluate(f.init, Ctx(f.owner)) if f.init is not None else None
                self.statics[key] = self._named(value, f)
                self._run_static_blocks(f.owner)
            return self.statics[key]
        if ctx.fields is not None:
            if f.name not in ctx.fields:  # kept, so that a constructor's mutations of it persist
                ctx.fields[f.name] = self._named(self.evaluate(f.init, Ctx(f.owner, ctx.this)) if f.init else None, f)
            return ctx.fields[f.name]
        if isinstance(ctx.this, Obj):
            if f.name in ctx.this.fields:
                return ctx.this.fields[f.name]
            return self._named(self.evaluate(f.init, Ctx(f.owner, ctx.this)) if f.init else None, f)
        if isinstance(ctx.this, JType):
            key = (ctx.this.fqn, f.owner.fqn, f.name)
            if key not in self.instances:
                self.instances[key] = Unresolved(f"{f.owner.name}.{f.name}: circular initialisation")
                self.instances[key] = self._instance_field(f, ctx.this)
            return self.instances[key]
        return Unresolved(f"instance field {f.owner.name}.{f.name} read without an instance")

    def _named(self, value, f: Field):
        ident = f"{_qualified_name(f.owner)}.{f.name}"
        if isinstance(value, Descriptor) and value.field is None or isinstance(value, Rel) and value.field is None:
            value.field = ident
        return value

    def _run_static_blocks(self, owner: JType) -> None:
        if owner.fqn in self.static_blocks_run:
            return
        self.static_blocks_run.add(owner.fqn)
        for block in owner.static_blocks:
            ctx = Ctx(owner, fields={})
            self.run_block(block, ctx)
            for name, value in ctx.fields.items():
                if name in owner.fields:
                    self.statics[(owner.fqn, name)] = self._named(value, owner.fields[name])

    def _instance_field(self, f: Field, concrete: JType):
        """An instance field of a component: assigned in a constructor, an initializer or init(),
        most-derived class first; else its own initializer."""
        chain = []
        current: JType | None = concrete
        while current is not None:
            chain.append(current)
            current = self.superclass(current)
        assign = re.compile(rf"^(this\.)?{re.escape(f.name)}$")
        for cls in chain:
            blocks = [c.body for c in cls.constructors if c.body is not None and not c.params]
            blocks += cls.init_blocks
            blocks += [m.body for m in cls.methods.get("init", []) if m.body is not None]
            for block in blocks:
                if not any(_statement_assigns(stmt, assign) for stmt in _statements(block)):
                    continue
                ctx = Ctx(cls, concrete, fields={})
                try:
                    self.run_block(block, ctx)
                except _Return:
                    pass
                if f.name in ctx.fields:
                    return self._named(ctx.fields[f.name], f)
        if f.init is not None:
            return self._named(self.evaluate(f.init, Ctx(f.owner, concrete)), f)
        return _java_default(f)

    # -- statements
    def _construct(self, jtype, obj, args: list) -> None:
        """Run the constructor that takes `len(args)` arguments on `obj` (an enum constant or a `new`)."""
        ctor = next((c for c in jtype.constructors if len(c.params) == len(args)), None)
        if ctor is not None and ctor.body is not None:
            run = Ctx(jtype, obj, dict(zip(ctor.params, args)), obj.fields)
            try:
                self.run_block(ctor.body, run)
            except _Return:
                pass

    def run_block(self, toks: list[Tok], ctx: Ctx):
        for stmt in _statements(toks):
            self.statement(stmt, ctx)

    def statement(self, stmt: list[Tok], ctx: Ctx) -> None:
        if not stmt:
            return
        head = stmt[0].text
        if head == "{":
            self.run_block(stmt[1:match_close(stmt, 0)], ctx)
            return
        if head == "return":
            raise _Return(self.evaluate(stmt[1:-1], ctx) if len(stmt) > 2 else None)
        if head == "if":
            close = match_close(stmt, 1)
            cond = self.evaluate(stmt[2:close], ctx)
            rest = stmt[close + 1:]
            then, otherwise = _split_else(rest)
            if isinstance(cond, bool):
                if cond:
                    self.statement(then, ctx)
                elif otherwise:
                    self.statement(otherwise, ctx)
            elif ctx.explore:
                self.statement(then, ctx)
                if otherwise:
                    self.statement(otherwise, ctx)
            else:
                self.notes.append(f"{ctx.cls.name}: a condition the reader cannot evaluate "
                                  f"({_text(stmt[2:close])[:80]})")
            return
        if head == "for":
            close = match_close(stmt, 1)
            header = stmt[2:close]
            colon = next((k for k, t in enumerate(header) if t.text == ":"), None)
            if colon is None:
                self.notes.append(f"{ctx.cls.name}: a counted for loop the reader does not run")
                return
            var = header[colon - 1].text
            items = self.evaluate(header[colon + 1:], ctx)
            if isinstance(items, dict):
                items = list(items.items())
            if not isinstance(items, list):
                self.notes.append(f"{ctx.cls.name}: a loop over {_text(header[colon + 1:])[:60]} the reader "
                                  "cannot evaluate")
                return
            for item in items:
                self.statement(stmt[close + 1:], Ctx(ctx.cls, ctx.this, {**ctx.locals, var: item}, ctx.fields,
                                                     ctx.explore))
            return
        if head == "try":
            k = 1
            if stmt[k].text == "(":
                k = match_close(stmt, k) + 1
            self.statement(stmt[k:match_close(stmt, k) + 1], ctx)
            return
        if head == "synchronized":
            close = match_close(stmt, 1)
            self.statement(stmt[close + 1:], ctx)
            return
        if head in ("while", "do", "switch", "throw", "assert", "break", "continue"):
            if head not in ("throw", "assert", "break", "continue"):
                self.notes.append(f"{ctx.cls.name}: a '{head}' statement the reader does not run")
            return
        body = stmt[:-1] if stmt[-1].text == ";" else stmt
        eq = _top_assignment(body)
        if eq is not None:
            target, value_toks = body[:eq], body[eq + 1:]
            value = self.evaluate(value_toks, ctx)
            names = [t.text for t in target if t.kind == "id"]
            if len(target) >= 2 and target[-1].kind == "id" and target[-2].kind == "id" or \
                    (len(target) >= 2 and target[-2].text in (">", "]") and target[-1].kind == "id"):
                ctx.locals[target[-1].text] = value  # a declaration
            elif len(target) == 1 and target[0].text in ctx.locals:
                ctx.locals[target[0].text] = value
            elif len(target) == 1 and target[0].text in ctx.cls.fields and ctx.cls.fields[target[0].text].static:
                f = ctx.cls.fields[target[0].text]
                self.statics[(ctx.cls.fqn, f.name)] = self._named(value, f)
            elif names and (len(target) == 1 or (len(target) == 3 and names[0] == "this")) and ctx.fields is not None:
                ctx.fields[names[-1]] = value
            return
        if body and len(body) >= 2 and body[-1].kind == "id" and body[-2].kind == "id":
            ctx.locals[body[-1].text] = None  # a declaration without a value
            return
        self.evaluate(body, ctx)

    # -- expressions
    def evaluate(self, toks: list[Tok] | None, ctx: Ctx):
        if not toks:
            return Unresolved("empty expression")
        self.depth += 1
        try:
            if self.depth > 60:
                return Unresolved("evaluation too deep")
            return self._expression(toks, ctx)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError, StopIteration) as bug:
            return Unresolved(f"the reader failed on {_text(toks)[:60]} ({type(bug).__name__})")
        finally:
            self.depth -= 1

    def _expression(self, toks: list[Tok], ctx: Ctx):
        arrow = _top_index(toks, "->")
        if arrow is not None:
            params = [t.text for t in toks[:arrow] if t.kind == "id"]
            body = toks[arrow + 1:]
            block = bool(body) and body[0].text == "{"
            return Lambda(params, body[1:-1] if block else body, ctx, block)
        question = _top_index(toks, "?")
        if question is not None:
            colon = _top_index(toks[question + 1:], ":")
            cond = self.evaluate(toks[:question], ctx)
            if colon is None or not isinstance(cond, bool):
                return Unresolved(f"conditional expression {_text(toks)[:60]}")
            return self.evaluate(toks[question + 1:question + 1 + colon] if cond else
                                 toks[question + 2 + colon:], ctx)
        for ops in (("||",), ("&&",), ("==", "!="), ("+", "-"), ("*", "/", "%")):
            index = _top_binary(toks, ops)
            if index is not None:
                left = self.evaluate(toks[:index], ctx)
                right = self.evaluate(toks[index + 1:], ctx)
                return _binary(toks[index].text, left, right)
        if toks[0].text == "!":
            value = self.evaluate(toks[1:], ctx)
            return (not value) if isinstance(value, bool) else Unresolved(f"!{_text(toks[1:])[:40]}")
        if toks[0].text == "-" and len(toks) == 2 and toks[1].kind == "num":
            return -_number(toks[1].text)
        return self._postfix(toks, ctx)

    def _postfix(self, toks: list[Tok], ctx: Ctx):
        value, i = self._primary(toks, ctx)
        while i < len(toks):
            t = toks[i]
            if t.text == "." and i + 1 < len(toks):
                i += 1
                if toks[i].text == "<":  # explicit type arguments: obj.<T>method()
                    while toks[i].text != ">":
                        i += 1
                    i += 1
                name = toks[i].text
                if i + 1 < len(toks) and toks[i + 1].text == "(":
                    close = match_close(toks, i + 1)
                    value = self.call_on(value, name, toks[i + 2:close], ctx)
                    i = close + 1
                else:
                    value = self.member(value, name, ctx)
                    i += 1
            elif t.text == "[":
                close = match_close(toks, i)
                index = self.evaluate(toks[i + 1:close], ctx)
                value = value[index] if isinstance(value, list) and isinstance(index, int) and \
                    0 <= index < len(value) else Unresolved(f"index {_text(toks[:close + 1])[:60]}")
                i = close + 1
            elif t.text == "::" and i + 1 < len(toks):
                return MethodRef(toks[i + 1].text)
            else:
                return Unresolved(f"expression {_text(toks)[:60]}")
        return value

    def _primary(self, toks: list[Tok], ctx: Ctx):
        t = toks[0]
        if t.kind == "str":
            return t.value, 1
        if t.kind == "num":
            return _number(t.text), 1
        if t.kind == "chr":
            return t.text[1:-1], 1
        if t.text == "(":
            close = match_close(toks, 0)
            inner = toks[1:close]
            if close + 1 < len(toks) and _looks_like_cast(inner, toks[close + 1]):
                return self._postfix(toks[close + 1:], ctx), len(toks)
            return self.evaluate(inner, ctx), close + 1
        if t.text == "{":
            close = match_close(toks, 0)
            return [self.evaluate(part, ctx) for part in split_top(toks[1:close])], close + 1
        if t.text == "new":
            return self._new(toks, ctx)
        if t.kind != "id":
            return Unresolved(f"expression {_text(toks)[:60]}"), len(toks)
        if t.text in ("true", "false"):
            return t.text == "true", 1
        if t.text == "null":
            return None, 1
        if t.text == "this":
            return ctx.this, 1
        if t.text == "super" and len(toks) > 3 and toks[1].text == "." and toks[3].text == "(":
            close = match_close(toks, 3)
            parent = self.superclass(ctx.cls)
            args = [self.evaluate(a, ctx) for a in split_top(toks[4:close])]
            if parent is None:
                return self._api_super(toks[2].text, args), close + 1
            method = self.find_method(toks[2].text, parent, len(args), args)
            if method is None:
                return self._api_super(toks[2].text, args), close + 1
            return self.invoke(method, args, ctx), close + 1
        # a call of a method in scope
        if len(toks) > 1 and toks[1].text == "(":
            close = match_close(toks, 1)
            args = [self.evaluate(a, ctx) for a in split_top(toks[2:close])]
            scope = ctx.this.jtype if isinstance(ctx.this, Obj) else (
                ctx.this if isinstance(ctx.this, JType) else ctx.cls)
            method = self.find_method(t.text, scope, len(args), args) or \
                self.find_method(t.text, ctx.cls, len(args), args)
            if method is None:
                if isinstance(ctx.this, Obj):
                    return self.call_on(ctx.this, t.text, args, ctx), close + 1
                return Unresolved(f"call of {t.text}() in {ctx.cls.name}"), close + 1
            return self.invoke(method, args, ctx), close + 1
        if t.text in ctx.locals:
            return ctx.locals[t.text], 1
        found = self.find_field(t.text, ctx.cls)
        if found is not None:
            return self.field_value(found, ctx), 1
        constant = self.enum_constant_in_scope(t.text, ctx.cls)
        if constant is not None:
            return constant, 1
        owner = ctx.cls.unit.static_imports.get(t.text, "").rpartition(".")[2]
        if f"{owner}.{t.text}" in EXTERNAL_CONSTANTS:
            return EXTERNAL_CONSTANTS[f"{owner}.{t.text}"], 1
        if t.text in EXTERNAL_ENUMS.get(owner, ()):
            return t.text, 1
        # a type name: a simple name in scope, or a package-qualified one (the shortest prefix naming a type)
        name, i = t.text, 1
        found = self._resolve_simple(name, ctx.cls)
        if found is not None:
            fqn, jtype = found
        else:
            fqn, jtype = name, None
            while jtype is None and i + 1 < len(toks) and toks[i].text == "." and toks[i + 1].kind == "id" \
                    and not (i + 2 < len(toks) and toks[i + 2].text == "("):
                name = f"{name}.{toks[i + 1].text}"
                fqn, jtype = name, self.release.find_type(name)
                i += 2
        if i + 1 < len(toks) and toks[i].text == "." and toks[i + 1].text == "class":
            return ClassRef(fqn, jtype), i + 2
        return ClassRef(fqn, jtype), i

    def _api_super(self, name: str, args: list):
        if name == "getSupportedPropertyDescriptors" or name == "getRelationships":
            return []  # AbstractConfigurableComponent / AbstractProcessor in nifi-api: empty
        if name == "migrateProperties":
            return None
        return Unresolved(f"super.{name}() outside the mirror")

    def _new(self, toks: list[Tok], ctx: Ctx):
        name, i = toks[1].text, 2
        while i + 1 < len(toks) and toks[i].text == "." and toks[i + 1].kind == "id":
            name += "." + toks[i + 1].text
            i += 2
        if i < len(toks) and toks[i].text == "<":
            depth = 0
            while i < len(toks):
                depth += {"<": 1, ">": -1}.get(toks[i].text, 0)
                i += 1
                if depth == 0:
                    break
        if i < len(toks) and toks[i].text == "[":  # new T[] {...}
            while i < len(toks) and toks[i].text != "{":
                i += 1
            if i == len(toks):
                return Unresolved(f"new {name}[...] without elements"), i
            close = match_close(toks, i)
            return [self.evaluate(part, ctx) for part in split_top(toks[i + 1:close])], close + 1
        close = match_close(toks, i)
        arg_toks = split_top(toks[i + 1:close])
        end = close + 1
        if end < len(toks) and toks[end].text == "{":  # anonymous class
            return Unresolved(f"anonymous {name}"), match_close(toks, end) + 1
        simple = name.rpartition(".")[2]
        if name in ("PropertyDescriptor.Builder", "Builder") and (
                name != "Builder" or ctx.cls.unit.imports.get("Builder", "").endswith("PropertyDescriptor.Builder")):
            return Builder("property", {}), end
        if name == "Relationship.Builder":
            return Builder("relationship", {}), end
        args = [self.evaluate(a, ctx) for a in arg_toks]
        if simple == "AllowableValue":
            return Allowable(args[0], args[1] if len(args) > 1 else args[0]), end
        if simple in ("AtomicReference", "AtomicBoolean", "AtomicInteger", "AtomicLong"):
            return Ref(args[0] if args else None), end
        if simple in NEW_MAPS:
            return (dict(args[0]) if args and isinstance(args[0], dict) else {}), end
        if simple in NEW_COLLECTIONS:
            first = args[0] if args else []
            return (list(first) if isinstance(first, list) else ([] if not args or isinstance(first, int)
                                                                 else first)), end
        _fqn, jtype = self.resolve_type(name, ctx.cls)
        if jtype is None:
            return Unresolved(f"new {name}(...)"), end
        obj = Obj(jtype, None)
        for holder in reversed([h for h in self.hierarchy(jtype) if h.kind == "class"]):
            for fname, f in holder.fields.items():
                if not f.static:
                    obj.fields[fname] = self.evaluate(f.init, Ctx(holder, obj)) if f.init else _java_default(f)
        self._construct(jtype, obj, args)
        return obj, end

    def invoke(self, method: Method, args: list, ctx: Ctx):
        if method.body is None:
            return Unresolved(f"{method.owner.name}.{method.name}() has no body")
        this = None if method.static else ctx.this
        if method.varargs and not (len(args) == len(method.params) and isinstance(args[-1], list)):
            fixed = len(method.params) - 1
            args = [*args[:fixed], list(args[fixed:])]
        fields = this.fields if isinstance(this, Obj) else (ctx.fields if not method.static else None)
        run = Ctx(method.owner, this, dict(zip(method.params, args)), fields, ctx.explore)
        try:
            self.run_block(method.body, run)
        except _Return as result:
            return result.value
        except RecursionError:
            return Unresolved(f"{method.owner.name}.{method.name}() recurses")
        return None

    def apply(self, function, item):
        if isinstance(function, MethodRef):
            return self.call_on(item, function.name, [], Ctx(item.jtype) if isinstance(item, Obj) else self.root)
        if isinstance(function, Lambda):
            base = function.ctx
            run = Ctx(base.cls, base.this, {**base.locals, **dict(zip(function.params, [item]))}, base.fields,
                      base.explore)
            if function.block:
                try:
                    self.run_block(function.body, run)
                except _Return as result:
                    return result.value
                return None
            return self.evaluate(function.body, run)
        return Unresolved(f"apply {type(function).__name__}")

    def service_instances(self, api: str, ctx: Ctx):
        """ServiceLoader.load(api): the classes named in META-INF/services of the caller's NAR."""
        nar = self.release.nar_of(ctx.cls.unit.path)
        files = [f for f in self.release.services.get(api, []) if self.release.nar_of(f.replace(
            "/src/main/resources/", "/src/main/java/")) == nar] if nar else []
        out = []
        for path in files or self.release.services.get(api, []):
            for line in self.release.read(path).splitlines():
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                jtype = self.release.find_type(line)
                if jtype is None:
                    return Unresolved(f"service {line} of {api} is not in the mirror")
                obj = Obj(jtype, None)
                ctor = next((c for c in jtype.constructors if not c.params), None)
                if ctor is not None and ctor.body is not None:
                    try:
                        self.run_block(ctor.body, Ctx(jtype, obj, {}, obj.fields))
                    except _Return:
                        pass
                out.append(obj)
        return out

    def member(self, value, name: str, ctx: Ctx):
        if isinstance(value, JType):  # this.field of a component
            found = self.find_field(name, value)
            return self.field_value(found, ctx) if found else Unresolved(f"this.{name}")
        if isinstance(value, ClassRef):
            simple = value.fqn.rpartition(".")[2]
            if f"{simple}.{name}" in EXTERNAL_CONSTANTS:
                return EXTERNAL_CONSTANTS[f"{simple}.{name}"]
            if simple in EXTERNAL_ENUMS and name in EXTERNAL_ENUMS[simple]:
                return name
            if value.jtype is None:
                return Unresolved(f"{value.fqn}.{name} (outside the mirror)")
            if name in value.jtype.nested:
                nested = value.jtype.nested[name]
                return ClassRef(nested.fqn, nested)
            if any(c.name == name for c in value.jtype.constants):
                return self.enum_constant(value.jtype, name)
            found = self.find_field(name, value.jtype)
            if found is not None:
                return self.field_value(found, Ctx(value.jtype))
            return Unresolved(f"{value.fqn}.{name}")
        if isinstance(value, Obj) and name in value.fields:
            return value.fields[name]
        if isinstance(value, list) and name == "length":
            return len(value)
        return Unresolved(f"field {name} of {type(value).__name__}")

    def enum_constant(self, jtype: JType, name: str) -> Obj:
        key = (jtype.fqn, "enum:" + name)
        if key not in self.statics:
            const = next(c for c in jtype.constants if c.name == name)
            obj = Obj(jtype, name)
            self.statics[key] = obj
            args = [self.evaluate(a, Ctx(jtype)) for a in split_top(const.args)]
            self._construct(jtype, obj, args)
            for fname, f in jtype.fields.items():
                if not f.static and fname not in obj.fields and f.init is not None:
                    obj.fields[fname] = self.evaluate(f.init, Ctx(jtype, obj))
        return self.statics[key]

    def enum_constant_in_scope(self, name: str, cls: JType) -> Obj | None:
        scope: JType | None = cls
        while scope is not None:
            if scope.kind == "enum" and any(c.name == name for c in scope.constants):
                return self.enum_constant(scope, name)
            scope = scope.outer
        unit = cls.unit
        owners = ([unit.static_imports[name]] if name in unit.static_imports else []) + unit.static_wildcards
        for owner in owners:
            jtype = self.release.find_type(owner)
            if jtype is not None and any(c.name == name for c in jtype.constants):
                return self.enum_constant(jtype, name)
        return None

    def enum_constants(self, jtype: JType) -> list[Obj]:
        return [self.enum_constant(jtype, c.name) for c in jtype.constants]

    def described_value(self, value):
        """What NiFi stores for an allowable or default value given as an object."""
        if isinstance(value, Allowable):
            return value.value
        if isinstance(value, Obj) and value.name is not None:
            if "DescribedValue" in {n.rpartition(".")[2] for n in self.supertype_names(value.jtype)}:
                return self.call_on(value, "getValue", [], Ctx(value.jtype))
            return value.name
        return value

    def call_on(self, value, name: str, arg_toks, ctx: Ctx):
        args = [self.evaluate(a, ctx) for a in split_top(arg_toks)] if isinstance(arg_toks, list) and (
            not arg_toks or isinstance(arg_toks[0], Tok)) else arg_toks
        if isinstance(value, Builder):
            return self._builder(value, name, arg_toks, ctx)
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, Ref):
            if name in ("get", "getPlain", "getAcquire"):
                return value.value
            if name in ("set", "lazySet") and len(args) == 1:
                value.value = args[0]
                return None
            if name == "getAndSet" and len(args) == 1:
                old, value.value = value.value, args[0]
                return old
            if name == "compareAndSet" and len(args) == 2:
                if value.value is args[0] or value.value == args[0]:
                    value.value = args[1]
                    return True
                return False
            return Unresolved(f"atomic.{name}()")
        if isinstance(value, dict):
            if name == "keySet":
                return list(value)
            if name == "values":
                return list(value.values())
            if name == "get" and len(args) == 1:
                return value.get(args[0])
            if name == "put" and len(args) == 2:
                value[args[0]] = args[1]
                return None
            return Unresolved(f"map.{name}()")
        if isinstance(value, ConfigRecorder):
            if name == "renameProperty" and len(args) == 2:
                if all(isinstance(a, str) for a in args):
                    value.renamed[args[0]] = args[1]
                else:
                    self.notes.append(f"{ctx.cls.name}: renameProperty({_text(arg_toks)[:80]}) not read")
                return None
            if name == "removeProperty" and len(args) == 1:
                if isinstance(args[0], str):
                    value.removed.append(args[0])
                else:
                    self.notes.append(f"{ctx.cls.name}: removeProperty({_text(arg_toks)[:80]}) not read")
                return None
            return Unresolved(f"config.{name}()")
        if isinstance(value, ClassRef):
            return self._static_call(value, name, args, ctx)
        if isinstance(value, Descriptor):
            mapping = {"getName": "name", "getDisplayName": "displayName", "getDefaultValue": "defaultValue",
                       "isRequired": "required", "isSensitive": "sensitive"}
            if name in mapping:
                return value.attrs.get(mapping[name], Unresolved(f"{name} of a descriptor"))
            return Unresolved(f"descriptor.{name}()")
        if isinstance(value, Rel):
            return value.name if name == "getName" else Unresolved(f"relationship.{name}()")
        if isinstance(value, Allowable):
            if name == "getValue":
                return value.value
            if name == "getDisplayName":
                return value.display
            return Unresolved(f"allowableValue.{name}()")
        if isinstance(value, list):
            return self._list_call(value, name, args)
        if isinstance(value, str):
            simple = {"toLowerCase": str.lower, "toUpperCase": str.upper, "trim": str.strip, "toString": str,
                      "strip": str.strip, "intern": str}
            if name in simple and not args:
                return simple[name](value)
            if name == "replace" and len(args) == 2 and all(isinstance(a, str) for a in args):
                return value.replace(args[0], args[1])
            if name == "concat" and args and isinstance(args[0], str):
                return value + args[0]
            if name == "formatted":
                return _format(value, args)
            if name in ("name", "displayName", "key") and not args:  # a Charset or CoreAttributes by its value
                return value
            if name in ("isBlank", "isEmpty") and not args:
                return not value.strip() if name == "isBlank" else not value
            if name in ("equals", "startsWith", "endsWith", "contains") and len(args) == 1 and \
                    isinstance(args[0], str):
                return {"equals": value.__eq__, "startsWith": value.startswith, "endsWith": value.endswith,
                        "contains": value.__contains__}[name](args[0])
            if name == "length":
                return len(value)
            return Unresolved(f"String.{name}()")
        if isinstance(value, Obj):
            if name == "name" and value.name is not None and not args:
                return value.name
            if name == "ordinal" and value.name is not None:
                return [c.name for c in value.jtype.constants].index(value.name)
            method = self.find_method(name, value.jtype, len(args), args)
            if method is None:
                if name == "toString" and value.name is not None:
                    return value.name
                if name == "get" and "value" in value.fields:
                    return value.fields["value"]
                return Unresolved(f"{value.jtype.name}.{name}()")
            return self.invoke(method, args, Ctx(value.jtype, value))
        if isinstance(value, bool) and name == "toString":
            return "true" if value else "false"
        if isinstance(value, int) and name == "toString":
            return str(value)
        return Unresolved(f"{type(value).__name__}.{name}()")

    def _list_call(self, value: list, name: str, args: list):
        if name in ("stream", "toList", "toArray", "iterator", "parallelStream", "sorted") and \
                (not args or name == "toArray"):
            return value
        if name == "distinct":
            out: list = []
            for item in value:
                if not any(item is o or item == o for o in out):
                    out.append(item)
            return out
        if name in ("map", "filter", "forEach", "anyMatch", "allMatch") and len(args) == 1:
            results = [self.apply(args[0], item) for item in value]
            if name == "map":
                return results
            if name == "forEach":
                return None
            if not all(isinstance(r, bool) for r in results):
                return Unresolved(f"list.{name}() with a predicate the reader cannot evaluate")
            if name == "filter":
                return [item for item, keep in zip(value, results) if keep]
            return any(results) if name == "anyMatch" else all(results)
        if name == "collect":
            return value
        if name in ("add", "addLast") and len(args) == 1:
            value.append(args[0])
            return True
        if name == "add" and len(args) == 2 and isinstance(args[0], int):
            value.insert(args[0], args[1])
            return True
        if name == "set" and len(args) == 1:  # AtomicReference.set, stored as its value
            value[:] = args[0] if isinstance(args[0], list) else [args[0]]
            return None
        if name == "addAll" and len(args) == 1 and isinstance(args[0], list):
            value.extend(args[0])
            return True
        if name == "remove" and len(args) == 1:
            for k, item in enumerate(value):
                if item is args[0] or item == args[0]:
                    del value[k]
                    break
            return True
        if name == "removeAll" and len(args) == 1 and isinstance(args[0], list):
            value[:] = [v for v in value if all(v is not r for r in args[0])]
            return True
        if name == "size":
            return len(value)
        if name == "get" and not args:  # AtomicReference.get
            return value
        if name == "get" and len(args) == 1 and isinstance(args[0], int) and 0 <= args[0] < len(value):
            return value[args[0]]
        if name == "contains" and len(args) == 1:
            return any(v is args[0] for v in value)
        if name == "isEmpty":
            return not value
        return Unresolved(f"list.{name}()")

    def _static_call(self, owner: ClassRef, name: str, args: list, ctx: Ctx):
        simple = owner.fqn.rpartition(".")[2]
        key = (simple, name)
        if key in EMPTY and not args:
            return []
        if key in COLLECTION_FACTORIES:
            flat = []
            for a in args:
                flat.extend(a if isinstance(a, list) and key[1] in ("asList", "of") and len(args) == 1
                            and key[0] != "Stream" else [a])
            return flat
        if key in WRAPPERS:
            return args[0] if args else Unresolved(f"{simple}.{name}()")
        if key in (("Map", "of"), ("Map", "entry")) and len(args) % 2 == 0:
            if key[1] == "entry":
                return (args[0], args[1])
            return {args[k]: args[k + 1] for k in range(0, len(args), 2)}
        if key == ("Map", "ofEntries"):
            return dict(a for a in args if isinstance(a, tuple))
        if key == ("ServiceLoader", "load") and args and isinstance(args[0], ClassRef):
            return self.service_instances(args[0].fqn, ctx)
        if simple in EXTERNAL_ENUMS and name == "values" and not args:
            return list(EXTERNAL_ENUMS[simple])
        if key == ("Stream", "concat") and len(args) == 2:
            if all(isinstance(a, list) for a in args):
                return [*args[0], *args[1]]
            return next(a for a in args if not isinstance(a, list))
        if key == ("Collections", "addAll") and args and isinstance(args[0], list):
            args[0].extend(args[1:])
            return True
        if key in (("String", "valueOf"), ("Integer", "toString"), ("Long", "toString"), ("Boolean", "toString"),
                   ("Objects", "toString")) and len(args) == 1:
            a = args[0]
            if isinstance(a, bool):
                return "true" if a else "false"
            if isinstance(a, (int, float, str)):
                return str(a)
            return Unresolved(f"{simple}.{name}({a!r})"[:80])
        if key == ("String", "join") and args and isinstance(args[0], str):
            items = args[1] if len(args) == 2 and isinstance(args[1], list) else args[1:]
            if all(isinstance(x, str) for x in items):
                return args[0].join(items)
        if key == ("String", "format") and args and isinstance(args[0], str):
            return _format(args[0], args[1:])
        if key == ("EnumSet", "allOf") and args and isinstance(args[0], ClassRef) and args[0].jtype:
            return self.enum_constants(args[0].jtype)
        if key == ("Collectors", "toList") or key == ("Collectors", "toSet") or \
                key == ("Collectors", "toUnmodifiableList") or key == ("Collectors", "toUnmodifiableSet"):
            return None
        if owner.jtype is not None:
            if name == "values" and not args and owner.jtype.kind == "enum":
                return self.enum_constants(owner.jtype)
            if name == "valueOf" and len(args) == 1 and owner.jtype.kind == "enum" and isinstance(args[0], str):
                return self.enum_constant(owner.jtype, args[0])
            method = self.find_method(name, owner.jtype, len(args), args)
            if method is not None:
                return self.invoke(method, args, Ctx(owner.jtype))
        if key == ("Boolean", "TRUE") or key == ("Boolean", "FALSE"):
            return key[1] == "TRUE"
        return Unresolved(f"{simple}.{name}()")

    def _builder(self, builder: Builder, name: str, arg_toks, ctx: Ctx):
        if name in SKIPPED_BUILDER_CALLS:
            return builder
        args = [self.evaluate(a, ctx) for a in split_top(arg_toks)]
        attrs = builder.attrs
        if name == "build":
            if builder.kind == "relationship":
                return Rel(attrs.get("name", Unresolved("relationship without name")))
            attrs = dict(attrs)
            if "displayName" not in attrs:
                attrs["displayName"] = attrs.get("name", Unresolved("descriptor without name"))
            return Descriptor(attrs)
        if name == "fromPropertyDescriptor" and args:
            if isinstance(args[0], Descriptor):
                attrs.update(args[0].attrs)
                attrs["copiedFrom"] = args[0].field
            else:
                attrs["name"] = Unresolved(f"fromPropertyDescriptor({_text(arg_toks)[:60]})")
            return builder
        if name in ("name", "displayName", "required", "sensitive", "dynamic"):
            attrs[name] = args[0] if args else Unresolved(f"{name}()")
        elif name == "defaultValue":
            attrs["defaultValue"] = self.described_value(args[0]) if args else None
        elif name == "allowableValues":
            attrs["allowableValues"] = self._allowable(args)
        elif name == "identifiesControllerService":
            ref = args[0] if args else None
            attrs["identifiesControllerService"] = ref.fqn if isinstance(ref, ClassRef) else \
                Unresolved(f"identifiesControllerService({_text(arg_toks)[:60]})")
        elif name == "expressionLanguageSupported":
            scope = args[0] if args else None
            if isinstance(scope, bool):
                attrs["expressionLanguageScope"] = "VARIABLE_REGISTRY" if scope else "NONE"
            elif isinstance(scope, str) and scope in EXTERNAL_ENUMS["ExpressionLanguageScope"]:
                attrs["expressionLanguageScope"] = scope
            else:
                attrs["expressionLanguageScope"] = Unresolved(f"expressionLanguageSupported({_text(arg_toks)})")
        elif builder.kind == "relationship" and name != "name":
            pass
        else:
            self.notes.append(f"{ctx.cls.name}: builder call .{name}() not read")
        return builder

    def _allowable(self, args: list):
        out = []
        for arg in args:
            if isinstance(arg, ClassRef):
                if arg.jtype is None or arg.jtype.kind != "enum":
                    return Unresolved(f"allowableValues({arg.fqn}.class)")
                out.extend(self.described_value(c) for c in self.enum_constants(arg.jtype))
            elif isinstance(arg, list):
                out.extend(self.described_value(a) for a in arg)
            else:
                out.append(self.described_value(arg))
        for value in out:
            if not isinstance(value, str):
                return value if isinstance(value, Unresolved) else Unresolved(f"allowable value {value!r}"[:80])
        return out


# ---- helpers -----------------------------------------------------------------------------------

def _java_default(f: Field):
    """A field's value before any assignment, as Java defines it."""
    kind = f.type[-1].text if f.type else ""
    if kind == "boolean":
        return False
    if kind in ("int", "long", "short", "byte", "double", "float", "char"):
        return 0
    return None


def _fit(method: Method, args: list) -> int:
    """How well argument values match a method's parameter types (to choose among overloads)."""
    score = 0
    for type_name, arg in zip(method.param_types, args):
        if isinstance(arg, str) and type_name == "String" or isinstance(arg, bool) and type_name == "boolean" or \
                isinstance(arg, Descriptor) and type_name == "PropertyDescriptor" or \
                isinstance(arg, ConfigRecorder) and type_name == "PropertyConfiguration" or \
                isinstance(arg, Obj) and arg.jtype.name == type_name.rpartition(".")[2]:
            score += 1
        elif type_name == "String":
            score -= 1
    return score


def _qualified_name(jtype: JType) -> str:
    names = []
    current: JType | None = jtype
    while current is not None:
        names.append(current.name)
        current = current.outer
    return ".".join(reversed(names))


def _text(toks) -> str:
    out = ""
    for t in toks:
        out += t.text if out == "" or t.kind == "op" or out[-1] in ".(" else " " + t.text
    return out


def _number(text: str):
    text = text.replace("_", "").rstrip("lLfFdD")
    try:
        return int(text, 0) if not any(c in text for c in ".eE") or text.startswith("0x") else float(text)
    except ValueError:
        return Unresolved(f"number {text}")


def _binary(op: str, left, right):
    if isinstance(left, Unresolved):
        return left
    if isinstance(right, Unresolved):
        return right
    if op == "+":
        if isinstance(left, str) or isinstance(right, str):
            return _java_str(left) + _java_str(right)
        if isinstance(left, (int, float)) and isinstance(right, (int, float)):
            return left + right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)) and not isinstance(left, bool):
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/" and right:
            return left // right if isinstance(left, int) and isinstance(right, int) else left / right
        if op == "%" and right:
            return left % right
    if op in ("==", "!="):
        same = left is right if not isinstance(left, (str, int, float, bool)) else left == right
        return same if op == "==" else not same
    if op in ("&&", "||") and isinstance(left, bool) and isinstance(right, bool):
        return (left and right) if op == "&&" else (left or right)
    return Unresolved(f"{left!r} {op} {right!r}"[:80])


def _java_str(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, Obj) and value.name:
        return value.name
    return f"<{type(value).__name__}>"


def _format(pattern: str, args: list):
    if not all(isinstance(a, (str, int)) for a in args):
        return Unresolved(f"format({pattern!r})"[:80])
    try:
        return re.sub(r"%[sd]", "{}", pattern).format(*args)
    except (IndexError, ValueError):
        return Unresolved(f"format({pattern!r})"[:80])


def _top_index(toks: list[Tok], text: str) -> int | None:
    depth = 0
    for k, t in enumerate(toks):
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.kind == "op" and t.text == text:
            return k
    return None


def _top_binary(toks: list[Tok], ops: tuple[str, ...]) -> int | None:
    """The last top-level binary operator of ops (left associativity), skipping unary uses."""
    depth, found = 0, None
    for k, t in enumerate(toks):
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.kind == "op" and t.text in ops and k > 0 and \
                not (toks[k - 1].kind == "op" and toks[k - 1].text not in ")]}"):
            found = k
    return found


def _top_assignment(toks: list[Tok]) -> int | None:
    depth = 0
    for k, t in enumerate(toks):
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.text == "=":
            return k
        elif depth == 0 and t.text in ("+=", "-="):
            return None
    return None


def _inside_call(toks: list[Tok]) -> bool:
    depth = 0
    for t in toks:
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        elif t.text == "->":
            return depth > 0
    return False


def _looks_like_cast(inner: list[Tok], after: Tok) -> bool:
    if not inner or inner[0].kind != "id" or not inner[0].text[:1].isupper():
        return False
    if any(t.kind not in ("id", "op") or (t.kind == "op" and t.text not in ".<>[],?") for t in inner):
        return False
    return after.kind in ("id", "str", "num") or after.text in ("(", "!")


def _statements(toks: list[Tok]) -> list[list[Tok]]:
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t.text == "{":
            close = match_close(toks, i)
            out.append(toks[i:close + 1])
            i = close + 1
            continue
        if t.kind == "id" and t.text in ("if", "for", "while", "switch", "synchronized", "try", "do"):
            end = _compound_end(toks, i)
            out.append(toks[i:end])
            i = end
            continue
        j = i
        while j < len(toks) and toks[j].text != ";":
            if toks[j].kind == "op" and toks[j].text in "([{":
                j = match_close(toks, j)
            j += 1
        out.append(toks[i:j + 1])
        i = j + 1
    return out


def _compound_end(toks: list[Tok], i: int) -> int:
    """End (exclusive) of the compound statement starting at toks[i]."""
    head = toks[i].text
    k = i + 1
    if head in ("if", "for", "while", "switch", "synchronized"):
        k = match_close(toks, k) + 1
        if head == "switch":
            return match_close(toks, k) + 1
        k = _substatement_end(toks, k)
        if head == "if" and k < len(toks) and toks[k].text == "else":
            k = _substatement_end(toks, k + 1) if toks[k + 1].text != "if" else _compound_end(toks, k + 1)
        return k
    if head == "do":
        k = _substatement_end(toks, k)
        while k < len(toks) and toks[k].text != ";":
            k += 1
        return k + 1
    # try [(resources)] {..} catch (..) {..} finally {..}
    if toks[k].text == "(":
        k = match_close(toks, k) + 1
    k = match_close(toks, k) + 1
    while k < len(toks) and toks[k].text in ("catch", "finally"):
        if toks[k].text == "catch":
            k = match_close(toks, k + 1) + 1
        else:
            k += 1
        k = match_close(toks, k) + 1
    return k


def _substatement_end(toks: list[Tok], k: int) -> int:
    if toks[k].text == "{":
        return match_close(toks, k) + 1
    if toks[k].kind == "id" and toks[k].text in ("if", "for", "while", "switch", "synchronized", "try", "do"):
        return _compound_end(toks, k)
    while k < len(toks) and toks[k].text != ";":
        if toks[k].kind == "op" and toks[k].text in "([{":
            k = match_close(toks, k)
        k += 1
    return k + 1


def _split_else(rest: list[Tok]) -> tuple[list[Tok], list[Tok]]:
    end = _substatement_end(rest, 0)
    then = rest[:end]
    if end < len(rest) and rest[end].text == "else":
        return then, rest[end + 1:]
    return then, []


def _statement_assigns(stmt: list[Tok], pattern: re.Pattern) -> bool:
    eq = _top_assignment(stmt)
    if eq is not None and pattern.match("".join(t.text for t in stmt[:eq])):
        return True
    text = "".join(t.text for t in stmt)
    name = pattern.pattern.strip("^$").replace("(this\\.)?", "")
    return bool(re.match(rf"(this\.)?{name}\.(set|add|addAll|put|remove|compareAndSet)\(", text)) or any(
        t.text == "{" for t in stmt[:1]) and any(_statement_assigns(s, pattern) for s in _statements(stmt[1:-1]))
