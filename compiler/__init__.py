"""The monitoring-as-code compiler: model, loader, linter, SLO expansion, emitters, writer."""
