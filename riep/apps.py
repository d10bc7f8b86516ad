from django.apps import AppConfig


class RiepConfig(AppConfig):
    name = "riep"
    verbose_name = "RIEP wiring"
