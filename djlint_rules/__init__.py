"""The templates' own djLint rules, named in .djlint_rules.yaml (read by `make lint`)."""
