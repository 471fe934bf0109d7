"""Consents (seed 004): create with an OTP challenge and answer it, read, list, revoke, and the
management operations. Consent requests and the client certificate are in consent_requests.py."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.consents import (
    PostConsentBodyCommonJson,
    PostConsentChallengeJsonV310,
    PutConsentPayloadJsonV510,
    PutConsentStatusJsonV400,
    PutConsentUserJsonV400,
    consent_info_json_v400,
    consent_info_json_v510,
    consent_item_json_v510,
    consent_json_v310,
    consent_json_v400,
    consent_json_v510,
)
from chalicelib.services import consents
from chalicelib.services.paging import MAX_LIMIT, parse_page

_AT_BANK = "/banks/{bank_id}/consents/{consent_id}"
_MANAGED = "/management/banks/{bank_id}/consents/{consent_id}"


def _create(req: Request, sca_method: str):
    caller = req.user()
    consents.check_sca_method(sca_method)  # OBP routes on the method before it reads the body
    body = req.body(PostConsentBodyCommonJson)
    return consent_json_v310(consents.create_consent(caller, sca_method, body.ask()))


@endpoint("POST", "/banks/{bank_id}/my/consents/{sca_method}", since="3.1.0", status=201, under_consent=False,
          operation="createConsentSms", body=PostConsentBodyCommonJson, response="ConsentJsonV310",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-35009", "OBP-35013", "OBP-35014", "OBP-30019",
              "OBP-20058", "OBP-00010", "OBP-35010", "OBP-50200", "OBP-50000"))
def create_consent(req: Request, bank_id: str, sca_method: str):
    """Create Consent (SMS)"""
    return _create(req, sca_method)


@endpoint("POST", "/my/consents/{sca_method}", since="5.1.0", status=201, under_consent=False,
          operation="createConsentImplicit", body=PostConsentBodyCommonJson, response="ConsentJsonV310",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-35009", "OBP-35013", "OBP-35014", "OBP-30019",
              "OBP-20058", "OBP-00010", "OBP-35010", "OBP-50200", "OBP-50000"))
def create_consent_without_bank(req: Request, sca_method: str):
    """Create Consent (IMPLICIT)"""
    return _create(req, sca_method)


@endpoint("POST", _AT_BANK + "/challenge", since="3.1.0", status=201, under_consent=False,
          body=PostConsentChallengeJsonV310, response="ConsentChallengeJsonV310",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-50200", "OBP-50000"))
def answer_consent_challenge(req: Request, bank_id: str, consent_id: str):
    """Answer Consent Challenge"""
    caller = req.user()
    body = req.body(PostConsentChallengeJsonV310)
    return consent_json_v310(consents.answer_challenge(caller, consent_id, body.answer))


# --- reads ------------------------------------------------------------------------------------

def _mine(req: Request, bank_id: str | None = None) -> list:
    # OBP returns these lists whole; a large default page keeps that for any real user, bounded.
    page = parse_page(req.query, default_limit=MAX_LIMIT, default_descending=True)
    return consents.list_mine(req.user(), limit=page.limit, offset=page.offset, descending=page.descending,
                              bank_id=bank_id)


@endpoint("GET", "/banks/{bank_id}/my/consents", since="3.1.0", under_consent=False,
          response="ConsentsJsonV310", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def get_consents_v310(req: Request, bank_id: str):
    """Get Consents"""
    return {"consents": [consent_json_v310(c) for c in _mine(req)]}


@endpoint("GET", "/banks/{bank_id}/my/consents", since="4.0.0", under_consent=False,
          response="ConsentsJsonV400", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def get_consents_v400(req: Request, bank_id: str):
    """Get Consents"""
    return {"consents": [consent_json_v400(c) for c in _mine(req)]}


@endpoint("GET", "/banks/{bank_id}/my/consents", since="5.1.0", under_consent=False,
          response="ConsentsInfoJsonV510", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def get_my_consents_by_bank(req: Request, bank_id: str):
    """Get My Consents at Bank"""
    return {"consents": [consent_info_json_v510(c) for c in _mine(req, bank_id)]}


@endpoint("GET", "/my/consents", since="5.1.0", under_consent=False,
          response="ConsentsInfoJsonV510", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def get_my_consents(req: Request):
    """Get My Consents"""
    return {"consents": [consent_info_json_v510(c) for c in _mine(req)]}


@endpoint("GET", "/banks/{bank_id}/my/consent-infos", since="4.0.0", under_consent=False,
          response="ConsentInfosJsonV400", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def get_consent_infos(req: Request, bank_id: str):
    """Get Consents Info"""
    return {"consents": [consent_info_json_v400(c) for c in _mine(req, bank_id)]}


@endpoint("GET", "/user/current/consents/{consent_id}", since="5.1.0", under_consent=False,
          response="ConsentJsonV510",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"), errors=("OBP-20001", "OBP-50000"))
def get_consent_by_consent_id(req: Request, consent_id: str):
    """Get Consent By Consent Id"""
    return consent_json_v510(consents.get_for_user(req.user(), consent_id))


@endpoint("GET", "/consumer/current/consents/{consent_id}", since="5.1.0", under_consent=False,
          response="ConsentJsonV510",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"), errors=("OBP-50000",))
def get_consent_by_consent_id_via_consumer(req: Request, consent_id: str):
    """Get Consent By Consent Id via Consumer"""
    return consent_json_v510(consents.get_for_consumer(req.optional_caller(), consent_id))


def _management_list(req: Request, list_consents) -> dict:
    caller = req.user()
    page = parse_page(req.query, default_descending=True)
    found = list_consents(caller, limit=page.limit, offset=page.offset, user_id=req.query.get("user_id"),
                          consumer_id=req.query.get("consumer_id"), status=req.query.get("status"))
    return {"number_of_rows": len(found), "consents": [consent_item_json_v510(c) for c in found]}


@endpoint("GET", "/management/consents/banks/{bank_id}", since="5.1.0", under_consent=False,
          roles=("CanGetConsentsAtOneBank", "CanGetConsentsAtAnyBank"),
          response="ConsentsJsonV510", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-20006", "OBP-50000"))
def get_consents_at_bank(req: Request, bank_id: str):
    """Get Consents at Bank"""
    return _management_list(req, lambda caller, **kw: consents.list_at_bank(caller, bank_id, **kw))


@endpoint("GET", "/management/consents", since="5.1.0", under_consent=False,
          operation="getConsents", roles=("CanGetConsentsAtAnyBank",),
          response="ConsentsJsonV510", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-20006", "OBP-50000"))
def get_consents_management(req: Request):
    """Get Consents"""
    bank_id = req.query.get("bank_id")
    return _management_list(req, lambda caller, **kw: consents.list_all(caller, bank_id=bank_id, **kw))


# --- revocation -------------------------------------------------------------------------------

@endpoint("GET", "/banks/{bank_id}/my/consents/{consent_id}/revoke", since="3.1.0", under_consent=False,
          response="ConsentJsonV310", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def revoke_consent(req: Request, bank_id: str, consent_id: str):
    """Revoke Consent"""
    return consent_json_v310(consents.revoke_mine(req.user(), consent_id,
                                                  missing=lambda c: consents.not_found(c, status=400)))


@endpoint("DELETE", _AT_BANK, since="5.1.0", under_consent=False,
          roles=("CanRevokeConsentAtBank",), response="ConsentJsonV310",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000", "OBP-20006"))
def revoke_consent_at_bank(req: Request, bank_id: str, consent_id: str):
    """Revoke Consent at Bank"""
    return consent_json_v310(consents.revoke_at_bank(req.user(), bank_id, consent_id))


@endpoint("DELETE", "/my/consent/current", since="5.1.0",
          response="ConsentJsonV310", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def self_revoke_consent(req: Request):
    """Revoke Consent used in the Current Call"""
    return consent_json_v310(consents.revoke_current(req.user()))


@endpoint("DELETE", "/my/consents/{consent_id}", since="5.1.0", under_consent=False,
          response="ConsentJsonV310",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"), errors=("OBP-20001", "OBP-50000"))
def revoke_my_consent(req: Request, consent_id: str):
    """Revoke My Consent"""
    return consent_json_v310(consents.revoke_my_consent(req.user(), consent_id))


# --- status, user and account access ----------------------------------------------------------

@endpoint("PUT", _AT_BANK, since="4.0.0", status=202, under_consent=False,
          body=PutConsentStatusJsonV400, response="ConsentChallengeJsonV310",
          tags=("Consent", "Account Information Service (AIS)"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-50200", "OBP-50000"))
def update_consent_status(req: Request, bank_id: str, consent_id: str):
    """Update Consent Status"""
    caller = req.user()
    body = req.body(PutConsentStatusJsonV400)
    return consent_json_v310(consents.request_status_change(caller, consent_id, body.status))


@endpoint("PUT", _MANAGED, since="5.1.0", under_consent=False,
          roles=("CanUpdateConsentStatusAtOneBank", "CanUpdateConsentStatusAtAnyBank"),
          body=PutConsentStatusJsonV400, response="ConsentJsonV310",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-35001", "OBP-50200", "OBP-20006", "OBP-50000"))
def update_consent_status_by_consent(req: Request, bank_id: str, consent_id: str):
    """Update Consent Status by CONSENT_ID"""
    return consent_json_v310(consents.set_status_at_bank(
        req.user(), bank_id, consent_id, lambda: req.body(PutConsentStatusJsonV400).status))


@endpoint("PUT", _AT_BANK + "/user-update-request", since="4.0.0", under_consent=False,
          body=PutConsentUserJsonV400, response="ConsentChallengeJsonV310",
          tags=("Consent", "Account Information Service (AIS)"),
          errors=("OBP-20001", "OBP-20057", "OBP-30001", "OBP-35024", "OBP-10001", "OBP-35001", "OBP-50000"))
def add_consent_user(req: Request, bank_id: str, consent_id: str):
    """Add User to a Consent"""
    caller = req.user()
    body = req.body(PutConsentUserJsonV400)
    return consent_json_v310(consents.add_user(caller, bank_id, consent_id, body.user_id))


@endpoint("PUT", _MANAGED + "/created-by-user", since="5.1.0", under_consent=False,
          operation="updateConsentUserIdByConsentId",
          roles=("CanUpdateConsentUserAtOneBank", "CanUpdateConsentUserAtAnyBank"), body=PutConsentUserJsonV400,
          response="ConsentJsonV310", tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-35001", "OBP-50200", "OBP-20006", "OBP-50000"))
def update_consent_user(req: Request, bank_id: str, consent_id: str):
    """Update Created by User of Consent by CONSENT_ID"""
    return consent_json_v310(consents.set_user_at_bank(
        req.user(), bank_id, consent_id, lambda: req.body(PutConsentUserJsonV400).user_id))


@endpoint("PUT", _MANAGED + "/account-access", since="5.1.0", under_consent=False,
          operation="updateConsentAccountAccessByConsentId",
          roles=("CanUpdateConsentAccountAccessAtOneBank", "CanUpdateConsentAccountAccessAtAnyBank"),
          body=PutConsentPayloadJsonV510, response="ConsentJsonV310",
          tags=("Consent", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-35001", "OBP-50200", "OBP-20006", "OBP-50000"))
def update_consent_account_access(req: Request, bank_id: str, consent_id: str):
    """Update Consent Account Access by CONSENT_ID"""
    return consent_json_v310(consents.set_account_access(
        req.user(), bank_id, consent_id, lambda: req.body(PutConsentPayloadJsonV510).ibans()))
