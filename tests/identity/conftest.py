from tests.support.bundid import bundid, simplesamlphp_idp, sp_keys  # noqa: F401
