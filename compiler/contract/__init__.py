"""The catalog as a contract with the application: its /metrics checked against it, its metric definitions generated from it."""
