"""The OpenAPI document and the handlers agree: schemathesis against a seeded desk.

The desk is served on loopback with the demo data loaded; schemathesis reads
``/api/v1/openapi.json`` and runs every phase (examples, coverage, fuzzing, stateful) with every
check (`--checks all`: no 5xx, status codes and content types as documented, answers that match
their schemas, schema-valid requests accepted, schema-violating ones refused, undeclared methods
answered 405 with ``Allow``), once per kind of caller, bounded in examples and time. The few
answers no schema can describe are listed, with the reason, in ``schemathesis.toml``.

``SCHEMATHESIS_SEED`` picks another seed and ``SCHEMATHESIS_EXAMPLES`` more examples for a longer
local run; CI uses the fixed seed below so a failure is reproducible.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.api.spec import openapi_document
from app.extensions import db
from app.models import User
from app.seed.demo import DOMAIN, load_demo
from app.services import unit_of_work
from app.services.accounts.users import create_integration, issue_token
from app.web.clock import utcnow

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261202")
# (caller, demo account or None for the shop's integration, examples per operation)
CALLERS = [
    ("admin", f"admin@{DOMAIN}", 20),
    ("agent", f"agent1@{DOMAIN}", 10),
    ("customer", f"customer1@{DOMAIN}", 20),
    ("seller", f"seller@{DOMAIN}", 10),
    ("integration", None, 10),
]


@pytest.fixture()
def seeded_desk(app, live_server):
    load_demo(utcnow())
    unit_of_work.commit()
    return live_server


def _token(email: str | None) -> str:
    if email is None:
        token, _user = create_integration("shop (schemathesis)", utcnow())
    else:
        user = db.session.scalar(select(User).where(User.email == email))
        token, _row = issue_token(user, name="schemathesis", now=utcnow(), hours=2)
    unit_of_work.commit()
    return token


@pytest.mark.parametrize(("caller", "email", "examples"), CALLERS, ids=[c[0] for c in CALLERS])
def test_document_and_handlers_agree(seeded_desk, caller, email, examples, tmp_path):
    token = _token(email)
    examples = int(os.environ.get("SCHEMATHESIS_EXAMPLES", examples))
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color",
        "run", f"{seeded_desk}/api/v1/openapi.json", "--url", f"{seeded_desk}/api/v1",
        "--header", f"Authorization: Bearer {token}", "--checks", "all",
        "--max-examples", str(examples), "--seed", SEED, "--request-timeout", "20",
    ]
    # schemathesis keeps its example cache in the working directory; keep it out of the checkout.
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"schemathesis as {caller} found disagreements:\n{report[-20000:]}"
    # A run that tested nothing would pass too: every documented operation must have been exercised.
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", report)
    assert selected and len(set(selected.groups())) == 1, report[-3000:]
    # The document itself is not an operation schemathesis tests; every other one is.
    operations = sum(1 for item in openapi_document()["paths"].values() for method in item if method != "parameters")
    assert int(selected.group(3)) == operations - 1, report[-3000:]
