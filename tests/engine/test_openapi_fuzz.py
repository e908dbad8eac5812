"""Schema fuzzing of the real engine against its own ``/openapi.json`` (schemathesis).

A bounded run (a fixed seed, a few examples per operation, about a minute on two cores): no
answer may be a server error, every status must be one the document lists for that route, and
a method a path does not take must be 405 with an ``Allow`` header; and every answer must match
the schema and content type the document gives for it. The run is authenticated
as one anonymous user with a session, so the fuzzer reaches past the token check.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from nemo_widgets import protocol

ST = shutil.which("st")
CHECKS = ("not_a_server_error,status_code_conformance,unsupported_method,"
          "allow_header_conformance,response_schema_conformance,content_type_conformance")


@pytest.mark.skipif(ST is None, reason="schemathesis is not installed (pip install '.[dev]')")
def test_the_engine_keeps_to_its_own_openapi_document(start_engine, tmp_path):
    engine = start_engine(profile="local")
    api = engine.api()
    api.login()
    api.new_session()
    assert ST is not None
    command = [ST, "run", f"{engine.url}/openapi.json", "--header",
               f"Authorization: Bearer {api.token}", "--checks", CHECKS,
               "--max-examples", "12", "--seed", "20261203", "--workers", "1", "--no-color",
               "--generation-database", "none", "--max-failures", "20",
               "--request-timeout", "30"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    report = done.stdout[-6000:]
    assert done.returncode == 0, report
    assert "Undocumented status code" not in report and "Server error" not in report
    assert api.http.get(protocol.PATH_HEALTH).status_code == 200, "the engine is still up"
