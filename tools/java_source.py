"""A small reader of Java source: enough structure (types, fields, methods, annotations) and enough
evaluation (constants, builder chains, list building) to read NiFi's component declarations.

It is not a Java compiler. Whatever it cannot evaluate becomes an `Unresolved` value carrying the
reason, so a caller can report it instead of guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<text>"""[ \t]*\n(?:\\.|(?!""").|\n)*""")
  | (?P<str>"(?:\\.|[^"\\\n])*")
  | (?P<chr>'(?:\\.|[^'\\\n])+')
  | (?P<num>(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)[lLfFdD]?)
  | (?P<id>[A-Za-z_$][\w$]*)
  | (?P<op>->|::|\.\.\.|&&|\|\||==|!=|<=|>=|\+=|-=|\+\+|--|[{}()\[\];,.@=<>!~?:+\-*/&|^%])
''', re.VERBOSE | re.DOTALL)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "s": " ", "0": "\0", "'": "'", '"': '"',
            "\\": "\\"}


def _unescape(body: str) -> str:
    def one(match: re.Match) -> str:
        text = match.group(1)
        if text.startswith("u"):
            return chr(int(text.lstrip("u")[:4], 16))
        if text == "\n":
            return ""
        return _ESCAPES.get(text, text)
    return re.sub(r"\\(u+[0-9a-fA-F]{4}|.|\n)", one, body)


def _text_block(raw: str) -> str:
    lines = raw[3:-3].split("\n")[1:]
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    if lines and not lines[-1].strip():
        indents.append(len(lines[-1]))
    cut = min(indents) if indents else 0
    return _unescape("\n".join(line[cut:].rstrip() for line in lines))


@dataclass(frozen=True)
class Tok:
    kind: str  # id, str, num, op, chr
    text: str
    value: object = None


def tokenize(source: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            pos += 1  # a character Java would reject; skip it
            continue
        pos = match.end()
        kind = match.lastgroup
        text = match.group()
        if kind in ("ws", "comment"):
            continue
        if kind == "text":
            out.append(Tok("str", text, _text_block(text)))
        elif kind == "str":
            out.append(Tok("str", text, _unescape(text[1:-1])))
        else:
            out.append(Tok(kind, text))
    return out


_CLOSE = {"(": ")", "[": "]", "{": "}"}


def match_close(toks: list[Tok], i: int) -> int:
    """Index of the bracket that closes toks[i]."""
    depth = 0
    opening = toks[i].text
    closing = _CLOSE[opening]
    for j in range(i, len(toks)):
        t = toks[j].text if toks[j].kind == "op" else None
        if t == opening:
            depth += 1
        elif t == closing:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def split_top(toks: list[Tok], sep: str = ",") -> list[list[Tok]]:
    """Split a token list on `sep` outside brackets (generics are not brackets: callers avoid them)."""
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        if depth == 0 and t.kind == "op" and t.text == sep:
            parts.append([])
        else:
            parts[-1].append(t)
    return [p for p in parts if p] if any(parts) else []


MODIFIERS = {"public", "private", "protected", "static", "final", "abstract", "default", "synchronized",
             "transient", "volatile", "native", "strictfp", "sealed", "non", "permits"}
TYPE_KEYWORDS = {"class", "interface", "enum", "record"}


@dataclass
class Annotation:
    name: str
    args: list[Tok]


@dataclass
class Field:
    name: str
    type: list[Tok]
    init: list[Tok] | None
    static: bool
    owner: JType


@dataclass
class Method:
    name: str
    params: list[str]
    body: list[Tok] | None
    static: bool
    owner: JType
    param_types: list[str] = field(default_factory=list)
    varargs: bool = False

    def accepts(self, arity: int) -> bool:
        return len(self.params) == arity or (self.varargs and arity >= len(self.params) - 1)


@dataclass
class EnumConstant:
    name: str
    args: list[Tok]


@dataclass
class JType:
    name: str
    fqn: str
    kind: str
    unit: Unit
    outer: JType | None
    annotations: list[Annotation] = field(default_factory=list)
    extends: list[str] = field(default_factory=list)
    implements: list[str] = field(default_factory=list)
    fields: dict[str, Field] = field(default_factory=dict)
    methods: dict[str, list[Method]] = field(default_factory=dict)
    constructors: list[Method] = field(default_factory=list)
    static_blocks: list[list[Tok]] = field(default_factory=list)
    init_blocks: list[list[Tok]] = field(default_factory=list)
    nested: dict[str, JType] = field(default_factory=dict)
    constants: list[EnumConstant] = field(default_factory=list)
    abstract: bool = False

    def __repr__(self) -> str:  # dataclass repr would recurse through unit and outer
        return f"JType({self.fqn})"

    def method(self, name: str, arity: int | None = None) -> Method | None:
        for m in self.methods.get(name, ()):
            if arity is None or len(m.params) == arity:
                return m
        return None


@dataclass
class Unit:
    path: str
    package: str
    imports: dict[str, str]            # simple name -> fqn
    wildcards: list[str]               # packages (or types) imported with .*
    static_imports: dict[str, str]     # member -> owner fqn
    static_wildcards: list[str]        # owner fqns
    types: dict[str, JType] = field(default_factory=dict)


def _qualified(toks: list[Tok], i: int) -> tuple[str, int]:
    parts = [toks[i].text]
    i += 1
    while i + 1 < len(toks) and toks[i].text == "." and toks[i + 1].kind == "id":
        parts.append(toks[i + 1].text)
        i += 2
    return ".".join(parts), i


def _skip_generics(toks: list[Tok], i: int) -> int:
    if i < len(toks) and toks[i].text == "<":
        depth = 0
        while i < len(toks):
            if toks[i].text == "<":
                depth += 1
            elif toks[i].text == ">":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    return i


def _type_names(toks: list[Tok]) -> list[str]:
    """`A<X>, b.C` -> ['A', 'b.C'] (type arguments dropped)."""
    names, i = [], 0
    while i < len(toks):
        if toks[i].kind == "id":
            name, i = _qualified(toks, i)
            names.append(name)
            i = _skip_generics(toks, i)
        else:
            i += 1
    return names


def parse_unit(path: str, source: str) -> Unit:
    toks = tokenize(source)
    package, imports, wildcards, static_imports, static_wildcards = "", {}, [], {}, []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text == "package" and t.kind == "id":
            package, i = _qualified(toks, i + 1)
        elif t.text == "import" and t.kind == "id":
            static = toks[i + 1].text == "static"
            name, i = _qualified(toks, i + 2 if static else i + 1)
            wildcard = i + 1 < len(toks) and toks[i].text == "." and toks[i + 1].text == "*"
            if wildcard:
                i += 2
                (static_wildcards if static else wildcards).append(name)
            elif static:
                owner, _, member = name.rpartition(".")
                static_imports[member] = owner
            else:
                imports[name.rpartition(".")[2]] = name
        elif t.text == ";":
            i += 1
        else:
            break
        while i < len(toks) and toks[i].text == ";":
            i += 1
    unit = Unit(path, package, imports, wildcards, static_imports, static_wildcards)
    _parse_members(toks, i, len(toks), unit, None, unit.types)
    return unit


def _annotation(toks: list[Tok], i: int) -> tuple[Annotation, int]:
    name, i = _qualified(toks, i + 1)
    args: list[Tok] = []
    if i < len(toks) and toks[i].text == "(":
        end = match_close(toks, i)
        args = toks[i + 1:end]
        i = end + 1
    return Annotation(name.rpartition(".")[2], args), i


def _parse_members(toks: list[Tok], i: int, end: int, unit: Unit, owner: JType | None,
                   into: dict[str, JType]) -> None:
    while i < end:
        annotations: list[Annotation] = []
        mods: set[str] = set()
        while i < end:
            t = toks[i]
            if t.text == "@" and i + 1 < end and toks[i + 1].text != "interface":
                ann, i = _annotation(toks, i)
                annotations.append(ann)
            elif t.kind == "id" and t.text in MODIFIERS:
                mods.add(t.text)
                i += 1
                if t.text == "non" and i < end and toks[i].text == "-":
                    i += 2  # non-sealed
            else:
                break
        if i >= end:
            return
        t = toks[i]
        if t.text == ";":
            i += 1
            continue
        if t.kind == "id" and t.text in TYPE_KEYWORDS or (t.text == "@" and toks[i + 1].text == "interface"):
            kind = "annotation" if t.text == "@" else t.text
            i += 2 if t.text == "@" else 1
            name = toks[i].text
            fqn = (owner.fqn if owner else (unit.package + "." if unit.package else "")) + ("." if owner else "") + name
            jtype = JType(name, fqn, kind, unit, owner, annotations, abstract="abstract" in mods)
            i = _skip_generics(toks, i + 1)
            if kind == "record" and toks[i].text == "(":
                i = match_close(toks, i) + 1
            header_end = i
            while toks[header_end].text != "{":
                header_end += 1
            header = toks[i:header_end]
            section = None
            sections: dict[str, list[Tok]] = {"extends": [], "implements": [], "permits": []}
            for tok in header:
                if tok.kind == "id" and tok.text in sections:
                    section = tok.text
                elif section:
                    sections[section].append(tok)
            extended = _type_names(sections["extends"])
            if kind == "interface":
                jtype.implements = extended
            else:
                jtype.extends = extended[:1]
                jtype.implements = _type_names(sections["implements"])
            body_end = match_close(toks, header_end)
            body_start = header_end + 1
            if kind == "enum":
                body_start = _enum_constants(toks, body_start, body_end, jtype)
            _parse_members(toks, body_start, body_end, unit, jtype, jtype.nested)
            into[name] = jtype
            i = body_end + 1
            continue
        if owner is None:  # stray tokens at top level
            i += 1
            continue
        if t.text == "{":
            close = match_close(toks, i)
            (owner.static_blocks if "static" in mods else owner.init_blocks).append(toks[i + 1:close])
            i = close + 1
            continue
        j = i
        while j < end and toks[j].text not in ("=", "(", ";", "{"):
            if toks[j].text == "<":
                j = _skip_generics(toks, j)
                continue
            j += 1
        if j >= end:
            return
        stop = toks[j].text
        if stop == "(":
            name = toks[j - 1].text
            close = match_close(toks, j)
            declared = [p for p in split_top(toks[j + 1:close]) if p and p[-1].kind == "id"]
            params = [p[-1].text for p in declared]
            param_types = [_param_type(p) for p in declared]
            k = close + 1
            while k < end and toks[k].text not in ("{", ";"):
                k += 1
            body = None
            if k < end and toks[k].text == "{":
                body_close = match_close(toks, k)
                body = toks[k + 1:body_close]
                k = body_close
            varargs = bool(declared) and any(t.text == "..." for t in declared[-1])
            method = Method(name, params, body, "static" in mods, owner, param_types, varargs)
            if name == owner.name and (j - 1 == i or toks[j - 2].text == ">"):
                owner.constructors.append(method)
            else:
                owner.methods.setdefault(name, []).append(method)
            i = k + 1
            continue
        # a field declaration: Type a [= init] [, b [= init]] ;
        k = j
        while k < end and toks[k].text != ";":
            if toks[k].kind == "op" and toks[k].text in "([{":
                k = match_close(toks, k)
            k += 1
        type_toks = toks[i:j - 1]
        declarators = split_top(toks[j - 1:k])
        for declarator in declarators:
            name = declarator[0].text
            init = declarator[2:] if len(declarator) > 1 and declarator[1].text == "=" else None
            owner.fields[name] = Field(name, type_toks, init, "static" in mods or owner.kind == "interface", owner)
        i = k + 1


def _param_type(declared: list[Tok]) -> str:
    """`final Map<String, X> name` -> 'Map'; `String... names` -> 'String'."""
    toks = [t for t in declared[:-1] if t.text not in ("final", "@")]
    for t in toks:
        if t.kind == "id" and t.text[:1].isupper():
            return t.text
    return toks[0].text if toks else ""


def _enum_constants(toks: list[Tok], i: int, end: int, jtype: JType) -> int:
    while i < end:
        while toks[i].text == "@":
            _, i = _annotation(toks, i)
        t = toks[i]
        if t.text == ";":
            return i + 1
        if t.kind != "id":
            return i
        args: list[Tok] = []
        i += 1
        if toks[i].text == "(":
            close = match_close(toks, i)
            args = toks[i + 1:close]
            i = close + 1
        if toks[i].text == "{":
            i = match_close(toks, i) + 1
        jtype.constants.append(EnumConstant(t.text, args))
        if toks[i].text == ",":
            i += 1
    return i
