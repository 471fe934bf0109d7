"""API documentation built from the route table (chalicelib/api/routing.py), never written by hand:
OBP's resource docs and Swagger 2.0 per version (`obp.py`), the /v1 Enterprise API's OpenAPI 3.1
(`enterprise.py`), the JSON schemas and examples of the pydantic models (`schemas.py`) and the
browsable pages (`pages.py`). Nothing here is imported until a documentation request arrives;
each document is built once per container and kept."""
