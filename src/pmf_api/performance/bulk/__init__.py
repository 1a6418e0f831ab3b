"""Bulk push of submission values (JSON, CSV, XLSX) and the per-service submission template."""
