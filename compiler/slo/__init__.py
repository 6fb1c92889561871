"""SLO expansion: each SLO becomes recording rules, burn-rate alerts (rules.py) and a panel row (dashboard.py)."""
