from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Placeholder, extended by the accounts work."""
