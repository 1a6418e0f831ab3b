"""Report generation as jobs: requested, run outside the request by a worker, then fetched as a file."""
