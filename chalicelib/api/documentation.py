"""The API's own documentation, generated from the route table (chalicelib/api/docs/): OBP's
resource docs and Swagger per version, the versions list, the /v1 Enterprise API's OpenAPI 3.1
document, and Swagger UI pages over them (`/docs`, `/v1/docs`). The builders are imported on the
first documentation request, never at cold start."""
from chalicelib.api.enterprise.http import v1
from chalicelib.api.routing import VERSIONS, Reply, Request, Text, endpoint
from chalicelib.errors import ApiError

_DOCS = ("Documentation", "API")
_VERSION_ERRORS = ("OBP-00027",)


def _requested(api_version: str) -> str:
    from chalicelib.api.docs import obp

    version = obp.parse_version(api_version)
    if version is None:
        raise ApiError("OBP-00027", f"Current Version is {api_version}", status=400)
    return version


def _listed(req: Request, name: str) -> list[str] | None:
    value = (req.query.get(name) or "").strip()
    return [v.strip() for v in value.split(",") if v.strip()] or None


@endpoint("GET", "/resource-docs/{api_version}/obp", since="1.4.0", operation="getResourceDocsObp",
          response="ResourceDocsJson", tags=_DOCS, errors=_VERSION_ERRORS)
def get_resource_docs_obp(req: Request, api_version: str):
    """Get Resource Docs

    Every endpoint of API_VERSION (e.g. v5.1.0) as OBP's resource docs: verb, URL, summary, roles,
    example and typed request and response bodies, error messages and tags. `?tags=Customer,KYC`
    and `?functions=createCustomer,getBanks` narrow the list."""
    from chalicelib.api.docs import obp

    return obp.resource_docs(_requested(api_version), _listed(req, "tags"), _listed(req, "functions"))


@endpoint("GET", "/resource-docs/{api_version}/swagger", since="1.4.0", operation="getResourceDocsSwagger",
          response="JsonDocument", tags=_DOCS, errors=_VERSION_ERRORS)
def get_resource_docs_swagger(req: Request, api_version: str):
    """Get Swagger documentation

    Every endpoint of API_VERSION (e.g. v5.1.0) as a Swagger 2.0 document."""
    from chalicelib.api.docs import obp

    return obp.swagger(_requested(api_version))


@endpoint("GET", "/api/versions", since="4.0.0", operation="getScannedApiVersions",
          response="ScannedApiVersionsJson", tags=_DOCS)
def get_scanned_api_versions(req: Request):
    """Get scanned API Versions

    The API versions this server serves."""
    from chalicelib.api.docs import obp

    return obp.api_versions()


def _page(text: str) -> Reply:
    return Reply(Text(text, "text/html; charset=utf-8"), 200, {"Cache-Control": "no-cache"})


@endpoint("GET", "/docs", since=None, operation="getApiDocsPage", tags=_DOCS, produces="text/html")
def docs_page(req: Request):
    """The OBP API in Swagger UI

    A page showing the Swagger document of every version, served with its viewer by this API."""
    from chalicelib.api.docs import pages

    # OBP serves resource docs from v1.4.0 on; each version's document under the newest prefix.
    documents = [(f"OBP v{v}", f"obp/v{VERSIONS[-1]}/resource-docs/v{v}/swagger") for v in reversed(VERSIONS)]
    return _page(pages.swagger_ui_page("OBP API documentation", "docs/static/", documents))


@endpoint("GET", "/docs/static/{name}", since=None, operation="getApiDocsAsset", tags=_DOCS,
          produces="*/*")  # JavaScript, CSS or text, by the file
def docs_asset(req: Request, name: str):
    """A file of the documentation viewer (Swagger UI)"""
    from chalicelib.api.docs import pages

    found = pages.asset(name)
    if found is None:
        raise ApiError("OBP-10404", status=404)
    text, content_type = found
    return Reply(Text(text, content_type), 200, {"Cache-Control": "public, max-age=86400"})


@v1("GET", "/v1/openapi.json", operation="getOpenApi", response="JsonDocument", tags=("Documentation",))
def enterprise_openapi(req: Request):
    """The Enterprise API as an OpenAPI 3.1 document"""
    from chalicelib.api.docs import enterprise

    return enterprise.openapi()


@v1("GET", "/v1/docs", operation="getDocsPage", tags=("Documentation",), produces="text/html")
def enterprise_docs_page(req: Request):
    """The Enterprise API in Swagger UI"""
    from chalicelib.api.docs import pages

    return _page(pages.swagger_ui_page("Enterprise API documentation", "../docs/static/",
                                       [("Enterprise API", "openapi.json")]))
