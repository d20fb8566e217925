"""Every scenario module, imported so that it registers itself (see ``bench.registry``).

Add yours to both lines.
"""

from bench.scenarios import assignments, clients_list, deliveries, store

__all__ = ["assignments", "clients_list", "deliveries", "store"]
