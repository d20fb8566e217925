"""Scale data and benchmark scenarios: ``make bench`` (``python -m bench.run``)."""
