"""KYC checks, documents, media and statuses (OBP v2.0.0): four PUTs under the bank's customer and
four GETs under /customers/CUSTOMER_ID. Adds check auth -> role -> bank -> customer -> body."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.kyc import (
    PostKycCheckJSON,
    PostKycDocumentJSON,
    PostKycMediaJSON,
    PostKycStatusJSON,
    kyc_check_json,
    kyc_document_json,
    kyc_media_json,
    kyc_status_json,
)
from chalicelib.services import kyc
from chalicelib.services.paging import parse_page


@endpoint("PUT", "/banks/{bank_id}/customers/{customer_id}/kyc_check/{kyc_check_id}", since="2.0.0", status=201,
          roles=("CanAddKycCheck",), body=PostKycCheckJSON, response="KycCheckJSON", tags=("KYC", "Customer"),
          errors=("OBP-20001", "OBP-10001", "OBP-30001", "OBP-30046", "OBP-00004", "OBP-50000", "OBP-20006"))
def add_kyc_check(req: Request, bank_id: str, customer_id: str, kyc_check_id: str):
    """Add KYC Check"""
    customer = kyc.authorize_add(req.user(), kyc.CHECK, bank_id, customer_id)
    body = req.body(PostKycCheckJSON)
    return kyc_check_json(kyc.put_record(
        kyc.CHECK, customer, kyc_check_id, date=body.date, how=body.how, staff_user_id=body.staff_user_id,
        staff_name=body.staff_name, satisfied=body.satisfied, comments=body.comments,
    ))


@endpoint("PUT", "/banks/{bank_id}/customers/{customer_id}/kyc_documents/{kyc_document_id}", since="2.0.0",
          status=201,
          roles=("CanAddKycDocument",), body=PostKycDocumentJSON, response="KycDocumentJSON",
          tags=("KYC", "Customer"),
          errors=("OBP-20001", "OBP-10001", "OBP-30001", "OBP-30046", "Server error: could not add KycDocument",
              "OBP-50000", "OBP-20006"))
def add_kyc_document(req: Request, bank_id: str, customer_id: str, kyc_document_id: str):
    """Add KYC Document"""
    customer = kyc.authorize_add(req.user(), kyc.DOCUMENT, bank_id, customer_id)
    body = req.body(PostKycDocumentJSON)
    return kyc_document_json(kyc.put_record(
        kyc.DOCUMENT, customer, kyc_document_id, document_type=body.type, number=body.number,
        issue_date=body.issue_date, issue_place=body.issue_place, expiry_date=body.expiry_date,
    ))


@endpoint("PUT", "/banks/{bank_id}/customers/{customer_id}/kyc_media/{kyc_media_id}", since="2.0.0", status=201,
          roles=("CanAddKycMedia",), body=PostKycMediaJSON, response="KycMediaJSON", tags=("KYC", "Customer"),
          errors=("OBP-20001", "OBP-10001", "OBP-30046", "OBP-00004", "OBP-50000", "OBP-20006"))
def add_kyc_media(req: Request, bank_id: str, customer_id: str, kyc_media_id: str):
    """Add KYC Media"""
    customer = kyc.authorize_add(req.user(), kyc.MEDIA, bank_id, customer_id)
    body = req.body(PostKycMediaJSON)
    return kyc_media_json(kyc.put_record(
        kyc.MEDIA, customer, kyc_media_id, media_type=body.type, url=body.url, date=body.date,
        relates_to_kyc_document_id=body.relates_to_kyc_document_id,
        relates_to_kyc_check_id=body.relates_to_kyc_check_id,
    ))


@endpoint("PUT", "/banks/{bank_id}/customers/{customer_id}/kyc_statuses", since="2.0.0", status=201,
          roles=("CanAddKycStatus",), body=PostKycStatusJSON, response="KycStatusJSON", tags=("KYC", "Customer"),
          errors=("OBP-20001", "OBP-10001", "OBP-30111", "OBP-50000", "OBP-30001", "OBP-00004", "OBP-30046",
              "OBP-20006"))
def add_kyc_status(req: Request, bank_id: str, customer_id: str):
    """Add KYC Status"""
    customer = kyc.authorize_add(req.user(), kyc.STATUS, bank_id, customer_id)
    body = req.body(PostKycStatusJSON)
    return kyc_status_json(kyc.add_status(customer, body.ok, body.date))


def _records(req: Request, kind: str, customer_id: str) -> list:
    return kyc.records(req.user(), kind, customer_id, parse_page(req.query))


@endpoint("GET", "/customers/{customer_id}/kyc_checks", since="2.0.0",
          roles=("CanGetAnyKycChecks",), response="KycChecksJSON", tags=("KYC", "Customer"),
          errors=("OBP-20001", "OBP-30046", "OBP-50000", "OBP-20006"))
def get_kyc_checks(req: Request, customer_id: str):
    """Get Customer KYC Checks"""
    return {"checks": [kyc_check_json(k) for k in _records(req, kyc.CHECK, customer_id)]}


@endpoint("GET", "/customers/{customer_id}/kyc_documents", since="2.0.0",
          roles=("CanGetAnyKycDocuments",), response="KycDocumentsJSON", tags=("KYC", "Customer"),
          errors=("OBP-20001", "OBP-30046", "OBP-50000", "OBP-20006"))
def get_kyc_documents(req: Request, customer_id: str):
    """Get Customer KYC Documents"""
    return {"documents": [kyc_document_json(k) for k in _records(req, kyc.DOCUMENT, customer_id)]}


@endpoint("GET", "/customers/{customer_id}/kyc_media", since="2.0.0",
          roles=("CanGetAnyKycMedia",), response="KycMediasJSON", tags=("KYC", "Customer"),
          errors=("OBP-20001", "OBP-30046", "OBP-50000", "OBP-20006"))
def get_kyc_media(req: Request, customer_id: str):
    """Get KYC Media for a customer"""
    return {"medias": [kyc_media_json(k) for k in _records(req, kyc.MEDIA, customer_id)]}


@endpoint("GET", "/customers/{customer_id}/kyc_statuses", since="2.0.0",
          roles=("CanGetAnyKycStatuses",), response="KycStatusesJSON", tags=("KYC", "Customer"),
          errors=("OBP-20001", "OBP-30046", "OBP-50000", "OBP-20006"))
def get_kyc_statuses(req: Request, customer_id: str):
    """Get Customer KYC statuses"""
    return {"statuses": [kyc_status_json(k) for k in _records(req, kyc.STATUS, customer_id)]}
