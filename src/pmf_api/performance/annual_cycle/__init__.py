"""The annual cycle of targets: rolling the KPIs forward to next year with proposed targets, and the
six-monthly stretch review (issue 11, section 3; rules in ``domain.annual_cycle``)."""
