"""GET /root — API info, and the readiness check."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.settings import get_settings


@endpoint("GET", "/root", since="1.2.1",
          response="APIInfoJson400", tags=("API",), errors=())
def root(req: Request):
    """Get API Info (root)"""
    s = get_settings()
    return {
        "version": f"v{req.version}",
        "version_status": "STABLE" if req.version == "5.1.0" else "DEPRECATED",
        "git_commit": s.git_commit,
        "stage": s.stage,
        "connector": "dynamodb",
        "hostname": s.hostname,
        "local_identity_provider": s.hostname,
        "hosted_by": {
            "organisation": s.hosted_by_organisation,
            "email": s.hosted_by_email,
            "phone": s.hosted_by_phone,
            "organisation_website": s.hosted_by_website,
        },
        "hosted_at": {"organisation": "Amazon Web Services", "organisation_website": "https://aws.amazon.com/"},
        "energy_source": {"organisation": "", "organisation_website": ""},
        "resource_docs_requires_role": False,
    }
