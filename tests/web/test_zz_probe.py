import time
import pytest
from tests.factories import login, make_user

@pytest.mark.parametrize("i", range(5))
def test_probe(app, make_client, i):
    t=time.perf_counter()
    u = make_user("customer")
    c = make_client()
    r = login(c, u)
    t2=time.perf_counter()
    c.get("/inquiries")
    t3=time.perf_counter()
    print("login", t2-t, "get", t3-t2)
