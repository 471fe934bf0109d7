"""The map of route modules (chalicelib/api/areas.py) against the full route table: every route
loads with its path, so lazy loading can never hide one. A new route module, or a route outside
its module's prefixes, fails here naming the prefix to add."""
from __future__ import annotations

import importlib
import logging
import pkgutil
import re

import chalicelib.api
from chalicelib.api import areas, routing

_SAMPLE_SEGMENT = "x1"


def _every_route_module_imported() -> dict[tuple[str, str], list[routing.Endpoint]]:
    """The table with every module under chalicelib/api imported, listed in the map or not."""
    routing.load_all()
    for info in pkgutil.walk_packages(chalicelib.api.__path__, prefix="chalicelib.api."):
        importlib.import_module(info.name)
    return routing._TABLE


def _parts(route: str) -> tuple[str | None, ...]:
    return areas.segments_of(route)


def _own_path(route: str, endpoint: routing.Endpoint) -> tuple[str | None, ...]:
    """The route's segments where the map's prefixes apply: after /obp/{version} for OBP routes."""
    parts = _parts(route)
    return parts[2:] if endpoint.since is not None else parts


def _covers(prefix: tuple[str | None, ...], path: tuple[str | None, ...]) -> bool:
    """Every path matching `path` starts with `prefix`: each prefix segment is a variable, or the
    same static segment."""
    return len(path) >= len(prefix) and all(want is None or want == got for want, got in zip(prefix, path))


def _entry(module: str) -> str:
    return module.removeprefix(areas.PACKAGE + ".")


def _suggested_prefix(route: str, endpoint: routing.Endpoint, table) -> str:
    """The shortest leading segments of the route's own path that no other module's route could
    share, written as the route writes them."""
    module = endpoint.handler.__module__
    path = _own_path(route, endpoint)
    others = [_own_path(r, e) for (r, _), endpoints in table.items() for e in endpoints
              if e.handler.__module__ != module]

    def may_share(prefix, other):
        return len(other) >= len(prefix) and all(a is None or b is None or a == b for a, b in zip(prefix, other))

    for length in range(1, len(path) + 1):
        if not any(may_share(path[:length], other) for other in others):
            break
    written = route.strip("/").split("/")[len(_parts(route)) - len(path):]
    return "/" + "/".join(written[:length])


def _line(entry: str, prefixes) -> str:
    """The entry as chalicelib/api/areas.py writes it."""
    quoted = ", ".join(f'"{prefix}"' for prefix in prefixes)
    return f'    "{entry}": ({quoted}{"," if len(prefixes) == 1 else ""}),'


def test_every_route_is_covered_by_a_prefix_of_its_own_module():
    table = _every_route_module_imported()
    uncovered: dict[str, list[str]] = {}  # module -> its routes no prefix of it covers
    suggested: dict[str, list[str]] = {}  # module -> the prefixes to add
    for (route, method), endpoints in sorted(table.items()):
        for e in endpoints:
            module = e.handler.__module__
            path = _own_path(route, e)
            prefixes = [_parts(p) for p in areas.ROUTE_MODULES.get(_entry(module), ())]
            if any(_covers(prefix, path) for prefix in prefixes):
                continue
            if f"{method} {route}" not in uncovered.setdefault(module, []):
                uncovered[module].append(f"{method} {route}")
            prefix = _suggested_prefix(route, e, table)
            if prefix not in suggested.setdefault(module, []):
                suggested[module].append(prefix)
    problems = []
    for module, routes in uncovered.items():
        entry = _entry(module)
        if entry in areas.ROUTE_MODULES:
            advice = (f"in ROUTE_MODULES, make its entry\n"
                      f"{_line(entry, areas.ROUTE_MODULES[entry] + tuple(suggested[module]))}")
        else:
            advice = f"add this line to ROUTE_MODULES\n{_line(entry, suggested[module])}"
        problems.append(f"{module} serves {', '.join(routes)}, which chalicelib/api/areas.py ROUTE_MODULES "
                        f"does not load: {advice}")
    assert problems == [], "\n".join(problems)


