import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from openkommune.accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_passwords_are_stored_with_argon2():
    user = User.objects.create_user(email="argon@test.example.org", password="ein-langes-passwort")
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert user.check_password("ein-langes-passwort")


def test_email_is_the_login_name_case_insensitively():
    user = UserFactory(email="Erika@Test.Example.org")
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(user, "username") or user.username is None
    assert authenticate(username="erika@test.example.org", password=PASSWORD) == user


def test_email_unique_regardless_of_case():
    UserFactory(email="doppelt@test.example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="DOPPELT@test.example.org")


def test_factory_traits_give_roles():
    from openkommune.tenancy.selectors import user_is_cooperative_staff, user_memberships

    assert [m.role for m in user_memberships(UserFactory(clerk=True))] == ["clerk"]
    assert [m.role for m in user_memberships(UserFactory(member_admin=True))] == ["member_admin"]
    assert user_is_cooperative_staff(UserFactory(cooperative_staff=True))
    assert user_memberships(UserFactory()) == []
