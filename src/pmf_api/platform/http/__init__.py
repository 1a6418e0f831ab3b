"""HTTP helpers every router shares: dependencies, ETags, pages, problem responses, health probes."""
