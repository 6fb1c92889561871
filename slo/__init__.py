"""CodeVerify's SLOs. SLOS lists them in order; the SLO issue fills it."""
SLOS = ()
