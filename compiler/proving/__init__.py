"""Proving the signals, not compiling them: alert and SLO scenarios, the synthetic CodeVerify
(simulate.py), the labels a scrape attaches (scrape.py) and `build.py verify` on a real Prometheus."""
