"""One-time links of the accounts app that are not password resets."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class AccountActivationTokenGenerator(PasswordResetTokenGenerator):
    """Confirms a new citizen account. Its own salt, so a password-reset link never works
    as an activation link and the other way round; `is_active` in the hash makes the link
    single use (the account is active afterwards), as does the password set with it. It is
    valid only for an account that awaits its setup (`User.awaits_setup`)."""

    key_salt = "openkommune.accounts.tokens.AccountActivationTokenGenerator"

    def check_token(self, user, token):
        # A deactivated account (set up before) must not come back through a link; only one
        # that never was set up can be activated.
        if user is None or not user.awaits_setup:
            return False
        return super().check_token(user, token)

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


account_activation_token = AccountActivationTokenGenerator()
