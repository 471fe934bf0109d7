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


@endpoint("POST", _REQUESTS, since="5.0.0", status=201, under_consent=False,
          body=PostConsentRequestJsonV500, response="ConsentRequestResponseJson",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-10001", "OBP-35020", "OBP-20306", "OBP-20300", "OBP-50200", "OBP-50000"))
def create_consent_request(req: Request):
    """Create Consent Request"""
    return _create(req, PostConsentRequestJsonV500, vrp=False)


@endpoint("POST", "/consumer/vrp-consent-requests", since="5.1.0", status=201, under_consent=False,
          operation="createVRPConsentRequest",
          body=PostVRPConsentRequestJsonV510, response="ConsentRequestResponseJson", tags=("Consent", "VRP"),
          errors=("OBP-10001", "OBP-35020", "OBP-20306", "OBP-20300", "OBP-50200", "OBP-50000"))
def create_vrp_consent_request(req: Request):
    """Create Consent Request VRP"""
    return _create(req, PostVRPConsentRequestJsonV510, vrp=True)


@endpoint("GET", _REQUESTS + "/{consent_request_id}", since="5.0.0", under_consent=False,
          response="ConsentRequestResponseJson", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-10001", "OBP-35020", "OBP-20306", "OBP-20300", "OBP-50200", "OBP-50000"))
def get_consent_request(req: Request, consent_request_id: str):
    """Get Consent Request"""
    return _request_json(consent_requests.get_request(req.optional_caller(), consent_request_id))


@endpoint("POST", _REQUESTS + "/{consent_request_id}/{sca_method}/consents", since="5.0.0", status=201, under_consent=False,
          operation="createConsentByConsentRequestIdSms",
          response="ConsentJsonV500", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-35029", "OBP-35009", "OBP-35013", "OBP-35014",
              "OBP-30019", "OBP-20058", "OBP-00010", "OBP-35010", "OBP-50200", "OBP-50000"))
def create_consent_by_consent_request_id(req: Request, consent_request_id: str, sca_method: str):
    """Create Consent By CONSENT_REQUEST_ID (SMS)"""
    return consent_json_v500(consent_requests.create_consent(req.user(), consent_request_id, sca_method))


@endpoint("GET", _REQUESTS + "/{consent_request_id}/consents", since="5.0.0", under_consent=False,
          response="ConsentJsonV500",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"), errors=("OBP-50000",))
def get_consent_by_consent_request_id(req: Request, consent_request_id: str):
    """Get Consent By Consent Request Id"""
    return consent_json_v500(consent_requests.get_consent(req.optional_caller(), consent_request_id))


@endpoint("GET", "/my/mtls/certificate/current", since="5.1.0",
          response="CertificateInfoJsonV510", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def mtls_client_certificate_info(req: Request):
    """Provide client's certificate info of a current call"""
    req.user()
    return certificates.certificate_info(req.headers.get("psd2-cert"))