def test_every_prefix_serves_a_route_of_its_module():
    table = _every_route_module_imported()
    stale = []
    for entry, prefixes in areas.ROUTE_MODULES.items():
        own = [_own_path(route, e) for (route, _), endpoints in table.items() for e in endpoints
               if e.handler.__module__ == areas.module_name(entry)]
        assert own, f"{entry} in ROUTE_MODULES declares no route"
        stale += [f"{entry}: {p}" for p in prefixes if not any(_covers(_parts(p), path) for path in own)]
    assert stale == []


def test_a_request_path_loads_the_module_of_every_route_it_could_match():
    table = _every_route_module_imported()
    for (route, method), endpoints in table.items():
        path = re.sub(r"\{[a-z_]+\}", _SAMPLE_SEGMENT, route.replace("{version}", "v5.1.0"))
        loaded = areas.modules_for(path.strip("/").split("/"))
        for e in endpoints:
            assert e.handler.__module__ in loaded, (
                f"{method} {route} loads {loaded}, not {e.handler.__module__}: "
                "test_every_route_is_covered_by_a_prefix_of_its_own_module names the line to add")


def test_areas_stay_apart():
    def loads(path):
        return {_entry(m) for m in areas.modules_for(path.strip("/").split("/"))}

    assert loads("/obp/v5.1.0/root") == {"root"}
    assert loads("/obp/v5.1.0/banks/b1/accounts/private") == {"banks", "accounts"}
    assert loads("/obp/v5.1.0/banks/b1/customers/c1/addresses") == {"banks", "customers", "customer_data"}
    assert loads("/v1/profiles/p1/customers") == {"enterprise.profiles", "enterprise.customers"}
    assert loads("/my/logins/direct") == loads("/obp/v5.1.0/my/logins/direct") == {"directlogin"}
    assert loads("/favicon.ico") == set()


def test_an_api_that_owns_a_first_segment_names_its_renderer_for_unknown_paths():
    table = _every_route_module_imported()
    claimed = {}
    for (route, _method), endpoints in table.items():
        for e in endpoints:
            if e.since is None and e.error_renderer is not None:
                claimed.setdefault(route.strip("/").split("/")[0], set()).add(e.error_renderer)
    named = {}
    for segment, owner in areas.PREFIX_ERROR_RENDERERS.items():
        module, _, name = owner.partition(":")
        named[segment] = {getattr(importlib.import_module(module), name)}
    problems = []
    for segment, renderers in claimed.items():
        if named.get(segment) == renderers and len(renderers) == 1:
            continue
        names = sorted(f"{r.__module__}:{r.__qualname__}" for r in renderers)
        advice = (f'add this line to PREFIX_ERROR_RENDERERS\n    "{segment}": "{names[0]}",' if len(names) == 1
                  else "one renderer a first segment")
        problems.append(f"routes under /{segment} render their errors with {' and '.join(names)}, so do its "
                        f"unknown paths: in chalicelib/api/areas.py, {advice}")
    problems += [f"PREFIX_ERROR_RENDERERS: no unversioned route under /{segment} uses {areas.PREFIX_ERROR_RENDERERS[segment]}"
                 for segment in named if segment not in claimed]
    assert problems == [], "\n".join(problems)


def test_an_unknown_path_under_v1_gets_the_enterprise_error_shape(api):
    r = api.get("/v1/no-such-thing")
    assert r.status == 404
    assert r.body["error"] == "not_found" and "code" not in r.body


def test_a_route_module_that_fails_to_import_is_a_clean_500(api, monkeypatch, caplog):
    def broken(modules):
        raise ImportError("a route module is broken")

    monkeypatch.setattr(routing, "_load", broken)
    with caplog.at_level(logging.ERROR, logger="chalicelib.api.routing"):
        r = api.get("/obp/v5.1.0/root")
    assert (r.status, r.body) == (500, {"code": 500, "message": "OBP-50000: Unknown Error."})
    assert [rec.getMessage() for rec in caplog.records if rec.name == "chalicelib.api.routing"] == [
        "route modules failed to load for GET /obp/v5.1.0/root"]
