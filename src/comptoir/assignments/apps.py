from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "comptoir.assignments"
    label = "assignments"
