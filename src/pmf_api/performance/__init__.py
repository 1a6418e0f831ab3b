"""Performance: KPIs, targets, submissions and their collection, bulk push, and status (RAG, YTD, SPC...)."""
