"""Consent requests (an application asks, a user consents) and the client certificate of a call."""
import json

from chalicelib.api.routing import RawJson, Request, endpoint
from chalicelib.schemas.consents import PostConsentRequestJsonV500, PostVRPConsentRequestJsonV510, consent_json_v500
from chalicelib.services import certificates, consent_requests
from chalicelib.services.access import require_application

_REQUESTS = "/consumer/consent-requests"


def _request_json(record) -> RawJson:
    """ConsentRequestResponseJson with the payload exactly as the application sent it."""
    return RawJson('{"consent_request_id":%s,"payload":%s,"consumer_id":%s}' % (
        json.dumps(record.consent_request_id), record.payload, json.dumps(record.consumer_id)))


def _create(req: Request, model, *, vrp: bool):
    caller = require_application(req.optional_caller())
    body = req.body(model)
    return _request_json(consent_requests.create_request(caller, req.raw_body, body.time_to_live, vrp=vrp))


@endpoint("POST", _REQUESTS, since="5.0.0", status=201, under_consent=False)
def create_consent_request(req: Request):
    return _create(req, PostConsentRequestJsonV500, vrp=False)


@endpoint("POST", "/consumer/vrp-consent-requests", since="5.1.0", status=201, under_consent=False)
def create_vrp_consent_request(req: Request):
    return _create(req, PostVRPConsentRequestJsonV510, vrp=True)


@endpoint("GET", _REQUESTS + "/{consent_request_id}", since="5.0.0", under_consent=False)
def get_consent_request(req: Request, consent_request_id: str):
    return _request_json(consent_requests.get_request(req.optional_caller(), consent_request_id))


@endpoint("POST", _REQUESTS + "/{consent_request_id}/{sca_method}/consents", since="5.0.0", status=201, under_consent=False)
def create_consent_by_consent_request_id(req: Request, consent_request_id: str, sca_method: str):
    return consent_json_v500(consent_requests.create_consent(req.user(), consent_request_id, sca_method))


@endpoint("GET", _REQUESTS + "/{consent_request_id}/consents", since="5.0.0", under_consent=False)
def get_consent_by_consent_request_id(req: Request, consent_request_id: str):
    return consent_json_v500(consent_requests.get_consent(req.optional_caller(), consent_request_id))


@endpoint("GET", "/my/mtls/certificate/current", since="5.1.0")
def mtls_client_certificate_info(req: Request):
    req.user()
    return certificates.certificate_info(req.headers.get("psd2-cert"))
