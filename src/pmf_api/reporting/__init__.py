"""Reports councillors and boards read: as-reported snapshots, the quarterly Corporate Performance
Report, the monthly board pack, and the files and jobs that carry them.

Above ``assurance`` in the layers: a report reads every part of the framework, nothing reads it.
"""
