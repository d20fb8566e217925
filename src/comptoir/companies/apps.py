from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "comptoir.companies"
    label = "companies"
