"""Safe database upgrades: plan, preflight, run MLflow's migrations step by step, verify."""
