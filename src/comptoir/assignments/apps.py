from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "comptoir.assignments"
    label = "assignments"

    def ready(self) -> None:
        from comptoir.assignments.removal import register_removal_steps

        register_removal_steps()
