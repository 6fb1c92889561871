"""The CodeVerify dashboards, in the order the build emits them."""
from . import api_performance, infrastructure, overview, worker_performance

DASHBOARDS = (
    overview.DASHBOARD,
    api_performance.DASHBOARD,
    worker_performance.DASHBOARD,
    infrastructure.DASHBOARD,
)
