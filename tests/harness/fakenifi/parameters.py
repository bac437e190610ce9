"""Parameter contexts: listing, creation, the asynchronous update request, masked sensitive values, deletion.

Paths below nifi-web/nifi-web-api/src/main/java/org/apache/nifi/web/ unless said.
"""
from __future__ import annotations

from typing import Any, ClassVar

from .core import MASK, Reply, Request, check_delete_rev, check_rev, new_rev, rev_dto


class ParametersMixin:
    async_ticks = 2  # requests an asynchronous request stays incomplete

    PARAMETER_ROUTES: ClassVar[list] = [
        ("GET", r"/flow/parameter-contexts", "n_contexts", None, "ParameterContextsEntity"),
        ("POST", r"/parameter-contexts", "n_create_context", "ParameterContextEntity", "ParameterContextEntity"),
        ("GET", r"/parameter-contexts/([^/]+)", "n_context", None, "ParameterContextEntity"),
        ("DELETE", r"/parameter-contexts/([^/]+)", "n_delete_context", None, "ParameterContextEntity"),
        ("POST", r"/parameter-contexts/([^/]+)/update-requests", "n_ctx_update", "ParameterContextEntity",
         "ParameterContextUpdateRequestEntity"),
        ("GET", r"/parameter-contexts/([^/]+)/update-requests/([^/]+)", "n_ctx_req", None,
         "ParameterContextUpdateRequestEntity"),
        ("DELETE", r"/parameter-contexts/([^/]+)/update-requests/([^/]+)", "n_ctx_req_delete", None,
         "ParameterContextUpdateRequestEntity"),
    ]

    def context(self, cid: str) -> dict:
        if cid not in self.contexts:
            raise Reply(404, f"Unable to locate Parameter Context with id '{cid}'.")
        return self.contexts[cid]

    def context_entity(self, c: dict) -> dict:
        """dto/DtoFactory.createParameterDto: a sensitive parameter's value is `********` when it has one."""
        params = []
        for name, p in sorted(c["params"].items()):
            value = MASK if p["sensitive"] and p["value"] is not None else p["value"]
            params.append({"parameter": {"name": name, "sensitive": p["sensitive"], "description": p["description"],
                                         "value": value, "provided": False}, "canWrite": True})
        bound = [{"id": gid, "component": {"id": gid, "name": g["name"]}} for gid, g in sorted(self.groups.items())
                 if g.get("context") == c["id"]]
        return {"id": c["id"], "revision": rev_dto(c),
                "component": {"id": c["id"], "name": c["name"], "description": c["description"], "parameters": params,
                              "boundProcessGroups": bound}}

    def n_contexts(self, req: Request) -> tuple[int, Any]:
        return 200, {"parameterContexts": [self.context_entity(c) for c in self.contexts.values()]}

    def new_context(self, name: str, description: str, rev: dict) -> dict:
        if any(c["name"] == name for c in self.contexts.values()):
            raise Reply(409, f"A Parameter Context with the name '{name}' already exists")
        cid = self.ids()
        self.contexts[cid] = {"id": cid, "name": name, "description": description, "params": {}, "rev": rev}
        return self.contexts[cid]

    def n_create_context(self, req: Request) -> tuple[int, Any]:
        rev = new_rev(req.body, "Parameter Context")
        comp = req.body["component"]
        ctx = self.new_context(comp["name"], comp.get("description") or "", rev)
        self.apply_params(ctx, comp.get("parameters") or [])
        return 201, self.context_entity(ctx)

    def apply_params(self, ctx: dict, params: list[dict]) -> None:
        """ParameterContextResource / StandardParameterContext.setParameters: a parameter with nothing but its
        name is a deletion; a null value without `valueRemoved` keeps the current one; a parameter's
        sensitivity cannot change (400)."""
        for e in params:
            p = e["parameter"]
            old = ctx["params"].get(p["name"])
            if all(p.get(k) is None for k in ("value", "description", "sensitive")):
                ctx["params"].pop(p["name"], None)
                continue
            if old is not None and p.get("sensitive") is not None and old["sensitive"] != p["sensitive"]:
                raise Reply(400, f"Cannot change the sensitivity of parameter {p['name']}")
            value = p.get("value")
            if value is None and not p.get("valueRemoved") and old is not None:
                value = old["value"]
            ctx["params"][p["name"]] = {"sensitive": bool(p.get("sensitive")), "description": p.get("description") or "",
                                        "value": value}

    def n_context(self, cid: str, req: Request) -> tuple[int, Any]:
        return 200, self.context_entity(self.context(cid))

    def n_delete_context(self, cid: str, req: Request) -> tuple[int, Any]:
        """StandardParameterContextDAO.verifyDelete: a context bound to a process group cannot be deleted (409)."""
        ctx = self.context(cid)
        bound = [g["name"] for g in self.groups.values() if g.get("context") == cid]
        if bound:
            raise Reply(409, f"Cannot delete Parameter Context {ctx['name']} because it is bound to {len(bound)} "
                             f"Process Group(s): {', '.join(sorted(bound))}")
        check_delete_rev(ctx, req.query)
        entity = self.context_entity(ctx)
        del self.contexts[cid]
        return 200, entity

    # -- the asynchronous update (BEHAVIOUR 9): api/ParameterContextResource.submitParameterContextUpdate ~700

    def update_request_dto(self, req: dict) -> dict:
        done = self.now >= req["ready_at"]
        return {"requestId": req["id"], "uri": f"https://fake/{req['id']}", "complete": done,
                "percentCompleted": 100 if done else 50, "state": "Complete" if done else "Updating",
                "failureReason": req.get("failure") if done else None}

    def n_ctx_update(self, cid: str, req: Request) -> tuple[int, Any]:
        ctx = self.context(cid)
        body = req.body or {}
        if body.get("id") != cid or (body.get("component") or {}).get("id") != cid:
            raise Reply(400, "The Parameter Context ID in the request body does not match the URI")
        check_rev(ctx, body.get("revision"))
        self.apply_params(ctx, body["component"].get("parameters") or [])
        for c in self.components.values():  # NiFi stops, revalidates and restarts what references the context
            if c["kind"] == "PROCESSOR" and self.groups[c["group"]].get("context") == cid:
                self.revalidate(c["id"])
        r = self.requests.create("parameter-context-update", self.now + self.async_ticks, context=cid)
        return 200, {"request": self.update_request_dto(r), "parameterContextRevision": rev_dto(ctx)}

    def n_ctx_req(self, cid: str, rid: str, req: Request) -> tuple[int, Any]:
        return 200, {"request": self.update_request_dto(self.requests.get("parameter-context-update", rid))}

    def n_ctx_req_delete(self, cid: str, rid: str, req: Request) -> tuple[int, Any]:
        return 200, {"request": self.update_request_dto(self.requests.delete("parameter-context-update", rid))}
