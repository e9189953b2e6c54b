"""Is a new version of an event's JSON Schema compatible with the old one?

Within a major version, new code must read every event already in the streams, and old
consumers must read what new code writes. So these are breaking: a property removed (or
renamed, which is a removal and an addition), a type or format changed (nullability
included), a property newly required (an added one, or one that was optional), an enum
narrowed. Adding an optional property and widening an enum are not.

Schemas are compared structurally: local `$ref`s (`#/$defs/...`) are resolved, nested
objects and array items are followed, and `anyOf`/`oneOf` alternatives (such as pydantic's
`X | None`) are read as a union of types.
"""

from __future__ import annotations

from typing import Any

JsonSchema = dict[str, Any]


def breaking_changes(old_schema: JsonSchema, new_schema: JsonSchema) -> list[str]:
    """Every change from `old_schema` to `new_schema` that breaks producers or consumers,
    one sentence each, naming the property path; empty when compatible."""
    return _Comparison(old_schema, new_schema).run()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _types(node: JsonSchema) -> set[str]:
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    if "const" in node:
        return {_json_type(node["const"])}
    if "enum" in node:
        return {_json_type(value) for value in node["enum"]}
    if "properties" in node:
        return {"object"}
    if "items" in node:
        return {"array"}
    return {"any"}


def _values(node: JsonSchema) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    enum = node.get("enum")
    return list(enum) if isinstance(enum, list) else None


def _shape(node: JsonSchema) -> JsonSchema:
    """A schema without its words (title, description), to recognise a renamed property."""
    return {key: value for key, value in node.items() if key not in ("title", "description")}


def _describe(types: set[str]) -> str:
    return " | ".join(sorted(types))


def _label(path: str) -> str:
    return f"'{path}'" if path else "the event"


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Schema:
    """One side of the comparison: a root schema that local references point into."""

    def __init__(self, root: JsonSchema) -> None:
        self.root = root

    def resolve(self, node: JsonSchema) -> JsonSchema:
        seen: set[str] = set()
        while "$ref" in node and node["$ref"] not in seen:
            ref = node["$ref"]
            seen.add(ref)
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            node = {**self._target(ref), **siblings}
        return node

    def _target(self, ref: str) -> JsonSchema:
        if not ref.startswith("#"):
            raise ValueError(f"only local references can be compared, not {ref!r}")
        node: Any = self.root
        for part in ref[1:].split("/"):
            if part:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        if not isinstance(node, dict):
            raise ValueError(f"reference {ref!r} does not point at a schema")
        return node

    def variants(self, node: JsonSchema) -> list[JsonSchema]:
        """The alternatives a value may take, references resolved, unions flattened."""
        node = self.resolve(node)
        alternatives = node.get("anyOf") or node.get("oneOf")
        if alternatives is None and len(node.get("allOf", [])) == 1:
            alternatives = node["allOf"]
        if not alternatives:
            return [node]
        return [variant for item in alternatives for variant in self.variants(item)]


class _Comparison:
    def __init__(self, old: JsonSchema, new: JsonSchema) -> None:
        self.old, self.new = _Schema(old), _Schema(new)
        self.problems: list[str] = []
        self._visiting: set[tuple[str, str]] = set()

    def run(self) -> list[str]:
        self._compare(self.old.root, self.new.root, "")
        return self.problems

    def _compare(self, old: JsonSchema, new: JsonSchema, path: str) -> None:
        key = (str(old.get("$ref", id(old))), str(new.get("$ref", id(new))))
        if key in self._visiting:
            return  # a recursive schema: this pair is already being compared further up
        self._visiting.add(key)
        try:
            self._compare_variants(self.old.variants(old), self.new.variants(new), path)
        finally:
            self._visiting.discard(key)

    def _compare_variants(self, old: list[JsonSchema], new: list[JsonSchema], path: str) -> None:
        old_types = set().union(*(_types(v) for v in old))
        new_types = set().union(*(_types(v) for v in new))
        if old_types != new_types:
            self.problems.append(
                f"{_label(path)} changed type from {_describe(old_types)} to {_describe(new_types)}"
            )
            return
        for kind in sorted(old_types - {"null"}):
            before = next(v for v in old if kind in _types(v))
            after = next(v for v in new if kind in _types(v))
            self._compare_same_type(kind, before, after, path)

    def _compare_same_type(self, kind: str, old: JsonSchema, new: JsonSchema, path: str) -> None:
        if old.get("format") != new.get("format"):
            self.problems.append(
                f"{_label(path)} changed format from {old.get('format')} to {new.get('format')}"
            )
        self._compare_values(_values(old), _values(new), path)
        if kind == "object":
            self._compare_objects(old, new, path)
        elif kind == "array" and isinstance(old.get("items"), dict):
            new_items = new.get("items")
            self._compare(
                old["items"], new_items if isinstance(new_items, dict) else {}, f"{path}[]"
            )

    def _compare_values(self, old: list[Any] | None, new: list[Any] | None, path: str) -> None:
        if new is None:
            return
        if old is None:
            self.problems.append(f"{_label(path)} narrowed to the values {new!r}")
            return
        removed = [value for value in old if value not in new]
        if removed:
            self.problems.append(f"{_label(path)} narrowed its enum: removed {removed!r}")

    def _compare_objects(self, old: JsonSchema, new: JsonSchema, path: str) -> None:
        old_props: JsonSchema = old.get("properties", {})
        new_props: JsonSchema = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        added = [name for name in new_props if name not in old_props]
        for name in old_props:
            where = _child(path, name)
            if name not in new_props:
                self.problems.append(f"'{where}' was removed{self._rename_hint(old, new, name)}")
                continue
            if name in new_required and name not in old_required:
                self.problems.append(f"'{where}' became required")
            self._compare(old_props[name], new_props[name], where)
        for name in added:
            if name in new_required:
                self.problems.append(f"'{_child(path, name)}' was added as a required property")
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self._compare(old_extra, new_extra, f"{path}{{}}")

    def _rename_hint(self, old: JsonSchema, new: JsonSchema, name: str) -> str:
        """Name the added properties shaped like the removed one: likely a rename."""
        removed = _shape(self.old.resolve(old["properties"][name]))
        candidates = [
            added
            for added, schema in new.get("properties", {}).items()
            if added not in old.get("properties", {})
            and _shape(self.new.resolve(schema)) == removed
        ]
        return f" (renamed to {', '.join(repr(c) for c in candidates)}?)" if candidates else ""


__all__ = ["breaking_changes"]
