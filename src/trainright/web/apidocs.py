"""The API's reference page, rendered on the server from the service's own OpenAPI.

Swagger UI and ReDoc load their scripts from a CDN, which the pages' CSP forbids
and an offline operator does not have; this page needs no script at all and
cannot drift from `/api/v1/openapi.json`, because it is read from the same
document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

#: CommonMark without raw HTML: descriptions are ours, but a page never renders markup
#: it did not make.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True)
class Field:
    """A parameter or a body field: where it goes, its type, whether it must be sent."""

    name: str
    where: str
    type: str
    required: bool
    description: Markup


@dataclass(frozen=True)
class Operation:
    """One route and method, as a person reading the reference needs it."""

    anchor: str
    method: str
    path: str
    summary: str
    description: Markup
    auth: str
    fields: list[Field]
    responses: list[tuple[str, Markup, str]]


@dataclass(frozen=True)
class Schema:
    """A named body or answer shape, with its fields."""

    name: str
    description: Markup
    fields: list[Field]


def markdown(text: str | None) -> Markup:
    """A description's Markdown as HTML (raw HTML in it is shown as text)."""
    return Markup(_MARKDOWN.render(text or ""))  # noqa: S704 - html disabled above


def type_of(schema: dict[str, Any]) -> str:
    """A short, readable type: `ReceiptOut`, `string or null`, `one of: a, b`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(type_of(s) for s in schema[key])
    if "enum" in schema:
        return "one of: " + ", ".join(map(str, schema["enum"]))
    if "const" in schema:
        return repr(schema["const"])
    if schema.get("type") == "array":
        return "list of " + type_of(schema.get("items", {}))
    bounds = [
        f"{label} {schema[key]}"
        for key, label in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "at most"))
        if key in schema
    ]
    base = str(schema.get("type", "any"))
    if "format" in schema:
        base += f" ({schema['format']})"
    return base + (f", {', '.join(bounds)}" if bounds else "")


def _body(operation: dict[str, Any]) -> list[Field]:
    content = operation.get("requestBody", {}).get("content", {})
    fields = []
    for media, spec in content.items():
        fields.append(Field("body", media, type_of(spec.get("schema", {})), True, Markup("")))
    return fields


def _auth(operation: dict[str, Any]) -> str:
    schemes = [name for req in operation.get("security", []) for name in req]
    return ", ".join(schemes) or "none"


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of the document, in its order."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [
                Field(
                    p["name"],
                    p["in"],
                    type_of(p.get("schema", {})),
                    bool(p.get("required")),
                    markdown(p.get("description")),
                )
                for p in op.get("parameters", [])
            ]
            responses = []
            for status, answer in op.get("responses", {}).items():
                shapes = [type_of(c.get("schema", {})) for c in answer.get("content", {}).values()]
                responses.append((status, markdown(answer.get("description")), ", ".join(shapes)))
            found.append(
                Operation(
                    anchor=str(op.get("operationId", f"{method}-{path}")),
                    method=method.upper(),
                    path=path,
                    summary=str(op.get("summary", "")),
                    description=markdown(op.get("description")),
                    auth=_auth(op),
                    fields=params + _body(op),
                    responses=responses,
                )
            )
    return found


def schemas(spec: dict[str, Any]) -> list[Schema]:
    """The named shapes the operations refer to, with each field's type."""
    found = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        fields = [
            Field(
                field,
                "body",
                type_of(prop),
                field in required,
                markdown(prop.get("description")),
            )
            for field, prop in schema.get("properties", {}).items()
        ]
        found.append(Schema(name, markdown(schema.get("description")), fields))
    return found
