from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "openkommune.companies"
    label = "companies"
    verbose_name = "Unternehmenskonten"

    def ready(self):
        from openkommune.companies.services import application_on_behalf_record
        from openkommune.submissions.services.hooks import register_submitted

        register_submitted(application_on_behalf_record)
