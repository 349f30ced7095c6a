import base64

from tests.support.totp import totp_at_step


def test_the_tests_totp_matches_the_vectors_of_rfc_6238_appendix_b():
    seed = base64.b32encode(b"12345678901234567890").decode()
    assert totp_at_step(seed, 59 // 30, digits=8) == "94287082"
    assert totp_at_step(seed, 1111111109 // 30, digits=8) == "07081804"
    assert totp_at_step(seed, 2000000000 // 30, digits=8) == "69279037"
