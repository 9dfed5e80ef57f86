import atexit

import pytest

from tests.experiments.helpers import DaskCluster


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers on 127.0.0.1, killed after the module.

    Tests may kill a worker; the next test that asks for the cluster gets two live workers again.
    """
    cluster = DaskCluster(tmp_path_factory.mktemp("dask-cluster"))
    # Kill the processes even if pytest exits without running finalizers (e.g. on Ctrl-C twice).
    atexit.register(cluster.close)
    try:
        cluster.start(workers=2)
        yield cluster
    finally:
        cluster.close()
        atexit.unregister(cluster.close)


@pytest.fixture
def two_worker_cluster(dask_cluster):
    """The module's cluster with two live, joined workers (replacing any a test killed)."""
    dask_cluster.ensure_workers(2)
    return dask_cluster
