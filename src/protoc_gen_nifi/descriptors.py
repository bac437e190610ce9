"""descriptors.pb: the FileDescriptorSet of every message a port uses.

Files come from `proto_file`, where compilers already dropped SOURCE-retained
options; source info is removed and, for old compilers that kept them, the
SOURCE-retained extensions are cut out of every options message too. Files are
ordered dependencies-first, independently of the order the compiler sent them.
"""
from __future__ import annotations

from google.protobuf import descriptor_pb2


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _without_fields(data: bytes, numbers: frozenset[int]) -> bytes | None:
    """Wire-level copy of a message without the given top-level field numbers; None if it holds a group (an
    unknown field of a long-deprecated kind), which this does not parse."""
    kept: list[bytes] = []
    pos = kept_from = 0  # data[kept_from:pos] is kept so far: runs of kept fields are copied as one slice
    end = len(data)
    while pos < end:
        start = pos
        key = data[pos]
        if key < 0x80:  # every key of a descriptor's own fields is one byte
            pos += 1
        else:
            key, pos = _read_varint(data, pos)
        wire = key & 7
        if wire == 2:
            length = data[pos]
            if length < 0x80:
                pos += 1 + length
            else:
                length, pos = _read_varint(data, pos)
                pos += length
        elif wire == 0:
            _, pos = _read_varint(data, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            return None
        if key >> 3 in numbers:
            kept.append(data[kept_from:start])
            kept_from = pos
    if not kept_from:
        return data
    kept.append(data[kept_from:])
    return b"".join(kept)


def _strip_options(message, retained: dict[str, frozenset[int]]) -> None:
    """Recursively removes SOURCE-retained extensions from every *Options field."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        values = [value] if hasattr(value, "ListFields") else list(value)  # singular or repeated
        for item in values:
            name = item.DESCRIPTOR.full_name
            if name.startswith("google.protobuf.") and name.endswith("Options") and name in retained:
                cleaned = _without_fields(item.SerializeToString(), retained[name])
                if cleaned is not None:  # else left as it is
                    item.Clear()
                    item.MergeFromString(cleaned)
            else:
                _strip_options(item, retained)


class DescriptorSets:
    """The descriptors.pb of any set of messages, from one request's files.

    Built once per request: the message -> file index, the SOURCE-retained
    extension numbers and each file's cleaned bytes are shared by every
    integration, so a request costs time linear in its size."""

    def __init__(self, proto_files) -> None:
        files = list(proto_files)
        self._files = {f.name: f for f in files}
        self._entries: dict[str, bytes] = {}
        self._bare: dict[str, bytes] = {}  # without_source_info
        # Whether each file has a name of its own: only then can a file be told by its name.
        self.unique_names = len(self._files) == len(files)
        # full name -> (file, descriptor) of every message and enum, for what reads a message's fields; built on
        # first use, so that the plugin can hand the reader this index before the request is known to be sound.
        self._messages: dict[str, tuple] | None = None
        self._enums: dict[str, tuple] = {}

    def _index(self) -> None:
        self._messages = messages = {}
        enums = self._enums
        # extendee full name -> field numbers of the SOURCE-retained extensions declared in the request.
        retained: dict[str, set[int]] = {}

        def note_retained(extensions) -> None:
            for ext in extensions:
                if ext.options.retention == descriptor_pb2.FieldOptions.RETENTION_SOURCE:
                    retained.setdefault(ext.extendee.lstrip("."), set()).add(ext.number)

        def walk(file_proto, prefix: str, nested, enum_types) -> None:
            for enum in enum_types:
                enums[prefix + enum.name] = (file_proto, enum)
            for message in nested:
                name = prefix + message.name
                messages[name] = (file_proto, message)
                note_retained(message.extension)
                walk(file_proto, name + ".", message.nested_type, message.enum_type)

        for file_proto in self._files.values():  # one walk over every message of the request
            note_retained(file_proto.extension)
            walk(file_proto, f"{file_proto.package}." if file_proto.package else "", file_proto.message_type,
                 file_proto.enum_type)
        self._retained = {extendee: frozenset(numbers) for extendee, numbers in retained.items()}
        # Every key (field number and wire type) a retained extension can be written with:
        # a file whose bytes hold none of them carries no retained option (protoc 24+ and
        # buf strip them from proto_file already).
        self._retained_keys = {
            varint(number << 3 | wire) for numbers in self._retained.values() for number in numbers
            for wire in (0, 1, 2, 3, 5)
        }
        self._retained_tails = {key[-2:] for key in self._retained_keys}

    def message(self, name: str) -> tuple:
        """(FileDescriptorProto, DescriptorProto) of a message, by full name without the leading dot."""
        if self._messages is None:
            self._index()
        return self._messages[name]

    def find_message(self, name: str) -> tuple | None:
        """message(name), or None for a name that is no message of the request."""
        if self._messages is None:
            self._index()
        return self._messages.get(name)

    def enum(self, name: str) -> tuple:
        """(FileDescriptorProto, EnumDescriptorProto) of an enum, by full name without the leading dot."""
        if self._messages is None:
            self._index()
        return self._enums[name]

    def find_enum(self, name: str) -> tuple | None:
        """enum(name), or None for a name that is no enum of the request."""
        if self._messages is None:
            self._index()
        return self._enums.get(name)

    def without_source_info(self, name: str) -> bytes:
        """What FileDescriptorProto.SerializeToString(deterministic=True) writes for a copy of the file without
        its source_code_info; made once, for the descriptors.pb entries and the option reader's pool."""
        data = self._bare.get(name)
        if data is None:
            # Each field is written on its own, so cutting source_code_info out of the bytes is what serializing
            # a copy without it writes, without copying the file (its source info is most of it).
            data = _without_fields(self._files[name].SerializeToString(deterministic=True), _SOURCE_CODE_INFO)
            if data is None:
                copy = descriptor_pb2.FileDescriptorProto()
                copy.CopyFrom(self._files[name])
                copy.ClearField("source_code_info")
                data = copy.SerializeToString(deterministic=True)
            self._bare[name] = data
        return data

    def _entry(self, name: str) -> bytes:
        """FileDescriptorSet.file entry (field 1) of one file, cleaned; what
        FileDescriptorSet.SerializeToString(deterministic=True) writes for it."""
        entry = self._entries.get(name)
        if entry is None:
            data = self.without_source_info(name)
            # Else nothing to strip: skip the walk. A key is found only where its last two bytes are: one search
            # for those (the keys of neighbouring extension numbers share them) rules out most files at once.
            if any(tail in data for tail in self._retained_tails) and any(key in data for key in self._retained_keys):
                copy = descriptor_pb2.FileDescriptorProto.FromString(data)
                _strip_options(copy, self._retained)
                data = copy.SerializeToString(deterministic=True)
            entry = self._entries[name] = _FILE_TAG + varint(len(data)) + data
        return entry

    def for_messages(self, messages) -> bytes:
        if self._messages is None:
            self._index()
        files = self._files
        ordered: list[str] = []
        seen: set[str] = set()

        def visit(root: str) -> None:
            # Depth-first, dependencies first, with an explicit stack: an import chain a thousand files deep
            # (which protoc accepts) must not exhaust Python's recursion limit.
            if root in seen or root not in files:
                return
            seen.add(root)
            stack = [(root, iter(files[root].dependency))]
            while stack:
                name, dependencies = stack[-1]
                for dependency in dependencies:
                    if dependency not in seen and dependency in files:
                        seen.add(dependency)
                        stack.append((dependency, iter(files[dependency].dependency)))
                        break
                else:
                    stack.pop()
                    ordered.append(name)

        for name in sorted({self._messages[m][0].name for m in messages if m in self._messages}):
            visit(name)
        return b"".join(self._entry(name) for name in ordered)


_FILE_TAG = bytes([1 << 3 | 2])  # FileDescriptorSet.file: field 1, length-delimited
_SOURCE_CODE_INFO = frozenset({9})  # FileDescriptorProto.source_code_info


def varint(value: int) -> bytes:
    """Protobuf's base-128 varint (the response and descriptor files are assembled at wire level)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def descriptor_set(proto_files, messages: list[str]) -> bytes:
    """descriptors.pb of the messages; proto_files is the request's files or, to share
    the work between the integrations of one request, a DescriptorSets of them."""
    sets = proto_files if isinstance(proto_files, DescriptorSets) else DescriptorSets(proto_files)
    return sets.for_messages(messages)
