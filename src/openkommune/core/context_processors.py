from django.conf import settings


def platform(request):
    return {"demo_mode": settings.DEMO_MODE}
