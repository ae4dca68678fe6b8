"""``/api/docs``: the API's OpenAPI description as a page served from here (no CDN, no script).

FastAPI's own documentation page loads Swagger UI from a CDN; this one renders the same schema
(``/api/openapi.json``) with a Jinja2 template: every route with its summary, parameters, form
fields and answers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(tags=["docs"])


def _resolve(schema: dict, node):
    """``node`` with a top-level ``$ref`` replaced by what it points to."""
    while isinstance(node, dict) and "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _type(schema: dict, node) -> str:
    """A field's type in a few words ("string", "integer or null", "one of html, pdf, csv")."""
    node = _resolve(schema, node or {})
    if "enum" in node:
        return "one of " + ", ".join(map(str, node["enum"]))
    if "const" in node:
        return repr(node["const"])
    if "anyOf" in node:
        return " or ".join(_type(schema, n) for n in node["anyOf"])
    if node.get("format") == "binary":
        return "file"
    return node.get("type", "any")


def operations(schema: dict) -> list[dict]:
    """Every operation of an OpenAPI schema, flattened for the page.

    Returns
    -------
    list of dict
        ``method``, ``path``, ``summary``, ``description``, ``params`` and ``fields``
        (``name``, ``where``/``required``, ``type``) and ``responses`` (``code``, ``description``).
    """
    out = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            params = [{"name": p["name"], "where": p["in"], "required": p.get("required", False),
                       "type": _type(schema, p.get("schema"))} for p in op.get("parameters", [])]
            fields = []
            for media, body in op.get("requestBody", {}).get("content", {}).items():
                node = _resolve(schema, body.get("schema", {}))
                required = set(node.get("required", []))
                fields += [{"name": k, "media": media, "required": k in required, "type": _type(schema, v)}
                           for k, v in node.get("properties", {}).items()]
            out.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "params": params, "fields": fields,
                        "responses": [{"code": c, "description": r.get("description", "")}
                                      for c, r in op.get("responses", {}).items()]})
    return out


@router.get("/api/docs", include_in_schema=False)
def api_docs(request: Request):
    from .pages import render

    schema = request.app.openapi()
    return render(request, "docs.html", info=schema.get("info", {}), ops=operations(schema))
