"""Every scenario module, imported so that it registers itself (see ``bench.registry``).

Add yours to both lines.
"""

from bench.scenarios import assignments, clients_list, deliveries, served_pages, store, worker

__all__ = ["assignments", "clients_list", "deliveries", "served_pages", "store", "worker"]
